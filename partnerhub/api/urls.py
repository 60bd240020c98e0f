"""/api/v1/: the OpenAPI document and its docs, who-am-I, and the workspace's endpoints.

Domain apps add their endpoints under ``w/<slug:workspace_slug>/``.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from partnerhub.api import schema  # noqa: F401  (registers the OpenAPI extensions)
from partnerhub.api.activity import ActivityEventViewSet
from partnerhub.api.deletions import DeletionViewSet
from partnerhub.api.views import ApiDocsView, MemberViewSet, MeView, WorkspaceDetailView

member_list = MemberViewSet.as_view({"get": "list"})
member_detail = MemberViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("me/", MeView.as_view(), name="api_me"),
    path("w/<slug:workspace_slug>/", WorkspaceDetailView.as_view(), name="api_workspace"),
    path("w/<slug:workspace_slug>/members/", member_list, name="api_member-list"),
    path("w/<slug:workspace_slug>/members/<int:pk>/", member_detail, name="api_member-detail"),
    path(
        "w/<slug:workspace_slug>/activity/",
        ActivityEventViewSet.as_view({"get": "list"}),
        name="api_activity-list",
    ),
    path(
        "w/<slug:workspace_slug>/deletions/",
        DeletionViewSet.as_view({"get": "list"}),
        name="api_deletion-list",
    ),
]
