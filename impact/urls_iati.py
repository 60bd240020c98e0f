"""IATI activity XML (impact.iati): a partnership's file and the workspace's file."""

from django.urls import path

from impact import views_iati as views

urlpatterns = [
    path(
        "partnerships/<int:pk>/iati.xml",
        views.PartnershipIatiView.as_view(),
        name="partnership_iati",
    ),
    path("iati.xml", views.WorkspaceIatiView.as_view(), name="workspace_iati"),
]
