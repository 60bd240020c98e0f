"""Role assignment endpoints under /api/v1/w/<workspace_slug>/."""

from django.urls import path

from roles.api import RoleAssignmentViewSet

urlpatterns = [
    path(
        "role-assignments/",
        RoleAssignmentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_role_assignment-list",
    ),
    path(
        "role-assignments/<int:pk>/",
        RoleAssignmentViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="api_role_assignment-detail",
    ),
]
