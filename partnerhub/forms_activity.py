"""The activity pages' filter form (GET): who, what kind of object, which action, when."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms

from partnerhub.models import EventAction
from partnerhub.selectors_activity import EventFilters


class ActivityFilterForm(forms.Form):
    actor = forms.ChoiceField(label="Who", required=False)
    object_type = forms.ChoiceField(label="Type of object", required=False)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *EventAction.choices]
    )
    since = forms.DateField(
        label="From (date)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label="Until (date, inclusive)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        *args: Any,
        actor_choices: list[tuple[str, str]],
        type_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", "Anyone"), *actor_choices]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", "Any type"),
            *type_choices,
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date cannot be before the start date.")
        return cleaned

    def filters(self, zone: zoneinfo.ZoneInfo) -> EventFilters:
        """The valid form's filters; dates are whole days in the workspace's time zone."""
        data = self.cleaned_data
        kind, _, raw_id = (data.get("actor") or "").partition(":")
        actor_id = int(raw_id) if raw_id.isdigit() else None
        since, until = data.get("since"), data.get("until")
        return EventFilters(
            actor_user_id=actor_id if kind == "user" else None,
            actor_key_id=actor_id if kind == "key" else None,
            object_type=data.get("object_type") or "",
            action=data.get("action") or "",
            since=dt.datetime.combine(since, dt.time.min, zone) if since else None,
            until=(
                dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, zone)
                if until
                else None
            ),
        )
