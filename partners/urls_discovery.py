"""/w/<slug>/partnerships/<pk>/suggestions/: partner discovery."""

from django.urls import path

from partners.views import discovery as views

urlpatterns = [
    path(
        "partnerships/<int:pk>/suggestions/",
        views.PartnershipSuggestionsView.as_view(),
        name="partnership_suggestions",
    ),
]
