"""The figures list's representation, built from plain rows.

``measurement_values`` turns the list's queryset into plain rows (``.values()``): each
figure with its period and organization joined in and, on PostgreSQL, its date-times
already as the API's ISO 8601 text. ``measurement_rows_data`` turns a page of them into
exactly what ``MeasurementSerializer(many=True)`` gives for the same figures, reading the
people and API keys named on the page (one query, none when there are none) and the
breakdowns (one query, none for an empty page). The serializer remains the response's
description (OpenAPI, details, CSV headers); tests compare both outputs.

Why not one query joining everything: PostgreSQL spends several times longer planning a
six-table join (each table under its Row-Level Security policy) than running it; small
lookups by primary key plan in microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from impact.models import MeasurementBreakdown
from impact.serializers import BreakdownSerializer, MeasurementSerializer
from partnerhub.api.fast import (
    api_key_brief,
    date_text,
    decimal_text,
    list_values,
    person_brief,
    with_datetime_text,
)
from partnerhub.models import ApiKey, User, Workspace

COLUMNS = (
    "id",
    "partnership_id",
    "indicator_id",
    "period_id",
    "period__start_date",
    "period__end_date",
    "organization_id",
    "organization__name",
    "value",
    "note",
    "evidence_link",
    "evidence_name",
    "status",
    "review_note",
    "submitted_by_id",
    "submitted_by_key_id",
    "reviewed_by_id",
    "version",
)
DATETIMES = ("submitted_at", "reviewed_at", "created_at", "updated_at")

_value_text = decimal_text(MeasurementSerializer._declared_fields["value"])
_part_text = decimal_text(BreakdownSerializer._declared_fields["value"])


def measurement_values(queryset: QuerySet, *, raw_datetimes: bool = False) -> QuerySet:
    """The rows ``measurement_rows_data`` reads, from a (filtered, ordered) queryset of
    figures. ``raw_datetimes`` keeps ``created_at`` and ``updated_at`` as datetimes too, for
    a cursor positioned on them."""
    raw = ("created_at", "updated_at") if raw_datetimes else ()
    return list_values(queryset, COLUMNS, DATETIMES, raw_datetimes=raw)


# The page's breakdowns in the order a figure's ``breakdown`` relation gives them
# (MeasurementBreakdown.Meta.ordering), and the people and API keys the page names: plain
# SQL, as these run on every page and the ORM's query building would cost more than the
# queries. Row-Level Security applies to them as to any query; the workspace is explicit.
BREAKDOWNS_SQL = """
SELECT part.measurement_id, part.category_id, part.value
FROM impact_measurementbreakdown part
JOIN impact_dimensioncategory category ON category.id = part.category_id
JOIN impact_dimension dimension ON dimension.id = category.dimension_id
WHERE part.workspace_id = %s AND part.measurement_id = ANY(%s::bigint[])
ORDER BY part.measurement_id, dimension.position, category.position, part.id
"""
PEOPLE_AND_KEYS_SQL = """
SELECT FALSE, id, full_name, email FROM partnerhub_user WHERE id = ANY(%s::bigint[])
UNION ALL
SELECT TRUE, id, name, prefix FROM partnerhub_apikey
WHERE workspace_id = %s AND id = ANY(%s::bigint[])
"""


def plain_sql() -> bool:
    """The SQL above is PostgreSQL's; elsewhere (a SQLite development database) the same
    rows come through the ORM."""
    return connection.vendor == "postgresql"


def id_array(ids: Iterable[int]) -> str:
    """Ids as a PostgreSQL array literal (``{1,2,3}``) for ``= ANY(%s::bigint[])``: one
    text parameter, where a list would be adapted element by element."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


def breakdowns_of(
    *, workspace: Workspace, measurement_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """Measurement id -> its breakdown as the serializer shows it (one query, none for
    an empty page)."""
    parts: dict[int, list[dict[str, Any]]] = {}
    if not measurement_ids:
        return parts
    rows: Iterable[tuple[Any, ...]]
    if plain_sql():
        with connection.cursor() as cursor:
            cursor.execute(BREAKDOWNS_SQL, [workspace.pk, id_array(measurement_ids)])
            rows = cursor.fetchall()
    else:
        rows = (
            MeasurementBreakdown.objects.for_workspace(workspace)
            .filter(measurement_id__in=measurement_ids)
            .order_by("measurement_id", "category__dimension__position", "category__position", "id")
            .values_list("measurement_id", "category_id", "value")
        )
    for measurement_id, category_id, value in rows:
        parts.setdefault(measurement_id, []).append(
            {"category": category_id, "value": _part_text(value)}
        )
    return parts


def people_and_keys(
    *, workspace: Workspace, person_ids: set[int], key_ids: set[int]
) -> tuple[dict[int, dict[str, Any] | None], dict[int, dict[str, Any] | None]]:
    """The people (``PersonBriefSerializer``) and API keys (``ApiKeyBriefSerializer``) of
    these ids, in one query (none without ids). The ids come from figures this request
    may see."""
    people: dict[int, dict[str, Any] | None] = {}
    keys: dict[int, dict[str, Any] | None] = {}
    if not person_ids and not key_ids:
        return people, keys
    rows: list[tuple[Any, ...]]
    if plain_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                PEOPLE_AND_KEYS_SQL, [id_array(person_ids), workspace.pk, id_array(key_ids)]
            )
            rows = cursor.fetchall()
    else:
        people_rows = User.objects.filter(pk__in=person_ids).values_list("id", "full_name", "email")
        key_rows = ApiKey.objects.filter(workspace=workspace, pk__in=key_ids).values_list(
            "id", "name", "prefix"
        )
        rows = [(False, *row) for row in people_rows] + [(True, *row) for row in key_rows]
    for is_key, pk, name, other in rows:
        if is_key:
            keys[pk] = api_key_brief(pk, name, other)
        else:
            people[pk] = person_brief(pk, name, other)
    return people, keys


def measurement_rows_data(
    rows: Sequence[dict[str, Any]], *, workspace: Workspace
) -> list[dict[str, Any]]:
    """``MeasurementSerializer(many=True).data`` for rows of ``measurement_values``."""
    with_datetime_text(rows, DATETIMES)
    day = date_text()
    value_text = _value_text
    people, keys = people_and_keys(
        workspace=workspace,
        person_ids=(
            {row["submitted_by_id"] for row in rows} | {row["reviewed_by_id"] for row in rows}
        )
        - {None},
        key_ids={row["submitted_by_key_id"] for row in rows} - {None},
    )
    parts = breakdowns_of(workspace=workspace, measurement_ids=[row["id"] for row in rows])
    return [
        {
            "id": row["id"],
            "partnership": row["partnership_id"],
            "indicator": row["indicator_id"],
            "period": {
                "id": row["period_id"],
                "start_date": day(row["period__start_date"]),
                "end_date": day(row["period__end_date"]),
            },
            "organization": {"id": row["organization_id"], "name": row["organization__name"]},
            "value": value_text(row["value"]),
            "breakdown": parts.get(row["id"], []),
            "note": row["note"],
            "evidence_link": row["evidence_link"],
            "evidence_name": row["evidence_name"],
            "status": row["status"],
            "review_note": row["review_note"],
            "submitted_at": row["submitted_at_text"],
            "submitted_by": people.get(row["submitted_by_id"]),
            "submitted_by_key": keys.get(row["submitted_by_key_id"]),
            "reviewed_at": row["reviewed_at_text"],
            "reviewed_by": people.get(row["reviewed_by_id"]),
            "version": row["version"],
            "created_at": row["created_at_text"],
            "updated_at": row["updated_at_text"],
        }
        for row in rows
    ]
