"""The organization directory's pages, under /w/<workspace_slug>/."""

from django.urls import path

from partners.views import organizations as views

urlpatterns = [
    path("organizations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/new/", views.OrganizationCreateView.as_view(), name="organization_create"),
    path(
        "organizations/export.csv",
        views.OrganizationExportView.as_view(),
        name="organization_export",
    ),
    path(
        "organizations/import/", views.OrganizationImportView.as_view(), name="organization_import"
    ),
    path(
        "organizations/import/<int:pk>/",
        views.OrganizationImportDetailView.as_view(),
        name="organization_import_detail",
    ),
    path(
        "organizations/import/<int:pk>/apply/",
        views.OrganizationImportApplyView.as_view(),
        name="organization_import_apply",
    ),
    path(
        "organizations/<int:pk>/",
        views.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
    path(
        "organizations/<int:pk>/edit/",
        views.OrganizationEditView.as_view(),
        name="organization_edit",
    ),
    path(
        "organizations/<int:pk>/delete/",
        views.OrganizationDeleteView.as_view(),
        name="organization_delete",
    ),
]
