"""Forms of the partnership pages. They parse input; the services decide what is valid
(their ValidationErrors come back to the fields through ``partnerhub.web.attach_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms

from partnerhub.models import Workspace
from partners.models import (
    CommitmentKind,
    Condition,
    DocumentKind,
    MemberRole,
    Organization,
    Partnership,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    Resource,
)
from partners.selectors import organization_list
from partners.selectors_partnerships import (
    PartnershipAccess,
    member_list,
    member_organizations,
    organizations_not_members,
)
from partners.services.partnerships import allowed_transitions, reason_required
from partners.uploads import AGREEMENT_UPLOADS, UploadValidator


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:  # type: ignore[override]
        return obj.name


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartnershipMember) -> str:  # type: ignore[override]
        return obj.organization.name


ROLE_HELP = (
    "An organization may hold several roles. In IATI terms: lead/backbone is accountable, "
    "funder is funding, advisor and evaluator are extending, implementer and community "
    "partner are implementing."
)


# --- Partnerships -----------------------------------------------------------------------


class PartnershipFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *PartnershipStatus.choices]
    )
    model = forms.ChoiceField(
        label="Model", required=False, choices=[("", "Any model"), *PartnershipModel.choices]
    )
    organization = OrganizationChoiceField(
        label="Member organization", required=False, queryset=None, empty_label="Any organization"
    )

    def __init__(
        self, *args: Any, workspace: Workspace, access: PartnershipAccess, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = member_organizations(  # type: ignore[attr-defined]
            workspace=workspace, access=access
        )


class PartnershipForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    model = forms.ChoiceField(
        label="Partnership model",
        choices=PartnershipModel.choices,
        widget=forms.RadioSelect,
        help_text="A collective impact initiative also tracks its five conditions.",
    )
    status = forms.ChoiceField(
        label="Status to start with",
        choices=PartnershipStatus.choices,
        initial=PartnershipStatus.EXPLORING,
        help_text="Later changes go through “Change status”, which keeps the history.",
    )
    common_agenda = forms.CharField(
        label="Common agenda",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The shared vision: the problem and how the partners will solve it together.",
    )
    needs = forms.MultipleChoiceField(
        label="What the partnership needs",
        required=False,
        choices=Resource.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    lead_organization = OrganizationChoiceField(
        label="Lead or backbone organization",
        required=False,
        queryset=None,
        empty_label="None yet",
        help_text="It becomes a member with the lead role.",
    )
    start_date = forms.DateField(label="Start date", required=False, widget=DateInput())
    end_date = forms.DateField(label="End date", required=False, widget=DateInput())
    iati_identifier = forms.CharField(
        label="IATI activity identifier", required=False, max_length=150
    )

    def __init__(
        self, *args: Any, workspace: Workspace, creating: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_organization"].queryset = organization_list(workspace=workspace)  # type: ignore[attr-defined]
        if not creating:
            del self.fields["status"]

    @staticmethod
    def initial_for(partnership: Partnership) -> dict[str, Any]:
        return {
            "name": partnership.name,
            "model": partnership.model,
            "common_agenda": partnership.common_agenda,
            "needs": partnership.needs,
            "lead_organization": partnership.lead_organization_id,
            "start_date": partnership.start_date,
            "end_date": partnership.end_date,
            "iati_identifier": partnership.iati_identifier,
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when pausing, dissolving or reopening; recorded in the history.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = partnership.status
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (code, PartnershipStatus(code).label) for code in allowed_transitions(self.current)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status and reason_required(self.current, status) and not data.get("reason", "").strip():
            self.add_error("reason", "Give a reason for this change.")
        return data


# --- Members ------------------------------------------------------------------------------


class MemberRolesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label="Roles",
            choices=MemberRole.choices,
            widget=forms.CheckboxSelectMultiple,
            help_text=ROLE_HELP,
            error_messages={"required": "Choose at least one role."},
            **kwargs,
        )


class MemberAddForm(forms.Form):
    organization = OrganizationChoiceField(
        label="Organization",
        queryset=None,
        empty_label="Choose an organization",
        help_text="Organizations of the directory that are not members yet.",
    )
    roles = MemberRolesField()
    joined_on = forms.DateField(
        label="Joined on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for today.",
    )

    def __init__(
        self, *args: Any, workspace: Workspace, partnership: Partnership, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_not_members(  # type: ignore[attr-defined]
            workspace=workspace, partnership=partnership
        )


class MemberEditForm(forms.Form):
    roles = MemberRolesField()
    joined_on = forms.DateField(label="Joined on", widget=DateInput())


# --- Commitments --------------------------------------------------------------------------


class CommitmentForm(forms.Form):
    member = MemberChoiceField(
        label="Member", queryset=None, empty_label="Choose a member organization"
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=CommitmentKind.choices,
        widget=forms.RadioSelect,
        help_text="Cash and in-kind are valued in a currency; staff time is counted in hours.",
    )
    pledged = forms.DecimalField(
        label="Amount pledged (money or hours)",
        max_digits=16,
        decimal_places=2,
        min_value=0,
    )
    currency = forms.CharField(
        label="Currency",
        required=False,
        max_length=3,
        help_text="Three-letter ISO 4217 code such as EUR, USD or KES; empty for staff time.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=300,
        help_text="Required for in-kind: what is given, e.g. “Ten laptops”.",
    )
    pledged_on = forms.DateField(
        label="Pledged on", required=False, widget=DateInput(), help_text="Leave empty for today."
    )
    due_on = forms.DateField(label="Due by", required=False, widget=DateInput())

    def __init__(
        self, *args: Any, workspace: Workspace, partnership: Partnership, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = member_list(  # type: ignore[attr-defined]
            workspace=workspace, partnership=partnership, current=True
        )
        self.fields["currency"].widget.attrs.update(autocapitalize="characters", size="4")


class DeliveryForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount delivered (money or hours)", max_digits=16, decimal_places=2, min_value=0
    )
    delivered_on = forms.DateField(
        label="Delivered on", required=False, widget=DateInput(), help_text="Leave empty for today."
    )
    note = forms.CharField(label="Note", required=False, max_length=300)


# --- Conditions ---------------------------------------------------------------------------


class ConditionsForm(forms.Form):
    """One "in place" checkbox and one evidence note per condition."""

    def __init__(self, *args: Any, conditions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes: list[str] = []
        for row in conditions:
            label = Condition(row.condition).label
            self.codes.append(row.condition)
            self.fields[f"{row.condition}-in_place"] = forms.BooleanField(
                label=f"{label} is in place", required=False, initial=row.in_place
            )
            self.fields[f"{row.condition}-evidence"] = forms.CharField(
                label=f"Evidence for {str(label).lower()}",
                required=False,
                max_length=5000,
                initial=row.evidence,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def groups(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(Condition(code).label), self[f"{code}-in_place"], self[f"{code}-evidence"])
            for code in self.codes
        ]

    def changes(self) -> dict[str, tuple[bool, str]]:
        return {
            code: (
                bool(self.cleaned_data[f"{code}-in_place"]),
                self.cleaned_data[f"{code}-evidence"],
            )
            for code in self.codes
        }


# --- Documents ----------------------------------------------------------------------------


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="File",
        validators=[UploadValidator.for_rule(AGREEMENT_UPLOADS)],
        help_text=f"{AGREEMENT_UPLOADS.describe()}. The type is checked from the content.",
    )
    title = forms.CharField(
        label="Title", required=False, max_length=200, help_text="Leave empty to use the file name."
    )
    kind = forms.ChoiceField(label="Kind of agreement", choices=DocumentKind.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = AGREEMENT_UPLOADS.accept
