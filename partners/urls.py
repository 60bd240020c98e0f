"""HTML pages of the partners app, under /w/<workspace_slug>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("partners.urls_organizations")),
    path("", include("partners.urls_partnerships")),
    path("", include("partners.urls_discovery")),
]
