"""Impact URLs: indicators and their reporting periods."""

from django.urls import path

from impact import views_indicators as views

urlpatterns = [
    path(
        "partnerships/<int:pk>/indicators/",
        views.IndicatorListView.as_view(),
        name="indicator_list",
    ),
    path(
        "partnerships/<int:pk>/indicators/new/",
        views.IndicatorCreateView.as_view(),
        name="indicator_create",
    ),
    path("indicators/<int:pk>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("indicators/<int:pk>/edit/", views.IndicatorEditView.as_view(), name="indicator_edit"),
    path(
        "indicators/<int:pk>/delete/",
        views.IndicatorDeleteView.as_view(),
        name="indicator_delete",
    ),
    path("periods/<int:pk>/lock/", views.PeriodLockView.as_view(), name="period_lock"),
    path("periods/<int:pk>/target/", views.PeriodTargetView.as_view(), name="period_target"),
]
