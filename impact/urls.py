"""HTML URLs of the impact app, one module per use case."""

from django.urls import include, path

urlpatterns = [
    path("", include("impact.urls_indicators")),
    path("", include("impact.urls_measurements")),
    path("", include("impact.urls_spreadsheets")),
    path("", include("impact.urls_dashboards")),
    path("", include("impact.urls_health")),
    path("", include("impact.urls_iati")),
]
