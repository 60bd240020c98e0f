"""The public unsubscribe link of reminder emails, under /reminders/ (the signed token is
the credential; no login)."""

from django.urls import path

from partnerhub.views import notifications

urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        notifications.UnsubscribeView.as_view(),
        name="reminders_unsubscribe",
    ),
]
