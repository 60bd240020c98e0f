"""/w/<slug>/api-keys/: the admin's API keys page."""

from django.urls import path

from partnerhub.views.api_keys import ApiKeyListView, ApiKeyRevokeView

urlpatterns = [
    path("api-keys/", ApiKeyListView.as_view(), name="workspace_api_keys"),
    path("api-keys/<int:pk>/revoke/", ApiKeyRevokeView.as_view(), name="workspace_api_key_revoke"),
]
