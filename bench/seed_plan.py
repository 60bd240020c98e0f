"""The benchmark data set as rows: pure Python, no database.

``build_plan(scale)`` decides every row of every table from ``bench.scale`` (its numbers,
``SEED`` and ``ANCHOR_DATE``) and nothing else: ids are assigned here (1..n per table), so
the same scale gives the same rows on every run and machine. The figures (about two
million at full scale) are not held in memory: ``measurement_chunks`` streams them as COPY
text, in the order partners would have sent them (month by month across all workspaces).

Each part of the data set draws from its own ``random.Random`` seeded with ``SEED`` and
the part's name, so changing one part leaves the others' rows alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from bench.scale import (
    ANCHOR_DATE,
    EMAIL_DOMAIN,
    FIRST_PERIOD,
    LARGE_SHARE,
    PERIODS_PER_INDICATOR,
    SEED,
    Scale,
    coordinator_email,
    partner_email,
    workspace_slug,
)
from goals.models import MilestoneStatus
from goals.status import derive_goal_status
from impact.models import Aggregation, Direction, Frequency, ValueType
from impact.periods import period_windows
from partnerhub.models import Role
from partners.models import MemberRole, OrganizationSize, PartnershipModel, PartnershipStatus
from roles.models import Raci

# Every stored timestamp lies before the anchor day (the data never depends on the clock).
ANCHOR = datetime.combine(ANCHOR_DATE, time(0), tzinfo=UTC)
SET_UP = datetime(2022, 11, 1, 9, 0, tzinfo=UTC)
# Partnerships start between these days; indicators report from FIRST_PERIOD on.
PARTNERSHIP_START_FROM = date(2023, 1, 1)
PARTNERSHIP_START_DAYS = 650
INDICATORS_PER_LARGE_PARTNERSHIP = 5
INDICATORS_PER_PARTNERSHIP = 2
# Members of a partnership that measures: the reporters and a few more.
MEASURED_EXTRA_MEMBERS = 2
# An unusable password (Django's "!" prefix): no secret, no hashing.
UNUSABLE_PASSWORD = "!bench-no-password"


def rng_for(part: str) -> random.Random:
    # Reproducible on purpose: the data set, not a secret.
    return random.Random(f"{SEED}:{part}")  # noqa: S311


def spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole counts (the first ones larger)."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _ts(moment: datetime) -> str:
    return moment.isoformat()


# --- Vocabulary -------------------------------------------------------------------------

ADJECTIVES = (
    "Riverside", "Northern", "Coastal", "Highland", "Open", "United", "Green", "Bright",
    "Common", "Future", "Civic", "Prairie", "Harbor", "Summit", "Valley", "Lakeside",
)  # fmt: skip
NOUNS = (
    "Health", "Water", "Learning", "Food", "Energy", "Housing", "Youth", "Climate",
    "Data", "Care", "Skills", "Mobility",
)  # fmt: skip
SECTORS = (
    ("nonprofit", 40, ("Foundation", "Alliance", "Network", "Trust")),
    ("business", 30, ("Group", "Solutions", "Partners", "Cooperative")),
    ("government", 20, ("Department", "Agency", "Council", "Office")),
    ("academic", 5, ("Institute", "Research Centre")),
    ("philanthropy", 5, ("Fund", "Philanthropies")),
)
COUNTRIES = ("KE", "UG", "TZ", "GH", "NG", "IN", "BD", "BR", "CO", "PE", "DE", "NL", "GB", "US")
REGIONS = ("North", "South", "East", "West", "Central", "Capital district", "Lake region")
PLACES = (
    "Lakeshore", "Hill County", "Delta", "Riverbend", "Old Town", "Coastline", "Plateau",
    "Eastside", "Greenfield", "Harborside",
)  # fmt: skip
THEMES = (
    "Clean Water", "Early Learning", "Food Security", "Community Health", "Youth Jobs",
    "Clean Energy", "Safe Housing", "Climate Resilience", "Digital Inclusion",
)  # fmt: skip
RESOURCES = (
    "funding", "expertise", "volunteers", "data", "technology", "distribution",
    "facilities", "training", "research", "networks",
)  # fmt: skip
GOAL_TITLES = (
    "Reach {n} households with safe water",
    "Train {n} community health workers",
    "Open {n} learning centres",
    "Place {n} young people in decent jobs",
    "Restore {n} hectares of farmland",
    "Bring solar power to {n} homes",
    "Connect {n} schools to the internet",
)
MILESTONE_TITLES = (
    "Baseline survey completed",
    "Partner agreement signed",
    "Pilot launched in the first district",
    "Field staff recruited and trained",
    "Community consultation held",
    "Procurement finished",
    "Data system live",
    "Mid-term review held",
    "Second-phase funding secured",
    "Final evaluation published",
)
FIRST_NAMES = ("Amina", "Ben", "Carla", "Dev", "Esther", "Farid", "Grace", "Hugo", "Ines", "Jon")
LAST_NAMES = ("Okafor", "Silva", "Nguyen", "Schmidt", "Mensah", "Patel", "Rossi", "Kim", "Diaz")


@dataclass(frozen=True)
class IndicatorTemplate:
    name: str
    unit: str
    value_type: str
    aggregation: str
    direction: str
    result_level: str


# name | unit | value type | aggregation | direction | result level
INDICATOR_TEMPLATES = tuple(
    IndicatorTemplate(*(part.strip() for part in line.split("|")))
    for line in (
        "People reached with services | people | number | sum | increase | output",
        "Households with safe water | households | number | sum | increase | outcome",
        "Health workers trained | people | number | sum | increase | output",
        "Food waste diverted | tonnes | number | sum | increase | outcome",
        "Young people placed in jobs | people | number | sum | increase | outcome",
        "Hectares under restoration | hectares | number | sum | increase | output",
        "Funds mobilised | | currency | sum | increase | output",
        "Grants paid to local groups | | currency | sum | increase | output",
        "School attendance rate | % | percentage | average | increase | outcome",
        "Clinics meeting the quality standard | % | percentage | latest | increase | outcome",
        "Households below the poverty line | % | percentage | latest | decrease | impact",
        "Learners passing the literacy test | % | percentage | average | increase | outcome",
    )
)

# The columns each table is filled with (every NOT NULL column: Django sets no defaults in
# the database), in dependency order.
TABLE_COLUMNS = {
    "partnerhub_workspace": "id name slug timezone require_mfa created_at updated_at",
    "partnerhub_user": "id password last_login is_superuser first_name last_name is_staff "
    "is_active date_joined email full_name",
    "account_emailaddress": "id email verified primary user_id",
    "partners_organization": "id workspace_id created_at updated_at name sector mission "
    "website country iati_identifier region size",
    "partnerhub_membership": "id workspace_id user_id role organization_id created_at updated_at",
    "partners_partnership": "id workspace_id created_at updated_at name model status "
    "common_agenda needs start_date end_date iati_identifier lead_organization_id",
    "partners_partnershipmember": "id workspace_id created_at updated_at partnership_id "
    "organization_id roles joined_on left_on",
    "goals_sharedgoal": "id workspace_id created_at updated_at partnership_id title "
    "description target_date sdgs status status_reason",
    "goals_milestone": "id workspace_id created_at updated_at partnership_id goal_id title "
    "description due_date status percent_complete completed_on version last_update_at",
    "roles_roleassignment": "id workspace_id created_at updated_at partnership_id goal_id "
    "milestone_id organization_id person_id raci",
    "impact_indicator": "id workspace_id created_at updated_at partnership_id goal_id name "
    "definition unit value_type currency direction result_level baseline_value "
    "baseline_date target_value target_date frequency aggregation",
    "impact_indicatorreporter": "id workspace_id created_at updated_at indicator_id "
    "organization_id",
    "impact_reportingperiod": "id workspace_id created_at updated_at indicator_id start_date "
    "end_date target_value in_schedule locked locked_at locked_by_id",
}


# --- The plan ---------------------------------------------------------------------------


@dataclass
class Table:
    """Rows for one table, in id order, with the columns they fill."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class IndicatorPlan:
    id: int
    workspace_id: int
    partnership_id: int
    value_type: str
    direction: str
    baseline: Decimal
    target: Decimal
    mean: float  # a reporter's typical figure (numbers and amounts) or the pace (percentages)
    aggregation: str
    reporter_org_ids: list[int]
    first_period_id: int


@dataclass
class Plan:
    scale: Scale
    tables: dict[str, Table]
    indicators: list[IndicatorPlan]
    windows: list[tuple[date, date]]
    partner_user_of_org: dict[int, int]
    coordinator_of_workspace: dict[int, int]
    # Goals with indicators: their status also weighs the figures (set after loading).
    goals_with_indicators: dict[int, list[int]]
    # Milestone-derived (status, reason) of every goal, before indicators weigh in.
    goal_verdicts: dict[int, tuple[str, str]]

    @property
    def closed_periods(self) -> int:
        return sum(1 for _, end in self.windows if end < ANCHOR_DATE)


def reporting_windows() -> tuple[date, date, list[tuple[date, date]]]:
    """Baseline and target dates whose monthly schedule (as ``impact.periods`` computes
    it) is exactly the PERIODS_PER_INDICATOR months from FIRST_PERIOD."""
    baseline_date = FIRST_PERIOD - timedelta(days=1)
    month_index = FIRST_PERIOD.year * 12 + FIRST_PERIOD.month - 1 + PERIODS_PER_INDICATOR
    target_date = date(month_index // 12, month_index % 12 + 1, 1) - timedelta(days=1)
    windows = period_windows(Frequency.MONTHLY, baseline_date, target_date)
    if len(windows) != PERIODS_PER_INDICATOR:
        raise AssertionError(f"expected {PERIODS_PER_INDICATOR} monthly periods, got {windows}")
    return baseline_date, target_date, windows


def indicators_per_workspace(scale: Scale) -> list[int]:
    if scale.workspaces == 1:
        return [scale.indicators]
    large = max(1, round(scale.indicators * LARGE_SHARE))
    return [large, *spread(scale.indicators - large, scale.workspaces - 1)]


def build_plan(scale: Scale) -> Plan:
    per_ws_orgs = spread(scale.organizations, scale.workspaces)
    if min(per_ws_orgs) < 3:
        raise ValueError("Each workspace needs at least three organizations.")
    baseline_date, target_date, windows = reporting_windows()
    closed = sum(1 for _, end in windows if end < ANCHOR_DATE)

    t = {name: Table(name, tuple(columns.split())) for name, columns in TABLE_COLUMNS.items()}

    people = _people(scale, per_ws_orgs, t)
    org_ids = _organizations(scale, per_ws_orgs, t)
    _memberships(scale, per_ws_orgs, org_ids, people, t)

    # Which partnerships measure (the first ones of each workspace), and how many
    # reporters each indicator has (the figures' total spread over the indicators).
    per_ws_indicators = indicators_per_workspace(scale)
    reporters_total = round(scale.measurements / closed)
    reporter_counts = spread(reporters_total, scale.indicators)
    max_reporters = max(reporter_counts)
    partnerships = _partnerships(scale, per_ws_orgs, org_ids, per_ws_indicators, max_reporters, t)
    goals_of, verdicts = _goals_and_milestones(scale, partnerships, t)
    _roles(scale, partnerships, people, t)
    indicators, goals_with_indicators = _indicators(
        per_ws_indicators,
        partnerships,
        goals_of,
        reporter_counts,
        windows,
        (baseline_date, target_date),
        t,
    )
    return Plan(
        scale=scale,
        tables=t,
        indicators=indicators,
        windows=windows,
        partner_user_of_org=people.partner_of_org,
        coordinator_of_workspace=people.coordinator,
        goals_with_indicators=goals_with_indicators,
        goal_verdicts=verdicts,
    )


@dataclass
class _People:
    coordinator: dict[int, int] = field(default_factory=dict)
    partner_of_org: dict[int, int] = field(default_factory=dict)
    # (workspace index, organization index) -> user id, before organizations have ids
    partner_by_index: dict[tuple[int, int], int] = field(default_factory=dict)
    staff: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


def _people(scale: Scale, per_ws_orgs: list[int], t: dict[str, Table]) -> _People:
    rng = rng_for("people")
    people = _People()
    users, emails = t["partnerhub_user"].rows, t["account_emailaddress"].rows
    for ws in range(scale.workspaces):
        ws_id = ws + 1
        t["partnerhub_workspace"].rows.append(
            (
                ws_id,
                f"Bench workspace {ws:02d}",
                workspace_slug(ws),
                "UTC",
                False,
                _ts(SET_UP + timedelta(hours=ws)),
                _ts(SET_UP + timedelta(hours=ws)),
            )
        )
        staff = [
            (f"admin-{ws:02d}@{EMAIL_DOMAIN}", Role.ADMIN),
            (coordinator_email(ws), Role.COORDINATOR),
            (f"viewer-{ws:02d}@{EMAIL_DOMAIN}", Role.VIEWER),
        ]
        accounts = [(email, role, None) for email, role in staff] + [
            (partner_email(ws, org), Role.PARTNER, org) for org in range(per_ws_orgs[ws])
        ]
        for email, role, org in accounts:
            user_id = len(users) + 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            joined = _ts(SET_UP + timedelta(hours=ws, minutes=len(users) % 600))
            users.append(
                (user_id, UNUSABLE_PASSWORD, None, False, "", "", False, True, joined, email,
                 f"{first} {last}")
            )  # fmt: skip
            emails.append((user_id, email, True, True, user_id))
            if role == Role.COORDINATOR:
                people.coordinator[ws_id] = user_id
            if org is None:
                people.staff.setdefault(ws, []).append((user_id, str(role)))
            else:
                people.partner_by_index[(ws, org)] = user_id
    return people


def _organizations(scale: Scale, per_ws_orgs: list[int], t: dict[str, Table]) -> list[list[int]]:
    rng = rng_for("organizations")
    weights = [weight for _, weight, _ in SECTORS]
    ids: list[list[int]] = []
    rows = t["partners_organization"].rows
    for ws in range(scale.workspaces):
        ws_ids = []
        for org in range(per_ws_orgs[ws]):
            org_id = len(rows) + 1
            sector, _, kinds = rng.choices(SECTORS, weights)[0]
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(kinds)} {org + 1:03d}"
            created = _ts(SET_UP + timedelta(days=1, hours=ws, minutes=org))
            rows.append(
                (
                    org_id, ws + 1, created, created, name, sector,
                    f"We work on {rng.choice(NOUNS).lower()} in {rng.choice(PLACES)}.",
                    f"https://org-{ws:02d}-{org + 1:04d}.{EMAIL_DOMAIN}/",
                    rng.choice(COUNTRIES), "", rng.choice(REGIONS),
                    rng.choice(OrganizationSize.values),
                )
            )  # fmt: skip
            ws_ids.append(org_id)
        ids.append(ws_ids)
    return ids


def _memberships(
    scale: Scale,
    per_ws_orgs: list[int],
    org_ids: list[list[int]],
    people: _People,
    t: dict[str, Table],
) -> None:
    rows = t["partnerhub_membership"].rows
    for ws in range(scale.workspaces):
        created = _ts(SET_UP + timedelta(days=2, hours=ws))
        for user_id, role in people.staff[ws]:
            rows.append((len(rows) + 1, ws + 1, user_id, role, None, created, created))
        for org in range(per_ws_orgs[ws]):
            user_id = people.partner_by_index[(ws, org)]
            org_id = org_ids[ws][org]
            people.partner_of_org[org_id] = user_id
            rows.append(
                (len(rows) + 1, ws + 1, user_id, Role.PARTNER.value, org_id, created, created)
            )


@dataclass
class _Partnership:
    id: int
    workspace_id: int
    members: list[int]  # organization ids, lead first
    start: date
    created: datetime
    indicators: int


def _partnerships(
    scale: Scale,
    per_ws_orgs: list[int],
    org_ids: list[list[int]],
    per_ws_indicators: list[int],
    max_reporters: int,
    t: dict[str, Table],
) -> list[_Partnership]:
    rng = rng_for("partnerships")
    answer: list[_Partnership] = []
    rows, member_rows = t["partners_partnership"].rows, t["partners_partnershipmember"].rows
    per_ws = spread(scale.partnerships, scale.workspaces)
    statuses = [s.value for s in PartnershipStatus]
    status_weights = [8, 10, 70, 7, 5, 0]  # exploring, forming, active, paused, completed, ...
    for ws in range(scale.workspaces):
        orgs = org_ids[ws]
        per_partnership = (
            INDICATORS_PER_LARGE_PARTNERSHIP if ws == 0 else INDICATORS_PER_PARTNERSHIP
        )
        measured = spread(per_ws_indicators[ws], -(-per_ws_indicators[ws] // per_partnership))
        if len(measured) > per_ws[ws]:
            raise ValueError("More measuring partnerships than partnerships in a workspace.")
        for index in range(per_ws[ws]):
            partnership_id = len(rows) + 1
            indicators = measured[index] if index < len(measured) else 0
            start = PARTNERSHIP_START_FROM + timedelta(days=rng.randrange(PARTNERSHIP_START_DAYS))
            created = datetime.combine(start - timedelta(days=14), time(9), tzinfo=UTC)
            if indicators:
                status = PartnershipStatus.ACTIVE.value
                size = min(len(orgs), max_reporters + MEASURED_EXTRA_MEMBERS)
            else:
                status = rng.choices(statuses, status_weights)[0]
                size = min(len(orgs), 3 + rng.randrange(6))
            end = None
            if status == PartnershipStatus.COMPLETED:
                end = min(start + timedelta(days=365 + rng.randrange(400)), ANCHOR_DATE)
            elif rng.random() < 0.4:
                end = start + timedelta(days=1095 + rng.randrange(730))
            members = rng.sample(orgs, size)
            name = f"{rng.choice(THEMES)} {rng.choice(PLACES)} Partnership {index + 1:03d}"
            rows.append(
                (
                    partnership_id, ws + 1, _ts(created), _ts(created), name,
                    rng.choice(PartnershipModel.values), status,
                    f"Together we improve {name.split(' Partnership')[0].lower()}.",
                    _json(sorted(rng.sample(RESOURCES, 2))), start.isoformat(),
                    end.isoformat() if end else None, "", members[0],
                )
            )  # fmt: skip
            for position, org_id in enumerate(members):
                if position == 0:
                    roles = [MemberRole.LEAD.value]
                else:
                    roles = [rng.choice(MemberRole.values[1:])]
                joined = start + timedelta(days=0 if position == 0 else rng.randrange(30))
                member_rows.append(
                    (
                        len(member_rows) + 1, ws + 1, _ts(created), _ts(created),
                        partnership_id, org_id, _json(roles), joined.isoformat(), None,
                    )
                )  # fmt: skip
            answer.append(_Partnership(partnership_id, ws + 1, members, start, created, indicators))
    return answer


def _json(value: list[Any]) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]"


@dataclass
class _MilestoneFacts:
    status: str
    due_date: date
    percent_complete: int


def _milestone_state(rng: random.Random) -> tuple[int, str, int]:
    """(days from the anchor to the due date, status, percent complete)."""
    bucket = rng.random()
    if bucket < 0.35:
        offset = -rng.randint(15, 360)
        odds = (0.85, 0.0, 0.07, 0.05, 0.03)
    elif bucket < 0.45:
        offset = -rng.randint(1, 14)
        odds = (0.6, 0.0, 0.2, 0.15, 0.05)
    elif bucket < 0.49:
        offset = 1
        odds = (0.05, 0.2, 0.6, 0.15, 0.0)
    elif bucket < 0.53:
        offset = rng.randint(2, 7)
        odds = (0.05, 0.2, 0.6, 0.15, 0.0)
    else:
        offset = rng.randint(8, 400)
        odds = (0.05, 0.45, 0.4, 0.08, 0.02)
    done, not_started, in_progress, at_risk, _ = odds
    pick = rng.random()
    if pick < done:
        return offset, MilestoneStatus.DONE.value, 100
    if pick < done + not_started:
        return offset, MilestoneStatus.NOT_STARTED.value, 0
    if pick < done + not_started + in_progress:
        return offset, MilestoneStatus.IN_PROGRESS.value, 5 * rng.randint(2, 18)
    if pick < done + not_started + in_progress + at_risk:
        return offset, MilestoneStatus.AT_RISK.value, 5 * rng.randint(2, 14)
    return offset, MilestoneStatus.BLOCKED.value, 5 * rng.randint(1, 12)


def _goals_and_milestones(
    scale: Scale, partnerships: list[_Partnership], t: dict[str, Table]
) -> tuple[dict[int, list[int]], dict[int, tuple[str, str]]]:
    rng = rng_for("goals")
    goal_rows, milestone_rows = t["goals_sharedgoal"].rows, t["goals_milestone"].rows
    goal_counts = spread(scale.goals, len(partnerships))
    milestone_counts = spread(scale.milestones, scale.goals)
    goals_of: dict[int, list[int]] = {}
    verdicts: dict[int, tuple[str, str]] = {}
    goal_index = 0
    for partnership, goal_count in zip(partnerships, goal_counts, strict=True):
        for _ in range(goal_count):
            goal_id = len(goal_rows) + 1
            goal_created = partnership.created + timedelta(days=1)
            facts = []
            for _ in range(milestone_counts[goal_index]):
                offset, status, percent = _milestone_state(rng)
                due = ANCHOR_DATE + timedelta(days=offset)
                completed_on = None
                last_update = None
                if status == MilestoneStatus.DONE:
                    completed = min(due, ANCHOR_DATE - timedelta(days=1))
                    completed_on = completed - timedelta(days=rng.randrange(10))
                    last_update = datetime.combine(completed_on, time(15), tzinfo=UTC)
                elif status != MilestoneStatus.NOT_STARTED:
                    last_update = ANCHOR - timedelta(
                        days=rng.randint(1, 40), hours=rng.randrange(9)
                    )
                milestone_rows.append(
                    (
                        len(milestone_rows) + 1, partnership.workspace_id, _ts(goal_created),
                        _ts(last_update or goal_created), partnership.id, goal_id,
                        rng.choice(MILESTONE_TITLES), "", due.isoformat(), status, percent,
                        completed_on.isoformat() if completed_on else None, 1,
                        _ts(last_update) if last_update else None,
                    )
                )  # fmt: skip
                facts.append(_MilestoneFacts(status, due, percent))
            latest_due = max((f.due_date for f in facts), default=ANCHOR_DATE)
            target = latest_due + timedelta(days=30) if rng.random() < 0.85 else None
            verdict = derive_goal_status(
                facts, today=ANCHOR_DATE, target_date=target, start_date=goal_created.date()
            )
            reason = verdict.reason[:300]
            goal_rows.append(
                (
                    goal_id, partnership.workspace_id, _ts(goal_created), _ts(goal_created),
                    partnership.id,
                    rng.choice(GOAL_TITLES).format(n=f"{rng.randint(2, 60) * 50:,}"),
                    "", target.isoformat() if target else None,
                    _json(sorted(rng.sample(range(1, 18), rng.randint(1, 3)))),
                    verdict.status, reason,
                )
            )  # fmt: skip
            verdicts[goal_id] = (verdict.status, reason)
            goals_of.setdefault(partnership.id, []).append(goal_id)
            goal_index += 1
    return goals_of, verdicts


def _roles(
    scale: Scale, partnerships: list[_Partnership], people: _People, t: dict[str, Table]
) -> None:
    """RACI letters on milestones: always one Accountable, then Responsible, then
    Consulted or Informed; 1 to 3 organizations per milestone (the total is the scale's),
    each a member of the partnership. Accountable and Responsible name the organization's
    partner user."""
    rng = rng_for("roles")
    members_of = {partnership.id: partnership.members for partnership in partnerships}
    milestones = t["goals_milestone"].rows
    if not milestones:
        return
    limits = [min(3, len(members_of[row[4]])) for row in milestones]
    counts = [min(limit, 1 + index % 3) for index, limit in enumerate(limits)]
    missing = scale.role_assignments - sum(counts)
    step = 1 if missing > 0 else -1
    index = 0
    guard = 0
    while missing and guard < 4 * len(counts):
        candidate = counts[index] + step
        if 1 <= candidate <= limits[index]:
            counts[index] = candidate
            missing -= step
        index = (index + 1) % len(counts)
        guard += 1
    if missing:
        raise ValueError("The role assignments do not fit 1 to 3 per milestone.")
    rows = t["roles_roleassignment"].rows
    for row, count in zip(milestones, counts, strict=True):
        milestone_id, ws_id, created, _, partnership_id = row[:5]
        orgs = rng.sample(members_of[partnership_id], count)
        letters = [Raci.ACCOUNTABLE.value, Raci.RESPONSIBLE.value]
        letters.append(rng.choice((Raci.CONSULTED.value, Raci.INFORMED.value)))
        for org_id, letter in zip(orgs, letters, strict=False):
            person = people.partner_of_org[org_id] if letter in ("A", "R") else None
            rows.append(
                (len(rows) + 1, ws_id, created, created, partnership_id, None, milestone_id,
                 org_id, person, letter)
            )  # fmt: skip


CURRENCIES = ("EUR", "USD", "GBP")


def _indicators(
    per_ws_indicators: list[int],
    partnerships: list[_Partnership],
    goals_of: dict[int, list[int]],
    reporter_counts: list[int],
    windows: list[tuple[date, date]],
    dates: tuple[date, date],
    t: dict[str, Table],
) -> tuple[list[IndicatorPlan], dict[int, list[int]]]:
    rng = rng_for("indicators")
    baseline_date, target_date = dates
    rows, reporter_rows = t["impact_indicator"].rows, t["impact_indicatorreporter"].rows
    period_rows = t["impact_reportingperiod"].rows
    plans: list[IndicatorPlan] = []
    goals_with_indicators: dict[int, list[int]] = {}
    set_up = datetime.combine(baseline_date - timedelta(days=14), time(10), tzinfo=UTC)
    for partnership in partnerships:
        if not partnership.indicators:
            continue
        templates = rng.sample(
            INDICATOR_TEMPLATES, min(partnership.indicators, len(INDICATOR_TEMPLATES))
        )
        for position in range(partnership.indicators):
            indicator_id = len(rows) + 1
            template = templates[position % len(templates)]
            name = template.name
            if position >= len(templates):
                name = f"{name} ({position // len(templates) + 1})"
            reporters = min(reporter_counts[indicator_id - 1], len(partnership.members))
            reporter_orgs = sorted(rng.sample(partnership.members, reporters))
            baseline, target, mean = _targets(rng, template, reporters)
            goal_id = (
                rng.choice(goals_of[partnership.id])
                if goals_of.get(partnership.id) and rng.random() < 0.8
                else None
            )
            if goal_id is not None:
                goals_with_indicators.setdefault(goal_id, []).append(indicator_id)
            created = _ts(set_up + timedelta(minutes=indicator_id))
            rows.append(
                (
                    indicator_id, partnership.workspace_id, created, created, partnership.id,
                    goal_id, name, f"{name}, as counted by each reporting organization.",
                    template.unit, template.value_type,
                    rng.choice(CURRENCIES) if template.value_type == ValueType.CURRENCY else "",
                    template.direction, template.result_level, str(baseline),
                    baseline_date.isoformat(), str(target), target_date.isoformat(),
                    Frequency.MONTHLY.value, template.aggregation,
                )
            )  # fmt: skip
            for org_id in reporter_orgs:
                reporter_rows.append(
                    (len(reporter_rows) + 1, partnership.workspace_id, created, created,
                     indicator_id, org_id)
                )  # fmt: skip
            first_period_id = len(period_rows) + 1
            for start, end in windows:
                period_rows.append(
                    (len(period_rows) + 1, partnership.workspace_id, created, created,
                     indicator_id, start.isoformat(), end.isoformat(), None, True, False,
                     None, None)
                )  # fmt: skip
            plans.append(
                IndicatorPlan(
                    id=indicator_id,
                    workspace_id=partnership.workspace_id,
                    partnership_id=partnership.id,
                    value_type=template.value_type,
                    direction=template.direction,
                    baseline=baseline,
                    target=target,
                    mean=mean,
                    aggregation=template.aggregation,
                    reporter_org_ids=reporter_orgs,
                    first_period_id=first_period_id,
                )
            )
    expected = sum(per_ws_indicators)
    if len(plans) != expected:
        raise AssertionError(f"planned {len(plans)} indicators, expected {expected}")
    return plans, goals_with_indicators


def _targets(
    rng: random.Random, template: IndicatorTemplate, reporters: int
) -> tuple[Decimal, Decimal, float]:
    """Baseline, target and the typical figure. Targets are set so that progress by the
    last closed period ranges from behind (off track) to beyond the target (achieved)."""
    ambition = rng.uniform(0.8, 1.45)
    if template.value_type == ValueType.PERCENTAGE:
        if template.direction == Direction.DECREASE:
            baseline = rng.randint(30, 60)
            target = baseline - rng.randint(10, 25)
        else:
            baseline = rng.randint(20, 60)
            target = baseline + rng.randint(15, 35)
        return Decimal(baseline), Decimal(target), 1 / ambition
    if template.value_type == ValueType.CURRENCY:
        mean = float(rng.randint(500, 20_000))
    else:
        mean = float(rng.randint(20, 300))
    total = mean * reporters * PERIODS_PER_INDICATOR * ambition
    return Decimal(0), Decimal(round(total)), mean


# --- Figures ----------------------------------------------------------------------------

# How the figures of a closed period stand, by how recent the period is (0 = the last
# closed one): the share missing, then the cumulative odds of approved, submitted,
# returned (the rest are drafts).
RECENT_ODDS = {
    0: (0.06, 0.35, 0.80, 0.85),
    1: (0.03, 0.70, 0.90, 0.95),
    2: (0.0, 0.90, 0.97, 0.99),
}
OLDER_ODDS = (0.0, 0.988, 0.995, 1.0)
RETURN_NOTE = "Please check this figure against the attendance sheets."

MEASUREMENT_COLUMNS = (
    "id", "workspace_id", "partnership_id", "indicator_id", "period_id", "organization_id",
    "value", "note", "evidence_file", "evidence_name", "evidence_content_type",
    "evidence_link", "status", "review_note", "submitted_at", "submitted_by_id",
    "submitted_by_key_id", "reviewed_at", "reviewed_by_id", "version", "created_at",
    "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class FigureRow:
    indicator: IndicatorPlan
    period_index: int
    organization_id: int
    value: str
    status: str
    submitted_minute: int  # minutes after the period's end
    reviewed_minute: int | None


def iter_measurements(plan: Plan) -> Iterator[FigureRow]:
    """Every figure, month by month (as partners send them), then by workspace,
    indicator and organization."""
    windows = plan.windows
    closed = plan.closed_periods
    by_workspace: dict[int, list[IndicatorPlan]] = {}
    for indicator in plan.indicators:
        by_workspace.setdefault(indicator.workspace_id, []).append(indicator)
    span_days = (windows[-1][1] - windows[0][0]).days
    baseline_date = windows[0][0] - timedelta(days=1)
    for k in range(closed):
        rng = rng_for(f"figures:{k}")
        back = closed - 1 - k
        missing, approved, submitted, returned = RECENT_ODDS.get(back, OLDER_ODDS)
        growth = 0.8 + 0.4 * k / max(closed - 1, 1)
        share = ((windows[k][1] - baseline_date).days + 1) / (span_days + 1)
        # Figures of the last closed period come in before the anchor day.
        latest_minute = (ANCHOR_DATE - windows[k][1]).days * 1440 - 1440
        window_minutes = min(18 * 1440, latest_minute - 7 * 1440)
        for ws_id in sorted(by_workspace):
            for indicator in by_workspace[ws_id]:
                for org_id in indicator.reporter_org_ids:
                    pick = rng.random()
                    if pick < missing:
                        continue
                    pick = (pick - missing) / (1 - missing)
                    if pick < approved:
                        status = "approved"
                    elif pick < submitted:
                        status = "submitted"
                    elif pick < returned:
                        status = "returned"
                    else:
                        status = "draft"
                    noise = rng.random()
                    value = _value(indicator, share, growth, noise)
                    minute = 60 + int(rng.random() * window_minutes)
                    reviewed = None
                    if status in ("approved", "returned"):
                        reviewed = minute + 240 + int(noise * 5 * 1440)
                    yield FigureRow(indicator, k, org_id, value, status, minute, reviewed)


def _value(indicator: IndicatorPlan, share: float, growth: float, noise: float) -> str:
    if indicator.value_type == ValueType.PERCENTAGE:
        baseline, target = float(indicator.baseline), float(indicator.target)
        if indicator.aggregation == Aggregation.AVERAGE:
            # An average of the periods is judged against the whole span: a level that
            # holds near the target, rather than a rising line.
            share = 0.92
        centre = baseline + (target - baseline) * share * indicator.mean
        value = min(100.0, max(0.0, centre + (noise - 0.5) * 16))
        return f"{value:.1f}"
    amount = indicator.mean * growth * (0.6 + 0.8 * noise)
    if indicator.value_type == ValueType.CURRENCY:
        return f"{amount:.2f}"
    return str(round(amount))


_STAMP_CACHE: dict[tuple[int, int], str] = {}


def _stamp(day: date, minute: int) -> str:
    """The timestamp ``minute`` minutes after ``day`` ends, as COPY text (UTC)."""
    days, rest = divmod(minute, 1440)
    key = (day.toordinal() + 1 + days, rest // 60)
    prefix = _STAMP_CACHE.get(key)
    if prefix is None:
        prefix = f"{date.fromordinal(key[0]).isoformat()} {key[1]:02d}:"
        _STAMP_CACHE[key] = prefix
    return f"{prefix}{rest % 60:02d}:00+00"


def measurement_chunks(plan: Plan, *, rows_per_chunk: int = 20_000) -> Iterator[tuple[str, int]]:
    """The figures as COPY text (columns ``MEASUREMENT_COLUMNS``), in chunks: (text, rows)."""
    coordinator = plan.coordinator_of_workspace
    partner = plan.partner_user_of_org
    ends = [end for _, end in plan.windows]
    lines: list[str] = []
    for row_id, figure in enumerate(iter_measurements(plan), start=1):
        indicator = figure.indicator
        end = ends[figure.period_index]
        submitted_at = _stamp(end, figure.submitted_minute)
        status = figure.status
        if status == "draft":
            submitted = "\\N\t\\N\t\\N"
            reviewed = "\\N\t\\N"
            updated = submitted_at
        else:
            submitted = f"{submitted_at}\t{partner[figure.organization_id]}\t\\N"
            if figure.reviewed_minute is None:
                reviewed = "\\N\t\\N"
                updated = submitted_at
            else:
                updated = _stamp(end, figure.reviewed_minute)
                reviewed = f"{updated}\t{coordinator[indicator.workspace_id]}"
        note = RETURN_NOTE if status == "returned" else ""
        lines.append(
            f"{row_id}\t{indicator.workspace_id}\t{indicator.partnership_id}\t{indicator.id}\t"
            f"{indicator.first_period_id + figure.period_index}\t{figure.organization_id}\t"
            f"{figure.value}\t\t\t\t\t\t{status}\t{note}\t{submitted}\t{reviewed}\t1\t"
            f"{submitted_at}\t{updated}\n"
        )
        if len(lines) >= rows_per_chunk:
            yield "".join(lines), len(lines)
            lines = []
    if lines:
        yield "".join(lines), len(lines)
