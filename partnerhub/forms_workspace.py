"""Forms of the workspace admin pages: settings and a member's role.

They parse and validate input only; the rules (a partner needs an organization of this
workspace, the workspace keeps an admin) live in partnerhub.services.memberships, whose
ValidationErrors the views attach to these forms.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms

from partnerhub.models import Role, Workspace
from partnerhub.organizations import organization_list

# Names the database knows but no workspace means ("the server's own", a placeholder).
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - _NOT_PLACES)
    return [(name, name.replace("_", " ")) for name in names]


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    timezone = forms.ChoiceField(
        label="Timezone",
        help_text="Due dates, reminders and reports use this timezone.",
    )
    require_mfa = forms.BooleanField(
        label="Require two-factor authentication for every member",
        required=False,
        help_text=(
            "Members who have not set up an authenticator app are asked to do so before "
            "they see this workspace."
        ),
    )

    def __init__(self, *args: Any, has_own_mfa: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        timezone_field = self.fields["timezone"]
        assert isinstance(timezone_field, forms.ChoiceField)
        timezone_field.choices = timezone_choices()
        self.has_own_mfa = has_own_mfa

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name.")
        return name

    def clean_require_mfa(self) -> bool:
        required = bool(self.cleaned_data.get("require_mfa"))
        if required and not self.has_own_mfa:
            # Otherwise the admin would lock themselves out with this very click.
            raise forms.ValidationError(
                "Set up two-factor authentication for your own account first."
            )
        return required

    @classmethod
    def initial_for(cls, workspace: Workspace) -> dict[str, Any]:
        return {
            "name": workspace.name,
            "timezone": workspace.timezone,
            "require_mfa": workspace.require_mfa,
        }


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Organization",
        queryset=None,
        required=False,
        empty_label="— None —",
        help_text="Required for partners: the organization this person represents.",
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Only this workspace's organizations are choices: any other id is "not a valid
        # choice", the same answer as an id that does not exist.
        self.fields["organization"].queryset = organization_list(workspace=workspace)  # type: ignore[attr-defined]
