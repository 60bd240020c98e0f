"""Impact URLs: the partnership health check (/w/<slug>/...)."""

from django.urls import path

from impact import views_health

urlpatterns = [
    path(
        "partnerships/<int:pk>/health/",
        views_health.HealthRoundListView.as_view(),
        name="health_round_list",
    ),
    path(
        "partnerships/<int:pk>/health/new/",
        views_health.HealthRoundCreateView.as_view(),
        name="health_round_create",
    ),
    path("health/<int:pk>/", views_health.HealthResultsView.as_view(), name="health_round_results"),
    path(
        "health/<int:pk>/edit/",
        views_health.HealthRoundEditView.as_view(),
        name="health_round_edit",
    ),
    path(
        "health/<int:pk>/answer/",
        views_health.HealthAnswerView.as_view(),
        name="health_round_answer",
    ),
]
