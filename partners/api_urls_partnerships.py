"""Partnership endpoints under /api/v1/w/<workspace_slug>/."""

from django.urls import path

from partners.api.commitments import CommitmentTotalsView, CommitmentViewSet, DeliveryViewSet
from partners.api.documents import DocumentViewSet
from partners.api.members import PartnershipMembersNestedViewSet, PartnershipMemberViewSet
from partners.api.partnerships import ConditionViewSet, PartnershipViewSet, StatusChangeViewSet

urlpatterns = [
    path(
        "partnerships/",
        PartnershipViewSet.as_view({"get": "list", "post": "create"}),
        name="api_partnership-list",
    ),
    path(
        "partnerships/<int:pk>/",
        PartnershipViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_partnership-detail",
    ),
    path(
        "partnerships/<int:pk>/status/",
        PartnershipViewSet.as_view({"post": "change_status"}),
        name="api_partnership-status",
    ),
    path(
        "partnerships/<int:pk>/commitment-totals/",
        CommitmentTotalsView.as_view(),
        name="api_partnership-commitment-totals",
    ),
    path(
        "partnerships/<int:partnership_pk>/status-changes/",
        StatusChangeViewSet.as_view({"get": "list"}),
        name="api_partnership-status-changes",
    ),
    path(
        "partnerships/<int:partnership_pk>/conditions/",
        ConditionViewSet.as_view({"get": "list"}),
        name="api_partnership-conditions",
    ),
    path(
        "partnerships/<int:partnership_pk>/conditions/<str:condition>/",
        ConditionViewSet.as_view({"patch": "partial_update"}),
        name="api_partnership-condition",
    ),
    path(
        "partnerships/<int:partnership_pk>/members/",
        PartnershipMembersNestedViewSet.as_view({"get": "list", "post": "create"}),
        name="api_partnership-members",
    ),
    path(
        "partnership-members/",
        PartnershipMemberViewSet.as_view({"get": "list"}),
        name="api_partnership_member-list",
    ),
    path(
        "partnership-members/<int:pk>/",
        PartnershipMemberViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="api_partnership_member-detail",
    ),
    path(
        "commitments/",
        CommitmentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_commitment-list",
    ),
    path(
        "commitments/<int:pk>/",
        CommitmentViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_commitment-detail",
    ),
    path(
        "commitments/<int:commitment_pk>/deliveries/",
        DeliveryViewSet.as_view({"get": "list", "post": "create"}),
        name="api_commitment-deliveries",
    ),
    path(
        "documents/",
        DocumentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_document-list",
    ),
    path(
        "documents/<int:pk>/",
        DocumentViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="api_document-detail",
    ),
    path(
        "documents/<int:pk>/download/",
        DocumentViewSet.as_view({"get": "download"}),
        name="api_document-download",
    ),
]
