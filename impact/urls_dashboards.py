"""Impact URLs: the partnership dashboard, the portfolio, the missing-data board and its
reminders, the printable impact report."""

from django.urls import path

from impact import views_dashboards as views

urlpatterns = [
    path(
        "partnerships/<int:pk>/dashboard/",
        views.PartnershipDashboardView.as_view(),
        name="partnership_dashboard",
    ),
    path("partnerships/<int:pk>/report/", views.ImpactReportView.as_view(), name="impact_report"),
    path("portfolio/", views.PortfolioView.as_view(), name="impact_portfolio"),
    path("missing-data/", views.MissingDataView.as_view(), name="missing_data"),
    path(
        "missing-data/remind/",
        views.MissingDataRemindView.as_view(),
        name="missing_data_remind",
    ),
]
