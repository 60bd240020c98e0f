"""/w/<slug>/activity/ and /w/<slug>/partnerships/<pk>/activity/: the activity trail."""

from django.urls import path

from partnerhub.views.activity import PartnershipActivityView, WorkspaceActivityView

urlpatterns = [
    path("activity/", WorkspaceActivityView.as_view(), name="workspace_activity"),
    path(
        "partnerships/<int:pk>/activity/",
        PartnershipActivityView.as_view(),
        name="partnership_activity",
    ),
]
