"""Query-string filters of the impact endpoints.

Ids are checked as ``IdFilter`` does (a whole number from 1 to the largest id: anything
else is a 400 problem). Period ranges are named the same on every list:
``period_start_after`` keeps periods starting on or after a date, ``period_end_before``
those ending on or before one.

The status of an indicator is derived, so it cannot be a SQL filter: on
``/indicator-progress/`` the progress of every indicator matching the other filters is
computed in one aggregate query, and the list is narrowed to the ids with that status
before the cursor paginates it (the computed progress is kept for the page).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from impact.models import Indicator, Measurement, MeasurementStatus, ReportingPeriod
from impact.progress import IndicatorStatus, indicators_progress
from partnerhub.api.filters import IdFilter

MAX_IDS = 500


@extend_schema_field(OpenApiTypes.INT)
class IdListFilter(django_filters.BaseInFilter, IdFilter):
    """``?id=3,5,8``: rows with one of these ids (at most 500)."""

    def filter(self, qs: Any, value: Any) -> Any:
        if value and len(value) > MAX_IDS:
            raise serializers.ValidationError(
                {self.field_name: [f"Give at most {MAX_IDS} ids at a time."]}
            )
        return super().filter(qs, value)


def _period_range(prefix: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    return (
        django_filters.DateFilter(
            field_name=f"{prefix}start_date",
            lookup_expr="gte",
            help_text="Only periods starting on or after this date (YYYY-MM-DD).",
        ),
        django_filters.DateFilter(
            field_name=f"{prefix}end_date",
            lookup_expr="lte",
            help_text="Only periods ending on or before this date (YYYY-MM-DD).",
        ),
    )


class IndicatorFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership", help_text="Only this partnership's (id).")
    goal = IdFilter(field_name="goal", help_text="Only indicators of this shared goal (id).")
    id = IdListFilter(
        field_name="id", help_text="Only these indicators: ids separated by commas (up to 500)."
    )

    class Meta:
        model = Indicator
        fields = ["partnership", "goal", "id"]


class IndicatorProgressFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership", help_text="Only this partnership's (id).")
    goal = IdFilter(field_name="goal", help_text="Only indicators of this shared goal (id).")
    id = IdListFilter(
        field_name="id", help_text="Only these indicators: ids separated by commas (up to 500)."
    )
    # Declared last: it runs on the queryset the other filters narrowed.
    status = django_filters.ChoiceFilter(
        choices=IndicatorStatus.choices,
        method="filter_status",
        help_text="Only indicators with this derived status (computed for every indicator "
        "matching the other filters, in one query).",
    )

    class Meta:
        model = Indicator
        fields = ["partnership", "goal", "id", "status"]

    def filter_status(self, queryset: Any, name: str, value: str) -> Any:
        view = self.request.parser_context["view"]  # type: ignore[union-attr]
        ids = list(queryset.order_by().values_list("pk", flat=True))
        progress = indicators_progress(workspace=view.workspace, indicator_ids=ids)
        view.computed_progress = progress
        keep = [pk for pk in ids if pk in progress and progress[pk].status == value]
        return queryset.filter(pk__in=keep)


class PeriodFilter(django_filters.FilterSet):
    indicator = IdFilter(field_name="indicator", help_text="Only this indicator's (id).")
    partnership = IdFilter(
        field_name="indicator__partnership", help_text="Only this partnership's (id)."
    )
    goal = IdFilter(field_name="indicator__goal", help_text="Only indicators of this goal (id).")
    period_start_after, period_end_before = _period_range("")
    locked = django_filters.BooleanFilter(
        field_name="locked", help_text="true: locked periods only; false: open ones."
    )
    in_schedule = django_filters.BooleanFilter(
        field_name="in_schedule",
        help_text="false: periods the schedule no longer holds, kept for their figures.",
    )

    class Meta:
        model = ReportingPeriod
        fields = [
            "indicator",
            "partnership",
            "goal",
            "period_start_after",
            "period_end_before",
            "locked",
            "in_schedule",
        ]


class MeasurementFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership", help_text="Only this partnership's (id).")
    goal = IdFilter(
        field_name="indicator__goal", help_text="Only figures of this goal's indicators (id)."
    )
    indicator = IdFilter(field_name="indicator", help_text="Only this indicator's (id).")
    period = IdFilter(field_name="period", help_text="Only this period's (id).")
    organization = IdFilter(
        field_name="organization", help_text="Only this reporting organization's (id)."
    )
    status = django_filters.ChoiceFilter(
        choices=MeasurementStatus.choices, help_text="Only figures in this review state."
    )
    period_start_after, period_end_before = _period_range("period__")

    class Meta:
        model = Measurement
        fields = [
            "partnership",
            "goal",
            "indicator",
            "period",
            "organization",
            "status",
            "period_start_after",
            "period_end_before",
        ]
