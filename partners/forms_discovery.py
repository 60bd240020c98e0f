"""The "Add as member" form of a partner suggestion: which organization, in which role."""

from __future__ import annotations

from typing import Any

from django import forms

from partnerhub.models import Workspace
from partners.models import MemberRole, Organization
from partners.selectors import organization_list


class SuggestionAddForm(forms.Form):
    # Any organization of the workspace: whether it may join (not a member already) is the
    # service's decision, which answers with a clear message.
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose an organization of this workspace."},
    )
    role = forms.ChoiceField(
        label="Role", choices=MemberRole.choices, initial=MemberRole.IMPLEMENTER
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organization_list(workspace=workspace)  # type: ignore[attr-defined]
