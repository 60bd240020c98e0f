"""Forms of the goal pages. They parse input; the services decide what is valid (their
ValidationErrors come back to the fields through ``attach_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms

from goals.models import Milestone, MilestoneStatus, SharedGoal
from partners.forms_partnerships import DateInput, attach_errors
from partners.models import SDG_NAMES

__all__ = [
    "CommentForm",
    "GoalForm",
    "MilestoneForm",
    "ProgressUpdateForm",
    "attach_errors",
]

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
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
