"""REST API of the impact app under /api/v1/w/<slug>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("impact.api_urls_core")),
    path("", include("impact.api_urls_health")),
]
