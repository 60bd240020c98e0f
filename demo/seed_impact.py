"""The impact step of the demo seeder: the partner users who report figures, indicators
with their reporting periods and figures (and the review history of each), and
health-check rounds; then the linked goals' statuses are refreshed.

Runs after the goals step (indicators link to the shared goals). Rows are written
through the ORM, in bulk, inside the workspace context the seeder sets, and found again
on the next run by their natural key:

- a partner user by email (as ``seed_people`` does), with a verified address and a
  membership for their organization;
- an indicator by (partnership, name): its reporting organizations, dimensions, periods,
  figures and history are written only when it is created, so a rerun changes nothing
  and what people changed in the app stays;
- a health-check round by (partnership, title); its answers are written only while it has
  none.

Dates follow ``demo.plan_impact``: about two years of closed periods before today, the
review history spread over the weeks after each period closed, in the workspace's zone.
That history (``MeasurementEvent``) is the story of each figure; the activity trail is left
to the people using the demo (its events are append-only and would all carry the time of
the seeding).
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.utils import timezone

from demo.data_impact import (
    APPROVED,
    CORRECTED,
    DRAFT,
    HEALTH_ROUNDS,
    INDICATORS,
    REPORTING_PEOPLE,
    RETURNED,
    SUBMITTED,
    HealthRoundSpec,
    IndicatorSpec,
)
from demo.plan_impact import FigurePlan, IndicatorPlan, health_scores, plan_indicator
from goals.models import SharedGoal
from goals.services import goal_refresh_status
from impact.models import (
    Dimension,
    DimensionCategory,
    HealthCheckAnswer,
    HealthCheckResponse,
    HealthCheckRound,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    MeasurementEventKind,
    MeasurementStatus,
    ReportingPeriod,
)
from impact.periods import sync_periods
from partnerhub.models import Membership, Role, User
from partners.models import Organization, Partnership, PartnershipMember
from partners.services.partnerships import workspace_today

if TYPE_CHECKING:
    from demo.seed import SeedRun, WorkspaceSeed

Kind = MeasurementEventKind
STATUS_OF_CODE = {
    APPROVED: MeasurementStatus.APPROVED,
    CORRECTED: MeasurementStatus.APPROVED,
    SUBMITTED: MeasurementStatus.SUBMITTED,
    RETURNED: MeasurementStatus.RETURNED,
    DRAFT: MeasurementStatus.DRAFT,
}
LOCKED_AFTER_DAYS = 21  # a coordinator locks a period about three weeks after its review


class _ImpactSeed:
    """The impact data of one workspace, and the people who wrote it."""

    def __init__(self, seed: WorkspaceSeed, run: SeedRun) -> None:
        self.seed = seed
        self.run = run
        self.workspace = seed.workspace
        self.today = workspace_today(seed.workspace)
        self.now = timezone.now()
        try:
            self.zone = zoneinfo.ZoneInfo(seed.workspace.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo("UTC")
        email = next(p.email for p in seed.spec.people if p.role == Role.COORDINATOR)
        self.coordinator = seed.people[email]
        self.partnerships = {p.name: p for p in Partnership.objects.for_workspace(self.workspace)}
        self.members: dict[int, dict[str, Organization]] = {}
        for member in (
            PartnershipMember.objects.for_workspace(self.workspace)
            .filter(left_on__isnull=True)
            .select_related("organization")
        ):
            self.members.setdefault(member.partnership_id, {})[member.organization.name] = (
                member.organization
            )
        self.goals_touched: set[int] = set()
        self.reporters_by_org: dict[int, list[User]] = {}

    def _count(self, kind: str, created: int) -> None:
        """Rows written in bulk, counted as ``SeedRun.record`` counts one."""
        if created:
            self.run.created[kind] += created

    # --- People -------------------------------------------------------------------------

    def seed_people(self) -> None:
        """Partner users of the reporting organizations (as ``seed_people`` writes them)."""
        from demo.seed import DemoLogin  # the seeder imports this module

        for person in REPORTING_PEOPLE.get(self.seed.spec.slug, ()):
            organization = self.seed.organizations.get(person.organization or "")
            if organization is None:
                continue
            user = User.objects.filter(email=person.email).first()
            self.run.record("user", created=user is None)
            if user is None:
                user = User.objects.create_user(
                    person.email, self.run.password, full_name=person.full_name
                )
            _, created = EmailAddress.objects.get_or_create(
                user=user, email=person.email, defaults={"verified": True, "primary": True}
            )
            self.run.record("email address", created=created)
            _, created = Membership.objects.get_or_create(
                workspace=self.workspace,
                user=user,
                defaults={"role": person.role, "organization": organization},
            )
            self.run.record("membership", created=created)
            self.seed.people[person.email] = user
            self.run.logins.append(
                DemoLogin(
                    email=person.email,
                    role=str(person.role),
                    workspace=self.workspace.name,
                    organization=person.organization,
                )
            )
        # Who reports for each organization: the workspace's demo partner user first.
        for membership in (
            Membership.objects.filter(
                workspace=self.workspace, role=Role.PARTNER, organization__isnull=False
            )
            .select_related("user")
            .order_by("created_at", "id")
        ):
            if membership.organization_id is not None:
                users = self.reporters_by_org.setdefault(membership.organization_id, [])
                users.append(membership.user)

    # --- Indicators ---------------------------------------------------------------------

    def seed_indicator(self, spec: IndicatorSpec) -> None:
        partnership = self.partnerships.get(spec.partnership)
        if partnership is None:  # renamed or deleted in the app: leave it alone
            return
        exists = (
            Indicator.objects.for_workspace(self.workspace)
            .filter(partnership=partnership, name=spec.name)
            .exists()
        )
        self.run.record("indicator", created=not exists)
        if exists:
            return
        plan = plan_indicator(spec, today=self.today, now=self.now, zone=self.zone)
        members = self.members.get(partnership.pk, {})
        reporters = {i: members[name] for i, name in enumerate(spec.reporters) if name in members}
        goal = (
            SharedGoal.objects.for_workspace(self.workspace)
            .filter(partnership=partnership, title=spec.goal)
            .first()
            if spec.goal
            else None
        )
        set_up = self._set_up_time(partnership, plan)
        indicator = Indicator.objects.create(
            workspace=self.workspace,
            partnership=partnership,
            goal=goal,
            name=spec.name,
            definition=spec.definition,
            unit=spec.unit,
            value_type=spec.value_type,
            currency=spec.currency,
            direction=spec.direction,
            result_level=spec.result_level,
            baseline_value=spec.baseline,
            baseline_date=plan.baseline_date,
            target_value=spec.target,
            target_date=plan.target_date,
            frequency=spec.frequency,
            aggregation=spec.aggregation,
            created_at=set_up,
            updated_at=set_up,
        )
        stamps = {"workspace": self.workspace, "created_at": set_up, "updated_at": set_up}
        IndicatorReporter.objects.bulk_create(
            IndicatorReporter(indicator=indicator, organization=org, **stamps)
            for org in reporters.values()
        )
        categories = self._dimensions(indicator, spec, stamps)
        sync_periods(indicator=indicator)
        periods = ReportingPeriod.objects.for_workspace(self.workspace).filter(indicator=indicator)
        periods.update(created_at=set_up, updated_at=set_up)
        by_window = {(p.start_date, p.end_date): p for p in periods}
        self._count("reporting period", len(by_window))
        figures = [f for f in plan.figures if f.reporter in reporters]
        self._figures(indicator, figures, reporters, by_window, categories)
        self._lock(plan, figures, by_window)
        if goal is not None:
            self.goals_touched.add(goal.pk)

    def _set_up_time(self, partnership: Partnership, plan: IndicatorPlan) -> datetime:
        """When the coordinator set the indicator up: once the partnership started (or
        reporting began), before its first figure came in."""
        day = plan.baseline_date + timedelta(days=1)
        if partnership.start_date and partnership.start_date > day:
            day = partnership.start_date
        at = datetime.combine(day, time(10), tzinfo=self.zone)
        first = min((when for f in plan.figures for _, when in f.events), default=None)
        if first is not None:
            at = min(at, first - timedelta(hours=2))
        return min(at, self.now - timedelta(hours=2))

    def _dimensions(
        self, indicator: Indicator, spec: IndicatorSpec, stamps: dict[str, object]
    ) -> dict[tuple[str, str], DimensionCategory]:
        categories: dict[tuple[str, str], DimensionCategory] = {}
        for position, dimension_spec in enumerate(spec.dimensions):
            dimension = Dimension.objects.create(
                indicator=indicator,
                name=dimension_spec.name,
                exhaustive=dimension_spec.exhaustive,
                position=position,
                **stamps,
            )
            rows = DimensionCategory.objects.bulk_create(
                DimensionCategory(dimension=dimension, name=name, position=index, **stamps)
                for index, (name, _) in enumerate(dimension_spec.categories)
            )
            for row in rows:
                categories[(dimension_spec.name, row.name)] = row
        return categories

    def _reporter_user(self, organization: Organization, figure: FigurePlan) -> User | None:
        """Mostly the organization's first partner user (the workspace's demo partner
        where that is theirs); a colleague now and then."""
        users = self.reporters_by_org.get(organization.pk, [])
        if not users:
            return None
        return users[1] if len(users) > 1 and figure.window[0].month % 5 == 0 else users[0]

    def _figures(
        self,
        indicator: Indicator,
        figures: list[FigurePlan],
        reporters: dict[int, Organization],
        periods: dict[tuple[date, date], ReportingPeriod],
        categories: dict[tuple[str, str], DimensionCategory],
    ) -> None:
        rows: list[Measurement] = []
        authors: list[User | None] = []
        for figure in figures:
            organization = reporters[figure.reporter]
            author = self._reporter_user(organization, figure)
            authors.append(author)
            status = STATUS_OF_CODE[figure.code]
            submitted = [at for kind, at in figure.events if kind == Kind.SUBMITTED]
            reviewed = [at for kind, at in figure.events if kind in (Kind.APPROVED, Kind.RETURNED)]
            evidence = ""
            if figure.with_evidence and organization.website:
                evidence = f"{organization.website.rstrip('/')}/reports/{figure.window[1]:%Y-%m}"
            rows.append(
                Measurement(
                    workspace=self.workspace,
                    partnership_id=indicator.partnership_id,
                    indicator=indicator,
                    period=periods[figure.window],
                    organization=organization,
                    value=figure.value,
                    note=figure.note,
                    evidence_link=evidence,
                    status=status,
                    review_note=figure.return_note if status == MeasurementStatus.RETURNED else "",
                    submitted_at=submitted[-1] if submitted else None,
                    submitted_by=author if submitted else None,
                    reviewed_at=reviewed[-1] if reviewed else None,
                    reviewed_by=self.coordinator if reviewed else None,
                    version=len(figure.events),
                    created_at=figure.events[0][1],
                    updated_at=figure.events[-1][1],
                )
            )
        Measurement.objects.bulk_create(rows)
        self._count("figure", len(rows))
        breakdown: list[MeasurementBreakdown] = []
        events: list[MeasurementEvent] = []
        for figure, row, author in zip(figures, rows, authors, strict=True):
            breakdown.extend(
                MeasurementBreakdown(
                    workspace=self.workspace,
                    measurement=row,
                    category=categories[key],
                    value=value,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                )
                for key, value in figure.breakdown.items()
            )
            events.extend(self._events(indicator, figure, row, author))
        MeasurementBreakdown.objects.bulk_create(breakdown)
        MeasurementEvent.objects.bulk_create(events)

    def _events(
        self, indicator: Indicator, figure: FigurePlan, row: Measurement, author: User | None
    ) -> list[MeasurementEvent]:
        """The figure's history: the partner saves a draft or submits, the coordinator
        approves or returns it with a note; a corrected figure was first sent wrong."""
        events = []
        sent_before = False
        for kind, at in figure.events:
            value, note = figure.value, ""
            if kind == Kind.SAVED:
                note = figure.note
            elif kind == Kind.SUBMITTED:
                note = "Corrected as asked." if sent_before else figure.note
                if figure.first_value is not None and not sent_before:
                    value = figure.first_value
                sent_before = True
            elif kind == Kind.RETURNED:
                note = figure.return_note
                value = figure.first_value if figure.first_value is not None else figure.value
            events.append(
                MeasurementEvent(
                    workspace=self.workspace,
                    measurement=row,
                    indicator=indicator,
                    kind=kind,
                    actor=author if kind in (Kind.SAVED, Kind.SUBMITTED) else self.coordinator,
                    value=value,
                    note=note,
                    created_at=at,
                    updated_at=at,
                )
            )
        return events

    def _lock(
        self,
        plan: IndicatorPlan,
        figures: list[FigurePlan],
        periods: dict[tuple[date, date], ReportingPeriod],
    ) -> None:
        for window in plan.locked:
            reviewed = [when for f in figures if f.window == window for _, when in f.events]
            at = max(reviewed, default=datetime.combine(window[1], time(12), tzinfo=self.zone))
            at = min(at + timedelta(days=LOCKED_AFTER_DAYS), self.now - timedelta(hours=1))
            ReportingPeriod.objects.for_workspace(self.workspace).filter(
                pk=periods[window].pk
            ).update(locked=True, locked_at=at, locked_by=self.coordinator, updated_at=at)

    # --- Health check -------------------------------------------------------------------

    def seed_health_round(self, spec: HealthRoundSpec) -> None:
        partnership = self.partnerships.get(spec.partnership)
        if partnership is None:
            return
        rounds = HealthCheckRound.objects.for_workspace(self.workspace)
        health_round = rounds.filter(partnership=partnership, title=spec.title).first()
        self.run.record("health check round", created=health_round is None)
        opens_on = self.today + timedelta(days=spec.opens_day)
        closes_on = self.today + timedelta(days=spec.closes_day)
        opens = datetime.combine(opens_on, time(9), tzinfo=self.zone)
        if health_round is None:
            set_up = min(opens - timedelta(days=1), self.now - timedelta(hours=2))
            health_round = HealthCheckRound.objects.create(
                workspace=self.workspace,
                partnership=partnership,
                title=spec.title,
                opens_on=opens_on,
                closes_on=closes_on,
                created_by=self.coordinator,
                created_at=set_up,
                updated_at=set_up,
            )
        answered = (
            HealthCheckResponse.objects.for_workspace(self.workspace)
            .filter(round=health_round)
            .exists()
        )
        if answered:
            self.run.record("health check response", created=False)
        else:
            self._answers(spec, health_round, partnership, opens, closes_on)

    def _answers(
        self,
        spec: HealthRoundSpec,
        health_round: HealthCheckRound,
        partnership: Partnership,
        opens: datetime,
        closes_on: date,
    ) -> None:
        members = {org.pk: org for org in self.members.get(partnership.pk, {}).values()}
        memberships = {
            m.user.email: m
            for m in Membership.objects.filter(
                workspace=self.workspace,
                role=Role.PARTNER,
                user__email__in=spec.respondents,
            ).select_related("user")
        }
        # Partner users of current member organizations, in the order they answered.
        people = [
            (email, memberships[email].user, members[org_id])
            for email in spec.respondents
            if email in memberships
            and (org_id := memberships[email].organization_id) is not None
            and org_id in members
        ]
        closes = datetime.combine(closes_on, time(17), tzinfo=self.zone)
        last = min(closes, self.now - timedelta(hours=1))
        step = (last - opens) / (len(people) + 1)
        responses = HealthCheckResponse.objects.bulk_create(
            HealthCheckResponse(
                workspace=self.workspace,
                round=health_round,
                respondent=user,
                organization=organization,
                sector=organization.sector,
                created_at=opens + step * (index + 1),
                updated_at=opens + step * (index + 1),
            )
            for index, (_, user, organization) in enumerate(people)
        )
        self._count("health check response", len(responses))
        HealthCheckAnswer.objects.bulk_create(
            HealthCheckAnswer(
                workspace=self.workspace,
                response=response,
                round=health_round,
                factor=factor,
                score=score,
                comment=comment,
                created_at=response.created_at,
                updated_at=response.created_at,
            )
            for response, (email, _, _) in zip(responses, people, strict=True)
            for factor, score, comment in health_scores(spec, email, response.sector)
        )

    # --- Goals --------------------------------------------------------------------------

    def refresh_goals(self) -> None:
        """The goals linked to new indicators now weigh their figures."""
        for goal in SharedGoal.objects.for_workspace(self.workspace).filter(
            pk__in=self.goals_touched
        ):
            goal_refresh_status(workspace=self.workspace, goal=goal)


def seed_impact(seed: WorkspaceSeed, run: SeedRun) -> None:
    """Reporting users, indicators with two years of figures, and health-check rounds."""
    impact = _ImpactSeed(seed, run)
    impact.seed_people()
    for indicator in INDICATORS.get(seed.spec.slug, ()):
        impact.seed_indicator(indicator)
    for health_round in HEALTH_ROUNDS.get(seed.spec.slug, ()):
        impact.seed_health_round(health_round)
    impact.refresh_goals()
