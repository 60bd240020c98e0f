"""The admin's form to create an API key."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, tzinfo

from django import forms
from django.utils import timezone

from partnerhub.models import ApiKeyScope, Workspace


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What uses the key, e.g. “Funder dashboard”.",
    )
    scope = forms.ChoiceField(
        label="Scope",
        choices=ApiKeyScope.choices,
        initial=ApiKeyScope.READ,
        widget=forms.RadioSelect,
        help_text="Read keys see what a viewer sees; write keys may also change content, "
        "like a coordinator. No key manages the workspace.",
    )
    expires = forms.DateField(
        label="Expires (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The key stops working at the start of this day. Leave empty for no expiry.",
    )

    def __init__(self, *args: object, workspace: Workspace, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.workspace = workspace
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def _zone(self) -> tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.workspace.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return UTC

    def clean_expires(self) -> date | None:
        day: date | None = self.cleaned_data.get("expires")
        if day is not None and self.expires_at_for(day) <= timezone.now():
            raise forms.ValidationError("Choose a day after today.")
        return day

    def expires_at_for(self, day: date) -> datetime:
        """The start of ``day`` in the workspace's time zone."""
        return datetime.combine(day, time.min, tzinfo=self._zone())

    @property
    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires")
        return self.expires_at_for(day) if day is not None else None
