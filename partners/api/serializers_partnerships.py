"""Input and output serializers of the partnership endpoints.

Output serializers shape what the selectors return (annotations included, nothing read
per row); input serializers parse a request body and turn ids into rows of the workspace
through the selectors. The rules live in the services, whose ValidationErrors become 400
problems.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import (
    AgreementDocument,
    CommitmentKind,
    Condition,
    DocumentKind,
    MemberRole,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    Resource,
)
from partners.selectors import organization_get
from partners.selectors_partnerships import iati_roles
from partners.uploads import AGREEMENT_UPLOADS

ROLE_HELP = (
    "Member role codes; an organization may hold several. IATI organisation roles: lead → 2 "
    "accountable, funder → 1 funding, advisor and evaluator → 3 extending, implementer and "
    "community → 4 implementing."
)


class OrganizationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class ApiKeyBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()


def _organization_of_workspace(serializer: serializers.Serializer, value: int | None) -> Any:
    if value is None:
        return None
    try:
        return organization_get(workspace=serializer.context["workspace"], pk=value)
    except ObjectDoesNotExist as exc:  # the same answer for "missing" and "not yours"
        raise serializers.ValidationError("Choose an organization of this workspace.") from exc


# --- Partnerships -----------------------------------------------------------------------


class PartnershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model = serializers.ChoiceField(choices=PartnershipModel.choices)
    status = serializers.ChoiceField(choices=PartnershipStatus.choices)
    common_agenda = serializers.CharField()
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=Resource.choices),
        help_text="Resource codes the partnership needs.",
    )
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    lead_organization = OrganizationBriefSerializer(allow_null=True)
    member_count = serializers.IntegerField(help_text="Current members (past ones not counted).")
    iati_identifier = serializers.CharField(help_text="IATI activity identifier, if any.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        help_text="Also moves when a member joins or leaves (the member count changes)."
    )


class PartnershipWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    model = serializers.ChoiceField(choices=PartnershipModel.choices)
    status = serializers.ChoiceField(
        choices=PartnershipStatus.choices,
        required=False,
        help_text="Creation only (default exploring); later use POST .../status/.",
    )
    common_agenda = serializers.CharField(required=False, allow_blank=True)
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=Resource.choices), required=False
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    lead_organization = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Id of an organization of the workspace; it becomes a member with the lead role.",
    )
    iati_identifier = serializers.CharField(required=False, allow_blank=True, max_length=150)

    def validate_lead_organization(self, value: int | None) -> Any:
        return _organization_of_workspace(self, value)

    def validate_status(self, value: str) -> str:
        if self.partial:
            raise serializers.ValidationError("Change the status with POST .../status/.")
        return value


class StatusChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_status = serializers.CharField(
        help_text="Empty for the status the partnership was created with."
    )
    to_status = serializers.ChoiceField(choices=PartnershipStatus.choices)
    reason = serializers.CharField()
    changed_by = PersonBriefSerializer(allow_null=True, help_text="The person, if one acted.")
    changed_by_key = ApiKeyBriefSerializer(allow_null=True, help_text="The API key, if one acted.")
    created_at = serializers.DateTimeField()


class StatusChangeInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnershipStatus.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Required to pause, dissolve or reopen (completed and dissolved are final; "
        "they can only be reopened as active).",
    )


class ConditionSerializer(serializers.Serializer):
    condition = serializers.ChoiceField(choices=Condition.choices)
    title = serializers.CharField(source="get_condition_display")
    in_place = serializers.BooleanField()
    evidence = serializers.CharField()
    updated_at = serializers.DateTimeField()


class ConditionUpdateSerializer(serializers.Serializer):
    in_place = serializers.BooleanField()
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# --- Members ------------------------------------------------------------------------------


class PartnershipMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    organization = OrganizationBriefSerializer()
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=MemberRole.choices), help_text=ROLE_HELP
    )
    iati_roles = serializers.SerializerMethodField(
        help_text="IATI OrganisationRole codes the roles map to: 1 funding, 2 accountable, "
        "3 extending, 4 implementing."
    )
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True, help_text="Null while a current member.")
    is_current = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_iati_roles(self, obj: PartnershipMember) -> list[int]:
        return iati_roles(obj.roles)


class PartnershipMemberCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, help_text="Id of the organization.")
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=MemberRole.choices),
        allow_empty=False,
        help_text=ROLE_HELP,
    )
    joined_on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")

    def validate_organization(self, value: int) -> Any:
        return _organization_of_workspace(self, value)


class PartnershipMemberUpdateSerializer(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=MemberRole.choices),
        allow_empty=False,
        required=False,
        help_text=ROLE_HELP,
    )
    joined_on = serializers.DateField(required=False)


# --- Commitments --------------------------------------------------------------------------


def amount_field(**kwargs: Any) -> serializers.DecimalField:
    """Money (or hours), as the ledger stores it: up to 14 digits and 2 decimals."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


class CommitmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    member = serializers.IntegerField(source="member_id", help_text="The membership's id.")
    organization = OrganizationBriefSerializer(source="member.organization")
    kind = serializers.ChoiceField(choices=CommitmentKind.choices)
    description = serializers.CharField()
    currency = serializers.CharField(help_text="ISO 4217 code; empty for staff time (hours).")
    pledged = amount_field()
    delivered = amount_field(help_text="Sum of the deliveries so far.")
    over_delivered = serializers.SerializerMethodField(
        help_text="More was delivered than pledged (allowed, flagged)."
    )
    pledged_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="Also moves when a delivery is recorded.")

    def get_over_delivered(self, obj: Any) -> bool:
        return bool(obj.delivered > obj.pledged)


class CommitmentCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1, help_text="Id of a current membership (see partnership members)."
    )
    kind = serializers.ChoiceField(choices=CommitmentKind.choices)
    pledged = amount_field(
        help_text="Money for cash and in-kind (estimated value), hours for staff time."
    )
    currency = serializers.CharField(
        required=False, allow_blank=True, max_length=3, help_text="Required for cash and in kind."
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Required for in kind."
    )
    pledged_on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")
    due_on = serializers.DateField(required=False, allow_null=True)


class CommitmentUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CommitmentKind.choices, required=False)
    pledged = amount_field(required=False)
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    pledged_on = serializers.DateField(required=False)
    due_on = serializers.DateField(required=False, allow_null=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    commitment = serializers.IntegerField(source="commitment_id")
    amount = amount_field()
    delivered_on = serializers.DateField()
    note = serializers.CharField()
    recorded_by = serializers.IntegerField(
        source="recorded_by_id", allow_null=True, help_text="The person; null for an API key."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DeliveryCreateSerializer(serializers.Serializer):
    amount = amount_field(help_text="In the commitment's currency, or hours.")
    delivered_on = serializers.DateField(
        required=False, allow_null=True, help_text="Default: today."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class AmountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CommitmentKind.choices)
    currency = serializers.CharField()
    unit = serializers.CharField(help_text="The currency, or `hours` for staff time.")
    pledged = amount_field()
    delivered = amount_field()
    remaining = amount_field()
    percent_delivered = serializers.IntegerField()
    over_delivered = serializers.BooleanField()


class MemberTotalsSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="The membership's id.")
    organization = OrganizationBriefSerializer()
    is_current = serializers.BooleanField()
    amounts = AmountSerializer(many=True)


class CommitmentTotalsSerializer(serializers.Serializer):
    partnership = serializers.IntegerField()
    totals = AmountSerializer(
        many=True, help_text="The whole partnership, one entry per kind and currency."
    )
    members = MemberTotalsSerializer(many=True)


# --- Documents ----------------------------------------------------------------------------


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    original_name = serializers.CharField(help_text="The uploaded file's name.")
    content_type = serializers.CharField(help_text="Detected from the file's content.")
    size = serializers.IntegerField(help_text="Bytes.")
    uploaded_by = serializers.IntegerField(source="uploaded_by_id", allow_null=True)
    download_url = serializers.SerializerMethodField(
        help_text="Authorized download (the same credentials); answers the file as attachment."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj: AgreementDocument) -> str:
        path = reverse(
            "api_document-download",
            kwargs={"workspace_slug": self.context["workspace"].slug, "pk": obj.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DocumentUploadSerializer(serializers.Serializer):
    partnership = serializers.IntegerField(min_value=1, help_text="Id of the partnership.")
    file = serializers.FileField(
        help_text=f"{AGREEMENT_UPLOADS.describe()}; the type is checked from the content."
    )
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Default: the file name."
    )
    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False)
