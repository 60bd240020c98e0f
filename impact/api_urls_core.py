"""Impact API URLs (core): indicators, periods, figures and derived progress, under
/api/v1/w/<workspace_slug>/."""

from django.urls import path

from impact.api_iati import PartnershipIatiAPIView, WorkspaceIatiAPIView
from impact.api_indicators import IndicatorProgressViewSet, IndicatorViewSet, PeriodViewSet
from impact.api_measurements import MeasurementViewSet

urlpatterns = [
    path(
        "indicators/",
        IndicatorViewSet.as_view({"get": "list", "post": "create"}),
        name="api_indicator-list",
    ),
    path(
        "indicators/<int:pk>/",
        IndicatorViewSet.as_view(
            {
                "get": "retrieve",
                "put": "update",
                "patch": "partial_update",
                "delete": "destroy",
            }
        ),
        name="api_indicator-detail",
    ),
    path(
        "indicators/<int:pk>/progress/",
        IndicatorViewSet.as_view({"get": "progress"}),
        name="api_indicator-progress",
    ),
    path(
        "indicator-progress/",
        IndicatorProgressViewSet.as_view({"get": "list"}),
        name="api_indicator_progress-list",
    ),
    path("periods/", PeriodViewSet.as_view({"get": "list"}), name="api_period-list"),
    path(
        "periods/<int:pk>/",
        PeriodViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_period-detail",
    ),
    path(
        "measurements/",
        MeasurementViewSet.as_view({"get": "list", "post": "create"}),
        name="api_measurement-list",
    ),
    path(
        "measurements/review/",
        MeasurementViewSet.as_view({"post": "review_bulk"}),
        name="api_measurement-review",
    ),
    path(
        "measurements/<int:pk>/",
        MeasurementViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_measurement-detail",
    ),
    path(
        "measurements/<int:pk>/submit/",
        MeasurementViewSet.as_view({"post": "submit"}),
        name="api_measurement-submit",
    ),
    path(
        "measurements/<int:pk>/approve/",
        MeasurementViewSet.as_view({"post": "approve"}),
        name="api_measurement-approve",
    ),
    path(
        "measurements/<int:pk>/return/",
        MeasurementViewSet.as_view({"post": "return_figure"}),
        name="api_measurement-return",
    ),
    path("iati/activities.xml", WorkspaceIatiAPIView.as_view(), name="api_iati-activities"),
    path(
        "partnerships/<int:pk>/iati.xml",
        PartnershipIatiAPIView.as_view(),
        name="api_partnership-iati",
    ),
]
