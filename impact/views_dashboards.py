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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views import View
from django.views.generic import TemplateView

from impact.chart import build_chart
from impact.dashboard_html import (
    ActivityRow,
    DashboardContent,
    DashboardLinks,
    IndicatorLine,
    goal_row_html,
    milestone_row_html,
)
from impact.selectors_dashboard import (
    PORTFOLIO_SORTS,
    UPCOMING_DAYS,
    PortfolioRow,
    partnership_dashboard,
    partnership_report,
    portfolio,
)
from impact.selectors_missing import OwedKey, missing_board, reporting_organizations
from impact.services_reminders import missing_figures_remind, period_label
from partnerhub.links import RowLinks, cached_row_links
from partnerhub.permissions import Action
from partnerhub.selectors_activity import event_actor_display, event_object_url
from partnerhub.web import WorkspaceViewMixin
from partners.forms_partnerships import OrganizationChoiceField, PartnershipFilterForm
from partners.models import Partnership
from partners.selectors_partnerships import partnership_list
from partners.views.partnerships import AmountView, PartnershipViewMixin

# --- A partnership's dashboard ----------------------------------------------------------


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
        try:
            indicator_url: RowLinks | None = cached_row_links(
                "indicator_detail", workspace_slug=slug
            )
        except NoReverseMatch:
            indicator_url = None
        milestone_url = cached_row_links("milestone_detail", workspace_slug=slug)
        goal_url = cached_row_links("goal_detail", workspace_slug=slug)
        can_review = self.access.can(Action.REVIEW_MEASUREMENTS)
        sees_all = self.access.can(Action.VIEW_ALL_PARTNERSHIPS)
        content = DashboardContent(
            partnership=dashboard.partnership,
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
        context.update(
            content=content,
            dashboard=dashboard,
            goal_rows=content.goal_rows,
            indicators=content.indicators,
            milestone_groups=content.milestone_groups,
            commitment_totals=content.commitment_totals,
            activity=content.activity,
            can_review=can_review,
            sees_all=sees_all,
            links=content.links,
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
