"""API endpoints of the partners app, under /api/v1/w/<workspace_slug>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("partners.api_urls_organizations")),
    path("", include("partners.api_urls_partnerships")),
]
