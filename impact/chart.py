"""The chart of an indicator: actual against target per reporting period, drawn as SVG by
``templates/impact/indicators/_chart.html`` (no JavaScript), with the same rows in a table
right below it.

What is drawn, per period (oldest first, on a band of the horizontal axis):

* a bar for the period's **actual** (its approved figures combined: ``impact.progress``);
* a dashed line through the period's **target**: its own when a coordinator set one, else
  the straight line from baseline to target (``impact.progress.period_target``: for a
  summed indicator the part of the change that falls in the period, for the others the
  level the line reaches at the period's end), so bar and target always compare;
* for indicators that report a level (latest or average), a dotted line for the
  **baseline** when it is not zero.

The vertical scale always holds zero (bars grow from it) and every value drawn, so
negative values and "decrease is better" indicators draw the same way; the description
says which direction is better. Colours are SVG presentation attributes (no inline
styles, for the CSP) and every series also differs by shape or dash, so colour is never
the only signal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from impact.models import Aggregation, Direction, Indicator, ValueType
from impact.progress import PeriodActual, period_target

WIDTH = 640
HEIGHT = 300
LEFT = 72  # room for the value labels of the axis
RIGHT = 16
TOP = 20
BOTTOM = 44  # room for the period labels
MAX_DESCRIBED = 12  # periods listed one by one in the description

ACTUAL_COLOUR = "#0b57a4"
TARGET_COLOUR = "#7a4a00"
AXIS_COLOUR = "#4a5360"
TEXT_COLOUR = "#1a1d21"
GRID_COLOUR = "#d5dbe2"

STORED_PLACES = Decimal("0.0001")
DERIVED_PLACES = Decimal("0.01")


# --- Numbers as people read them ------------------------------------------------------


def format_number(value: Decimal | None, places: Decimal = STORED_PLACES) -> str:
    """``1234.5000`` -> ``1,234.5``; derived values (averages, straight lines) are rounded
    to two decimals. None -> an em dash."""
    if value is None:
        return "—"
    rounded = Decimal(value).quantize(places, rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(
    value: Decimal | None, indicator: Indicator, places: Decimal = STORED_PLACES
) -> str:
    """A value with the indicator's unit: ``45%``, ``EUR 1,200``, ``120 people``."""
    if value is None:
        return "—"
    number = format_number(value, places)
    if indicator.value_type == ValueType.PERCENTAGE:
        return f"{number}%"
    if indicator.value_type == ValueType.CURRENCY and indicator.currency:
        return f"{indicator.currency} {number}"
    return f"{number} {indicator.unit}".strip()


def period_label(start: date, end: date) -> str:
    """``Mar 2025``, ``Q1 2025``, ``H2 2025``, ``2025``, or the dates for other windows."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    calendar_window = start.day == 1
    if calendar_window and months == 1:
        return start.strftime("%b %Y")
    if calendar_window and months == 3 and start.month in (1, 4, 7, 10):
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if calendar_window and months == 6 and start.month in (1, 7):
        return f"H{1 if start.month == 1 else 2} {start.year}"
    if calendar_window and months == 12 and start.month == 1:
        return str(start.year)
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


# --- The chart --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRow:
    """One period: its numbers (for the table) and where they are drawn."""

    period_id: int
    label: str
    start_date: date
    end_date: date
    target: Decimal
    target_is_set: bool  # the period's own target, not the straight line
    actual: Decimal | None
    figures: int
    locked: bool
    in_schedule: bool
    target_text: str
    actual_text: str
    # Geometry (SVG user units).
    x: float  # middle of the period's band
    bar_x: float
    bar_width: float
    bar_y: float
    bar_height: float
    target_y: float
    show_label: bool

    @property
    def has_actual(self) -> bool:
        return self.actual is not None

    @property
    def target_marker(self) -> str:
        """A diamond around the target point (shape, not only colour, tells it apart)."""
        x, y = self.x, self.target_y
        up, down, left, right = round(y - 5, 1), round(y + 5, 1), round(x - 5, 1), round(x + 5, 1)
        return f"{x},{up} {right},{y} {x},{down} {left},{y}"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    uid: str  # unique on the page: ids of the title, description and caption
    title: str
    description: str
    caption: str
    better: str  # "higher" or "lower"
    rows: list[ChartRow]
    ticks: list[Tick] = field(default_factory=list)
    baseline_y: float | None = None
    baseline_text: str = ""
    markers: bool = True  # diamonds on the target line, while periods are wide enough
    zero_y: float = 0.0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - BOTTOM + 18
    tick_x: int = LEFT - 8
    actual_colour: str = ACTUAL_COLOUR
    target_colour: str = TARGET_COLOUR
    axis_colour: str = AXIS_COLOUR
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR

    @property
    def target_points(self) -> str:
        return " ".join(f"{r.x},{r.target_y}" for r in self.rows)

    @property
    def has_data(self) -> bool:
        return any(r.actual is not None for r in self.rows)


def nice_step(span: float, intervals: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) cutting ``span`` into about
    ``intervals`` pieces."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / intervals
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def value_scale(values: Sequence[Decimal]) -> tuple[float, float, float]:
    """(low, high, step): a domain holding zero and every value, on round numbers."""
    numbers = [float(v) for v in values] + [0.0]
    low, high = min(numbers), max(numbers)
    if low == high:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _target_of(indicator: Indicator, row: PeriodActual) -> Decimal:
    """The period's target as ``period_actuals`` gives it (its own, else the line's)."""
    if row.target is not None:
        return row.target
    return period_target(
        aggregation=indicator.aggregation,
        baseline_value=indicator.baseline_value,
        target_value=indicator.target_value,
        baseline_date=indicator.baseline_date,
        target_date=indicator.target_date,
        start_date=row.start_date,
        end_date=row.end_date,
    )


def build_chart(
    *, indicator: Indicator, actuals: Sequence[PeriodActual], uid: str | None = None
) -> Chart:
    """The chart of ``indicator`` from ``impact.progress.period_actuals`` (one query);
    no query of its own. ``uid`` keeps ids unique when a page shows several charts."""
    uid = uid or f"indicator-chart-{indicator.pk}"
    level = indicator.aggregation != Aggregation.SUM
    show_baseline = level and indicator.baseline_value != 0
    targets = [_target_of(indicator, row) for row in actuals]
    drawn = list(targets)
    drawn += [row.actual for row in actuals if row.actual is not None]
    if show_baseline:
        drawn.append(indicator.baseline_value)
    low, high, step = value_scale(drawn)
    # Percentages are averaged across organizations: their actuals are derived values.
    actual_places = (
        DERIVED_PLACES if indicator.value_type == ValueType.PERCENTAGE else STORED_PLACES
    )
    bottom, top = HEIGHT - BOTTOM, TOP

    def y(value: Decimal | float) -> float:
        return round(bottom - (float(value) - low) / (high - low) * (bottom - top), 1)

    count = max(len(actuals), 1)
    band = (WIDTH - RIGHT - LEFT) / count
    bar_width = max(1.0, round(band * 0.6, 1))
    labels = [period_label(row.start_date, row.end_date) for row in actuals]
    # Label every n-th period so that labels (about 6.6 units a character) never overlap.
    widest = max((len(label) for label in labels), default=1) * 6.6 + 12
    every = max(1, math.ceil(widest / band))
    zero_y = y(0)
    rows: list[ChartRow] = []
    for index, row in enumerate(actuals):
        middle = round(LEFT + band * (index + 0.5), 1)
        value_y = y(row.actual) if row.actual is not None else zero_y
        rows.append(
            ChartRow(
                period_id=row.period_id,
                label=labels[index],
                start_date=row.start_date,
                end_date=row.end_date,
                target=targets[index],
                target_is_set=row.target_is_set,
                actual=row.actual,
                figures=row.figures,
                locked=row.locked,
                in_schedule=row.in_schedule,
                target_text=format_value(
                    targets[index],
                    indicator,
                    STORED_PLACES if row.target_is_set else DERIVED_PLACES,
                ),
                actual_text=format_value(row.actual, indicator, actual_places),
                x=middle,
                bar_x=round(middle - bar_width / 2, 1),
                bar_width=bar_width,
                # A zero is drawn as a hairline, so "reported 0" differs from "no figure".
                bar_y=min(value_y, zero_y) if abs(zero_y - value_y) >= 1 else zero_y - 0.5,
                bar_height=max(round(abs(zero_y - value_y), 1), 1.0),
                target_y=y(targets[index]),
                show_label=index % every == 0,
            )
        )
    ticks = []
    value = low
    while value <= high + step / 2:
        ticks.append(Tick(y=y(value), label=format_number(Decimal(str(round(value, 10))))))
        value += step
    chart = Chart(
        uid=uid,
        title=f"{indicator.name}: actual against target per period",
        description="",
        caption=_caption(indicator, show_baseline, markers=band >= 12),
        better="higher" if indicator.direction == Direction.INCREASE else "lower",
        rows=rows,
        ticks=ticks,
        baseline_y=y(indicator.baseline_value) if show_baseline else None,
        baseline_text=format_value(indicator.baseline_value, indicator),
        zero_y=zero_y,
        markers=band >= 12,
    )
    return replace(chart, description=_describe(indicator, chart))


def _caption(indicator: Indicator, show_baseline: bool, *, markers: bool) -> str:
    if indicator.aggregation == Aggregation.SUM:
        target = "what the period should add, on a straight line from baseline to target"
    else:
        target = "the level a straight line from baseline to target reaches by the period's end"
    parts = [
        "Bars: actual per period",
        f"dashed line{' with diamonds' if markers else ''}: target (the period's own, "
        f"else {target})",
    ]
    if show_baseline:
        parts.append("dotted line: baseline")
    better = "Higher" if indicator.direction == Direction.INCREASE else "Lower"
    return "; ".join(parts) + f". {better} is better."


def _describe(indicator: Indicator, chart: Chart) -> str:
    rows = chart.rows
    if not rows:
        return "No reporting periods yet."
    better = "Higher" if chart.better == "higher" else "Lower"
    text = (
        f"{len(rows)} reporting period{'s' if len(rows) != 1 else ''} from "
        f"{rows[0].label} to {rows[-1].label}, with figures in "
        f"{sum(1 for r in rows if r.actual is not None)}. {better} is better. "
        f"Baseline {chart.baseline_text}, target "
        f"{format_value(indicator.target_value, indicator)}."
    )
    if len(rows) <= MAX_DESCRIBED:
        text += " " + " ".join(
            f"{r.label}: actual {r.actual_text if r.actual is not None else 'none'}, "
            f"target {r.target_text};"
            for r in rows
        )
    return text + " The same numbers are in the table below."
