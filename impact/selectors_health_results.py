"""The results of a health check round, in aggregate only.

Confidentiality, the rule of this module:

- Results are aggregates computed by the database (AVG / COUNT ... GROUP BY); no function
  here returns one person's answer.
- Aggregates exist only for a *closed* round with at least ``HEALTH_MIN_RESPONDENTS``
  respondents. While a round is open people may still answer or change their answers, so
  comparing the results before and after someone answered would reveal that person's
  scores; the response count is shown while it is open, the rest once it has closed (and a
  closed round never reopens: ``impact.services_health``).
- By sector, a group is shown only with at least three respondents. Sectors with fewer
  are merged into "Other sectors". When the sectors left over would hold one or two people,
  the smallest shown sector joins "Other sectors" too: otherwise their answers could be
  worked out by subtracting the shown groups from the overall average. When fewer than two
  groups remain, sectors are not compared.
- Comments appear under the same conditions as the averages, without names or
  organizations, ordered by their text (never by who wrote them or when).
- The trend shows the closed rounds of the partnership with enough respondents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Case, CharField, Count, DecimalField, Q, Value, When

from impact.models import (
    HEALTH_FACTOR_SHORT_NAMES,
    HEALTH_MIN_RESPONDENTS,
    HealthCheckAnswer,
    HealthCheckResponse,
    HealthCheckRound,
    HealthFactor,
)
from impact.selectors_health import (
    HEALTH_SCALE,
    ResponseRate,
    RoundState,
    health_response_rate,
    round_state,
)
from partnerhub.models import Workspace
from partners.models import Partnership, Sector

# Sector averages this far apart (in points of the 1-5 scale) are highlighted.
HEALTH_SPREAD_NOTABLE = Decimal("1.00")
OTHER_SECTORS = "other"
OTHER_SECTORS_LABEL = "Other sectors"
TWO_PLACES = Decimal("0.01")
_AVERAGE = DecimalField(max_digits=9, decimal_places=4)


class SuppressedReason:
    """Why a round's results are not shown."""

    NONE = ""
    NOT_CLOSED = "not_closed"
    TOO_FEW = "too_few_respondents"

    choices = [
        (NONE, "Shown"),
        (NOT_CLOSED, "The round has not closed yet"),
        (TOO_FEW, "Fewer respondents than the minimum"),
    ]


def two_places(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def factor_label(factor: str) -> str:
    return HEALTH_FACTOR_SHORT_NAMES.get(factor, factor)


@dataclass(frozen=True)
class ScoreCount:
    score: int
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class FactorResult:
    factor: str
    name: str
    statement: str
    average: Decimal | None
    answered: int
    distribution: list[ScoreCount] | None


@dataclass(frozen=True)
class SectorGroup:
    key: str  # a sector code, or "other"
    label: str
    sectors: list[str]  # the sector codes it holds
    sector_labels: list[str]
    respondents: int
    averages: dict[str, Decimal]

    def average_of(self, factor: str) -> Decimal | None:
        return self.averages.get(factor)


@dataclass(frozen=True)
class SectorSpread:
    factor: str
    name: str
    spread: Decimal
    highest: SectorGroup
    lowest: SectorGroup
    high: Decimal
    low: Decimal
    notable: bool


@dataclass(frozen=True)
class SectorRow:
    """One factor's line of the sector table: its averages in group order, and the spread."""

    factor: str
    name: str
    averages: list[Decimal | None]
    spread: SectorSpread | None


@dataclass
class SectorComparison:
    compared: bool = False
    groups: list[SectorGroup] = field(default_factory=list)
    spreads: list[SectorSpread] = field(default_factory=list)
    note: str = ""

    @property
    def rows(self) -> list[SectorRow]:
        by_factor = {s.factor: s for s in self.spreads}
        return [
            SectorRow(
                factor=factor,
                name=factor_label(factor),
                averages=[g.average_of(factor) for g in self.groups],
                spread=by_factor.get(factor),
            )
            for factor in HealthFactor.values
        ]

    @property
    def notable(self) -> list[SectorSpread]:
        return sorted((s for s in self.spreads if s.notable), key=lambda s: (-s.spread, s.name))


@dataclass(frozen=True)
class FactorComments:
    factor: str
    name: str
    statement: str
    comments: list[str]


@dataclass(frozen=True)
class TrendRound:
    round_id: int
    title: str
    opens_on: date
    closes_on: date
    respondents: int
    averages: dict[str, Decimal]


@dataclass(frozen=True)
class TrendRow:
    factor: str
    name: str
    averages: list[Decimal | None]
    change: Decimal | None  # the last shown round against the one before


@dataclass
class Trend:
    rounds: list[TrendRound] = field(default_factory=list)

    @property
    def rows(self) -> list[TrendRow]:
        rows = []
        for factor in HealthFactor.values:
            averages = [r.averages.get(factor) for r in self.rounds]
            change = None
            if len(averages) >= 2 and averages[-1] is not None and averages[-2] is not None:
                change = averages[-1] - averages[-2]
            rows.append(
                TrendRow(factor=factor, name=factor_label(factor), averages=averages, change=change)
            )
        return rows


@dataclass
class HealthResults:
    round: HealthCheckRound
    state: str
    rate: ResponseRate
    min_respondents: int
    suppressed_reason: str
    factors: list[FactorResult]
    sectors: SectorComparison
    comments: list[FactorComments]
    trend: Trend

    @property
    def suppressed(self) -> bool:
        return bool(self.suppressed_reason)

    @property
    def overall_average(self) -> Decimal | None:
        values = [f.average for f in self.factors if f.average is not None]
        if not values:
            return None
        return two_places(sum(values) / len(values))


def _factor_results(*, workspace: Workspace, health_round: HealthCheckRound) -> list[FactorResult]:
    """Each factor's average, answer count and distribution over the scale: one query."""
    per_score = {f"n{score}": Count("id", filter=Q(score=score)) for score, _ in HEALTH_SCALE}
    rows = {
        row["factor"]: row
        for row in HealthCheckAnswer.objects.for_workspace(workspace)
        .filter(round=health_round)
        .order_by()
        .values("factor")
        .annotate(average=Avg("score", output_field=_AVERAGE), answered=Count("id"), **per_score)
    }
    results = []
    for factor, statement in HealthFactor.choices:
        row = rows.get(factor)
        answered = row["answered"] if row else 0
        distribution = [
            ScoreCount(
                score=score,
                label=label,
                count=row[f"n{score}"] if row else 0,
                percent=round(row[f"n{score}"] * 100 / answered) if row and answered else 0,
            )
            for score, label in HEALTH_SCALE
        ]
        results.append(
            FactorResult(
                factor=factor,
                name=factor_label(factor),
                statement=str(statement),
                average=two_places(row["average"]) if row else None,
                answered=answered,
                distribution=distribution,
            )
        )
    return results


def _suppressed_factors() -> list[FactorResult]:
    return [
        FactorResult(
            factor=factor,
            name=factor_label(factor),
            statement=str(statement),
            average=None,
            answered=0,
            distribution=None,
        )
        for factor, statement in HealthFactor.choices
    ]


def _sector_label(code: str) -> str:
    return str(Sector(code).label) if code in Sector.values else code.capitalize()


def sector_groups_for(
    counts: dict[str, int], minimum: int = HEALTH_MIN_RESPONDENTS
) -> tuple[list[tuple[str, list[str], int]], str]:
    """From respondents per sector, the groups that may be shown, as (key, sector codes,
    respondents), and a note for the page. Pure arithmetic (tested on its own).

    Sectors with ``minimum`` respondents or more stand alone; the others are merged into
    "other". When that merged group would hold fewer than ``minimum`` (but some) people,
    the smallest standing sector joins it, so nobody is left over to be worked out from
    the overall average. Fewer than two groups: nothing to compare."""
    standing = sorted(
        ((code, n) for code, n in counts.items() if n >= minimum),
        key=lambda item: (-item[1], _sector_label(item[0])),
    )
    small = sorted(code for code, n in counts.items() if 0 < n < minimum)
    small_total = sum(counts[code] for code in small)
    moved = ""
    if 0 < small_total < minimum and standing:
        code, n = standing.pop()  # the smallest standing sector
        small = sorted([*small, code])
        small_total += n
        moved = code
    groups: list[tuple[str, list[str], int]] = [(code, [code], n) for code, n in standing]
    if small_total >= minimum:
        groups.append((OTHER_SECTORS, small, small_total))
    if len(groups) < 2:
        if len(counts) <= 1:
            return (
                [],
                "Everyone who answered belongs to one sector, so there is nothing to compare.",
            )
        return [], (
            f"Sectors are compared when at least two groups have {minimum} or more respondents "
            "each; this round does not have enough respondents per sector."
        )
    note = ""
    if small:
        names = ", ".join(_sector_label(code) for code in small)
        note = (
            f"{OTHER_SECTORS_LABEL} groups the sectors with fewer than {minimum} "
            f"respondents: {names}."
        )
        if moved:
            note += (
                f" {_sector_label(moved)} is counted there too, so that the answers of the "
                "smaller sectors cannot be worked out from the overall results."
            )
    return groups, note


def _sector_comparison(*, workspace: Workspace, health_round: HealthCheckRound) -> SectorComparison:
    """Respondents per sector (one query), then averages per group and factor (one query,
    the groups formed by the database with a CASE on the sector)."""
    counts = {
        row["sector"]: row["n"]
        for row in HealthCheckResponse.objects.for_workspace(workspace)
        .filter(round=health_round)
        .order_by()
        .values("sector")
        .annotate(n=Count("id"))
    }
    groups, note = sector_groups_for(counts)
    if not groups:
        return SectorComparison(compared=False, note=note)
    standing = [key for key, _, _ in groups if key != OTHER_SECTORS]
    group_of = Case(
        *[When(response__sector=code, then=Value(code)) for code in standing],
        default=Value(OTHER_SECTORS),
        output_field=CharField(),
    )
    averages: dict[str, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        HealthCheckAnswer.objects.for_workspace(workspace)
        .filter(round=health_round)
        .annotate(group=group_of)
        .order_by()
        .values("group", "factor")
        .annotate(average=Avg("score", output_field=_AVERAGE))
    )
    for row in rows:
        averages[row["group"]][row["factor"]] = two_places(row["average"])  # type: ignore[assignment]
    shown = [
        SectorGroup(
            key=key,
            label=OTHER_SECTORS_LABEL if key == OTHER_SECTORS else _sector_label(key),
            sectors=codes,
            sector_labels=[_sector_label(code) for code in codes],
            respondents=n,
            averages=dict(averages.get(key, {})),
        )
        for key, codes, n in groups
    ]
    spreads = []
    for factor in HealthFactor.values:
        present = [g for g in shown if g.average_of(factor) is not None]
        if len(present) < 2:
            continue
        highest = max(present, key=lambda g: g.averages[factor])
        lowest = min(present, key=lambda g: g.averages[factor])
        spread = highest.averages[factor] - lowest.averages[factor]
        spreads.append(
            SectorSpread(
                factor=factor,
                name=factor_label(factor),
                spread=spread,
                highest=highest,
                lowest=lowest,
                high=highest.averages[factor],
                low=lowest.averages[factor],
                notable=spread >= HEALTH_SPREAD_NOTABLE,
            )
        )
    return SectorComparison(compared=True, groups=shown, spreads=spreads, note=note)


def _comments(*, workspace: Workspace, health_round: HealthCheckRound) -> list[FactorComments]:
    """The comments of each factor, without who wrote them, ordered by their text. One
    query."""
    by_factor: dict[str, list[str]] = defaultdict(list)
    rows = (
        HealthCheckAnswer.objects.for_workspace(workspace)
        .filter(round=health_round)
        .exclude(comment="")
        .order_by("factor", "comment")
        .values_list("factor", "comment")
    )
    for factor, comment in rows:
        by_factor[factor].append(comment)
    return [
        FactorComments(
            factor=factor, name=factor_label(factor), statement=str(statement), comments=texts
        )
        for factor, statement in HealthFactor.choices
        if (texts := by_factor.get(factor))
    ]


def health_trend(*, workspace: Workspace, partnership: Partnership | int, today: date) -> Trend:
    """Average per factor of each closed round of the partnership with at least
    ``HEALTH_MIN_RESPONDENTS`` respondents, oldest first. Two queries."""
    rounds = list(
        HealthCheckRound.objects.for_workspace(workspace)
        .filter(partnership=partnership, closes_on__lt=today)
        .annotate(respondents=Count("responses"))
        .filter(respondents__gte=HEALTH_MIN_RESPONDENTS)
        .order_by("opens_on", "id")
    )
    if not rounds:
        return Trend()
    averages: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        HealthCheckAnswer.objects.for_workspace(workspace)
        .filter(round__in=[r.pk for r in rounds])
        .order_by()
        .values("round", "factor")
        .annotate(average=Avg("score", output_field=_AVERAGE))
    )
    for row in rows:
        averages[row["round"]][row["factor"]] = two_places(row["average"])  # type: ignore[assignment]
    return Trend(
        rounds=[
            TrendRound(
                round_id=r.pk,
                title=r.title,
                opens_on=r.opens_on,
                closes_on=r.closes_on,
                respondents=r.respondents,  # type: ignore[attr-defined]
                averages=dict(averages.get(r.pk, {})),
            )
            for r in rounds
        ]
    )


def health_results(
    *, workspace: Workspace, health_round: HealthCheckRound, today: date
) -> HealthResults:
    """Everything the results page and endpoint show, in a fixed number of queries: the
    response rate (3), and for a closed round with enough respondents the factors (1),
    sectors (2) and comments (1); the partnership's trend (2) in every case."""
    state = round_state(health_round, today)
    rate = health_response_rate(workspace=workspace, health_round=health_round)
    if state != RoundState.CLOSED:
        reason = SuppressedReason.NOT_CLOSED
    elif rate.respondents < HEALTH_MIN_RESPONDENTS:
        reason = SuppressedReason.TOO_FEW
    else:
        reason = SuppressedReason.NONE
    if reason:
        factors = _suppressed_factors()
        sectors = SectorComparison(compared=False)
        comments: list[FactorComments] = []
    else:
        factors = _factor_results(workspace=workspace, health_round=health_round)
        sectors = _sector_comparison(workspace=workspace, health_round=health_round)
        comments = _comments(workspace=workspace, health_round=health_round)
    return HealthResults(
        round=health_round,
        state=state,
        rate=rate,
        min_respondents=HEALTH_MIN_RESPONDENTS,
        suppressed_reason=reason,
        factors=factors,
        sectors=sectors,
        comments=comments,
        trend=health_trend(
            workspace=workspace, partnership=health_round.partnership_id, today=today
        ),
    )
