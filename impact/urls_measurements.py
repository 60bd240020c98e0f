"""Impact URLs: measurements (reporting figures and reviewing them)."""

from django.urls import path

from impact import views_measurements as views

urlpatterns = [
    path(
        "indicators/<int:indicator_pk>/periods/<int:period_pk>/report/",
        views.MeasurementReportView.as_view(),
        name="measurement_report",
    ),
    path("figures/", views.MyFiguresView.as_view(), name="my_figures"),
    path(
        "measurements/<int:pk>/", views.MeasurementDetailView.as_view(), name="measurement_detail"
    ),
    path(
        "measurements/<int:pk>/review/",
        views.MeasurementReviewView.as_view(),
        name="measurement_review",
    ),
    path(
        "measurements/<int:pk>/evidence/",
        views.MeasurementEvidenceView.as_view(),
        name="measurement_evidence",
    ),
    path("review/", views.ReviewQueueView.as_view(), name="measurement_review_queue"),
    path("review/bulk/", views.ReviewBulkView.as_view(), name="measurement_review_bulk"),
]
