"""What coordinators look at: a partnership's dashboard, the workspace's portfolio, and
the printable impact report. Each is read in a fixed number of queries, whatever the
number of partnerships, goals, milestones, indicators, periods or figures: counts are
aggregated by the database, progress comes from ``impact.progress`` (one query for any
number of indicators), owed figures from ``impact.selectors_missing``.

The partnership passed to ``partnership_dashboard`` and ``partnership_report`` comes from
an access-checked getter (``partners.selectors_partnerships.partnership_get``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from goals.models import GoalStatus, Milestone, MilestoneStatus, SharedGoal
from goals.selectors import goal_list, milestone_list
from impact.models import Indicator, Measurement, MeasurementStatus
from impact.progress import (
    IndicatorProgress,
    IndicatorStatus,
    PeriodActual,
    indicators_progress,
    period_actuals_of,
)
from impact.selectors import indicators_visible_to, measurements_visible_to
from impact.selectors_missing import owed_count, owed_counts_by_indicator
from partnerhub.models import ActivityEvent, Workspace
from partnerhub.permissions import Action
from partnerhub.selectors_activity import events_visible_to
from partners.models import Partnership, PartnershipMember
from partners.selectors_partnerships import (
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


def partnership_dashboard(
    *, workspace: Workspace, access: PartnershipAccess, partnership: Partnership
) -> PartnershipDashboard:
    """Goals, milestones overdue or due within 30 days, indicators with progress,
    commitments, figures waiting and owed, the latest activity. Nine queries (ten for a
    partner: what their own organization owes)."""
    today = workspace_today(workspace)
    goals = list(goal_list(workspace=workspace, access=access, partnership=partnership))
    milestones = list(
        milestone_list(
            workspace=workspace,
            access=access,
            partnership=partnership,
            due_before=today + timedelta(days=UPCOMING_DAYS),
        ).exclude(status=MilestoneStatus.DONE)
    )
    indicators = list(
        indicators_visible_to(workspace=workspace, access=access)
        .filter(partnership=partnership)
        .select_related("goal")
        .order_by("name", "id")
    )
    owed = owed_counts_by_indicator(
        workspace=workspace, partnership_ids=[partnership.pk], today=today
    )
    waiting = (
        measurements_visible_to(workspace=workspace, access=access)
        .filter(partnership=partnership, status=MeasurementStatus.SUBMITTED)
        .count()
    )
    # A partner is told what their own organization owes; the others, the whole.
    mine = None if access.can(Action.VIEW_ALL_PARTNERSHIPS) else access.organization_id
    events = (
        events_visible_to(workspace=workspace, access=access)
        .filter(partnership_id=partnership.pk)
        .select_related("actor_user", "actor_key")
        .order_by("-created_at", "-id")[:RECENT_EVENTS]
    )
    return PartnershipDashboard(
        partnership=partnership,
        today=today,
        goals=goals,
        overdue_milestones=[m for m in milestones if m.due_date < today],
        upcoming_milestones=[m for m in milestones if m.due_date >= today],
        indicators=_progress_rows(workspace, indicators, owed),
        commitments=commitment_totals(workspace=workspace, partnership=partnership),
        waiting=waiting,
        owed=sum(owed.values())
        if mine is None
        else owed_count(
            workspace=workspace, partnership_id=partnership.pk, organization_id=mine, today=today
        ),
        activity=list(events),
    )


# --- The portfolio -------------------------------------------------------------------------


def _count(rows: QuerySet[Any]) -> Coalesce:
    """The number of ``rows`` per outer partnership, as a correlated subquery."""
    counts = rows.order_by().values("partnership").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


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
    Four queries, whatever the number of partnerships, goals, indicators or figures."""
    today = workspace_today(workspace)
    goals = SharedGoal.objects.for_workspace(workspace).filter(partnership=OuterRef("pk"))
    partnerships = partnership_list(
        workspace=workspace, access=access, status=status, model=model, organization=organization
    ).annotate(
        goals_on_track=_count(goals.filter(status=GoalStatus.ON_TRACK)),
        goals_at_risk=_count(goals.filter(status=GoalStatus.AT_RISK)),
        goals_off_track=_count(goals.filter(status=GoalStatus.OFF_TRACK)),
        indicator_count=_count(
            Indicator.objects.for_workspace(workspace).filter(partnership=OuterRef("pk"))
        ),
        overdue_milestones=_count(
            Milestone.objects.for_workspace(workspace)
            .filter(partnership=OuterRef("pk"), due_date__lt=today)
            .exclude(status=MilestoneStatus.DONE)
        ),
        figures_waiting=_count(
            Measurement.objects.for_workspace(workspace).filter(
                partnership=OuterRef("pk"), status=MeasurementStatus.SUBMITTED
            )
        ),
    )
    rows = [
        PortfolioRow(
            partnership=p,
            **{c: getattr(p, c) for c in PORTFOLIO_COLUMNS if c != "indicators_needing_data"},
        )
        for p in partnerships
    ]
    ids = [row.partnership.pk for row in rows]
    indicator_partnership = dict(
        Indicator.objects.for_workspace(workspace)
        .filter(partnership_id__in=ids)
        .values_list("id", "partnership_id")
    )
    progress = indicators_progress(workspace=workspace, indicator_ids=indicator_partnership)
    owed = owed_counts_by_indicator(workspace=workspace, partnership_ids=ids, today=today)
    needing: dict[int, int] = defaultdict(int)
    for indicator_id, partnership_id in indicator_partnership.items():
        result = progress.get(indicator_id)
        if owed.get(indicator_id) or result is None or result.status == IndicatorStatus.NEEDS_DATA:
            needing[partnership_id] += 1
    for row in rows:
        row.indicators_needing_data = needing.get(row.partnership.pk, 0)
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
    owed = owed_counts_by_indicator(
        workspace=workspace, partnership_ids=[partnership.pk], today=today
    )
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
