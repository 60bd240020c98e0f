"""Impact URLs: spreadsheets (import of figures, export of indicators)."""

from django.urls import path

from impact import views_spreadsheets as views

urlpatterns = [
    path(
        "partnerships/<int:pk>/figures/import/",
        views.MeasurementImportView.as_view(),
        name="measurement_import",
    ),
    path(
        "partnerships/<int:pk>/figures/import/template.csv",
        views.MeasurementImportTemplateView.as_view(),
        name="measurement_import_template",
    ),
    path(
        "figures/imports/<int:pk>/",
        views.MeasurementImportDetailView.as_view(),
        name="measurement_import_detail",
    ),
    path(
        "figures/imports/<int:pk>/apply/",
        views.MeasurementImportApplyView.as_view(),
        name="measurement_import_apply",
    ),
    path(
        "figures/imports/<int:pk>/progress/",
        views.MeasurementImportProgressView.as_view(),
        name="measurement_import_progress",
    ),
    path(
        "partnerships/<int:pk>/indicators.csv",
        views.IndicatorExportView.as_view(),
        name="indicator_export_csv",
    ),
]
