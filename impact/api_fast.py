"""The figures list's representation, built from plain rows.

``measurement_values`` turns the list's queryset into plain rows (``.values()``): each
figure's own columns (no join) and, on PostgreSQL, its date-times already as the API's
ISO 8601 text. ``measurement_rows_data`` turns a page of them into exactly what
``MeasurementSerializer(many=True)`` gives for the same figures, reading the periods,
organizations, people and API keys named on the page and the figures' breakdowns in one
query (none for an empty page). The serializer remains the response's
description (OpenAPI, details, CSV headers); tests compare both outputs.

Why not one query joining everything: PostgreSQL spends several times longer planning a
six-table join (each table under its Row-Level Security policy) than running it, and it
misjudges such a join badly: every table repeats the workspace condition, the estimates
multiply, and on a large workspace it joined all of the workspace's figures to their
periods and organizations before sorting them for the first 101 (1.4 s for a page of a
200,000-figure workspace). The page query reads the figures table alone (the keyset's
index, 101 rows); the periods, organizations, people and API keys it names and the
breakdowns come in one lookup by primary key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from impact.models import MeasurementBreakdown, ReportingPeriod
from impact.serializers import BreakdownSerializer, MeasurementSerializer
from partnerhub.api.fast import (
    TEXT,
    IsoDateTimeUTC,
    api_key_brief,
    date_text,
    decimal_text,
    list_values,
    person_brief,
    with_datetime_text,
)
from partnerhub.models import ApiKey, User, Workspace
from partnerhub.prepared import prepared_cursor
from partners.models import Organization

COLUMNS = (
    "id",
    "partnership_id",
    "indicator_id",
    "period_id",
    "organization_id",
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


# --- A workspace's figures in id order, without the ORM ------------------------------------

# The list's busiest requests name no filter: a full export following ``next`` links, a
# dashboard tool reading the first page. For them the page is one constant statement; the
# ORM built the same query anew for every request, which took longer than running it.
# Placeholders: the workspace, [the cursor's id,] the number of rows and the offset.
_PAGE_COLUMNS = ", ".join(
    [
        *COLUMNS,
        *(
            f"{IsoDateTimeUTC.template % {'expressions': name}} AS {name}{TEXT}"
            for name in DATETIMES
        ),
    ]
)
_PAGE_KEYS = (*COLUMNS, *(f"{name}{TEXT}" for name in DATETIMES))


class WorkspaceFigures:
    """All figures of one workspace as DRF's cursor paginator reads a queryset: ordered by
    ``id`` or ``-id``, filtered by the cursor's ``id__gt`` / ``id__lt``, and sliced; the
    slice runs one constant SQL statement (PostgreSQL, prepared) and gives the rows
    ``measurement_values`` gives. Only what the paginator asks is supported; anything else
    is refused loudly rather than answered wrongly."""

    def __init__(
        self, workspace_id: int, *, descending: bool = False, bound: tuple[str, int] | None = None
    ) -> None:
        self.workspace_id = int(workspace_id)
        self.descending = descending
        self.bound = bound

    def order_by(self, *fields: str) -> WorkspaceFigures:
        if fields not in (("id",), ("-id",)):
            raise ValueError(f"WorkspaceFigures are ordered by id only, not {fields!r}.")
        return WorkspaceFigures(self.workspace_id, descending=fields[0] == "-id", bound=self.bound)

    def filter(self, **lookups: Any) -> WorkspaceFigures:
        if self.bound is not None or len(lookups) != 1:
            raise ValueError(f"WorkspaceFigures take one cursor bound, not {lookups!r}.")
        ((lookup, value),) = lookups.items()
        if lookup not in ("id__gt", "id__lt"):
            raise ValueError(f"WorkspaceFigures cannot filter on {lookup!r}.")
        return WorkspaceFigures(
            self.workspace_id, descending=self.descending, bound=(lookup, int(value))
        )

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("WorkspaceFigures are read by a slice with an end.")
        start = window.start or 0
        params: list[Any] = [self.workspace_id]
        where = "workspace_id = %s"
        if self.bound is not None:
            where += " AND id > %s" if self.bound[0] == "id__gt" else " AND id < %s"
            params.append(self.bound[1])
        params += [max(window.stop - start, 0), start]
        sql = (
            f"SELECT {_PAGE_COLUMNS} FROM impact_measurement WHERE {where} "  # noqa: S608
            f"ORDER BY id {'DESC' if self.descending else 'ASC'} LIMIT %s OFFSET %s"
        )
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return [dict(zip(_PAGE_KEYS, row, strict=True)) for row in cursor.fetchall()]


# What a page of figures names by id, and their breakdowns, in ONE statement: plain SQL,
# as it runs on every page and the ORM's query building would cost more than the query.
# Columns: kind, id, two texts, a category id and a value (breakdowns), and the breakdowns'
# order -- the order of a figure's ``breakdown`` relation (MeasurementBreakdown.Meta.
# ordering: dimension position, category position). Row-Level Security applies to it as to
# any query; the workspace is explicit.
PAGE_NAMES_SQL = """
SELECT 0, id, full_name, email, NULL::bigint, NULL::numeric, NULL::bigint
  FROM partnerhub_user WHERE id = ANY(%s::bigint[])
UNION ALL
SELECT 1, id, name, prefix, NULL, NULL, NULL FROM partnerhub_apikey
 WHERE workspace_id = %s AND id = ANY(%s::bigint[])
UNION ALL
SELECT 2, id, start_date::text, end_date::text, NULL, NULL, NULL FROM impact_reportingperiod
 WHERE workspace_id = %s AND id = ANY(%s::bigint[])
UNION ALL
SELECT 3, id, name, NULL, NULL, NULL, NULL FROM partners_organization
 WHERE workspace_id = %s AND id = ANY(%s::bigint[])
UNION ALL
SELECT 4, part.measurement_id, NULL, NULL, part.category_id, part.value,
       row_number() OVER (ORDER BY part.measurement_id, dimension.position, category.position,
                                   part.id)
  FROM impact_measurementbreakdown part
  JOIN impact_dimensioncategory category ON category.id = part.category_id
  JOIN impact_dimension dimension ON dimension.id = category.dimension_id
 WHERE part.workspace_id = %s AND part.measurement_id = ANY(%s::bigint[])
ORDER BY 7 NULLS FIRST
"""
PERSON, KEY, PERIOD, ORGANIZATION, BREAKDOWN = range(5)


def plain_sql() -> bool:
    """The SQL above is PostgreSQL's; elsewhere (a SQLite development database) the same
    rows come through the ORM."""
    return connection.vendor == "postgresql"


def id_array(ids: Iterable[int]) -> str:
    """Ids as a PostgreSQL array literal (``{1,2,3}``) for ``= ANY(%s::bigint[])``: one
    text parameter, where a list would be adapted element by element."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


@dataclass
class PageReferences:
    """What a page of figures names, by id, as the serializer shows it, and each figure's
    breakdown (figure id -> its parts in order)."""

    people: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    keys: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    periods: dict[int, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    breakdowns: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def page_references(
    *,
    workspace: Workspace,
    person_ids: set[int],
    key_ids: set[int],
    period_ids: set[int],
    organization_ids: set[int],
    measurement_ids: Sequence[int],
) -> PageReferences:
    """The people (``PersonBriefSerializer``), API keys (``ApiKeyBriefSerializer``),
    periods and organizations of these ids and the figures' breakdowns: one prepared
    statement on PostgreSQL (none for an empty page), the ORM elsewhere. The ids come from
    figures this request may see."""
    found = PageReferences()
    if not measurement_ids:
        return found
    rows: Iterable[tuple[Any, ...]]
    if plain_sql():
        with prepared_cursor() as cursor:
            cursor.execute(
                PAGE_NAMES_SQL,
                [
                    id_array(person_ids),
                    workspace.pk,
                    id_array(key_ids),
                    workspace.pk,
                    id_array(period_ids),
                    workspace.pk,
                    id_array(organization_ids),
                    workspace.pk,
                    id_array(measurement_ids),
                ],
            )
            rows = cursor.fetchall()
    else:
        rows = _orm_rows(
            workspace=workspace,
            person_ids=person_ids,
            key_ids=key_ids,
            period_ids=period_ids,
            organization_ids=organization_ids,
            measurement_ids=measurement_ids,
        )
    day = date_text()
    part_text = _part_text
    breakdowns = found.breakdowns
    for kind, pk, first, second, category_id, value, _ in rows:
        if kind == BREAKDOWN:
            parts = breakdowns.get(pk)
            if parts is None:
                parts = breakdowns[pk] = []
            parts.append({"category": category_id, "value": part_text(value)})
        elif kind == PERSON:
            found.people[pk] = person_brief(pk, first, second)
        elif kind == KEY:
            found.keys[pk] = api_key_brief(pk, first, second)
        elif kind == PERIOD:
            found.periods[pk] = {
                "id": pk,
                "start_date": day(date.fromisoformat(first)),
                "end_date": day(date.fromisoformat(second)),
            }
        else:
            found.organizations[pk] = {"id": pk, "name": first}
    return found


def _orm_rows(
    *,
    workspace: Workspace,
    person_ids: set[int],
    key_ids: set[int],
    period_ids: set[int],
    organization_ids: set[int],
    measurement_ids: Sequence[int],
) -> list[tuple[Any, ...]]:
    """PAGE_NAMES_SQL's rows through the ORM (five queries), for other databases."""
    return [
        *(
            (PERSON, pk, name, email, None, None, None)
            for pk, name, email in User.objects.filter(pk__in=person_ids).values_list(
                "id", "full_name", "email"
            )
        ),
        *(
            (KEY, pk, name, prefix, None, None, None)
            for pk, name, prefix in ApiKey.objects.filter(
                workspace=workspace, pk__in=key_ids
            ).values_list("id", "name", "prefix")
        ),
        *(
            (PERIOD, pk, start.isoformat(), end.isoformat(), None, None, None)
            for pk, start, end in (
                ReportingPeriod.objects.for_workspace(workspace)
                .filter(pk__in=period_ids)
                .values_list("id", "start_date", "end_date")
            )
        ),
        *(
            (ORGANIZATION, pk, name, None, None, None, None)
            for pk, name in (
                Organization.objects.for_workspace(workspace)
                .filter(pk__in=organization_ids)
                .values_list("id", "name")
            )
        ),
        *(
            (BREAKDOWN, measurement_id, None, None, category_id, value, None)
            for measurement_id, category_id, value in (
                MeasurementBreakdown.objects.for_workspace(workspace)
                .filter(measurement_id__in=measurement_ids)
                .order_by(
                    "measurement_id", "category__dimension__position", "category__position", "id"
                )
                .values_list("measurement_id", "category_id", "value")
            )
        ),
    ]


def measurement_rows_data(
    rows: Sequence[dict[str, Any]], *, workspace: Workspace
) -> list[dict[str, Any]]:
    """``MeasurementSerializer(many=True).data`` for rows of ``measurement_values``."""
    with_datetime_text(rows, DATETIMES)
    value_text = _value_text
    found = page_references(
        workspace=workspace,
        person_ids=(
            {row["submitted_by_id"] for row in rows} | {row["reviewed_by_id"] for row in rows}
        )
        - {None},
        key_ids={row["submitted_by_key_id"] for row in rows} - {None},
        period_ids={row["period_id"] for row in rows},
        organization_ids={row["organization_id"] for row in rows},
        measurement_ids=[row["id"] for row in rows],
    )
    people, keys, periods, organizations, parts = (
        found.people,
        found.keys,
        found.periods,
        found.organizations,
        found.breakdowns,
    )
    return [
        {
            "id": row["id"],
            "partnership": row["partnership_id"],
            "indicator": row["indicator_id"],
            "period": periods[row["period_id"]],
            "organization": organizations[row["organization_id"]],
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
