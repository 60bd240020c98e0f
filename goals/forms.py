"""Forms of the goal pages. They parse input; the services decide what is valid (their
ValidationErrors come back to the fields through ``partnerhub.web.attach_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms

from goals.models import Milestone, MilestoneStatus, SharedGoal
from partnerhub.api.filters import MAX_ID
from partners.forms_partnerships import DateInput
from partners.models import SDG_NAMES

__all__ = [
    "CommentForm",
    "GoalForm",
    "MilestoneDeleteForm",
    "MilestoneEditForm",
    "MilestoneForm",
    "ProgressUpdateForm",
]

MAX_VERSION = 2**31 - 1  # Milestone.version is a 32-bit integer
SDG_CHOICES = [(number, f"{number}. {name}") for number, name in SDG_NAMES.items()]


class GoalForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    target_date = forms.DateField(
        label="Target date", required=False, widget=DateInput(), help_text="When it should be met."
    )
    sdgs = forms.TypedMultipleChoiceField(
        label="Sustainable Development Goals",
        choices=SDG_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    @staticmethod
    def initial_for(goal: SharedGoal) -> dict[str, Any]:
        return {
            "title": goal.title,
            "description": goal.description,
            "target_date": goal.target_date,
            "sdgs": goal.sdgs,
        }


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(label="Due date", widget=DateInput())
    status = forms.ChoiceField(label="Status", choices=MilestoneStatus.choices)
    percent_complete = forms.IntegerField(
        label="Percent complete", min_value=0, max_value=100, initial=0
    )


VERSION_MISSING = "The form lost the version you saw: reload the page and make your change again."


def version_field() -> forms.IntegerField:
    """The milestone version a form was written against: required, so a post without it
    can never skip the stale check."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_VERSION,
        error_messages={
            "required": VERSION_MISSING,
            "invalid": VERSION_MISSING,
            "min_value": VERSION_MISSING,
            "max_value": VERSION_MISSING,
        },
    )


class MilestoneEditForm(MilestoneForm):
    """Editing an existing milestone: the version the person saw is required."""

    version = version_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "version" in self.errors:  # hidden: tell the person above the form
            self.add_error(None, VERSION_MISSING)
        return cleaned

    @staticmethod
    def initial_for(milestone: Milestone) -> dict[str, Any]:
        return {
            "title": milestone.title,
            "description": milestone.description,
            "due_date": milestone.due_date,
            "status": milestone.status,
            "percent_complete": milestone.percent_complete,
            "version": milestone.version,
        }


class ProgressUpdateForm(forms.Form):
    """Short enough for a phone: four fields and the version the person saw."""

    status = forms.ChoiceField(label="New status", choices=MilestoneStatus.choices)
    percent_complete = forms.IntegerField(
        label="Percent complete",
        min_value=0,
        max_value=100,
        help_text="0 to 100. Done means 100.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    narrative = forms.CharField(
        label="What happened", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    blockers = forms.CharField(
        label="Blockers or help needed",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Set on a reply to one of the milestone's progress updates (the reply form).
    progress_update = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )


class MilestoneDeleteForm(forms.Form):
    """The delete button's hidden version: a milestone changed meanwhile is not deleted."""

    version = version_field()
