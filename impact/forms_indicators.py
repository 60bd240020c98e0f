"""Forms of the indicator pages. They parse input; the services decide what is valid
(their ValidationErrors come back to the fields through ``partnerhub.web.attach_errors``).

Dimensions are typed into one text area, one dimension per line, so the form works
without JavaScript and a whole breakdown fits on a phone screen::

    Gender: Female, Male, Another
    District: North, South, East (partial)

A line ending in "(partial)" marks a dimension whose categories do not cover everyone
(its breakdown need not add up to the figure's total).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from goals.models import SharedGoal
from impact.indicator_rules import DimensionSpec
from impact.models import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    Aggregation,
    Dimension,
    Direction,
    Frequency,
    Indicator,
    ResultLevel,
    ValueType,
)
from partners.forms_partnerships import DateInput
from partners.models import Organization

__all__ = [
    "IndicatorForm",
    "PeriodLockForm",
    "PeriodTargetForm",
    "dimensions_as_text",
    "parse_dimensions",
]

PARTIAL = re.compile(r"\s*\(\s*partial\s*\)\s*$", re.IGNORECASE)
DIMENSIONS_HELP = (
    "Optional. One dimension per line: its name, a colon, then its categories separated "
    "by commas, e.g. “Gender: Female, Male, Another”. Each needs at least two categories. "
    "A figure's breakdown must add up to its total unless the line ends with “(partial)”, "
    "for categories that do not cover everyone, e.g. “Disability: Sight, Hearing (partial)”."
)


def parse_dimensions(text: str) -> list[DimensionSpec]:
    """The dimensions typed in the text area, or forms.ValidationError naming the line."""
    specs: list[DimensionSpec] = []
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        exhaustive = True
        if PARTIAL.search(line):
            line, exhaustive = PARTIAL.sub("", line), False
        name, colon, rest = line.partition(":")
        if PARTIAL.search(name):  # "Age group (partial): ..." reads as well
            name, exhaustive = PARTIAL.sub("", name), False
        name = name.strip()
        if not colon or not name:
            problems.append(
                f"Line {number}: write the dimension's name, a colon, then its categories "
                "separated by commas."
            )
            continue
        categories = [c.strip() for c in rest.split(",") if c.strip()]
        specs.append({"name": name, "exhaustive": exhaustive, "categories": categories})
    if problems:
        raise forms.ValidationError(problems)
    return specs


def dimensions_as_text(dimensions: Sequence[Dimension]) -> str:
    """Stored dimensions (categories prefetched) as the text area shows them."""
    lines = []
    for dimension in dimensions:
        line = f"{dimension.name}: {', '.join(c.name for c in dimension.categories.all())}"
        lines.append(line if dimension.exhaustive else f"{line} (partial)")
    return "\n".join(lines)


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SharedGoal) -> str:  # type: ignore[override]
        return obj.title


class ReporterField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:  # type: ignore[override]
        return obj.name


def value_field(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class IndicatorForm(forms.Form):
    """Create or edit an indicator. ``goals`` are the partnership's shared goals,
    ``organizations`` the organizations that may report (current members, and present
    reporters that have left since)."""

    name = forms.CharField(label="Name", max_length=200)
    definition = forms.CharField(
        label="Definition",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is counted and how, so every organization counts the same way.",
    )
    goal = GoalChoiceField(
        label="Shared goal",
        queryset=None,
        required=False,
        empty_label="No goal",
        help_text="The goal this indicator measures; its status then weighs the indicator.",
    )
    value_type = forms.ChoiceField(label="Type of value", choices=ValueType.choices)
    unit = forms.CharField(
        label="Unit",
        max_length=50,
        required=False,
        help_text="What a number counts, e.g. people, tonnes, visits.",
    )
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        required=False,
        help_text="For currency indicators only: a three-letter ISO 4217 code such as EUR.",
    )
    direction = forms.ChoiceField(
        label="Direction", choices=Direction.choices, widget=forms.RadioSelect
    )
    result_level = forms.ChoiceField(label="Result level", choices=ResultLevel.choices)
    baseline_value = value_field("Baseline value", "The value before reporting began.")
    baseline_date = forms.DateField(
        label="Baseline date", widget=DateInput(), help_text="When the baseline was measured."
    )
    target_value = value_field("Target value")
    target_date = forms.DateField(
        label="Target date", widget=DateInput(), help_text="When the target should be met."
    )
    frequency = forms.ChoiceField(
        label="Reporting frequency",
        choices=Frequency.choices,
        help_text="Reporting periods are calendar months, quarters, half-years or years "
        "from the baseline date to the target date.",
    )
    aggregation = forms.ChoiceField(
        label="Combine the periods by",
        choices=Aggregation.choices,
        help_text="How the periods make the value to date: the sum of all periods (people "
        "reached), the latest period (a rate now), or their average.",
    )
    reporter_ids = ReporterField(
        label="Reporting organizations",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The member organizations that submit figures for this indicator.",
    )
    dimensions = forms.CharField(
        label="Disaggregation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=DIMENSIONS_HELP,
    )

    def __init__(
        self,
        *args: Any,
        goals: QuerySet[SharedGoal],
        organizations: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals  # type: ignore[attr-defined]
        self.fields["reporter_ids"].queryset = organizations  # type: ignore[attr-defined]

    def clean_reporter_ids(self) -> list[int]:
        return [organization.pk for organization in self.cleaned_data["reporter_ids"]]

    def clean_dimensions(self) -> list[DimensionSpec]:
        return parse_dimensions(self.cleaned_data["dimensions"])

    @staticmethod
    def initial_for(
        indicator: Indicator, *, reporter_ids: list[int], dimensions: Sequence[Dimension]
    ) -> dict[str, Any]:
        fields = (
            "name",
            "definition",
            "value_type",
            "unit",
            "currency",
            "direction",
            "result_level",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "frequency",
            "aggregation",
        )
        initial: dict[str, Any] = {field: getattr(indicator, field) for field in fields}
        for field in ("baseline_value", "target_value"):
            initial[field] = _plain(initial[field])
        initial.update(
            goal=indicator.goal_id,
            reporter_ids=reporter_ids,
            dimensions=dimensions_as_text(dimensions),
        )
        return initial


def _plain(value: Decimal | None) -> str:
    """A stored 12.5000 shown as 12.5 in the form."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class PeriodTargetForm(forms.Form):
    target_value = forms.DecimalField(
        label="Target for this period",
        required=False,
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text="For a summed indicator, what this period alone should add; otherwise the "
        "level expected by the end of the period. Leave empty to follow the straight line "
        "from baseline to target.",
    )


class PeriodLockForm(forms.Form):
    locked = forms.TypedChoiceField(
        choices=[("1", "Lock"), ("0", "Unlock")], coerce=lambda value: value == "1"
    )
