"""Indicator pages: a partnership's indicators, the indicator page (progress, chart and
table per period, breakdown, history), the coordinators' forms, and the period actions
(lock, target).

Thin views: the base class resolves the workspace and checks the role's action (403 for
members whose role lacks it); indicators and periods come from access-aware selectors, so
anything of a partnership the caller may not see is a 404, like an outsider's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from goals.selectors import goal_list
from impact.chart import build_chart, format_number, format_value
from impact.forms_indicators import IndicatorForm, PeriodLockForm, PeriodTargetForm
from impact.models import Aggregation, Dimension, Indicator, ReportingPeriod, ValueType
from impact.progress import indicators_progress, period_actuals, period_target
from impact.selectors import can_report_for, indicator_get, period_get
from impact.selectors_indicators import (
    CategoryTotal,
    breakdown_to_date,
    dimensions_of,
    indicator_contents,
    indicator_history,
    indicator_rows,
    reporter_choices,
    reporters_of,
)
from impact.services_indicators import (
    indicator_create,
    indicator_delete,
    indicator_update,
    period_lock,
    period_set_target,
)
from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.services.partnerships import workspace_today
from partners.views.partnerships import PartnershipViewMixin


def _url(name: str, workspace_slug: str, pk: int) -> str:
    return reverse(name, kwargs={"workspace_slug": workspace_slug, "pk": pk})


# --- A partnership's indicators -----------------------------------------------------------


class IndicatorListView(PartnershipViewMixin, TemplateView):
    """The partnership's indicators with progress bar, status and actual against target.
    A fixed number of queries, whatever the number of indicators."""

    template_name = "impact/indicators/indicator_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = indicator_rows(
            workspace=self.workspace, access=self.access, partnership=self.partnership
        )
        context.update(
            rows=[
                {
                    "indicator": row.indicator,
                    "progress": row.progress,
                    "actual_text": format_value(row.progress.actual, row.indicator),
                    "target_text": format_value(row.indicator.target_value, row.indicator),
                    "baseline_text": format_value(row.indicator.baseline_value, row.indicator),
                }
                for row in rows
            ],
            can_edit=self.access.can(Action.EDIT_CONTENT),
        )
        return context


class IndicatorFormMixin:
    """Builds the indicator form with the partnership's goals and possible reporters."""

    workspace: Any
    access: Any

    def form_choices(self, partnership: Any, indicator: Indicator | None = None) -> dict[str, Any]:
        return {
            "goals": goal_list(
                workspace=self.workspace, access=self.access, partnership=partnership
            ).order_by("title", "id"),
            "organizations": reporter_choices(
                workspace=self.workspace, partnership=partnership, indicator=indicator
            ),
        }


class IndicatorCreateView(IndicatorFormMixin, PartnershipViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "impact/indicators/form.html"
    form_class = IndicatorForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | self.form_choices(self.partnership)

    def get_initial(self) -> dict[str, Any]:
        return {
            "direction": "increase",
            "result_level": "output",
            "aggregation": "sum",
            "frequency": "quarterly",
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(heading="New indicator", submit_label="Create indicator")
        return context

    def form_valid(self, form: IndicatorForm) -> HttpResponse:
        try:
            indicator = indicator_create(
                workspace=self.workspace,
                actor=self.request.user,
                partnership=self.partnership,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Indicator “{indicator.name}” created.")
        return HttpResponseRedirect(_url("indicator_detail", self.workspace.slug, indicator.pk))


# --- One indicator ------------------------------------------------------------------------


class IndicatorViewMixin(WorkspaceViewMixin):
    indicator: Indicator
    kwargs: dict[str, Any]

    def load_indicator(self) -> Indicator:
        self.indicator = get_or_404(
            indicator_get,
            workspace=self.workspace,
            access=self.access,
            indicator_id=self.kwargs["pk"],
        )
        return self.indicator


@dataclass(frozen=True)
class CategoryLine:
    name: str
    total: CategoryTotal | None
    value_text: str
    share: int | None  # percent of the dimension's total, for counts and amounts


@dataclass(frozen=True)
class DimensionBreakdown:
    dimension: Dimension
    lines: list[CategoryLine]
    total_text: str


def breakdown_lines(
    indicator: Indicator, dimensions: list[Dimension], totals: dict[int, CategoryTotal]
) -> list[DimensionBreakdown]:
    shares = indicator.value_type != ValueType.PERCENTAGE  # percentages do not add up
    result = []
    for dimension in dimensions:
        categories = list(dimension.categories.all())
        known = [totals[c.pk].value for c in categories if c.pk in totals]
        whole = sum(known, Decimal(0))
        lines = [
            CategoryLine(
                name=category.name,
                total=totals.get(category.pk),
                value_text=format_value(
                    totals[category.pk].value if category.pk in totals else None, indicator
                ),
                share=(
                    int((totals[category.pk].value * 100 / whole).to_integral_value())
                    if shares and category.pk in totals and whole > 0
                    else None
                ),
            )
            for category in categories
        ]
        result.append(
            DimensionBreakdown(
                dimension=dimension,
                lines=lines,
                total_text=format_value(whole, indicator) if shares and known else "",
            )
        )
    return result


class IndicatorDetailView(IndicatorViewMixin, TemplateView):
    """What the indicator measures, its derived progress, the chart and table per period,
    the breakdown to date and the history of figures. A fixed number of queries, whatever
    the number of periods, figures and events."""

    template_name = "impact/indicators/indicator_detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_indicator()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        workspace, access, indicator = self.workspace, self.access, self.indicator
        reporters = reporters_of(workspace=workspace, indicator=indicator)
        reporter_ids = {reporter.organization_id for reporter in reporters}
        dimensions = dimensions_of(workspace=workspace, indicator=indicator)
        progress = indicators_progress(workspace=workspace, indicator_ids=[indicator.pk])
        chart = build_chart(
            indicator=indicator,
            actuals=period_actuals(workspace=workspace, indicator_id=indicator.pk),
        )
        totals = breakdown_to_date(workspace=workspace, indicator=indicator) if dimensions else {}
        may_report = any(
            can_report_for(access=access, organization_id=org, reporter_ids=reporter_ids)
            for org in reporter_ids
        )
        context.update(
            indicator=indicator,
            partnership=indicator.partnership,
            goal=indicator.goal,
            progress=progress[indicator.pk],
            actual_text=format_value(progress[indicator.pk].actual, indicator),
            baseline_text=format_value(indicator.baseline_value, indicator),
            target_text=format_value(indicator.target_value, indicator),
            reporters=reporters,
            breakdown=breakdown_lines(indicator, dimensions, totals),
            chart=chart,
            history=indicator_history(workspace=workspace, indicator=indicator),
            can_edit=access.can(Action.EDIT_CONTENT),
            may_report=may_report,
            today=workspace_today(workspace),
            actions_template="impact/indicators/_period_actions.html",
        )
        return context


class IndicatorEditView(IndicatorFormMixin, IndicatorViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "impact/indicators/form.html"
    form_class = IndicatorForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_indicator()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_indicator()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | self.form_choices(
            self.indicator.partnership, self.indicator
        )

    def get_initial(self) -> dict[str, Any]:
        reporters = reporters_of(workspace=self.workspace, indicator=self.indicator)
        return IndicatorForm.initial_for(
            self.indicator,
            reporter_ids=[reporter.organization_id for reporter in reporters],
            dimensions=dimensions_of(workspace=self.workspace, indicator=self.indicator),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading=f"Edit {self.indicator.name}",
            submit_label="Save changes",
            indicator=self.indicator,
            partnership=self.indicator.partnership,
        )
        return context

    def form_valid(self, form: IndicatorForm) -> HttpResponse:
        try:
            indicator_update(
                workspace=self.workspace,
                actor=self.request.user,
                indicator=self.indicator,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Indicator saved.")
        return HttpResponseRedirect(
            _url("indicator_detail", self.workspace.slug, self.indicator.pk)
        )


class IndicatorDeleteView(IndicatorViewMixin, TemplateView):
    """A confirmation page saying what goes with the indicator; the POST deletes."""

    required_action = Action.EDIT_CONTENT
    template_name = "impact/indicators/confirm_delete.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_indicator()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            indicator=self.indicator,
            partnership=self.indicator.partnership,
            contents=indicator_contents(workspace=self.workspace, indicator=self.indicator),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        indicator = self.load_indicator()
        partnership_id, name = indicator.partnership_id, indicator.name
        indicator_delete(workspace=self.workspace, actor=request.user, indicator=indicator)
        messages.success(request, f"Indicator “{name}” deleted.")
        return HttpResponseRedirect(_url("indicator_list", self.workspace.slug, partnership_id))


# --- Periods ------------------------------------------------------------------------------


class PeriodViewMixin(WorkspaceViewMixin):
    period: ReportingPeriod
    kwargs: dict[str, Any]

    def load_period(self) -> ReportingPeriod:
        self.period = get_or_404(
            period_get, workspace=self.workspace, access=self.access, period_id=self.kwargs["pk"]
        )
        return self.period

    def indicator_url(self) -> str:
        return _url("indicator_detail", self.workspace.slug, self.period.indicator_id) + "#periods"


class PeriodLockView(PeriodViewMixin, View):
    """Lock (locked=1) or unlock (locked=0) a period; back to the indicator page."""

    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        period = self.load_period()
        form = PeriodLockForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing changed: choose to lock or to unlock the period.")
            return HttpResponseRedirect(self.indicator_url())
        locked = form.cleaned_data["locked"]
        period_lock(workspace=self.workspace, actor=request.user, period=period, locked=locked)
        label = f"{period.start_date:%d %b %Y} to {period.end_date:%d %b %Y}"
        if locked:
            messages.success(request, f"Period {label} locked: it refuses new or changed figures.")
        else:
            messages.success(request, f"Period {label} unlocked.")
        return HttpResponseRedirect(self.indicator_url())


class PeriodTargetView(PeriodViewMixin, FormView):
    """Set or clear a period's own target."""

    required_action = Action.EDIT_CONTENT
    template_name = "impact/indicators/period_target.html"
    form_class = PeriodTargetForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_period()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_period()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        value = self.period.target_value
        return {
            "target_value": format_number(value).replace(",", "") if value is not None else None
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        indicator = self.period.indicator
        line = period_target(
            aggregation=indicator.aggregation,
            baseline_value=indicator.baseline_value,
            target_value=indicator.target_value,
            baseline_date=indicator.baseline_date,
            target_date=indicator.target_date,
            start_date=self.period.start_date,
            end_date=self.period.end_date,
        )
        context.update(
            period=self.period,
            indicator=indicator,
            partnership=indicator.partnership,
            straight_line_text=format_value(line, indicator, Decimal("0.01")),
            summed=indicator.aggregation == Aggregation.SUM,
        )
        return context

    def form_valid(self, form: PeriodTargetForm) -> HttpResponse:
        try:
            period_set_target(
                workspace=self.workspace,
                actor=self.request.user,
                period=self.period,
                target_value=form.cleaned_data["target_value"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Period target saved.")
        return HttpResponseRedirect(self.indicator_url())
