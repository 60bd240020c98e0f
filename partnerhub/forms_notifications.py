"""Forms of the reminder pages: a person's cadence and the workspace's reminder policy.

They parse and validate input only; the services in partnerhub.services.notifications
write it.
"""

from __future__ import annotations

import calendar
from typing import Any

from django import forms

from partnerhub.models import Cadence, ReminderKind, ReminderPolicy

MAX_DAYS = 365
HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]
WEEKDAY_CHOICES = list(enumerate(calendar.day_name))


class NotificationSettingsForm(forms.Form):
    cadence = forms.ChoiceField(
        label="Reminder emails",
        choices=Cadence.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DayListField(forms.CharField):
    """A comma-separated list of whole numbers of days, such as "7, 1"."""

    default_error_messages = {
        "invalid": "Enter whole numbers of days separated by commas, such as 7, 1.",
        "range": f"Each number of days must be between 1 and {MAX_DAYS}.",
    }

    def __init__(self, *, descending: bool, **kwargs: Any) -> None:
        self.descending = descending
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return []
        days: set[int] = set()
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                day = int(part)
            except ValueError as exc:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
            if not 1 <= day <= MAX_DAYS:
                raise forms.ValidationError(self.error_messages["range"], code="range")
            days.add(day)
        return sorted(days, reverse=self.descending)


def _days(label: str, help_text: str, *, minimum: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, help_text=help_text, min_value=minimum, max_value=MAX_DAYS
    )


class ReminderPolicyForm(forms.Form):
    enabled_kinds = forms.MultipleChoiceField(
        label="Reminders that are sent",
        choices=ReminderKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Unticked kinds are not created at all: nobody is reminded of them.",
    )
    digest_hour = forms.TypedChoiceField(
        label="Digest time",
        choices=HOUR_CHOICES,
        coerce=int,
        help_text="The local hour, in the workspace's timezone, at which digests go out.",
    )
    weekly_digest_weekday = forms.TypedChoiceField(
        label="Weekly digest day",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        help_text="For people who chose a weekly digest.",
    )
    milestone_due_days = DayListField(
        label="Milestone due: days before the due date",
        descending=True,
        required=False,
        help_text="Separated by commas, such as 7, 1.",
    )
    overdue_repeat_days = _days(
        "Overdue milestone: repeat every (days)",
        "The reminder repeats until the milestone is updated or done.",
    )
    overdue_escalate_days = _days(
        "Overdue milestone: tell the Accountable organization and coordinators after (days)",
        "Days after the due date.",
    )
    stale_update_days = _days(
        "In-progress milestone without an update for (days)",
        "Its Responsible organization is reminded to post an update.",
    )
    missing_repeat_days = DayListField(
        label="Missing figure: remind again after (days)",
        descending=False,
        required=False,
        help_text=(
            "Days after the reporting period closed, separated by commas, such as 7, 14. "
            "The first reminder goes out when the period closes."
        ),
    )
    missing_escalate_days = _days(
        "Missing figure: tell the coordinators after (days)",
        "Days after the reporting period closed.",
    )
    health_check_days_before_close = _days(
        "Health check: days before the round closes",
        "Members who have not answered are reminded then (0 = on the closing day).",
        minimum=0,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kinds = set(data.get("enabled_kinds") or [])
        if (
            ReminderKind.MILESTONE_DUE in kinds
            and not data.get("milestone_due_days")
            and "milestone_due_days" not in self.errors
        ):
            self.add_error(
                "milestone_due_days",
                "Enter at least one number of days, or untick “Milestone due soon”.",
            )
        return data

    @classmethod
    def initial_for(cls, policy: ReminderPolicy) -> dict[str, Any]:
        return {name: getattr(policy, name) for name in cls.base_fields}
