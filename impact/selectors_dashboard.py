"""What coordinators look at: a partnership's dashboard, the workspace's portfolio, and
the printable impact report. Each is read in a fixed number of queries, whatever the
number of partnerships, goals, milestones, indicators, periods or figures: counts are
aggregated by the database, progress comes from ``impact.progress`` (one query for any
number of indicators), owed figures are counted by ``indicator_needs`` (the rule of
``impact.selectors_missing``, in grouped aggregates).

The partnership passed to ``partnership_report`` comes from an access-checked getter
(``partners.selectors_partnerships.partnership_get``); ``partnership_dashboard`` reads the
partnership with the rest of the page, under the same condition (``partnerships_visible_to``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count

from goals.models import GoalStatus, Milestone, MilestoneStatus, SharedGoal
from goals.selectors import goal_list
from impact.models import Indicator, MeasurementStatus
from impact.progress import (
    _TO_DATE_SQL,
    IndicatorProgress,
    IndicatorStatus,
    PeriodActual,
    _params,
    indicators_progress,
    period_actuals_of,
    progress_from_rows,
)
from impact.selectors import indicators_visible_to
from partnerhub.models import ActivityEvent, ApiKey, Reminder, User, Workspace
from partnerhub.permissions import Action
from partnerhub.prepared import ModelColumns, load_json, prepared_cursor
from partnerhub.selectors_reminders import UNREAD_COUNT_CAP
from partners.models import CommitmentKind, Partnership, PartnershipMember
from partners.selectors_partnerships import (
    ZERO,
    Amount,
    CommitmentTotals,
    PartnershipAccess,
    RoleView,
    commitment_totals,
    describe_roles,
    member_list,
    partnership_list,
)
from partners.services.partnerships import workspace_today

UPCOMING_DAYS = 30
RECENT_EVENTS = 10


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator with its derived progress and the figures still owed for it."""

    indicator: Indicator
    progress: IndicatorProgress
    owed: int = 0

    @property
    def needs_data(self) -> bool:
        return self.progress.status == IndicatorStatus.NEEDS_DATA or self.owed > 0


def _progress_rows(
    workspace: Workspace, indicators: list[Indicator], owed: dict[int, int]
) -> list[IndicatorRow]:
    progress = indicators_progress(workspace=workspace, indicator_ids=[i.pk for i in indicators])
    return [IndicatorRow(i, progress[i.pk], owed.get(i.pk, 0)) for i in indicators]


# --- Owed figures, counted --------------------------------------------------------------
#
# The pages need how many figures are owed (the rule of ``impact.selectors_missing``), not
# which. Because an organization reports an indicator at most once (unique reporter) and a
# period holds at most one figure per organization (unique figure), the owed figures of an
# indicator are its closed open periods times its reporting organizations, less the
# figures submitted or approved by a reporting organization for one of those periods.
# Each term is a separate grouped aggregate, added up in Python: no figure is probed one
# by one. Approved figures are read from the covering partial index
# ``measurement_ws_approved`` and submitted ones from ``measurement_ws_submitted``
# (index-only scans). Tests compare the answers with ``selectors_missing``'s query.

_CLOSED = """p.workspace_id = %(workspace)s AND p.indicator_id = ANY(%(ids)s::bigint[])
           AND p.end_date < %(today)s AND p.in_schedule AND NOT p.locked"""

# Figures submitted or approved (two index-only scans), by reporting organizations, per
# indicator and period: the periods are joined once the figures are counted down to one
# row per period.
_SETTLED_OF = """SELECT m.indicator_id, m.period_id, m.organization_id
                  FROM impact_measurement m
                 WHERE m.workspace_id = %(workspace)s AND m.status = {status}
                   AND m.indicator_id = ANY(%(ids)s::bigint[])"""

_SETTLED_BY_PERIOD = f"""SELECT f.indicator_id, f.period_id, count(*) AS n,
               count(*) FILTER (WHERE f.organization_id = %(organization)s) AS mine
          FROM ({_SETTLED_OF.format(status="%(approved)s")}
                UNION ALL
                {_SETTLED_OF.format(status="%(submitted)s")}) f
          JOIN impact_indicatorreporter r
            ON r.indicator_id = f.indicator_id AND r.organization_id = f.organization_id
         WHERE r.workspace_id = %(workspace)s AND r.indicator_id = ANY(%(ids)s::bigint[])
         GROUP BY f.indicator_id, f.period_id"""  # noqa: S608 -- constant SQL

# Rows (term, id, n, mine): "closed" periods, "reporters" and "settled" figures per
# indicator; "waiting" figures per partnership; and, with ``_APPROVED_SQL``, "approved" for
# an indicator with an approved figure in one of its periods (its progress does not need
# data; the dashboard, which reads the progress itself, leaves it out).
_INDICATOR_NEEDS_SQL = f"""
    SELECT 'closed', p.indicator_id, count(*), 0
      FROM impact_reportingperiod p
     WHERE {_CLOSED}
     GROUP BY p.indicator_id
    UNION ALL
    SELECT 'reporters', r.indicator_id, count(*),
           count(*) FILTER (WHERE r.organization_id = %(organization)s)
      FROM impact_indicatorreporter r
     WHERE r.workspace_id = %(workspace)s AND r.indicator_id = ANY(%(ids)s::bigint[])
     GROUP BY r.indicator_id
    UNION ALL
    SELECT 'settled', s.indicator_id, sum(s.n), sum(s.mine)
      FROM ({_SETTLED_BY_PERIOD}) s
      JOIN impact_reportingperiod p ON p.id = s.period_id AND p.indicator_id = s.indicator_id
     WHERE {_CLOSED}
     GROUP BY s.indicator_id
    UNION ALL
    SELECT 'waiting', m.partnership_id, count(*), 0
      FROM impact_measurement m
     WHERE m.workspace_id = %(workspace)s AND m.status = %(submitted)s
       AND m.partnership_id = ANY(%(partnerships)s::bigint[])
     GROUP BY m.partnership_id
"""  # noqa: S608 -- constant SQL; every value is a parameter

_APPROVED_SQL = """
    UNION ALL
    SELECT 'approved', i.id, 1, 0
      FROM impact_indicator i
     WHERE i.workspace_id = %(workspace)s AND i.id = ANY(%(ids)s::bigint[])
       AND EXISTS (
           SELECT 1
             FROM impact_measurement m
             JOIN impact_reportingperiod p
               ON p.id = m.period_id AND p.indicator_id = m.indicator_id
            WHERE m.workspace_id = %(workspace)s AND m.status = %(approved)s
              AND m.indicator_id = i.id AND p.workspace_id = %(workspace)s)
"""


@dataclass(frozen=True)
class IndicatorNeeds:
    """What the dashboard and the portfolio need to know about an indicator's figures."""

    indicator_id: int
    partnership_id: int
    owed: int  # figures owed for its closed periods, by every reporting organization
    owed_by_organization: int  # of those, owed by the organization asked about
    has_approved: bool  # an approved figure exists (else its progress needs data)


@dataclass(frozen=True)
class PartnershipsNeeds:
    indicators: dict[int, IndicatorNeeds]
    # Figures submitted and waiting for review, per partnership (none: left out).
    waiting: dict[int, int]


def _needs_params(
    *, workspace: Workspace, ids: list[int], partnerships: list[int], today: date
) -> dict[str, Any]:
    return {
        "workspace": workspace.pk,
        "ids": ids,
        "partnerships": partnerships,
        "today": today,
        "approved": MeasurementStatus.APPROVED.value,
        "submitted": MeasurementStatus.SUBMITTED.value,
    }


def _needs_of(rows: list[tuple[Any, ...]], partnership_of: dict[int, int]) -> PartnershipsNeeds:
    """``_INDICATOR_NEEDS_SQL``'s rows (and ``_APPROVED_SQL``'s), added up per indicator."""
    terms: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for term, key, n, mine in rows:
        terms[term][key] = (int(n), int(mine))
    closed, reporters, settled = terms["closed"], terms["reporters"], terms["settled"]
    indicators: dict[int, IndicatorNeeds] = {}
    for indicator_id, partnership_id in partnership_of.items():
        periods = closed.get(indicator_id, (0, 0))[0]
        reporting, reporting_mine = reporters.get(indicator_id, (0, 0))
        done, done_mine = settled.get(indicator_id, (0, 0))
        indicators[indicator_id] = IndicatorNeeds(
            indicator_id=indicator_id,
            partnership_id=partnership_id,
            owed=periods * reporting - done,
            owed_by_organization=periods * reporting_mine - done_mine,
            has_approved=indicator_id in terms["approved"],
        )
    waiting = {key: n for key, (n, _) in terms["waiting"].items()}
    return PartnershipsNeeds(indicators=indicators, waiting=waiting)


def indicator_needs(
    *,
    workspace: Workspace,
    partnership_ids: list[int],
    today: date,
    organization_id: int | None = None,
    partnership_of: dict[int, int] | None = None,
    with_approved: bool = True,
) -> PartnershipsNeeds:
    """Every indicator of the given partnerships with its owed figures (all, and those
    of ``organization_id``) and whether it has an approved figure (unless
    ``with_approved`` is false: then ``has_approved`` is always false); and each
    partnership's figures waiting for review. Two queries: the indicators (unless the
    caller has them: ``partnership_of``, indicator id -> partnership id, for every
    indicator of those partnerships), then the figures' aggregates (the indicator ids
    are passed as values so that the planner sizes the scans of figures right)."""
    partnerships = sorted(set(partnership_ids))
    if not partnerships:
        return PartnershipsNeeds(indicators={}, waiting={})
    if partnership_of is None:
        partnership_of = dict(
            Indicator.objects.for_workspace(workspace)
            .filter(partnership_id__in=partnerships)
            .values_list("id", "partnership_id")
        )
    params = _needs_params(
        workspace=workspace, ids=sorted(partnership_of), partnerships=partnerships, today=today
    )
    params["organization"] = organization_id
    with connection.cursor() as cursor:
        cursor.execute(_INDICATOR_NEEDS_SQL + (_APPROVED_SQL if with_approved else ""), params)
        rows = cursor.fetchall()
    return _needs_of(rows, partnership_of)


# --- A partnership's dashboard -------------------------------------------------------------


@dataclass(frozen=True)
class PartnershipDashboard:
    partnership: Partnership
    today: date
    goals: list[SharedGoal]
    overdue_milestones: list[Milestone]
    upcoming_milestones: list[Milestone]
    indicators: list[IndicatorRow]
    commitments: CommitmentTotals
    waiting: int  # figures submitted and waiting for review
    owed: int  # figures owed for closed periods (of the reader's organization, for partners)
    activity: list[ActivityEvent]
    # The reader's unread notifications (counted up to ``UNREAD_COUNT_CAP``), read with
    # the rest for the navigation; None when no reader was named.
    unread_notifications: int | None = None

    @property
    def goal_counts(self) -> list[tuple[str, int]]:
        """(status label, number of goals) in the order of the statuses."""
        counts: dict[str, int] = defaultdict(int)
        for goal in self.goals:
            counts[goal.status] += 1
        return [(str(s.label), counts[s.value]) for s in GoalStatus if counts[s.value]]

    @property
    def indicators_needing_data(self) -> int:
        return sum(1 for row in self.indicators if row.needs_data)


# The dashboard reads everything it shows in two round trips (after the session, the
# membership and the tenant setting): one batch of constant reads for the
# partnership and its goals, milestones, indicators, commitment totals and latest events
# (and the navigation's unread notifications), then the two aggregates over the
# indicators it found (progress, and the owed and waiting figures: ``_TO_DATE_SQL`` and
# ``_INDICATOR_NEEDS_SQL`` as they are). Constant SQL rather than querysets: building a
# queryset cost more than running its query, and a round trip per read more than the
# reads. The first batch is one prepared statement (below); the aggregates one
# ``execute`` of two statements separated by a semicolon (psycopg's client-side binding
# sends them together; ``nextset`` steps through their answers), their text as E3-ref
# runs it.
#
# Whoever may see a partnership sees all its goals, milestones, indicators and events
# (``goal_list``, ``milestone_list``, ``indicators_visible_to``, ``events_visible_to``), so
# each read is by partnership, under the condition of ``partnerships_visible_to`` (a role
# that sees every partnership, or the reader's organization is a current member): nothing
# of a partnership the reader may not see is read. Tests compare the answers with those
# selectors'.

# Worked out once for the statement (its ``reader`` CTE) and named in every read.
_READER_SQL = """SELECT %(sees_all)s OR EXISTS (
           SELECT 1 FROM partners_partnershipmember pm
            WHERE pm.workspace_id = %(workspace)s AND pm.partnership_id = %(pk)s
              AND pm.organization_id = %(organization)s AND pm.left_on IS NULL) AS sees"""
_VISIBLE = "(SELECT sees FROM reader)"


_PARTNERSHIP = ModelColumns(Partnership, "p")
_GOAL = ModelColumns(SharedGoal, "g")
_MILESTONE = ModelColumns(Milestone, "m")
_INDICATOR = ModelColumns(Indicator, "i")
_EVENT = ModelColumns(ActivityEvent, "e")
_USER = ModelColumns(User, "u")
_KEY = ModelColumns(ApiKey, "k")

# The page's seven reads, each a JSON array of rows (NULL for none), in one prepared
# statement: planned once per connection, read in one round trip, decoded at once (one
# JSON text a section instead of a loader per column of every row). Rows are the models'
# columns as ``ModelColumns.json_sql`` writes them.

# 1. The partnership (none: the reader may not see it).
_PARTNERSHIP_SQL = f"""
    SELECT json_agg({_PARTNERSHIP.json_sql})
      FROM {Partnership._meta.db_table} p
     WHERE p.workspace_id = %(workspace)s AND p.id = %(pk)s AND {_VISIBLE}
"""  # noqa: S608 -- table and column names are the models'; every value is a parameter

# 2. Every goal with its milestones counted (``goal_list``'s order and counts):
# [goal, milestones, milestones done].
_GOALS_SQL = f"""
    SELECT json_agg(json_build_array({_GOAL.json_sql}, n.milestone_count, n.milestones_done)
                    ORDER BY g.target_date ASC NULLS LAST, g.id)
      FROM {SharedGoal._meta.db_table} g
      CROSS JOIN LATERAL (
           SELECT count(*) AS milestone_count,
                  count(*) FILTER (WHERE m.status = %(done)s) AS milestones_done
             FROM {Milestone._meta.db_table} m
            WHERE m.workspace_id = g.workspace_id AND m.goal_id = g.id) n
     WHERE g.workspace_id = %(workspace)s AND g.partnership_id = %(pk)s AND {_VISIBLE}
"""  # noqa: S608

# 3. Milestones not done and due by a date (overdue ones included), by due date.
_MILESTONES_SQL = f"""
    SELECT json_agg({_MILESTONE.json_sql} ORDER BY m.due_date, m.id)
      FROM {Milestone._meta.db_table} m
     WHERE m.workspace_id = %(workspace)s AND m.partnership_id = %(pk)s
       AND m.due_date <= %(due_before)s AND m.status <> %(done)s AND {_VISIBLE}
"""  # noqa: S608

# 4. The indicators, by name.
_INDICATORS_SQL = f"""
    SELECT json_agg({_INDICATOR.json_sql} ORDER BY i.name, i.id)
      FROM {Indicator._meta.db_table} i
     WHERE i.workspace_id = %(workspace)s AND i.partnership_id = %(pk)s AND {_VISIBLE}
"""  # noqa: S608

# 5. The pledged and delivered sums per kind and currency (``commitment_totals``'
# ``totals``, without the per-member sums): [kind, currency, pledged, delivered].
_COMMITMENT_TOTALS_SQL = f"""
    SELECT json_agg(json_build_array(t.kind, t.currency, t.pledged::text, t.delivered::text))
      FROM (
        SELECT c.kind, c.currency, sum(c.pledged) AS pledged, sum(d.delivered) AS delivered
          FROM partners_commitment c
          LEFT JOIN LATERAL (
               SELECT sum(d.amount) AS delivered
                 FROM partners_commitmentdelivery d
                WHERE d.workspace_id = c.workspace_id AND d.commitment_id = c.id) d ON true
         WHERE c.workspace_id = %(workspace)s AND c.partnership_id = %(pk)s AND {_VISIBLE}
         GROUP BY c.kind, c.currency) t
"""  # noqa: S608

# 6. The latest events with who made them (``events_visible_to`` filtered by partnership,
# with ``select_related("actor_user", "actor_key")``): [event, user, key].
_EVENTS_SQL = f"""
    SELECT json_agg(t.r ORDER BY t.created_at DESC, t.id DESC)
      FROM (
        SELECT json_build_array({_EVENT.json_sql}, {_USER.json_sql}, {_KEY.json_sql}) AS r,
               e.created_at, e.id
          FROM {ActivityEvent._meta.db_table} e
          LEFT JOIN {User._meta.db_table} u ON u.id = e.actor_user_id
          LEFT JOIN {ApiKey._meta.db_table} k ON k.id = e.actor_key_id
         WHERE e.workspace_id = %(workspace)s AND e.partnership_id = %(pk)s AND {_VISIBLE}
         ORDER BY e.created_at DESC, e.id DESC
         LIMIT %(limit)s) t
"""  # noqa: S608

# 7. The reader's unread notifications, counted up to a cap for the navigation
# (``partnerhub.selectors_reminders.unread_count``'s query; none asked: 0 rows counted).
_UNREAD_SQL = f"""
    SELECT count(*) FROM (
        SELECT 1 FROM {Reminder._meta.db_table}
         WHERE workspace_id = %(workspace)s AND recipient_id = %(reader)s AND read_at IS NULL
         LIMIT %(unread_cap)s) unread
"""  # noqa: S608

# Sent with its runs of white space made one (no statement has a literal with two
# spaces): psycopg converts the placeholders of a text up to 4 KiB once per process and
# of a longer one on every call (a test keeps it under).
DASHBOARD_READ_SQL = " ".join(
    (
        f"WITH reader AS ({_READER_SQL}) SELECT "
        + ", ".join(
            f"({section})::text"
            for section in (
                _PARTNERSHIP_SQL,
                _GOALS_SQL,
                _MILESTONES_SQL,
                _INDICATORS_SQL,
                _COMMITMENT_TOTALS_SQL,
                _EVENTS_SQL,
            )
        )
        + f", ({_UNREAD_SQL})"
    ).split()
)

# The two aggregates, in one round trip (their text unchanged).
DASHBOARD_AGGREGATES_SQL = f"{_TO_DATE_SQL};{_INDICATOR_NEEDS_SQL}"


def _result_sets(sql: str, params: dict[str, Any]) -> list[list[tuple[Any, ...]]]:
    """Every statement's rows, in order, from one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        sets = [cursor.fetchall()]
        while cursor.nextset():
            sets.append(cursor.fetchall())
    return sets


def _events(rows: list[list[Any]]) -> list[ActivityEvent]:
    users: dict[int, User] = {}  # one instance per person, however many events they made
    events = []
    for event_row, user_row, key_row in rows:
        event = _EVENT.instance_from_json(event_row)
        # A join that found no row leaves the actor unset (None), like select_related.
        user_id = user_row[_USER.pk]
        if user_id is None:
            event.actor_user = None
        else:
            if user_id not in users:
                users[user_id] = _USER.instance_from_json(user_row)
            event.actor_user = users[user_id]
        event.actor_key = _KEY.instance_from_json(key_row) if key_row[_KEY.pk] is not None else None
        events.append(event)
    return events


def _commitment_totals(rows: list[list[Any]]) -> list[Amount]:
    totals = [
        Amount(
            kind=kind,
            currency=currency,
            pledged=ZERO + Decimal(pledged),
            delivered=ZERO if delivered is None else ZERO + Decimal(delivered),
        )
        for kind, currency, pledged, delivered in rows
    ]
    return sorted(totals, key=lambda a: (CommitmentKind.values.index(a.kind), a.currency))


def partnership_dashboard(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    pk: int,
    reader_id: int | None = None,
) -> PartnershipDashboard:
    """The dashboard of partnership ``pk`` as ``access`` may see it (Partnership.DoesNotExist
    when it may not: another organization's partnership, for a partner): goals,
    milestones overdue or due within 30 days, indicators with progress, commitments,
    figures waiting and owed, the latest activity; and ``reader_id``'s unread
    notifications, for the navigation. Two round trips, whatever the number of goals,
    milestones, indicators or figures."""
    today = workspace_today(workspace)
    sees_all = access.can(Action.VIEW_ALL_PARTNERSHIPS)
    with prepared_cursor() as cursor:
        cursor.execute(
            DASHBOARD_READ_SQL,
            {
                "workspace": workspace.pk,
                "pk": pk,
                "sees_all": sees_all,
                "organization": access.organization_id,
                "done": MilestoneStatus.DONE.value,
                "due_before": today + timedelta(days=UPCOMING_DAYS),
                "limit": RECENT_EVENTS,
                "reader": reader_id,
                "unread_cap": UNREAD_COUNT_CAP,
            },
        )
        *sections, unread = cursor.fetchone()
    (
        partnership_rows,
        goal_rows,
        milestone_rows,
        indicator_rows,
        commitment_rows,
        event_rows,
    ) = (load_json(section) or [] for section in sections)
    if not partnership_rows:
        raise Partnership.DoesNotExist("No such partnership.")
    partnership = _PARTNERSHIP.instance_from_json(partnership_rows[0])
    goals = []
    for row, milestone_count, milestones_done in goal_rows:
        goal = _GOAL.instance_from_json(row)
        goal.milestone_count, goal.milestones_done = milestone_count, milestones_done
        goal.partnership = partnership
        goals.append(goal)
    goal_of = {goal.pk: goal for goal in goals}
    # The related objects the page shows, from the rows already read (no query each).
    milestones = [_MILESTONE.instance_from_json(row) for row in milestone_rows]
    for milestone in milestones:
        milestone.partnership = partnership
        if milestone.goal_id in goal_of:
            milestone.goal = goal_of[milestone.goal_id]
    indicators = [_INDICATOR.instance_from_json(row) for row in indicator_rows]
    for indicator in indicators:
        indicator.partnership = partnership
        if indicator.goal_id in goal_of:
            indicator.goal = goal_of[indicator.goal_id]

    ids = sorted(i.pk for i in indicators)
    # A partner is told what their own organization owes; the others, the whole.
    mine = None if sees_all else access.organization_id
    progress_rows, needs_rows = _result_sets(
        DASHBOARD_AGGREGATES_SQL,
        {
            **_params(workspace, ids),
            **_needs_params(workspace=workspace, ids=ids, partnerships=[pk], today=today),
            "organization": mine,
        },
    )
    progress = progress_from_rows(progress_rows)
    needs = _needs_of(needs_rows, {i.pk: pk for i in indicators})
    owed = {i: n.owed for i, n in needs.indicators.items() if n.owed}
    return PartnershipDashboard(
        partnership=partnership,
        today=today,
        goals=goals,
        overdue_milestones=[m for m in milestones if m.due_date < today],
        upcoming_milestones=[m for m in milestones if m.due_date >= today],
        indicators=[IndicatorRow(i, progress[i.pk], owed.get(i.pk, 0)) for i in indicators],
        commitments=CommitmentTotals(totals=_commitment_totals(commitment_rows)),
        waiting=needs.waiting.get(pk, 0),
        owed=sum(owed.values())
        if mine is None
        else sum(n.owed_by_organization for n in needs.indicators.values()),
        activity=_events(event_rows),
        unread_notifications=int(unread) if reader_id is not None else None,
    )


# --- The portfolio -------------------------------------------------------------------------


@dataclass
class PortfolioRow:
    """One partnership and its counts (all but the indicators needing data come from the
    database)."""

    partnership: Partnership
    goals_on_track: int
    goals_at_risk: int
    goals_off_track: int
    indicator_count: int
    overdue_milestones: int
    figures_waiting: int
    indicators_needing_data: int = 0


@dataclass(frozen=True)
class Portfolio:
    rows: list[PortfolioRow]
    today: date
    totals: dict[str, int] = field(default_factory=dict)


PORTFOLIO_COLUMNS = (
    "goals_on_track",
    "goals_at_risk",
    "goals_off_track",
    "indicator_count",
    "indicators_needing_data",
    "overdue_milestones",
    "figures_waiting",
)


def _by_column(column: str) -> Callable[[PortfolioRow], tuple[Any, ...]]:
    return lambda row: (getattr(row, column), row.partnership.name.lower(), row.partnership.pk)


# The sorts the page offers: name -> the key of a row (ascending).
PORTFOLIO_SORTS: dict[str, Callable[[PortfolioRow], tuple[Any, ...]]] = {
    "name": lambda row: (row.partnership.name.lower(), row.partnership.pk),
    "model": lambda row: (row.partnership.get_model_display(), row.partnership.name.lower()),
    "status": lambda row: (row.partnership.get_status_display(), row.partnership.name.lower()),
    **{column: _by_column(column) for column in PORTFOLIO_COLUMNS},
}


def portfolio(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    status: str | None = None,
    model: str | None = None,
    organization: int | None = None,
    sort: str = "name",
) -> Portfolio:
    """Every visible partnership (filtered by status, model or member organization) with
    its counts, sorted by ``sort`` (a key of PORTFOLIO_SORTS, "-" first for descending).
    Five queries, whatever the number of partnerships, goals, indicators or figures: the
    partnerships, then grouped counts of goals and of overdue milestones, the indicators
    and their figures' aggregates (``indicator_needs``), each read once for every
    partnership (no query per partnership)."""
    today = workspace_today(workspace)
    partnerships = list(
        partnership_list(
            workspace=workspace,
            access=access,
            status=status,
            model=model,
            organization=organization,
        )
    )
    ids = [p.pk for p in partnerships]
    goal_counts: dict[tuple[int, str], int] = {}
    overdue: dict[int, int] = {}
    needs = PartnershipsNeeds(indicators={}, waiting={})
    if ids:
        goal_counts = {
            (row["partnership_id"], row["status"]): row["n"]
            for row in SharedGoal.objects.for_workspace(workspace)
            .filter(partnership_id__in=ids)
            .order_by()
            .values("partnership_id", "status")
            .annotate(n=Count("*"))
        }
        overdue = dict(
            Milestone.objects.for_workspace(workspace)
            .filter(partnership_id__in=ids, due_date__lt=today)
            .exclude(status=MilestoneStatus.DONE)
            .order_by()
            .values("partnership_id")
            .annotate(n=Count("*"))
            .values_list("partnership_id", "n")
        )
        needs = indicator_needs(workspace=workspace, partnership_ids=ids, today=today)
    indicator_count: dict[int, int] = defaultdict(int)
    needing: dict[int, int] = defaultdict(int)
    for item in needs.indicators.values():
        indicator_count[item.partnership_id] += 1
        # Needs data: no approved figure yet (progress "needs data"), or a figure owed.
        if item.owed or not item.has_approved:
            needing[item.partnership_id] += 1
    rows = [
        PortfolioRow(
            partnership=p,
            goals_on_track=goal_counts.get((p.pk, GoalStatus.ON_TRACK), 0),
            goals_at_risk=goal_counts.get((p.pk, GoalStatus.AT_RISK), 0),
            goals_off_track=goal_counts.get((p.pk, GoalStatus.OFF_TRACK), 0),
            indicator_count=indicator_count[p.pk],
            overdue_milestones=overdue.get(p.pk, 0),
            figures_waiting=needs.waiting.get(p.pk, 0),
            indicators_needing_data=needing[p.pk],
        )
        for p in partnerships
    ]
    descending = sort.startswith("-")
    key = PORTFOLIO_SORTS.get(sort.lstrip("-"), PORTFOLIO_SORTS["name"])
    rows.sort(key=key, reverse=descending)
    totals = {column: sum(getattr(row, column) for row in rows) for column in PORTFOLIO_COLUMNS}
    return Portfolio(rows=rows, today=today, totals=totals)


# --- The impact report ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportIndicator:
    row: IndicatorRow
    periods: list[PeriodActual]

    @property
    def indicator(self) -> Indicator:
        return self.row.indicator


@dataclass(frozen=True)
class ReportMember:
    member: PartnershipMember
    roles: list[RoleView]


@dataclass(frozen=True)
class PartnershipReport:
    partnership: Partnership
    today: date
    members: list[ReportMember]
    goals: list[SharedGoal]
    indicators: list[ReportIndicator]
    commitments: CommitmentTotals


def partnership_report(
    *, workspace: Workspace, access: PartnershipAccess, partnership: Partnership
) -> PartnershipReport:
    """The common agenda, current members with their sectors and roles, goals with
    status and reason, indicators with progress and every period's actual, commitments.
    Eight queries."""
    today = workspace_today(workspace)
    indicators = list(
        indicators_visible_to(workspace=workspace, access=access)
        .filter(partnership=partnership)
        .select_related("goal")
        .order_by("goal__title", "name", "id")
    )
    needs = indicator_needs(
        workspace=workspace,
        partnership_ids=[partnership.pk],
        today=today,
        partnership_of={i.pk: partnership.pk for i in indicators},
        with_approved=False,
    )
    owed = {i: n.owed for i, n in needs.indicators.items() if n.owed}
    actuals = period_actuals_of(workspace=workspace, indicator_ids=[i.pk for i in indicators])
    return PartnershipReport(
        partnership=partnership,
        today=today,
        members=[
            ReportMember(member=m, roles=describe_roles(m.roles))
            for m in member_list(workspace=workspace, partnership=partnership, current=True)
        ],
        goals=list(goal_list(workspace=workspace, access=access, partnership=partnership)),
        indicators=[
            ReportIndicator(row=row, periods=actuals[row.indicator.pk])
            for row in _progress_rows(workspace, indicators, owed)
        ],
        commitments=commitment_totals(workspace=workspace, partnership=partnership),
    )
