"""/w/<slug>/settings/webhooks/: the admin's webhook endpoints and delivery logs."""

from django.urls import path

from partnerhub.views import webhooks

urlpatterns = [
    path("settings/webhooks/", webhooks.WebhookListView.as_view(), name="workspace_webhooks"),
    path(
        "settings/webhooks/<int:pk>/",
        webhooks.WebhookDetailView.as_view(),
        name="workspace_webhook_detail",
    ),
    path(
        "settings/webhooks/<int:pk>/rotate-secret/",
        webhooks.WebhookRotateSecretView.as_view(),
        name="workspace_webhook_rotate",
    ),
    path(
        "settings/webhooks/<int:pk>/test/",
        webhooks.WebhookTestView.as_view(),
        name="workspace_webhook_test",
    ),
    path(
        "settings/webhooks/<int:pk>/delete/",
        webhooks.WebhookDeleteView.as_view(),
        name="workspace_webhook_delete",
    ),
    path(
        "settings/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        webhooks.WebhookRedeliverView.as_view(),
        name="workspace_webhook_redeliver",
    ),
]
