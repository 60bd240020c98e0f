"""Where coordinators look: a partnership's dashboard, the workspace's portfolio, the
missing-data board with its "send a reminder now" action, and the printable impact
report.

Thin views over ``impact.selectors_dashboard`` and ``impact.selectors_missing``: each
page is read in a fixed number of queries. The dashboard and the report are open to
everyone who may see the partnership (a partner: only their own partnerships, 404
otherwise); the portfolio to the roles that see every partnership; the board and its
reminders to those who review figures (admins and coordinators).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape as _escape_text
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat
from django.utils.dates import MONTHS_3
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import get_language
from django.views import View
from django.views.generic import TemplateView

from goals.models import Milestone, SharedGoal
from impact.chart import DERIVED_PLACES, build_chart, format_value
from impact.selectors_dashboard import (
    PORTFOLIO_SORTS,
    UPCOMING_DAYS,
    IndicatorRow,
    PortfolioRow,
    partnership_dashboard,
    partnership_report,
    portfolio,
)
from impact.selectors_missing import OwedKey, missing_board, reporting_organizations
from impact.services_reminders import missing_figures_remind, period_label
from partnerhub.links import RowLinks, row_links_or_none
from partnerhub.models import ActivityEvent
from partnerhub.permissions import Action
from partnerhub.selectors_activity import event_actor_display, event_object_url
from partnerhub.web import WorkspaceViewMixin
from partners.forms_partnerships import OrganizationChoiceField, PartnershipFilterForm
from partners.models import Partnership
from partners.selectors_partnerships import partnership_list
from partners.views.partnerships import AmountView, PartnershipViewMixin

# --- A partnership's dashboard ----------------------------------------------------------


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
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_text(str(value))


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
        localize(line.row.owed),
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
        return _html(
            '<li class="activity-entry">\n'
            '      <time datetime="{}">{}</time> ·\n'
            "      <strong>{}</strong> {}\n"
            "      {}\n"
            "    </li>",
            _date(event.created_at, "c"),
            _date(event.created_at, "j M Y H:i"),
            self.actor,
            event.get_action_display().lower(),
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
        goal.get_status_display(),
        goal.status_reason or "—",
        _date(goal.target_date, "j M Y") or "—",
        localize(goal.milestones_done),  # type: ignore[attr-defined]
        localize(goal.milestone_count),  # type: ignore[attr-defined]
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
        milestone.get_status_display(),
        localize(milestone.percent_complete),
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
        workspace = {"workspace_slug": workspace_slug}
        partnership = {**workspace, "pk": partnership_pk}
        return cls(
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


class PartnershipDashboardView(PartnershipViewMixin, TemplateView):
    template_name = "impact/dashboards/partnership_dashboard.html"

    def load_partnership(self) -> Partnership:
        # The partnership comes with everything the page shows (and the navigation's
        # unread notifications, left on the request for ``partnerhub.context_processors``).
        try:
            self.dashboard = partnership_dashboard(
                workspace=self.workspace,
                access=self.access,
                pk=self.partnership_pk,
                reader_id=self.request.user.pk,
            )
        except Partnership.DoesNotExist as exc:
            raise Http404("Not found.") from exc
        self.request.nav_unread = self.dashboard.unread_notifications  # type: ignore[attr-defined]
        self.partnership = self.dashboard.partnership
        return self.partnership

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        dashboard = self.dashboard
        slug = self.workspace.slug
        indicator_url = row_links_or_none("indicator_detail", workspace=self.workspace)
        milestone_url = RowLinks("milestone_detail", workspace=self.workspace, ids=("pk",))
        goal_url = RowLinks("goal_detail", workspace=self.workspace, ids=("pk",))
        can_review = self.access.can(Action.REVIEW_MEASUREMENTS)
        sees_all = self.access.can(Action.VIEW_ALL_PARTNERSHIPS)
        context.update(
            dashboard=dashboard,
            goal_rows=[goal_row_html(goal, goal_url) for goal in dashboard.goals],
            indicators=[IndicatorLine.of(row, indicator_url) for row in dashboard.indicators],
            milestone_groups=[
                (
                    "Overdue",
                    [milestone_row_html(m, milestone_url) for m in dashboard.overdue_milestones],
                    "overdue-heading",
                    "No milestone is overdue.",
                ),
                (
                    f"Due in the next {UPCOMING_DAYS} days",
                    [milestone_row_html(m, milestone_url) for m in dashboard.upcoming_milestones],
                    "upcoming-heading",
                    f"No milestone is due in the next {UPCOMING_DAYS} days.",
                ),
            ],
            commitment_totals=[AmountView.of(a) for a in dashboard.commitments.totals],
            activity=[
                ActivityRow(e, event_actor_display(e), event_object_url(e, slug))
                for e in dashboard.activity
            ],
            can_review=can_review,
            sees_all=sees_all,
            links=DashboardLinks.of(
                slug,
                dashboard.partnership.pk,
                sees_all=sees_all,
                can_review=can_review,
                waiting=dashboard.waiting,
                owed=dashboard.owed,
            ),
        )
        return context


# --- The portfolio ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SortHeader:
    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "" when the table is not sorted by it
    numeric: bool


PORTFOLIO_HEADERS = (
    ("name", "Partnership", False),
    ("model", "Model", False),
    ("status", "Status", False),
    ("goals_on_track", "Goals on track", True),
    ("goals_at_risk", "Goals at risk", True),
    ("goals_off_track", "Goals off track", True),
    ("indicators_needing_data", "Indicators needing data", True),
    ("overdue_milestones", "Overdue milestones", True),
    ("figures_waiting", "Figures waiting for review", True),
)


def _sort_headers(query: QueryDict, sort: str) -> list[SortHeader]:
    current, descending = sort.lstrip("-"), sort.startswith("-")
    headers = []
    for key, label, numeric in PORTFOLIO_HEADERS:
        params = query.copy()
        # A second click on the column the table is sorted by turns the order around;
        # numbers sort largest first on the first click (the partnerships needing care).
        if key == current:
            params["sort"] = key if descending else f"-{key}"
        else:
            params["sort"] = f"-{key}" if numeric else key
        aria = ("descending" if descending else "ascending") if key == current else ""
        headers.append(SortHeader(label, f"?{params.urlencode()}", aria, numeric))
    return headers


def _url_or_none(name: str, slug: str) -> str | None:
    try:
        return reverse(name, kwargs={"workspace_slug": slug})
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class PortfolioLinks:
    """The links a portfolio row may carry (None: the reader may not follow them)."""

    dashboard: Callable[[int], str]
    missing: str | None
    review: str | None


def portfolio_row_html(row: PortfolioRow, links: PortfolioLinks) -> SafeString:
    """One ``<tr>`` of the portfolio table. Built here rather than in the template: a
    workspace's hundreds of rows render in a fraction of the time, with the same markup
    (the column headers and the table's caption stay in the template)."""
    p = row.partnership
    needing = row.indicators_needing_data
    if links.missing and needing:
        needing_cell = format_html(
            '<a href="{}?partnership={}">{}<span class="visually-hidden"> of {} indicators'
            " need data: see the missing figures of {}</span></a>",
            links.missing,
            p.pk,
            needing,
            row.indicator_count,
            p.name,
        )
    else:
        needing_cell = format_html(
            '{}<span class="visually-hidden"> of {} indicators</span>', needing, row.indicator_count
        )
    waiting = row.figures_waiting
    if links.review and waiting:
        waiting_cell = format_html(
            '<a href="{}?partnership={}">{}<span class="visually-hidden"> figure{} of {} to'
            " review</span></a>",
            links.review,
            p.pk,
            waiting,
            pluralize(waiting),
            p.name,
        )
    else:
        waiting_cell = format_html("{}", waiting)
    return format_html(
        "<tr>\n"
        '        <th scope="row"><a href="{}">{}</a></th>\n'
        "        <td>{}</td>\n"
        '        <td><span class="status">{}</span></td>\n'
        '        <td class="dash-number">{}</td>\n'
        '        <td class="dash-number">{}</td>\n'
        '        <td class="dash-number">{}</td>\n'
        '        <td class="dash-number">{} <span class="muted" aria-hidden="true">'
        "of {}</span></td>\n"
        '        <td class="dash-number">{}</td>\n'
        '        <td class="dash-number">{}</td>\n'
        "      </tr>",
        links.dashboard(p.pk),
        p.name,
        p.get_model_display(),
        p.get_status_display(),
        row.goals_on_track,
        row.goals_at_risk,
        row.goals_off_track,
        needing_cell,
        row.indicator_count,
        row.overdue_milestones,
        waiting_cell,
    )


class PortfolioView(WorkspaceViewMixin, TemplateView):
    """Every partnership of the workspace in one table (roles that see them all)."""

    required_action = Action.VIEW_ALL_PARTNERSHIPS
    template_name = "impact/dashboards/portfolio.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = PartnershipFilterForm(
            self.request.GET or None, workspace=self.workspace, access=self.access
        )
        filters: dict[str, Any] = {}
        if form.is_bound and form.is_valid():
            organization = form.cleaned_data.get("organization")
            filters = {
                "status": form.cleaned_data.get("status") or None,
                "model": form.cleaned_data.get("model") or None,
                "organization": organization.pk if organization else None,
            }
        sort = self.request.GET.get("sort", "name")
        if sort.lstrip("-") not in PORTFOLIO_SORTS:
            sort = "name"
        result = portfolio(workspace=self.workspace, access=self.access, sort=sort, **filters)
        query = self.request.GET.copy()
        query.pop("sort", None)
        can_review = self.access.can(Action.REVIEW_MEASUREMENTS)
        links = PortfolioLinks(
            dashboard=RowLinks("partnership_dashboard", workspace=self.workspace, ids=("pk",)),
            missing=_url_or_none("missing_data", self.workspace.slug) if can_review else None,
            review=(
                _url_or_none("measurement_review_queue", self.workspace.slug)
                if can_review
                else None
            ),
        )
        context.update(
            filter_form=form,
            portfolio=result,
            rows_html=[portfolio_row_html(row, links) for row in result.rows],
            filtered=any(filters.values()),
            sort=sort,
            headers=_sort_headers(query, sort),
            can_review=can_review,
        )
        return context


# --- The missing-data board -----------------------------------------------------------------


class PartnershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partnership) -> str:  # type: ignore[override]
        return obj.name


class MissingFilterForm(forms.Form):
    partnership = PartnershipChoiceField(
        label="Partnership", required=False, queryset=None, empty_label="Every partnership"
    )
    organization = OrganizationChoiceField(
        label="Organization", required=False, queryset=None, empty_label="Every organization"
    )

    def __init__(self, *args: Any, view: WorkspaceViewMixin, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnership_list(  # type: ignore[attr-defined]
            workspace=view.workspace, access=view.access
        )
        self.fields["organization"].queryset = reporting_organizations(  # type: ignore[attr-defined]
            workspace=view.workspace
        )

    def filters(self) -> dict[str, int | None]:
        if not self.is_bound or not self.is_valid():
            return {"partnership_id": None, "organization_id": None}
        partnership = self.cleaned_data.get("partnership")
        organization = self.cleaned_data.get("organization")
        return {
            "partnership_id": partnership.pk if partnership else None,
            "organization_id": organization.pk if organization else None,
        }


def _filter_query(filters: dict[str, int | None]) -> str:
    query = QueryDict(mutable=True)
    if filters.get("partnership_id"):
        query["partnership"] = str(filters["partnership_id"])
    if filters.get("organization_id"):
        query["organization"] = str(filters["organization_id"])
    return query.urlencode()


class MissingDataView(WorkspaceViewMixin, TemplateView):
    """Which organization owes which figure for which closed period, oldest first."""

    required_action = Action.REVIEW_MEASUREMENTS
    template_name = "impact/dashboards/missing_data.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = MissingFilterForm(self.request.GET or None, view=self)
        filters = form.filters()
        board = missing_board(
            workspace=self.workspace,
            partnership_id=filters["partnership_id"],
            organization_id=filters["organization_id"],
        )
        context.update(
            filter_form=form,
            board=board,
            filtered=any(filters.values()),
            filter_query=_filter_query(filters),
            can_invite=self.access.can(Action.MANAGE_WORKSPACE),
        )
        return context


class MissingDataRemindView(WorkspaceViewMixin, View):
    """POST: send reminders for one owed figure (``one``) or the selected ones (``row``)."""

    required_action = Action.REVIEW_MEASUREMENTS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = [request.POST["one"]] if request.POST.get("one") else request.POST.getlist("row")
        keys = [key for key in (OwedKey.decode(value) for value in raw) if key is not None]
        form = MissingFilterForm(request.POST, view=self)
        back = reverse("missing_data", kwargs={"workspace_slug": self.workspace.slug})
        query = _filter_query(form.filters())
        back = f"{back}?{query}" if query else back
        if not keys:
            messages.error(request, "Choose at least one missing figure to send a reminder for.")
            return HttpResponseRedirect(back)
        outcome = missing_figures_remind(workspace=self.workspace, actor=request.user, keys=keys)
        for sent in outcome.sent:
            figure = sent.figure
            people = f"{sent.recipients} {'person' if sent.recipients == 1 else 'people'}"
            messages.success(
                request,
                f"Reminder sent to {figure.organization_name} ({people}) for "
                f"“{figure.indicator_name}”, {period_label(figure)}.",
            )
        for refused in outcome.refused:
            messages.warning(request, refused.reason)
        return HttpResponseRedirect(back)


# --- The impact report ------------------------------------------------------------------------


class ImpactReportView(PartnershipViewMixin, TemplateView):
    """A printable page for funders and boards."""

    template_name = "impact/dashboards/impact_report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = partnership_report(
            workspace=self.workspace, access=self.access, partnership=self.partnership
        )
        context.update(
            report=report,
            dashboard_url=settings.SITE_URL
            + reverse(
                "partnership_dashboard",
                kwargs={"workspace_slug": self.workspace.slug, "pk": self.partnership.pk},
            ),
            indicators=[
                (
                    IndicatorLine.of(item.row),
                    build_chart(
                        indicator=item.indicator,
                        actuals=item.periods,
                        uid=f"report-chart-{item.indicator.pk}",
                    ),
                )
                for item in report.indicators
            ],
            commitment_totals=[AmountView.of(a) for a in report.commitments.totals],
        )
        return context
