"""Reminder rules about figures and health checks.

* ``figure_missing`` -- a figure still owed for a closed period (the definition of
  ``impact.selectors_missing``, shared with the missing-data board, so the two agree) ->
  the reporting organization's partner users on the day after the period closed and
  again ``missing_repeat_days`` after it; the coordinators too from
  ``missing_escalate_days``.
* ``figure_returned`` -- a figure returned for changes -> the person who submitted it.
* ``figures_waiting`` -- submitted figures waiting for review -> the coordinators, once a
  day per partnership.
* ``health_check`` -- an open health-check round closing within
  ``health_check_days_before_close`` days -> the people who may answer for a member
  organization and have not answered yet.

Each rule reads its subjects in keyset order by id and costs a fixed number of queries
per batch. A step may fire later than its day, up to ``LATE_FIRING_DAYS`` (sweeps were
down, the rule was off): the occurrence key makes it fire once; never later, so that
switching reminders on does not flood people about long-past periods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Min
from django.urls import reverse

from impact.models import (
    HealthCheckResponse,
    HealthCheckRound,
    Measurement,
    MeasurementStatus,
    ReportingPeriod,
)
from impact.selectors_health import answering_roles
from impact.selectors_missing import owed_from_sql, owed_params
from partnerhub.links import RowLinks
from partnerhub.models import Membership, ReminderKind, ReminderPolicy, Role, Workspace
from partnerhub.reminders import (
    Candidates,
    ReminderRule,
    ReminderTexts,
    RuleBatch,
    active_member_ids,
    register_reminder_rule,
    reminder_day,
    reminder_days,
)
from partnerhub.selectors_reminders import coordinator_ids, policy_days
from partners.models import Organization

LATE_FIRING_DAYS = 7

# The columns the returned-figure rule reads (S-ref in bench/sweep.py reads the same ones).
RETURNED_FIELDS = (
    "id",
    "version",
    "indicator_id",
    "indicator__name",
    "period_id",
    "period__start_date",
    "period__end_date",
    "partnership_id",
    "organization_id",
    "submitted_by_id",
    "review_note",
)


# --- Shared ------------------------------------------------------------------------------


def partner_user_ids(
    *, workspace: Workspace, organization_ids: Iterable[int]
) -> dict[int, list[int]]:
    """Organization id -> its active partner users in this workspace. One query."""
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
        .order_by("user_id")
        .values_list("organization_id", "user_id")
    ):
        answer.setdefault(organization_id, []).append(user_id)
    return answer


def _period(start: date, end: date, day: Callable[[date], str] = reminder_day) -> str:
    return f"{day(start)} to {day(end)}"


def _report_paths(workspace: Workspace) -> RowLinks:
    """(indicator id, period id) -> the page where the figure is reported."""
    return RowLinks("measurement_report", workspace=workspace, ids=("indicator_pk", "period_pk"))


def _plural(count: int, one: str, many: str) -> str:
    return f"1 {one}" if count == 1 else f"{count} {many}"


# --- Missing figures ---------------------------------------------------------------------


def missing_step(days_late: int, repeat_days: Iterable[int]) -> int | None:
    """The step (its day after the close: 1, then each of ``repeat_days``) whose reminder
    is due ``days_late`` days after the period closed, within ``LATE_FIRING_DAYS`` of its
    day and before the next step. None when none is due."""
    steps = sorted({1, *(d for d in repeat_days if d > 1)})
    current = max((s for s in steps if s <= days_late), default=None)
    if current is None:
        return None
    following = next((s for s in steps if s > current), None)
    span = LATE_FIRING_DAYS if following is None else min(following - current, LATE_FIRING_DAYS)
    return current if days_late - current < span else None


def _missing_sql() -> str:
    organizations = Organization._meta.db_table
    joins = (
        f"JOIN {organizations} o ON o.workspace_id = r.workspace_id AND o.id = r.organization_id"
    )
    filters = "AND p.id > %(after)s AND p.end_date BETWEEN %(oldest)s AND %(newest)s"
    # Keyset over periods: the first ``limit`` periods owing something, then all their
    # owed (period, organization) pairs.
    return f"""
        WITH owed AS (
            SELECT p.id AS period_id, p.start_date, p.end_date, i.id AS indicator_id, i.name,
                   i.partnership_id, r.organization_id, o.name AS organization_name
            {owed_from_sql(filters, joins)}
        ), chosen AS (
            SELECT DISTINCT period_id FROM owed ORDER BY period_id LIMIT %(limit)s
        )
        SELECT owed.* FROM owed JOIN chosen USING (period_id)
         ORDER BY owed.period_id, owed.organization_id
    """  # noqa: S608 -- table names from the models; every value is a parameter


# Whether a period still open to figures closed in the range of step days (the owed
# figures' statement adds the reporters, their figures and the indicators to this).
_CLOSED_SQL = f"""
    SELECT 1 FROM {ReportingPeriod._meta.db_table} p
     WHERE p.workspace_id = %(workspace)s AND p.id > %(after)s
       AND p.end_date BETWEEN %(oldest)s AND %(newest)s AND p.end_date < %(today)s
       AND p.in_schedule AND NOT p.locked
     LIMIT 1
"""  # noqa: S608 -- the table name is the model's; every value is a parameter


class FigureMissingRule:
    """An owed figure (``impact.selectors_missing``) of a closed period -> the reporting
    organization's partner users on day 1 after the close and again on each of
    ``missing_repeat_days``; the coordinators too on the steps from
    ``missing_escalate_days``. Occurrence ``missing:<period>:<organization>:<step day>``.
    Keyset over period ids (all owed organizations of a period come in one batch)."""

    kind: str = ReminderKind.FIGURE_MISSING.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        repeats = policy_days(policy.missing_repeat_days, minimum=2)
        escalate = int(policy.missing_escalate_days)
        horizon = max([1, *repeats]) + LATE_FIRING_DAYS
        end_dates = [
            today - timedelta(days=late)
            for late in range(1, horizon)
            if missing_step(late, repeats) is not None
        ]
        if not end_dates:
            return RuleBatch([], None, 0)
        # A range (portable SQL); the few days between steps that fire nothing, if any,
        # are dropped below.
        params = owed_params(workspace, today, limit) | {
            "after": after,
            "oldest": min(end_dates),
            "newest": max(end_dates),
        }
        with connection.cursor() as cursor:
            # Most days no period closed on a step day: a look at the periods alone is
            # then the whole answer (planning the owed figures' statement costs ten
            # times more than this query).
            cursor.execute(_CLOSED_SQL, params)
            if cursor.fetchone() is None:
                return RuleBatch([], None, 0)
            cursor.execute(_missing_sql(), params)
            rows = cursor.fetchall()
        periods = list(dict.fromkeys(row[0] for row in rows))
        last_key = periods[-1] if len(periods) == limit else None

        steps = {row[0]: missing_step((today - row[2]).days, repeats) for row in rows}  # by period
        people = partner_user_ids(workspace=workspace, organization_ids={row[6] for row in rows})
        escalating = any(step is not None and step >= escalate for step in steps.values())
        coordinators = coordinator_ids(workspace=workspace) if escalating else []
        report_path, day = _report_paths(workspace), reminder_days()

        def texts(item: tuple[tuple[Any, ...], bool]) -> ReminderTexts:
            row, for_coordinator = item
            period_id, start, end, indicator_id, name, partnership_id, org_id, org_name = row
            path = report_path(indicator_id, period_id)
            detail = (
                f"The period closed on {day(end)}, "
                f"{_plural((today - end).days, 'day', 'days')} ago."
            )
            if for_coordinator:
                return (
                    f"{org_name} has not submitted “{name}”, {_period(start, end, day)}",
                    detail,
                    f"{path}?organization={org_id}",
                    partnership_id,
                )
            return (
                f"Your figure for “{name}”, {_period(start, end, day)}, is missing",
                f"{detail} Submit it, or say why it is late.",
                path,
                partnership_id,
            )

        candidates = Candidates(kind=self.kind, subject_type="period", texts=texts)
        add = candidates.add
        for row in rows:
            period_id, org_id = row[0], row[6]
            step = steps[period_id]
            if step is None:
                continue
            occurrence = f"missing:{period_id}:{org_id}:{step}"
            partners = (row, False)
            for user_id in people.get(org_id, []):
                add(user_id, period_id, occurrence, partners)
            if step >= escalate:
                coordinated = (row, True)
                for user_id in coordinators:
                    add(user_id, period_id, occurrence, coordinated)
        return RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


# --- Returned figures --------------------------------------------------------------------


class FigureReturnedRule:
    """A figure returned for changes (in a period still open to changes) -> whoever
    submitted it. Occurrence ``returned:<version>``: returned again later, it fires
    again."""

    kind: str = ReminderKind.FIGURE_RETURNED.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        rows = list(
            Measurement.objects.for_workspace(workspace)
            .filter(status=MeasurementStatus.RETURNED, period__locked=False, id__gt=after)
            .order_by("id")
            .values_list(*RETURNED_FIELDS)[:limit]
        )
        last_key = rows[-1][0] if rows and len(rows) == limit else None
        members = active_member_ids(
            workspace=workspace, user_ids={row[9] for row in rows if row[9] is not None}
        )
        report_path, day = _report_paths(workspace), reminder_days()

        def texts(row: tuple[Any, ...]) -> ReminderTexts:
            _, _, indicator_id, name, period_id, start, end, partnership_id, org_id, _, note = row
            note = " ".join(note.split())
            detail = f"Reviewer's note: {note}" if note else "See the reviewer's note."
            if len(detail) > 300:
                detail = detail[:299] + "…"
            return (
                f"Your figure for “{name}”, {_period(start, end, day)}, was returned for changes",
                detail,
                f"{report_path(indicator_id, period_id)}?organization={org_id}",
                partnership_id,
            )

        candidates = Candidates(kind=self.kind, subject_type="figure", texts=texts)
        keys, items = candidates.keys, candidates.items
        for row in rows:
            submitter_id = row[9]
            if submitter_id not in members:
                continue
            keys.append((submitter_id, row[0], f"returned:{row[1]}"))
            items.append(row)
        return RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


# --- Figures waiting for review ----------------------------------------------------------


class FiguresWaitingRule:
    """Per partnership with submitted figures waiting for review -> the coordinators,
    once a day (occurrence ``waiting:<today>``). Keyset over partnership ids."""

    kind: str = ReminderKind.FIGURES_WAITING.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        rows = list(
            Measurement.objects.for_workspace(workspace)
            .filter(status=MeasurementStatus.SUBMITTED, partnership_id__gt=after)
            .values("partnership_id", "partnership__name")
            .annotate(waiting=Count("*"), oldest=Min("submitted_at"))
            .order_by("partnership_id")
            .values_list("partnership_id", "partnership__name", "waiting", "oldest")[:limit]
        )
        last_key = rows[-1][0] if rows and len(rows) == limit else None
        coordinators = coordinator_ids(workspace=workspace) if rows else []
        queue = reverse("measurement_review_queue", kwargs={"workspace_slug": workspace.slug})
        day = reminder_days()

        def texts(row: tuple[Any, ...]) -> ReminderTexts:
            partnership_id, name, count, oldest = row
            waits = "is" if count == 1 else "are"
            return (
                f"{_plural(count, 'figure', 'figures')} of “{name}” {waits} waiting for review",
                f"The oldest was submitted on {day(oldest.date())}." if oldest else "",
                f"{queue}?partnership={partnership_id}",
                partnership_id,
            )

        candidates = Candidates(kind=self.kind, subject_type="partnership", texts=texts)
        add = candidates.add
        occurrence = f"waiting:{today.isoformat()}"
        for row in rows:
            for user_id in coordinators:
                add(user_id, row[0], occurrence, row)
        return RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


# --- Health check ------------------------------------------------------------------------


def _closes(days: int) -> str:
    if days == 0:
        return "closes today"
    if days == 1:
        return "closes tomorrow"
    return f"closes in {days} days"


class HealthCheckRule:
    """An open round closing within ``health_check_days_before_close`` days -> each
    person who may answer for a current member organization (an active member of the
    workspace whose role reports progress and whose membership names that organization)
    and has not answered. Occurrence ``health:<round id>``: once per round and person,
    even when the sweep first sees the round on its last day."""

    kind: str = ReminderKind.HEALTH_CHECK.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        before = int(policy.health_check_days_before_close)
        rounds = list(
            HealthCheckRound.objects.for_workspace(workspace)
            .filter(
                opens_on__lte=today,
                closes_on__gte=today,
                closes_on__lte=today + timedelta(days=before),
                id__gt=after,
            )
            .order_by("id")
            .values_list("id", "title", "closes_on", "partnership_id")[:limit]
        )
        last_key = rounds[-1][0] if rounds and len(rounds) == limit else None
        if not rounds:
            return RuleBatch([], last_key, 0)
        people: dict[int, list[tuple[int, str]]] = {}
        for partnership_id, user_id, organization_name in (
            Membership.objects.filter(
                workspace=workspace,
                role__in=answering_roles(),
                user__is_active=True,
                organization__memberships__partnership_id__in={r[3] for r in rounds},
                organization__memberships__left_on__isnull=True,
            )
            .order_by("user_id")
            .values_list(
                "organization__memberships__partnership_id", "user_id", "organization__name"
            )
        ):
            people.setdefault(partnership_id, []).append((user_id, organization_name))
        answered = set(
            HealthCheckResponse.objects.for_workspace(workspace)
            .filter(round_id__in=[r[0] for r in rounds], respondent__isnull=False)
            .values_list("round_id", "respondent_id")
        )
        paths = RowLinks("health_round_answer", workspace=workspace, ids=("pk",))
        day = reminder_days()

        def texts(item: tuple[tuple[Any, ...], str]) -> ReminderTexts:
            (round_id, title, closes_on, partnership_id), organization_name = item
            return (
                f"The health check “{title}” {_closes((closes_on - today).days)}",
                f"Answer for {organization_name} by {day(closes_on)}.",
                paths(round_id),
                partnership_id,
            )

        candidates = Candidates(kind=self.kind, subject_type="health_round", texts=texts)
        add = candidates.add
        for row in rounds:
            round_id = row[0]
            occurrence = f"health:{round_id}"
            for user_id, organization_name in people.get(row[3], []):
                if (round_id, user_id) in answered:
                    continue
                add(user_id, round_id, occurrence, (row, organization_name))
        return RuleBatch(last_key=last_key, rows_read=len(rounds), candidates=candidates)


IMPACT_RULES: tuple[ReminderRule, ...] = (
    FigureMissingRule(),
    FigureReturnedRule(),
    FiguresWaitingRule(),
    HealthCheckRule(),
)


def register() -> None:
    for rule in IMPACT_RULES:
        register_reminder_rule(rule)
