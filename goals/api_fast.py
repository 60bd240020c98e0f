"""The milestones list's representation, built from plain rows (``.values()``), exactly as
``MilestoneSerializer(many=True)`` gives it; the serializer stays the response's
description, and tests compare both outputs. See ``partnerhub.api.fast``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from partnerhub.api.fast import date_text, list_values, with_datetime_text

COLUMNS = (
    "id",
    "partnership_id",
    "goal_id",
    "title",
    "description",
    "due_date",
    "status",
    "percent_complete",
    "completed_on",
    "version",
)
DATETIMES = ("last_update_at", "created_at", "updated_at")


def milestone_values(queryset: QuerySet, *, raw_datetimes: bool = False) -> QuerySet:
    """The rows ``milestone_rows_data`` reads, from a (filtered, ordered) queryset of
    milestones; ``raw_datetimes`` keeps created_at and updated_at as datetimes too, for a
    cursor positioned on them."""
    raw = ("created_at", "updated_at") if raw_datetimes else ()
    return list_values(queryset, COLUMNS, DATETIMES, raw_datetimes=raw)


def milestone_rows_data(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``MilestoneSerializer(many=True).data`` for rows of ``milestone_values``."""
    with_datetime_text(rows, DATETIMES)
    day = date_text()
    return [
        {
            "id": row["id"],
            "partnership": row["partnership_id"],
            "goal": row["goal_id"],
            "title": row["title"],
            "description": row["description"],
            "due_date": day(row["due_date"]),
            "status": row["status"],
            "percent_complete": row["percent_complete"],
            "completed_on": day(row["completed_on"]),
            "version": row["version"],
            "last_update_at": row["last_update_at_text"],
            "created_at": row["created_at_text"],
            "updated_at": row["updated_at_text"],
        }
        for row in rows
    ]
