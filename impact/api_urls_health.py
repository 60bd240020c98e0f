"""Impact API URLs: the health check (read-only)."""

from django.urls import path

from impact.api_health import HealthRoundViewSet

urlpatterns = [
    path(
        "health-rounds/",
        HealthRoundViewSet.as_view({"get": "list"}),
        name="api_health_round-list",
    ),
    path(
        "health-rounds/<int:pk>/",
        HealthRoundViewSet.as_view({"get": "retrieve"}),
        name="api_health_round-detail",
    ),
    path(
        "health-rounds/<int:pk>/results/",
        HealthRoundViewSet.as_view({"get": "results"}),
        name="api_health_round-results",
    ),
]
