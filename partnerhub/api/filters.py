"""Filters every list endpoint shares."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend

MAX_ID = 2**63 - 1  # the largest value of a 64-bit primary key


def parse_since(value: str) -> datetime:
    """ISO 8601 date or date-time; naive values are UTC."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        parsed = datetime.combine(day, time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    # In UTC: Python accepts offsets up to 24 h, PostgreSQL only up to 16 h (a DataError).
    return parsed.astimezone(UTC)


class UpdatedSinceFilter(BaseFilterBackend):
    """``?updated_since=<ISO 8601>``: rows changed at or after that moment."""

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):  # type: ignore[no-untyped-def]
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        try:
            since = parse_since(raw.strip().replace(" ", "+"))
        except (ValueError, OverflowError) as exc:
            raise serializers.ValidationError(
                {self.param: ["Expected an ISO 8601 date or date-time, e.g. 2026-01-31T12:00:00Z."]}
            ) from exc
        return queryset.filter(updated_at__gte=since)

    def get_schema_operation_parameters(self, view):  # type: ignore[no-untyped-def]
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only rows updated at or after this ISO 8601 date-time. The list "
                "is then ordered by (updated_at, id) and its cursor is a keyset on both, "
                "so paging never skips a row changed meanwhile (it comes again later).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC: PostgreSQL refuses offsets beyond 16 hours
    that Python accepts, and a year at the edge of the range may not convert at all; both
    are a 400 problem, never a database error."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id in a query string: a whole number from 1 to the largest database id.
    Decimals, exponents and out-of-range numbers are a 400 problem, never a database
    error."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
