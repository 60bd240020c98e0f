"""Which figures are owed: the missing-data board and the reminders read them here.

A figure is **owed** by an organization for a period of an indicator when

* the period has closed (its end date is before today, in the workspace's time zone),
* the period is in the indicator's schedule and not locked,
* the organization is one of the indicator's reporting organizations, and
* no figure of that organization for that period is submitted or approved (a draft, or a
  figure returned for changes, is still owed).

The board is one SQL query over ``impact_reportingperiod`` x ``impact_indicatorreporter``
with a LEFT JOIN to the (at most one, by the unique constraint) figure. Every table is
filtered by the workspace, so the plan uses the ``(workspace, end_date)`` index of periods
and stays within what Row-Level Security lets the transaction see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from impact.models import IndicatorReporter, MeasurementStatus
from partnerhub.api.filters import MAX_ID
from partnerhub.models import Membership, Role, User, Workspace
from partners.models import Organization, Partnership
from partners.services.partnerships import workspace_today

# The board shows the oldest rows first; more than this is narrowed with the filters.
BOARD_LIMIT = 200


@dataclass(frozen=True)
class OwedKey:
    """Names one owed figure: which indicator, which period, which organization."""

    indicator_id: int
    period_id: int
    organization_id: int

    def encode(self) -> str:
        return f"{self.indicator_id}:{self.period_id}:{self.organization_id}"

    @classmethod
    def decode(cls, raw: str) -> OwedKey | None:
        """None for anything that is not three ids (1 to the largest primary key)
        separated by colons."""
        parts = (raw or "").strip().split(":")
        if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
            return None
        indicator_id, period_id, organization_id = (int(part) for part in parts)
        if min(indicator_id, period_id, organization_id) <= 0:
            return None
        if max(indicator_id, period_id, organization_id) > MAX_ID:
            return None
        return cls(indicator_id, period_id, organization_id)


@dataclass(frozen=True)
class OwedFigure:
    indicator_id: int
    indicator_name: str
    unit: str
    partnership_id: int
    partnership_name: str
    period_id: int
    period_start: date
    period_end: date
    organization_id: int
    organization_name: str
    measurement_id: int | None  # the draft or returned figure, if one was started
    measurement_status: str | None
    days_late: int
    recipients: int  # active partner users of the organization with an email address

    @property
    def key(self) -> OwedKey:
        return OwedKey(self.indicator_id, self.period_id, self.organization_id)

    @property
    def state_label(self) -> str:
        if self.measurement_status == MeasurementStatus.DRAFT:
            return "Draft saved, not submitted"
        if self.measurement_status == MeasurementStatus.RETURNED:
            return "Returned for changes"
        return "Nothing entered"


@dataclass(frozen=True)
class MissingBoard:
    rows: list[OwedFigure]
    total: int  # owed figures matching the filters (rows holds at most BOARD_LIMIT)
    today: date

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _filters(
    *,
    partnership: bool = False,
    partnerships: bool = False,
    organization: bool = False,
    keys: bool = False,
) -> str:
    filters = []
    if partnership:
        filters.append("AND i.partnership_id = %(partnership)s")
    if partnerships:
        filters.append("AND i.partnership_id = ANY(%(partnerships)s)")
    if organization:
        filters.append("AND r.organization_id = %(organization)s")
    if keys:
        filters.append(
            "AND (p.indicator_id, p.id, r.organization_id) IN "
            "(SELECT * FROM unnest(%(key_indicators)s::bigint[], %(key_periods)s::bigint[],"
            " %(key_organizations)s::bigint[]))"
        )
    return "\n           ".join(filters)


def owed_from_sql(filters: str, joins: str = "") -> str:
    """FROM ... WHERE of the owed figures (aliases p period, r reporter, i indicator,
    m the draft or returned figure if any), for every reader of owed figures (the board
    here, the reminder rules of ``impact.reminders``) so that they agree. ``filters``
    adds ``AND ...`` conditions, ``joins`` more tables; run it with ``owed_params``.
    Every table is filtered by the workspace."""
    return f"""
          FROM impact_reportingperiod p
          JOIN impact_indicatorreporter r
            ON r.workspace_id = p.workspace_id AND r.indicator_id = p.indicator_id
          JOIN impact_indicator i ON i.workspace_id = p.workspace_id AND i.id = p.indicator_id
          {joins}
          LEFT JOIN impact_measurement m
            ON m.workspace_id = p.workspace_id AND m.period_id = p.id
           AND m.indicator_id = p.indicator_id AND m.organization_id = r.organization_id
         WHERE p.workspace_id = %(workspace)s
           AND p.end_date < %(today)s AND p.in_schedule AND NOT p.locked
           AND (m.id IS NULL OR m.status IN (%(draft)s, %(returned)s))
           {filters}
    """


def _rows_sql(filters: str) -> str:
    membership, user = Membership._meta.db_table, User._meta.db_table
    organizations, partnerships = Organization._meta.db_table, Partnership._meta.db_table
    joins = f"""JOIN {partnerships} ps
            ON ps.workspace_id = i.workspace_id AND ps.id = i.partnership_id
          JOIN {organizations} o
            ON o.workspace_id = r.workspace_id AND o.id = r.organization_id"""
    return f"""
        SELECT i.id, i.name, i.unit, i.partnership_id, ps.name,
               p.id, p.start_date, p.end_date,
               r.organization_id, o.name,
               m.id, m.status,
               %(today)s - p.end_date AS days_late,
               (SELECT count(*)
                  FROM {membership} ms
                  JOIN {user} u ON u.id = ms.user_id
                 WHERE ms.workspace_id = p.workspace_id AND ms.role = %(partner)s
                   AND ms.organization_id = r.organization_id
                   AND u.is_active AND u.email <> '') AS recipients,
               count(*) OVER () AS total
          {owed_from_sql(filters, joins)}
         ORDER BY p.end_date, ps.name, i.name, o.name, p.id, r.organization_id
         LIMIT %(limit)s
    """  # noqa: S608 -- table names from the models; every value is a parameter


def _run(sql: str, params: dict[str, Any]) -> tuple[list[OwedFigure], int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    figures = [OwedFigure(*row[:-1]) for row in rows]
    return figures, (rows[0][-1] if rows else 0)


def owed_params(workspace: Workspace, today: date, limit: int | None = None) -> dict[str, Any]:
    """The parameters ``owed_from_sql`` (and ``limit``) need."""
    return {
        "workspace": workspace.pk,
        "today": today,
        "partner": Role.PARTNER.value,
        "draft": MeasurementStatus.DRAFT.value,
        "returned": MeasurementStatus.RETURNED.value,
        "limit": limit,
    }


def missing_board(
    *,
    workspace: Workspace,
    partnership_id: int | None = None,
    organization_id: int | None = None,
    limit: int = BOARD_LIMIT,
    today: date | None = None,
) -> MissingBoard:
    """The owed figures of the workspace, oldest period first, optionally of one
    partnership and/or one organization. One query. (Coordinators' board: the caller
    checks the role; every partnership of the workspace is included.)"""
    today = today or workspace_today(workspace)
    params = owed_params(workspace, today, limit) | {
        "partnership": partnership_id,
        "organization": organization_id,
    }
    filters = _filters(
        partnership=partnership_id is not None, organization=organization_id is not None
    )
    rows, total = _run(_rows_sql(filters), params)
    return MissingBoard(rows=rows, total=total, today=today)


def owed_figures(
    *, workspace: Workspace, keys: Iterable[OwedKey], today: date | None = None
) -> dict[OwedKey, OwedFigure]:
    """Those of ``keys`` that are owed right now, with their details. One query."""
    wanted = sorted(set(keys), key=lambda k: (k.indicator_id, k.period_id, k.organization_id))
    if not wanted:
        return {}
    today = today or workspace_today(workspace)
    params = owed_params(workspace, today, len(wanted)) | {
        "key_indicators": [k.indicator_id for k in wanted],
        "key_periods": [k.period_id for k in wanted],
        "key_organizations": [k.organization_id for k in wanted],
    }
    rows, _ = _run(_rows_sql(_filters(keys=True)), params)
    return {row.key: row for row in rows}


def owed_counts_by_indicator(
    *, workspace: Workspace, partnership_ids: Iterable[int], today: date | None = None
) -> dict[int, int]:
    """Indicator id -> number of owed figures (indicators owing none are left out), for
    the indicators of the given partnerships. One grouped query."""
    ids = sorted(set(partnership_ids))
    if not ids:
        return {}
    today = today or workspace_today(workspace)
    owed = owed_from_sql(_filters(partnerships=True))
    sql = f"SELECT p.indicator_id, count(*) {owed} GROUP BY 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, owed_params(workspace, today) | {"partnerships": ids})
        return dict(cursor.fetchall())


def owed_count(
    *,
    workspace: Workspace,
    partnership_id: int,
    organization_id: int | None = None,
    today: date | None = None,
) -> int:
    """How many figures of one partnership are owed (by one organization if given)."""
    today = today or workspace_today(workspace)
    filters = _filters(partnership=True, organization=organization_id is not None)
    params = owed_params(workspace, today) | {
        "partnership": partnership_id,
        "organization": organization_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {owed_from_sql(filters)}", params)
        return int(cursor.fetchone()[0])


def partner_recipients(
    *, workspace: Workspace, organization_ids: Iterable[int]
) -> dict[int, list[int]]:
    """Organization id -> the ids of the people a reminder to it goes to: active users
    with an email address who are partners of this workspace representing it (the
    ``recipients`` of an OwedFigure). One query for any number of organizations."""
    ids = set(organization_ids)
    answer: dict[int, list[int]] = {}
    if not ids:
        return answer
    for organization_id, user_id in (
        Membership.objects.filter(
            workspace=workspace,
            role=Role.PARTNER,
            organization_id__in=ids,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("user__email", "user_id")
        .values_list("organization_id", "user_id")
    ):
        answer.setdefault(organization_id, []).append(user_id)
    return answer


def reporting_organizations(*, workspace: Workspace) -> QuerySet[Organization]:
    """Organizations that report on at least one indicator (the board's filter)."""
    reporters = IndicatorReporter.objects.for_workspace(workspace).values("organization_id")
    return (
        Organization.objects.for_workspace(workspace)
        .filter(pk__in=reporters)
        .order_by("name", "id")
    )
