"""The geometry of a goal's timeline, drawn as SVG by the goal page's template.

Milestones sit on a horizontal axis by due date; labels alternate above and below the
axis so neighbours do not overlap. Colours are SVG presentation attributes (no inline
styles, for the CSP) and every status also has its own marker shape, so colour is never
the only signal; the page repeats the same data as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from goals.models import Milestone, MilestoneStatus

WIDTH = 640
HEIGHT = 160
MARGIN = 40
AXIS_Y = 80
EDGE = 110  # labels are about this wide

COLOURS = {
    MilestoneStatus.NOT_STARTED: "#6b7280",
    MilestoneStatus.IN_PROGRESS: "#1d4ed8",
    MilestoneStatus.AT_RISK: "#b45309",
    MilestoneStatus.BLOCKED: "#b91c1c",
    MilestoneStatus.DONE: "#15803d",
}


@dataclass(frozen=True)
class TimelinePoint:
    milestone: Milestone
    x: int
    label_y: int
    stem_y: int
    colour: str
    shape: str  # circle, square, diamond, cross, check
    overdue: bool

    @property
    def anchor(self) -> str:
        """Labels near either end grow inwards, so they stay inside the drawing."""
        if self.x < EDGE:
            return "start"
        if self.x > WIDTH - EDGE:
            return "end"
        return "middle"

    @property
    def diamond_points(self) -> str:
        x, y = self.x, AXIS_Y
        return f"{x},{y - 7} {x + 7},{y} {x},{y + 7} {x - 7},{y}"


@dataclass(frozen=True)
class TimelineTick:
    x: int
    label: str


@dataclass(frozen=True)
class Timeline:
    points: list[TimelinePoint]
    ticks: list[TimelineTick]
    today_x: int | None
    target_x: int | None
    start: date
    end: date
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = AXIS_Y
    margin: int = MARGIN

    @property
    def axis_end(self) -> int:
        return self.width - self.margin


SHAPES = {
    MilestoneStatus.NOT_STARTED: "circle",
    MilestoneStatus.IN_PROGRESS: "square",
    MilestoneStatus.AT_RISK: "diamond",
    MilestoneStatus.BLOCKED: "cross",
    MilestoneStatus.DONE: "check",
}


def build_timeline(
    milestones: Sequence[Milestone], *, today: date, target_date: date | None
) -> Timeline | None:
    """Positions of the milestones (None without milestones)."""
    if not milestones:
        return None
    dates = [m.due_date for m in milestones] + [today]
    if target_date is not None:
        dates.append(target_date)
    start, end = min(dates), max(dates)
    if start == end:
        start, end = start - timedelta(days=1), end + timedelta(days=1)
    span = (end - start).days
    usable = WIDTH - 2 * MARGIN

    def x_of(day: date) -> int:
        return MARGIN + round(usable * (day - start).days / span)

    points = []
    for index, milestone in enumerate(milestones):
        above = index % 2 == 0
        points.append(
            TimelinePoint(
                milestone=milestone,
                x=x_of(milestone.due_date),
                label_y=AXIS_Y - 30 if above else AXIS_Y + 40,
                stem_y=AXIS_Y - 22 if above else AXIS_Y + 26,
                colour=COLOURS.get(MilestoneStatus(milestone.status), "#6b7280"),
                shape=SHAPES.get(MilestoneStatus(milestone.status), "circle"),
                overdue=milestone.status != MilestoneStatus.DONE and milestone.due_date < today,
            )
        )
    ticks = [
        TimelineTick(x=x_of(start), label=start.strftime("%b %Y")),
        TimelineTick(x=x_of(end), label=end.strftime("%b %Y")),
    ]
    return Timeline(
        points=points,
        ticks=ticks,
        today_x=x_of(today),
        target_x=x_of(target_date) if target_date is not None else None,
        start=start,
        end=end,
    )
