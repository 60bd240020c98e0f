"""The admin's form to invite a person to a workspace."""

from __future__ import annotations

from typing import Any

from django import forms

from partnerhub.models import Role, Workspace
from partnerhub.organizations import organization_list


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.VIEWER)
    organization = forms.ModelChoiceField(
        label="Organization",
        queryset=None,
        required=False,
        empty_label="— none —",
        help_text="Required for partners: the organization the person represents.",
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["organization"].queryset = organization_list(workspace=workspace)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.PARTNER and not cleaned.get("organization"):
            self.add_error("organization", "A partner must represent an organization.")
        return cleaned
