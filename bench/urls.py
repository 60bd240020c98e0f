"""The reference views under /bench/ (only with BENCH_ENDPOINTS; see bench.views)."""

from django.urls import path

from bench import views

urlpatterns = [
    path("e0/", views.e0, name="bench_e0"),
    path(
        "w/<slug:workspace_slug>/measurements/",
        views.measurements_page,
        name="bench_measurements",
    ),
    path(
        "w/<slug:workspace_slug>/dashboard/<int:pk>/",
        views.dashboard_aggregate,
        name="bench_dashboard",
    ),
]
