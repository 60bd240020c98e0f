"""The partnership dashboard's markup, built in Python: its rows, its sections and the
links around them.

The page is read in a handful of queries; rendering it through the template engine cost
more than reading it (a variable lookup, a filter, a loop per row, a node per tag). Its
``<main>`` content is written here instead -- the same markup the template wrote, every
value escaped as ``conditional_escape`` escapes it, numbers and dates as the template's
filters write them (tests compare both with the template engine's answers). The page
around it (``base.html``: navigation, switcher, messages) stays a template.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from html import escape as _escape_text
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import dateformat
from django.utils.dates import MONTHS_3
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import get_language

from goals.models import Milestone, SharedGoal
from impact.chart import DERIVED_PLACES, format_value
from impact.selectors_dashboard import UPCOMING_DAYS, IndicatorRow, PartnershipDashboard
from partnerhub.models import ActivityEvent
from partners.models import Partnership
from partners.views.partnerships import AmountView


@dataclass(frozen=True)
class IndicatorLine:
    """An indicator row of the dashboard, its numbers as people read them; ``html`` is
    its table row."""

    row: IndicatorRow
    actual: str
    target: str
    baseline: str
    html: str = ""  # a SafeString once built

    @classmethod
    def of(cls, row: IndicatorRow, url_of: Callable[[int], str] | None = None) -> IndicatorLine:
        indicator = row.indicator
        line = cls(
            row=row,
            actual=format_value(row.progress.actual, indicator, DERIVED_PLACES),
            target=format_value(indicator.target_value, indicator),
            baseline=format_value(indicator.baseline_value, indicator),
        )
        return replace(line, html=indicator_row_html(line, url_of))


# The formats the dashboard's rows use, written out: ``formats.date_format`` costs tens of
# microseconds a call (a format lookup, a regular expression, a method per letter) and a
# dashboard formats dozens of dates. Each gives what Django's ``date`` filter gives
# (month names translated likewise); tests compare them.
@functools.lru_cache(maxsize=64)
def _months(language: str) -> tuple[str, ...]:
    """The ``M`` of each month (index 1-12) in ``language``: a translated lazy string
    evaluated once per language, not once per date."""
    return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


def _month(value: Any) -> str:
    return _months(get_language() or settings.LANGUAGE_CODE)[value.month]


_DATE_FORMATS: dict[str, Callable[[Any], str]] = {
    "j M Y": lambda v: f"{v.day} {_month(v)} {v.year:04d}",
    "j M Y H:i": lambda v: f"{v.day} {_month(v)} {v.year:04d} {v.hour:02d}:{v.minute:02d}",
    "Y-m-d": lambda v: f"{v.year:04d}-{v.month:02d}-{v.day:02d}",
    "c": lambda v: v.isoformat(),
}


def _date(value: Any, fmt: str) -> str:
    """``{{ value|date:fmt }}``: in the current time zone, empty for nothing."""
    if value in (None, ""):
        return ""
    value = template_localtime(value)
    written_out = _DATE_FORMATS.get(fmt)
    return written_out(value) if written_out else dateformat.format(value, fmt)


# The dashboard's repeated rows are built here rather than in the template (the same
# markup): a row of a few lines costs a fraction of the template's tags and lookups.
# ``_html`` is ``format_html`` without its per-argument overhead (a lazy-argument check
# around every escape): each argument is escaped as ``conditional_escape`` escapes it.


def _escaped(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is SafeString:
        return value  # type: ignore[no-any-return]
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_text(str(value))


def _label(instance: Any, field_name: str) -> str:
    """``instance.get_<field>_display()``: the label of the field's value, from a table
    made once per model, field and language (Django looks the choices up on every call)."""
    value = getattr(instance, field_name)
    labels = _choice_labels(type(instance), field_name, get_language() or settings.LANGUAGE_CODE)
    return labels.get(value, str(value))


@functools.lru_cache(maxsize=256)
def _choice_labels(model: type[Any], field_name: str, language: str) -> dict[Any, str]:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


def _number(value: Any) -> str:
    """``{{ value }}`` of a number (``localize``): an integer is its plain text when no
    thousand separator is used, which ``localize`` works out through several format
    lookups a call."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return str(localize(value))


def _html(template: str, *args: Any) -> SafeString:
    return SafeString(template.format(*[_escaped(arg) for arg in args]))


def indicator_row_html(line: IndicatorLine, url_of: Callable[[int], str] | None) -> SafeString:
    """One ``<tr>`` of the dashboard's indicators table."""
    indicator, progress = line.row.indicator, line.row.progress
    if url_of is not None:
        name = _html('<a href="{}">{}</a>', url_of(indicator.pk), indicator.name)
    else:
        name = _html("{}", indicator.name)
    goal = indicator.goal
    goal_html = _html('<br><span class="muted">Goal: {}</span>', goal.title) if goal else ""
    as_of = (
        _html('<br><span class="muted">to {}</span>', _date(progress.as_of, "j M Y"))
        if progress.as_of
        else ""
    )
    if progress.percent is not None:
        meter = _html(
            "\n"
            '            <meter min="0" max="100" value="{}" aria-hidden="true"></meter>\n'
            "            {}%\n"
            "            ",
            localize(progress.bar_percent),
            localize(progress.percent),
        )
    else:
        meter = SafeString("—")
    return _html(
        "<tr>\n"
        '          <th scope="row">\n'
        "            {}\n"
        "            {}\n"
        "          </th>\n"
        "          <td>{}{}</td>\n"
        '          <td>{}<br><span class="muted">from {} by {}</span></td>\n'
        '          <td class="dash-progress">\n'
        "            {}\n"
        "          </td>\n"
        '          <td><span class="status dash-status dash-status--{}">{}</span><br>'
        '<span class="muted">{}</span></td>\n'
        "          <td>{}</td>\n"
        "        </tr>",
        name,
        goal_html,
        line.actual,
        as_of,
        line.target,
        line.baseline,
        _date(indicator.target_date, "j M Y"),
        meter,
        progress.status,
        progress.status_label,
        progress.reason,
        _number(line.row.owed),
    )


@dataclass(frozen=True)
class ActivityRow:
    event: ActivityEvent
    actor: str
    url: str | None

    @property
    def html(self) -> SafeString:
        """The row's ``<li>`` in the dashboard's latest activity."""
        event = self.event
        if self.url:
            target = _html('<a href="{}">{}</a>', self.url, event.object_repr)
        else:
            target = _html("“{}”", event.object_repr)
        created = template_localtime(event.created_at)
        return _html(
            '<li class="activity-entry">\n'
            '      <time datetime="{}">{}</time> ·\n'
            "      <strong>{}</strong> {}\n"
            "      {}\n"
            "    </li>",
            _DATE_FORMATS["c"](created),
            _DATE_FORMATS["j M Y H:i"](created),
            self.actor,
            _label(event, "action").lower(),
            target,
        )


def goal_row_html(goal: SharedGoal, url_of: Callable[[int], str]) -> SafeString:
    """One ``<tr>`` of the dashboard's goals table."""
    return _html(
        "<tr>\n"
        '          <th scope="row"><a href="{}">{}</a></th>\n'
        '          <td><span class="status dash-status dash-status--{}">{}</span></td>\n'
        "          <td>{}</td>\n"
        "          <td>{}</td>\n"
        "          <td>{} of {}</td>\n"
        "        </tr>",
        url_of(goal.pk),
        goal.title,
        goal.status,
        _label(goal, "status"),
        goal.status_reason or "—",
        _date(goal.target_date, "j M Y") or "—",
        _number(goal.milestones_done),  # type: ignore[attr-defined]
        _number(goal.milestone_count),  # type: ignore[attr-defined]
    )


def milestone_row_html(milestone: Milestone, url_of: Callable[[int], str]) -> SafeString:
    """One ``<tr>`` of the dashboard's tables of milestones overdue and due soon."""
    goal = milestone.goal
    return _html(
        "<tr>\n"
        '          <th scope="row"><a href="{}">{}</a></th>\n'
        "          <td>{}</td>\n"
        '          <td><time datetime="{}">{}</time></td>\n'
        '          <td><span class="status">{}</span></td>\n'
        "          <td>{}%</td>\n"
        "        </tr>",
        url_of(milestone.pk),
        milestone.title,
        goal.title if goal is not None else "",
        _date(milestone.due_date, "Y-m-d"),
        _date(milestone.due_date, "j M Y"),
        _label(milestone, "status"),
        _number(milestone.percent_complete),
    )


@dataclass(frozen=True)
class DashboardLinks:
    """The dashboard's links outside its rows, each reversed once (None: not shown)."""

    back: str  # the portfolio for those who see every partnership, else the list
    detail: str
    report: str
    goals: str
    activity: str | None  # None when the project has no activity page
    review: str | None  # for reviewers, when figures wait
    missing: str | None  # for reviewers, when figures are owed
    figures: str | None  # for a partner, when their organization owes figures

    @classmethod
    def of(
        cls,
        workspace_slug: str,
        partnership_pk: int,
        *,
        sees_all: bool,
        can_review: bool,
        waiting: int,
        owed: int,
    ) -> DashboardLinks:
        return _dashboard_links(
            workspace_slug,
            partnership_pk,
            sees_all,
            can_review,
            bool(waiting),
            bool(owed),
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
        )


@functools.lru_cache(maxsize=4096)
def _dashboard_links(
    workspace_slug: str,
    partnership_pk: int,
    sees_all: bool,
    can_review: bool,
    waiting: bool,
    owed: bool,
    urlconf: str,
    prefix: str,
) -> DashboardLinks:
    """The links of one partnership's dashboard, reversed once per process for each
    combination (and URLconf and script prefix: what a reversed URL depends on)."""
    workspace = {"workspace_slug": workspace_slug}
    partnership = {**workspace, "pk": partnership_pk}
    return DashboardLinks(
        back=reverse("impact_portfolio" if sees_all else "partnership_list", kwargs=workspace),
        detail=reverse("partnership_detail", kwargs=partnership),
        report=reverse("impact_report", kwargs=partnership),
        goals=reverse("goal_list", kwargs=partnership),
        activity=_reverse_or_none("partnership_activity", partnership),
        review=(
            _reverse_or_none("measurement_review_queue", workspace)
            if can_review and waiting
            else None
        ),
        missing=reverse("missing_data", kwargs=workspace) if can_review and owed else None,
        figures=(
            _reverse_or_none("my_figures", workspace)
            if owed and not can_review and not sees_all
            else None
        ),
    )


def _reverse_or_none(name: str, kwargs: dict[str, Any]) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


# --- The page's content ------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardContent:
    """What the dashboard's ``<main>`` shows, its rows already built."""

    partnership: Partnership
    dashboard: PartnershipDashboard
    links: DashboardLinks
    sees_all: bool
    goal_rows: list[SafeString]
    milestone_groups: list[tuple[str, list[SafeString], str, str]]
    indicators: list[IndicatorLine]
    commitment_totals: list[AmountView]
    activity: list[ActivityRow]

    @property
    def html(self) -> SafeString:
        return SafeString(
            "".join(
                (
                    self._heading(),
                    self._glance(),
                    self._goals(),
                    self._milestones(),
                    self._indicators(),
                    self._commitments(),
                    self._activity(),
                )
            )
        )

    def _heading(self) -> str:
        partnership, links = self.partnership, self.links
        about = "".join(
            _html('\n    <li><a href="{}">{}</a></li>', url, label)
            for url, label in (
                (links.report, "Printable impact report"),
                (links.detail, "Members and commitments"),
                (links.goals, "Goals and milestones"),
                (links.activity, "All activity"),
            )
            if url
        )
        return _html(
            '\n<nav class="breadcrumbs" aria-label="Breadcrumb">\n  <ol>\n'
            '    <li><a href="{}">{}</a></li>\n'
            '    <li><a href="{}">{}</a></li>\n'
            '    <li><span aria-current="page">Dashboard</span></li>\n  </ol>\n</nav>\n'
            "<h1>Dashboard of {}</h1>\n"
            '<p class="lead">{} · <span class="status">{}</span> · as of {}</p>\n'
            '<nav aria-label="About this partnership">\n  <ul class="action-list">{}\n'
            "  </ul>\n</nav>\n",
            links.back,
            "Portfolio" if self.sees_all else "Partnerships",
            links.detail,
            partnership.name,
            partnership.name,
            _label(partnership, "model"),
            _label(partnership, "status"),
            _date(self.dashboard.today, "j M Y"),
            SafeString(about),
        )

    def _glance(self) -> str:
        dashboard, links, pk = self.dashboard, self.links, self.partnership.pk
        counts = dashboard.goal_counts
        goals = _html(
            "{}{}",
            _number(len(dashboard.goals)),
            _html(
                " ({})",
                SafeString(
                    ", ".join(_html("{} {}", _number(n), label.lower()) for label, n in counts)
                ),
            )
            if counts
            else "",
        )
        review = (
            _html(' · <a href="{}?partnership={}">Review them</a>', links.review, _number(pk))
            if links.review
            else ""
        )
        if links.missing:
            owed_link = _html(
                ' · <a href="{}?partnership={}">See who owes what</a>', links.missing, _number(pk)
            )
        elif links.figures:
            owed_link = _html(' · <a href="{}">Enter your figures</a>', links.figures)
        else:
            owed_link = ""
        facts = (
            ("Shared goals", goals),
            ("Milestones overdue", _number(len(dashboard.overdue_milestones))),
            (
                f"Milestones due in the next {UPCOMING_DAYS} days",
                _number(len(dashboard.upcoming_milestones)),
            ),
            (
                "Indicators needing data",
                _html(
                    "{} of {}",
                    _number(dashboard.indicators_needing_data),
                    _number(len(dashboard.indicators)),
                ),
            ),
            ("Figures waiting for review", _html("{}{}", _number(dashboard.waiting), review)),
            (
                "Figures owed for closed periods"
                if self.sees_all
                else "Figures your organization owes",
                _html("{}{}", _number(dashboard.owed), owed_link),
            ),
        )
        return _section(
            "glance",
            "At a glance",
            _html(
                '<dl class="facts dash-glance">{}\n  </dl>',
                SafeString(
                    "".join(
                        _html("\n    <div>\n      <dt>{}</dt>\n      <dd>{}</dd>\n    </div>", *f)
                        for f in facts
                    )
                ),
            ),
        )

    def _goals(self) -> str:
        if not self.goal_rows:
            body = SafeString('<p class="muted">No shared goals yet.</p>')
        else:
            body = _table(
                "goals-caption",
                "dash-wide",
                "Shared goals and their status, by target date",
                ("Goal", "Status", "Why", "Target date", "Milestones done"),
                self.goal_rows,
            )
        return _section("goals", "Shared goals", body, section_id="goals")

    def _milestones(self) -> str:
        parts = []
        for heading, rows, caption_id, empty in self.milestone_groups:
            parts.append(
                _html('\n  <h3 id="{}">{} ({})</h3>\n  ', caption_id, heading, _number(len(rows)))
            )
            if rows:
                parts.append(
                    _table(
                        caption_id,
                        "dash-wide",
                        None,
                        ("Milestone", "Goal", "Due", "Status", "Complete"),
                        rows,
                    )
                )
            else:
                parts.append(_html('<p class="muted">{}</p>', empty))
        return _section(
            "milestones",
            "Milestones overdue and due soon",
            SafeString("".join(parts)),
            section_id="milestones",
        )

    def _indicators(self) -> str:
        if not self.indicators:
            body = SafeString('<p class="muted">No indicators yet.</p>')
        else:
            body = SafeString(
                "<p>Progress runs from the baseline (0%) to the target (100%); only approved "
                "figures count.</p>\n  "
                + _table(
                    "indicators-caption",
                    "dash-indicators",
                    "Indicators: actual to date against target, progress and status",
                    ("Indicator", "Actual to date", "Target", "Progress", "Status", "Figures owed"),
                    [SafeString(line.html) for line in self.indicators],
                )
            )
        return _section("indicators", "Indicators", body, section_id="indicators")

    def _commitments(self) -> str:
        if not self.commitment_totals:
            body = SafeString('<p class="muted">No commitments recorded yet.</p>')
        else:
            items = "".join(
                _html(
                    '\n    <li>{} <meter min="0" max="{}" value="{}" aria-hidden="true"></meter>'
                    "</li>",
                    a.sentence,
                    localize(a.meter_max, use_l10n=False),
                    localize(a.meter_value, use_l10n=False),
                )
                for a in self.commitment_totals
            )
            body = _html(
                '<ul class="dash-amounts">{}\n  </ul>\n'
                '  <p><a href="{}#commitments">Commitments of each member</a></p>',
                SafeString(items),
                self.links.detail,
            )
        return _section(
            "commitments", "Commitments: pledged and delivered", body, section_id="commitments"
        )

    def _activity(self) -> str:
        if not self.activity:
            body = SafeString('<p class="muted">Nothing has happened yet.</p>')
        else:
            body = _html(
                '<ol class="activity-list">{}\n  </ol>',
                SafeString("".join("\n    " + row.html for row in self.activity)),
            )
        return _section("activity", "Latest activity", body, section_id="activity")


def _section(name: str, heading: str, body: str, *, section_id: str = "") -> SafeString:
    """A ``<section>`` labelled by its ``<h2 id="<name>-heading">``."""
    return _html(
        '\n<section aria-labelledby="{}-heading"{}>\n  <h2 id="{}-heading">{}</h2>\n  {}\n'
        "</section>\n",
        name,
        SafeString(f' id="{section_id}"') if section_id else "",
        name,
        heading,
        body,
    )


def _table(
    labelled_by: str,
    css_class: str,
    caption: str | None,
    columns: tuple[str, ...],
    rows: Iterable[str],
) -> SafeString:
    """A scrollable region holding a table: its caption (the region's label, else the
    heading ``labelled_by`` names), column headers and rows."""
    return SafeString(
        _table_head(labelled_by, css_class, caption, columns)
        + "".join("\n        " + row for row in rows)
        + "\n      </tbody>\n    </table>\n  </div>"
    )


@functools.lru_cache(maxsize=64)
def _table_head(
    labelled_by: str, css_class: str, caption: str | None, columns: tuple[str, ...]
) -> str:
    """Everything of ``_table`` before its rows: the same few texts on every page,
    escaped once per process."""
    return _html(
        '<div class="table-wrap" role="region" aria-labelledby="{}" tabindex="0">\n'
        '    <table class="{}">{}\n      <thead>\n        <tr>{}\n        </tr>\n'
        "      </thead>\n      <tbody>",
        labelled_by,
        css_class,
        _html('\n      <caption id="{}">{}</caption>', labelled_by, caption) if caption else "",
        SafeString("".join(_html('\n          <th scope="col">{}</th>', c) for c in columns)),
    )
