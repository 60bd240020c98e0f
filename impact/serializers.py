"""Input and output serializers of the impact endpoints (indicators, periods, figures,
derived progress).

Output serializers shape what the selectors return, with their prefetches (reporters,
dimensions with categories, a figure's breakdown) and the progress computed for a whole
page in one query, passed in the context as ``progress`` (indicator id -> progress):
nothing is read per row. Input serializers parse a request body; the rules live in the
services, whose ValidationErrors become 400 problems.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from impact.models import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    Aggregation,
    Direction,
    Frequency,
    Indicator,
    MeasurementStatus,
    ResultLevel,
    ValueType,
)
from impact.progress import IndicatorProgress, IndicatorStatus
from partners.api.serializers_partnerships import (
    ApiKeyBriefSerializer,
    OrganizationBriefSerializer,
    PersonBriefSerializer,
)


def value_field(**kwargs: Any) -> serializers.DecimalField:
    """A figure, target or baseline: up to 14 digits before the point and 4 after."""
    return serializers.DecimalField(
        max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, **kwargs
    )


def share_field(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=4, allow_null=True, help_text=help_text
    )


# --- Derived progress -------------------------------------------------------------------


class ProgressSerializer(serializers.Serializer):
    """An indicator's derived progress (impact.progress): only approved figures count."""

    actual = serializers.DecimalField(
        max_digits=None,
        decimal_places=VALUE_DECIMALS,
        allow_null=True,
        help_text="Actual to date: the period actuals combined by the indicator's "
        "aggregation (null without an approved figure).",
    )
    as_of = serializers.DateField(
        allow_null=True, help_text="End of the latest period with an approved figure."
    )
    periods_with_data = serializers.IntegerField(
        help_text="How many periods have an approved figure."
    )
    progress = share_field(
        "Share of the way from baseline (0) to target (1) at the as-of date; below 0 is "
        "worse than the baseline, above 1 beyond the target."
    )
    percent = serializers.IntegerField(
        allow_null=True, help_text="Progress in whole percent (may be below 0 or above 100)."
    )
    expected = share_field(
        "Share expected by the as-of date on a straight line from baseline date to target date."
    )
    status = serializers.ChoiceField(
        choices=IndicatorStatus.choices,
        help_text="needs_data without an approved figure; achieved at the target; on_track "
        "up to 10 points behind the expected share; at_risk up to 25; off_track beyond.",
    )
    reason = serializers.CharField(help_text="Why the indicator has this status.")


def progress_data(progress: IndicatorProgress | None) -> dict[str, Any]:
    """The progress object of an indicator (``needs_data`` when nothing was computed)."""
    if progress is None:
        return ProgressSerializer(
            {
                "actual": None,
                "as_of": None,
                "periods_with_data": 0,
                "progress": None,
                "percent": None,
                "expected": None,
                "status": IndicatorStatus.NEEDS_DATA,
                "reason": "No approved figure yet",
            }
        ).data
    return ProgressSerializer(progress).data


# --- Indicators -------------------------------------------------------------------------


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DimensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    exhaustive = serializers.BooleanField(
        help_text="The categories cover every case: a figure's breakdown adds up to its total."
    )
    categories = CategorySerializer(many=True, source="categories.all")


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    goal = serializers.IntegerField(source="goal_id", allow_null=True)
    name = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    value_type = serializers.ChoiceField(choices=ValueType.choices)
    currency = serializers.CharField(help_text="ISO 4217 code, for currency indicators.")
    direction = serializers.ChoiceField(choices=Direction.choices)
    result_level = serializers.ChoiceField(choices=ResultLevel.choices)
    baseline_value = value_field()
    baseline_date = serializers.DateField()
    target_value = value_field()
    target_date = serializers.DateField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices)
    reporting_organizations = serializers.SerializerMethodField(
        help_text="Ids of the organizations that report figures."
    )
    dimensions = DimensionSerializer(many=True, source="dimensions.all")
    progress = serializers.SerializerMethodField(
        help_text="Derived from the approved figures (never written)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_reporting_organizations(self, indicator: Indicator) -> list[int]:
        return sorted(reporter.organization_id for reporter in indicator.reporters.all())

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, indicator: Indicator) -> dict[str, Any]:
        return progress_data(self.context.get("progress", {}).get(indicator.pk))


class DimensionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    exhaustive = serializers.BooleanField(
        default=True, help_text="The categories cover everyone (the breakdown adds up)."
    )
    categories = serializers.ListField(
        child=serializers.CharField(max_length=80),
        min_length=1,
        help_text="Category names, in order.",
    )


class IndicatorWriteSerializer(serializers.Serializer):
    partnership = serializers.IntegerField(
        min_value=1, required=False, help_text="Creation only: id of a visible partnership."
    )
    goal = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Id of a shared goal of the same partnership, or null.",
    )
    name = serializers.CharField(max_length=200)
    definition = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(max_length=50, required=False, allow_blank=True)
    value_type = serializers.ChoiceField(choices=ValueType.choices)
    currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        help_text="ISO 4217 code: required for currency indicators, empty otherwise.",
    )
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    result_level = serializers.ChoiceField(choices=ResultLevel.choices, required=False)
    baseline_value = value_field()
    baseline_date = serializers.DateField()
    target_value = value_field()
    target_date = serializers.DateField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)
    reporting_organizations = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Ids of the organizations that report figures (members of the partnership).",
    )
    dimensions = DimensionInputSerializer(
        many=True,
        required=False,
        help_text="Disaggregations with their categories. On a change, the list replaces "
        "the current one: dimensions and categories are matched by name.",
    )


# --- Periods ----------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.IntegerField(source="indicator_id")
    partnership = serializers.IntegerField(source="indicator.partnership_id")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    target_value = value_field(
        allow_null=True, help_text="The period's own target, if a coordinator set one."
    )
    in_schedule = serializers.BooleanField(
        help_text="False for a period the schedule no longer holds, kept for its figures."
    )
    locked = serializers.BooleanField(help_text="A locked period refuses new or changed figures.")
    locked_at = serializers.DateTimeField(allow_null=True)
    locked_by = serializers.IntegerField(
        source="locked_by_id", allow_null=True, help_text="Id of the person who locked it."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PeriodWriteSerializer(serializers.Serializer):
    target_value = value_field(
        required=False, allow_null=True, help_text="The period's own target; null clears it."
    )
    locked = serializers.BooleanField(
        required=False, help_text="true locks the period against new or changed figures."
    )


# --- Progress per indicator -------------------------------------------------------------


class IndicatorProgressSerializer(serializers.Serializer):
    """One indicator's derived progress (a row of /indicator-progress/)."""

    id = serializers.IntegerField(help_text="The indicator's id.")
    partnership = serializers.IntegerField(source="partnership_id")
    goal = serializers.IntegerField(source="goal_id", allow_null=True)
    name = serializers.CharField()
    unit = serializers.CharField()
    value_type = serializers.ChoiceField(choices=ValueType.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices)
    baseline_value = value_field()
    baseline_date = serializers.DateField()
    target_value = value_field()
    target_date = serializers.DateField()
    progress = serializers.SerializerMethodField(
        help_text="Derived from the approved figures (never written)."
    )

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, indicator: Indicator) -> dict[str, Any]:
        return progress_data(self.context.get("progress", {}).get(indicator.pk))


class PeriodActualSerializer(serializers.Serializer):
    period = serializers.IntegerField(source="period_id")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    target = serializers.DecimalField(
        max_digits=None,
        decimal_places=VALUE_DECIMALS,
        help_text="The period's target, comparable with its actual: the one set for the "
        "period, else the straight line's share (for a sum: the part of the change from "
        "baseline to target falling in the period; otherwise the line's level at its end).",
    )
    target_is_set = serializers.BooleanField(
        help_text="true when a coordinator set the period's target; false for the line's."
    )
    actual = serializers.DecimalField(
        max_digits=None,
        decimal_places=VALUE_DECIMALS,
        allow_null=True,
        help_text="The approved figures of the period combined (summed; averaged for "
        "percentages); null without one.",
    )
    figures = serializers.IntegerField(help_text="How many approved figures the period has.")
    locked = serializers.BooleanField()
    in_schedule = serializers.BooleanField()


class IndicatorProgressDetailSerializer(IndicatorProgressSerializer):
    periods = PeriodActualSerializer(
        many=True,
        source="period_actuals",
        help_text="Every period, oldest first, with its approved actual.",
    )


# --- Measurements -----------------------------------------------------------------------


class BreakdownSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        source="category_id", help_text="Id of a category of one of the indicator's dimensions."
    )
    value = value_field()


class PeriodBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class MeasurementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    indicator = serializers.IntegerField(source="indicator_id")
    period = PeriodBriefSerializer()
    organization = OrganizationBriefSerializer()
    value = value_field()
    breakdown = BreakdownSerializer(
        many=True, source="breakdown.all", help_text="The value per category, if disaggregated."
    )
    note = serializers.CharField()
    evidence_link = serializers.CharField()
    evidence_name = serializers.CharField(help_text="File name of the uploaded evidence, if any.")
    status = serializers.ChoiceField(
        choices=MeasurementStatus.choices,
        help_text="draft -> submitted -> approved, or returned (with a note) and resubmitted.",
    )
    review_note = serializers.CharField(help_text="The reviewer's note when returned.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = PersonBriefSerializer(allow_null=True, help_text="The person, if one did.")
    submitted_by_key = ApiKeyBriefSerializer(allow_null=True, help_text="The API key, if one did.")
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = PersonBriefSerializer(allow_null=True)
    version = serializers.IntegerField(
        help_text="Grows by one on every change; the ETag is derived from it."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class BreakdownInputSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        min_value=1, help_text="Id of a category of one of the indicator's dimensions."
    )
    value = value_field()


class MeasurementWriteSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(
        min_value=1, required=False, help_text="Creation only: id of a visible indicator."
    )
    period = serializers.IntegerField(
        min_value=1, required=False, help_text="Creation only: id of a period of the indicator."
    )
    organization = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Creation only: the reporting organization (id). A partner may leave it "
        "out: their own organization reports.",
    )
    value = value_field()
    breakdown = BreakdownInputSerializer(
        many=True,
        required=False,
        help_text="The value per category; for an exhaustive dimension they add up to the "
        "value. On a change, the list replaces the current breakdown.",
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    evidence_link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    submit = serializers.BooleanField(
        required=False,
        help_text="true (the default on creation) submits the figure for review; false "
        "keeps it as a draft.",
    )
    expected_version = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="The version the change was written against (on a change, instead of "
        'If-Match); 0 on creation means "only if there is no figure yet". A stale one is a '
        "409 problem.",
    )

    def validate_breakdown(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for row in rows:
            if row["category"] in seen:
                raise serializers.ValidationError("Give each category once.")
            seen.add(row["category"])
        return rows


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="A note for the reporter."
    )
    expected_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version reviewed (instead of If-Match); a stale one is a 409 problem.",
    )


class ReturnSerializer(ReviewSerializer):
    note = serializers.CharField(
        max_length=5000, help_text="What the reporter should check or change."
    )


class SubmitSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version submitted (instead of If-Match); a stale one is a 409 problem.",
    )


class MeasurementReviewBulkSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=500,
        help_text="Ids of submitted figures (up to 500).",
    )
    decision = serializers.ChoiceField(
        choices=[("approve", "Approve"), ("return", "Return")],
        help_text="approve, or return (with a note).",
    )
    note = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="For the reporters; required to return.",
    )

    def validate_ids(self, ids: list[int]) -> list[int]:
        return list(dict.fromkeys(ids))


class SkippedFigureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class MeasurementReviewOutcomeSerializer(serializers.Serializer):
    done = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the figures approved or returned."
    )
    skipped = SkippedFigureSerializer(many=True, help_text="Figures left alone, and why.")


class MeasurementConflictSerializer(serializers.Serializer):
    """A 409 problem: the figure moved past ``expected_version``."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    current = MeasurementSerializer(help_text="The figure as it is now.")
