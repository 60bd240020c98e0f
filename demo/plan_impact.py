"""What the demo figures of an indicator are, worked out from its spec and today's date.

Pure functions, no database access, so that the plan can be checked for any day the demo
may be built on. Everything random comes from a ``random.Random`` seeded with fixed text
(the indicator's name, the period, the organization): the same day gives the same plan.

The values follow a plausible trend (a programme that ramps up, a rate that improves
along the straight line from baseline to target, with some noise), scaled by one factor
chosen so that the approved figures leave the indicator where its spec says: the factor
is found by bisection on the very rule ``impact.progress`` applies (so rounding to whole
people or cents is accounted for).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from demo.data_impact import (
    APPROVED,
    CORRECTED,
    DRAFT,
    FIGURE_NOTES,
    MISSING,
    RETURN_NOTES,
    RETURNED,
    SUBMITTED,
    DimensionSpec,
    HealthRoundSpec,
    IndicatorSpec,
)
from impact.models import Aggregation, HealthFactor, MeasurementEventKind, ValueType
from impact.periods import period_windows, window_containing
from impact.progress import (
    IndicatorStatus,
    actual_to_date,
    combine_period_values,
    expected_share,
    indicator_verdict,
    progress_share,
)

SEED = "partnerhub-demo-impact"
COUNTED = frozenset({APPROVED, CORRECTED})  # the codes of approved figures
# How far from the straight line each status puts the approved figures (share of the
# way from baseline to target; the rule's bands are 10 and 25 points).
TARGET_GAP = {
    IndicatorStatus.ON_TRACK: Decimal("-0.02"),
    IndicatorStatus.AT_RISK: Decimal("0.17"),
    IndicatorStatus.OFF_TRACK: Decimal("0.42"),
}
ACHIEVED_PROGRESS = Decimal("1.05")
CORRECTION_SHARE = 0.12  # older figures that were returned once before approval
EVIDENCE_SHARE = 0.35

Window = tuple[date, date]


def rng_for(*parts: object) -> random.Random:
    # Demo values, not secrets: a seeded generator is what makes the demo repeatable.
    return random.Random("|".join([SEED, *(str(part) for part in parts)]))  # noqa: S311


# --- Dates ----------------------------------------------------------------------------


def shift_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def baseline_date_for(today: date, frequency: str, months_back: int) -> date:
    """The end of the reporting window before the one holding the day ``months_back``
    months ago: reporting starts at a window's beginning."""
    start, _ = window_containing(shift_months(today, -months_back), frequency)
    return start - timedelta(days=1)


def target_date_for(today: date, frequency: str, months_ahead: int) -> date:
    _, end = window_containing(shift_months(today, months_ahead), frequency)
    return end


# --- The plan -------------------------------------------------------------------------


@dataclass
class FigurePlan:
    window: Window
    reporter: int  # index in the spec's reporters
    code: str
    value: Decimal
    note: str = ""
    first_value: Decimal | None = None  # as first submitted, when it was corrected
    return_note: str = ""
    with_evidence: bool = False
    events: list[tuple[str, datetime]] = field(default_factory=list)  # (kind, when)
    breakdown: dict[tuple[str, str], Decimal] = field(default_factory=dict)


@dataclass
class IndicatorPlan:
    baseline_date: date
    target_date: date
    windows: list[Window]
    closed: list[Window]
    figures: list[FigurePlan]
    locked: list[Window]
    status: str  # what impact.progress will say of the approved figures
    progress: Decimal | None


def figure_codes(spec: IndicatorSpec, closed: int) -> list[list[str]]:
    """The state of each reporter's figure for each closed period, oldest first."""
    rows: list[list[str]] = []
    for index in range(closed):
        back = closed - 1 - index
        if back < len(spec.recent):
            rows.append(list(spec.recent[back]))
            continue
        if spec.status == IndicatorStatus.NEEDS_DATA:
            # Nothing approved yet, however many periods have closed since the baseline.
            rows.append(list(spec.recent[-1]) if spec.recent else [MISSING] * len(spec.reporters))
            continue
        row = []
        for reporter in range(len(spec.reporters)):
            if (back, reporter) in spec.old_missing:
                row.append(MISSING)
            elif index >= spec.locked and rng_for(spec.name, "code", index, reporter).random() < (
                CORRECTION_SHARE
            ):
                row.append(CORRECTED)
            else:
                row.append(APPROVED)
        rows.append(row)
    return rows


def _quantize(value: float, decimals: int) -> Decimal:
    if decimals >= 0:
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    step = Decimal(10) ** -decimals
    return (Decimal(repr(value)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step


class _Values:
    """The figures' values as a function of one scale factor ``theta``."""

    def __init__(self, spec: IndicatorSpec, plan_dates: tuple[date, date], closed: list[Window]):
        self.spec = spec
        self.baseline = Decimal(spec.baseline)
        self.span = float(Decimal(spec.target) - self.baseline)
        baseline_date, target_date = plan_dates
        self.expected = [
            float(expected_share(baseline_date=baseline_date, target_date=target_date, as_of=end))
            for _, end in closed
        ]
        count = len(spec.reporters)
        weights = spec.weights or tuple(1 / count for _ in range(count))
        self.weights = [w / sum(weights) for w in weights]
        self.noise = [
            [rng_for(spec.name, "noise", i, o).uniform(-1, 1) for o in range(count)]
            for i in range(len(closed))
        ]
        self.trend_noise = [
            rng_for(spec.name, "trend", i).uniform(-1, 1) for i in range(len(closed))
        ]

    def shares(self, theta: float) -> list[float]:
        """Each closed period's value as a share of the span (an increment for sums)."""
        aggregation = self.spec.aggregation
        shares = []
        for i, expected in enumerate(self.expected):
            if aggregation == Aggregation.SUM:
                previous = self.expected[i - 1] if i else 0.0
                ramp = 0.7 + 0.6 * expected
                wobble = 1 + 0.15 * self.trend_noise[i]
                shares.append(theta * (expected - previous) * ramp * wobble)
            elif aggregation == Aggregation.LATEST:
                shares.append(theta * expected + 0.025 * self.trend_noise[i])
            else:
                shares.append(theta * (0.5 + expected) + 0.03 * self.trend_noise[i])
        return shares

    def value(self, theta_shares: list[float], i: int, o: int) -> Decimal:
        spec = self.spec
        share = theta_shares[i]
        noise = self.noise[i][o]
        if spec.aggregation == Aggregation.SUM:
            raw = self.span * share * self.weights[o] * (1 + 0.12 * noise)
        elif spec.value_type == ValueType.PERCENTAGE:
            # Each organization reports its own rate; the period's actual is their mean.
            offset = (o - (len(self.weights) - 1) / 2) * 0.06 * abs(self.span)
            raw = float(self.baseline) + self.span * share + offset + 0.01 * abs(self.span) * noise
        else:
            raw = (float(self.baseline) + self.span * share) * self.weights[o]
        if spec.value_type == ValueType.PERCENTAGE:
            raw = min(max(raw, 0.0), 100.0)
        return _quantize(max(raw, 0.0), spec.decimals)

    def all_values(self, theta: float) -> list[list[Decimal]]:
        shares = self.shares(theta)
        return [
            [self.value(shares, i, o) for o in range(len(self.spec.reporters))]
            for i in range(len(self.expected))
        ]


def progress_of(
    spec: IndicatorSpec,
    dates: tuple[date, date],
    closed: list[Window],
    codes: list[list[str]],
    values: list[list[Decimal]],
) -> tuple[Decimal | None, date | None]:
    """Progress and as-of date by the rule of ``impact.progress`` (approved figures only)."""
    per_period = []
    for i, (_, end) in enumerate(closed):
        counted = [values[i][o] for o, code in enumerate(codes[i]) if code in COUNTED]
        actual = combine_period_values(counted, spec.value_type)
        if actual is not None:
            per_period.append((end, actual))
    actual = actual_to_date(per_period, spec.aggregation)
    progress = progress_share(
        baseline=Decimal(spec.baseline),
        target=Decimal(spec.target),
        actual=actual,
        direction=spec.direction,
    )
    return progress, max((end for end, _ in per_period), default=None)


def _wanted_progress(spec: IndicatorSpec, expected: Decimal) -> Decimal | None:
    if spec.status == IndicatorStatus.ACHIEVED:
        return ACHIEVED_PROGRESS
    gap = TARGET_GAP.get(IndicatorStatus(spec.status))
    return None if gap is None else expected - gap


def _solve_theta(
    spec: IndicatorSpec,
    dates: tuple[date, date],
    closed: list[Window],
    codes: list[list[str]],
    values: _Values,
) -> float:
    """The smallest scale factor whose approved figures reach the wanted progress."""
    _, as_of = progress_of(spec, dates, closed, codes, values.all_values(1.0))
    if as_of is None:
        return 0.9  # nothing approved: the figures waiting for review keep a steady pace
    expected = expected_share(baseline_date=dates[0], target_date=dates[1], as_of=as_of)
    wanted = _wanted_progress(spec, expected)
    if wanted is None:
        return 1.0
    low, high = -3.0, 6.0
    for _ in range(32):
        middle = (low + high) / 2
        progress, _ = progress_of(spec, dates, closed, codes, values.all_values(middle))
        if progress is not None and progress >= wanted:
            high = middle
        else:
            low = middle
    return high


def split(
    value: Decimal, dimension: DimensionSpec, rng: random.Random, decimals: int
) -> list[Decimal]:
    """A figure's value across a dimension's categories. An exhaustive dimension's parts
    add up to the value exactly (largest remainder); another's cover only part of it."""
    unit = Decimal(1).scaleb(-max(decimals, 0))
    weights = [share * rng.uniform(0.85, 1.15) for _, share in dimension.categories]
    coverage = 1.0 if dimension.exhaustive else sum(s for _, s in dimension.categories)
    total = sum(weights)
    raw = [value * Decimal(repr(w / total * coverage)) for w in weights]
    parts = [(r / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for r in raw]
    if dimension.exhaustive:
        left = int((value - sum(parts)) / unit)
        order = sorted(range(len(raw)), key=lambda k: raw[k] - parts[k], reverse=True)
        for k in order[:left]:
            parts[k] += unit
    return parts


def _timeline(
    code: str, end: date, rng: random.Random, *, zone: tzinfo, now: datetime
) -> list[tuple[str, datetime]]:
    """When each event of a figure happened: submitted some days after the period closed,
    reviewed a few days later; squeezed in before now for periods that just closed."""
    kinds = {
        DRAFT: [MeasurementEventKind.SAVED],
        SUBMITTED: [MeasurementEventKind.SUBMITTED],
        APPROVED: [MeasurementEventKind.SUBMITTED, MeasurementEventKind.APPROVED],
        RETURNED: [MeasurementEventKind.SUBMITTED, MeasurementEventKind.RETURNED],
        CORRECTED: [
            MeasurementEventKind.SUBMITTED,
            MeasurementEventKind.RETURNED,
            MeasurementEventKind.SUBMITTED,
            MeasurementEventKind.APPROVED,
        ],
    }[code]
    gaps = [rng.uniform(3, 18)] + [
        rng.uniform(1, 7) if kind != MeasurementEventKind.SUBMITTED else rng.uniform(1, 5)
        for kind in kinds[1:]
    ]
    start = datetime.combine(end + timedelta(days=1), time(9), tzinfo=zone)
    latest = now - timedelta(hours=1)
    available = (latest - start).total_seconds() / 86400
    if available <= 0:
        return [(kind, latest - timedelta(minutes=len(kinds) - k)) for k, kind in enumerate(kinds)]
    total = sum(gaps)
    scale = min(1.0, available * 0.95 / total)
    stamps: list[tuple[str, datetime]] = []
    offset = 0.0
    for gap, kind in zip(gaps, kinds, strict=True):
        offset += gap * scale
        stamps.append((kind, start + timedelta(days=offset)))
    return stamps


def plan_indicator(
    spec: IndicatorSpec, *, today: date, now: datetime, zone: tzinfo
) -> IndicatorPlan:
    baseline_date = baseline_date_for(today, spec.frequency, spec.baseline_months)
    target_date = target_date_for(today, spec.frequency, spec.target_months)
    dates = (baseline_date, target_date)
    windows = period_windows(spec.frequency, baseline_date, target_date)
    closed = [w for w in windows if w[1] < today]
    codes = figure_codes(spec, len(closed))
    values = _Values(spec, dates, closed)
    theta = _solve_theta(spec, dates, closed, codes, values)
    final = values.all_values(theta)
    figures: list[FigurePlan] = []
    for i, window in enumerate(closed):
        for o, code in enumerate(codes[i]):
            if code == MISSING:
                continue
            rng = rng_for(spec.name, "figure", window[0], o)
            figure = FigurePlan(
                window=window,
                reporter=o,
                code=code,
                value=final[i][o],
                note=rng.choice(FIGURE_NOTES),
                with_evidence=rng.random() < EVIDENCE_SHARE,
                events=_timeline(code, window[1], rng, zone=zone, now=now),
            )
            if code in (RETURNED, CORRECTED):
                figure.return_note = rng.choice(RETURN_NOTES)
            if code == CORRECTED:
                first = _quantize(float(figure.value) * rng.choice((1.5, 1.12, 0.8)), spec.decimals)
                step = Decimal(1).scaleb(-spec.decimals)
                figure.first_value = first if first != figure.value else figure.value + step
            for dimension in spec.dimensions:
                parts = split(figure.value, dimension, rng, spec.decimals)
                for (category, _), part in zip(dimension.categories, parts, strict=True):
                    figure.breakdown[(dimension.name, category)] = part
            figures.append(figure)
    progress, as_of = progress_of(spec, dates, closed, codes, final)
    expected = (
        expected_share(baseline_date=baseline_date, target_date=target_date, as_of=as_of)
        if as_of is not None
        else None
    )
    verdict = indicator_verdict(
        progress=progress,
        expected=expected,
        level_to_hold=spec.baseline == spec.target,
        target_reached_in_time=as_of is not None and as_of >= target_date,
    )
    return IndicatorPlan(
        baseline_date=baseline_date,
        target_date=target_date,
        windows=windows,
        closed=closed,
        figures=figures,
        locked=closed[: spec.locked],
        status=verdict.status,
        progress=progress,
    )


# --- Health check ---------------------------------------------------------------------


def health_scores(spec: HealthRoundSpec, email: str, sector: str) -> list[tuple[str, int, str]]:
    """(factor, score 1-5, comment) of one respondent: the round's mean for the factor,
    their sector's view of it, and a person's own leaning."""
    rng = rng_for(spec.partnership, spec.title, email)
    tilt = spec.sector_tilt.get(sector, {})
    comments = {factor: text for who, factor, text in spec.comments if who == email}
    answers = []
    for factor in HealthFactor.values:
        raw = spec.scores[factor] + tilt.get(factor, 0.0) + rng.gauss(0, 0.55)
        answers.append((factor, min(5, max(1, round(raw))), comments.get(factor, "")))
    return answers
