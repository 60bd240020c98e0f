"""Filters every list endpoint shares."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend


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
    return parsed


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
                "description": "Only rows updated at or after this ISO 8601 date-time.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
