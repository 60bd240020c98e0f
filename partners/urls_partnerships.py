"""/w/<slug>/partnerships/...: the partnership pages."""

from django.urls import path

from partners.views import commitments, documents, members
from partners.views import partnerships as views

urlpatterns = [
    path("partnerships/", views.PartnershipListView.as_view(), name="partnership_list"),
    path("partnerships/new/", views.PartnershipCreateView.as_view(), name="partnership_create"),
    path(
        "partnerships/<int:pk>/", views.PartnershipDetailView.as_view(), name="partnership_detail"
    ),
    path(
        "partnerships/<int:pk>/edit/", views.PartnershipEditView.as_view(), name="partnership_edit"
    ),
    path(
        "partnerships/<int:pk>/status/",
        views.PartnershipStatusView.as_view(),
        name="partnership_status",
    ),
    path(
        "partnerships/<int:pk>/members/add/",
        members.MemberAddView.as_view(),
        name="partnership_member_add",
    ),
    path(
        "partnerships/<int:pk>/members/<int:member_pk>/",
        members.MemberEditView.as_view(),
        name="partnership_member_edit",
    ),
    path(
        "partnerships/<int:pk>/members/<int:member_pk>/remove/",
        members.MemberRemoveView.as_view(),
        name="partnership_member_remove",
    ),
    path(
        "partnerships/<int:pk>/commitments/new/",
        commitments.CommitmentCreateView.as_view(),
        name="commitment_create",
    ),
    path(
        "partnerships/<int:pk>/commitments/<int:commitment_pk>/deliveries/new/",
        commitments.DeliveryAddView.as_view(),
        name="commitment_delivery_add",
    ),
    path(
        "partnerships/<int:pk>/conditions/",
        views.ConditionsView.as_view(),
        name="partnership_conditions",
    ),
    path(
        "partnerships/<int:pk>/documents/upload/",
        documents.DocumentUploadView.as_view(),
        name="document_upload",
    ),
    path(
        "partnerships/<int:pk>/documents/<int:doc_pk>/download/",
        documents.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path(
        "partnerships/<int:pk>/documents/<int:doc_pk>/delete/",
        documents.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
]
