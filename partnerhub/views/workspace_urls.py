"""Workspace admin pages under /w/<workspace_slug>/ (settings and members)."""

from django.urls import path

from partnerhub.views import workspace

urlpatterns = [
    path("settings/", workspace.WorkspaceSettingsView.as_view(), name="workspace_settings"),
    path("members/", workspace.MemberListView.as_view(), name="workspace_members"),
    path("members/<int:pk>/", workspace.MemberUpdateView.as_view(), name="workspace_member"),
    path(
        "members/<int:pk>/remove/",
        workspace.MemberRemoveView.as_view(),
        name="workspace_member_remove",
    ),
]
