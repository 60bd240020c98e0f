"""Figure pages: the report form a partner reaches from a reminder, "My figures", one
figure with its history and review, the review queue (one by one or in bulk), and the
evidence download.

Thin views: indicators, periods and figures come from the access-checked selectors, so
anything of a partnership the caller may not see is a 404, like an outsider's; a role
without the page's action gets a 403, and so does a partner naming an organization other
than their own. The rules of figures live in ``impact.services_measurements``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from impact.forms_measurements import SUBMIT, BulkReviewForm, MeasurementForm, ReviewForm
from impact.models import Indicator, Measurement, MeasurementStatus, ReportingPeriod, ValueType
from impact.selectors import indicator_get, measurement_get, period_get
from impact.selectors_measurements import (
    figures_due,
    indicator_dimensions,
    measurement_breakdown,
    measurement_breakdown_rows,
    measurement_events,
    measurement_for,
    reporting_organizations,
    review_partnerships,
    review_queue,
)
from impact.services_measurements import (
    MeasurementConflict,
    measurement_approve,
    measurement_return,
    measurement_save,
    measurements_review_bulk,
)
from impact.templatetags.figures import plain
from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.models import Organization
from partners.services.partnerships import workspace_today
from partners.uploads import attachment_response

GONE = "This figure was deleted while you were working on it."


def _url(name: str, workspace_slug: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"workspace_slug": workspace_slug, **kwargs})


def report_url(workspace_slug: str, measurement_or_period: Any, organization_id: int) -> str:
    """The report form of an organization's figure for a period."""
    period_id = getattr(measurement_or_period, "period_id", None) or measurement_or_period.pk
    indicator_id = measurement_or_period.indicator_id
    base = _url(
        "measurement_report", workspace_slug, indicator_pk=indicator_id, period_pk=period_id
    )
    return f"{base}?{urlencode({'organization': organization_id})}"


def _number(value: Any) -> str:
    return plain(value) or "—"


# --- The report form ------------------------------------------------------------------


class MeasurementReportView(WorkspaceViewMixin, TemplateView):
    """One organization's figure for one period: create, correct, save as draft, submit.

    Coordinators and admins choose the organization among the indicator's reporters
    (``?organization=``); a partner reports for their own organization only."""

    required_action = Action.REPORT_PROGRESS
    template_name = "impact/measurements/report.html"
    indicator: Indicator
    period: ReportingPeriod
    organization: Organization | None
    measurement: Measurement | None

    def load(self) -> None:
        workspace, access = self.workspace, self.access
        self.indicator = get_or_404(
            indicator_get,
            workspace=workspace,
            access=access,
            indicator_id=self.kwargs["indicator_pk"],
        )
        self.period = get_or_404(
            period_get, workspace=workspace, access=access, period_id=self.kwargs["period_pk"]
        )
        if self.period.indicator_id != self.indicator.pk:
            raise Http404("That period belongs to another indicator.")
        self.reporters = reporting_organizations(workspace=workspace, indicator=self.indicator)
        self.organization = self._organization()
        self.measurement = None
        self.breakdown: dict[int, Any] = {}
        if self.organization is not None:
            self.measurement = measurement_for(
                workspace=workspace,
                indicator=self.indicator,
                period=self.period,
                organization_id=self.organization.pk,
            )
        if self.measurement is not None:
            self.breakdown = measurement_breakdown(
                workspace=workspace, measurement=self.measurement
            )
        self.dimensions = indicator_dimensions(workspace=workspace, indicator=self.indicator)

    def _organization(self) -> Organization | None:
        wanted = self.request.GET.get("organization", "")
        by_id = {organization.pk: organization for organization in self.reporters}
        try:
            wanted_id = int(wanted) if wanted else None
        except ValueError as exc:
            raise Http404("No such reporting organization.") from exc
        if not self.access.can(Action.EDIT_CONTENT):
            own = self.access.organization_id
            if (wanted_id is not None and wanted_id != own) or own not in by_id:
                raise PermissionDenied("Your organization does not report this indicator.")
            assert own is not None
            return by_id[own]
        if wanted_id is None:
            return self.reporters[0] if self.reporters else None
        if wanted_id not in by_id:
            raise Http404("No such reporting organization.")
        return by_id[wanted_id]

    def make_form(self, data: Any = None, files: Any = None) -> MeasurementForm:
        m = self.measurement
        return MeasurementForm(
            data,
            files,
            dimensions=self.dimensions,
            value_type=self.indicator.value_type,
            unit=self.indicator.unit,
            has_evidence=bool(m and (m.evidence_file or m.evidence_link)),
            initial=MeasurementForm.initial_for(m, self.breakdown),
        )

    def editable(self) -> bool:
        return (
            self.organization is not None
            and not self.period.locked
            and not (self.measurement and self.measurement.status == MeasurementStatus.APPROVED)
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        return self.render_to_response(self.get_context_data(form=self.make_form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        form = self.make_form(request.POST, request.FILES)
        if self.organization is None:
            raise Http404("This indicator has no reporting organization.")
        if not form.is_valid():
            return self.render_form(form, status=400)
        data = form.cleaned_data
        submit = request.POST.get("action") == SUBMIT
        try:
            measurement = measurement_save(
                workspace=self.workspace,
                actor=request.user,
                access=self.access,
                indicator=self.indicator,
                period=self.period,
                organization=self.organization,
                value=data["value"],
                breakdown=form.breakdown(),
                note=data["note"],
                evidence_file=data.get("evidence_file"),
                evidence_link=data["evidence_link"],
                remove_evidence=bool(data.get("remove_evidence")),
                submit=submit,
                expected_version=data["version"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, status=400)
        except MeasurementConflict as conflict:
            return self.show_conflict(form, conflict)
        messages.success(
            request,
            "Figure submitted for review." if submit else "Draft saved; it is not yet sent.",
        )
        return HttpResponseRedirect(
            _url("measurement_detail", self.workspace.slug, pk=measurement.pk)
        )

    def render_form(self, form: MeasurementForm, status: int, **extra: Any) -> HttpResponse:
        response = self.render_to_response(self.get_context_data(form=form, **extra))
        response.status_code = status
        return response

    def show_conflict(self, form: MeasurementForm, conflict: MeasurementConflict) -> HttpResponse:
        """The person's entry, now against the current version: one click re-applies it."""
        current = conflict.measurement
        self.measurement = current
        self.breakdown = measurement_breakdown(workspace=self.workspace, measurement=current)
        posted = self.request.POST.copy()
        posted["version"] = str(current.version)
        fresh = self.make_form(posted)
        fresh.is_valid()
        yours = form.cleaned_data
        rows = [
            ("Value", _number(current.value), _number(yours.get("value"))),
            ("Note", current.note or "—", yours.get("note") or "—"),
            ("Status", current.get_status_display(), "—"),
        ]
        for group, fields in fresh.fieldsets():
            for category, field in zip(group.categories, fields, strict=True):
                rows.append(
                    (
                        f"{group.dimension.name}: {category.name}",
                        _number(self.breakdown.get(category.pk)),
                        _number(yours.get(field.name)),
                    )
                )
        return self.render_form(fresh, status=409, conflict=conflict, conflict_rows=rows)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        indicator, period, m = self.indicator, self.period, self.measurement
        context.update(
            indicator=indicator,
            partnership=indicator.partnership,
            period=period,
            organization=self.organization,
            reporters=self.reporters,
            choose_organization=self.access.can(Action.EDIT_CONTENT) and len(self.reporters) > 1,
            measurement=m,
            editable=self.editable(),
            form_action=report_url(self.workspace.slug, period, self.organization.pk)
            if self.organization
            else "",
            breakdown_rows=measurement_breakdown_rows(workspace=self.workspace, measurement=m)
            if m
            else [],
            is_percentage=indicator.value_type == ValueType.PERCENTAGE,
        )
        return context


# --- My figures -----------------------------------------------------------------------


class MyFiguresView(WorkspaceViewMixin, TemplateView):
    """Every figure still owed, oldest period first: a partner's organization's, or for
    coordinators and admins every reporter's. A fixed number of queries."""

    required_action = Action.REPORT_PROGRESS
    template_name = "impact/measurements/my_figures.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = workspace_today(self.workspace)
        due = figures_due(workspace=self.workspace, access=self.access, today=today)
        slug = self.workspace.slug
        rows = [
            SimpleNamespace(
                period=row.period,
                indicator=row.period.indicator,
                organization_name=row.organization_name,
                status=row.figure_status,
                status_label=MeasurementStatus(row.figure_status).label
                if row.figure_status
                else "Not reported",
                closed=row.period.end_date < today,
                days_late=max((today - row.period.end_date).days, 0),
                report_url=report_url(slug, row.period, row.organization_id),
            )
            for row in due.rows
        ]
        context.update(rows=rows, scope=due.scope, truncated=due.truncated, today=today)
        return context


# --- One figure -----------------------------------------------------------------------


class MeasurementDetailView(WorkspaceViewMixin, TemplateView):
    """The figure, its breakdown and evidence, its history, and for reviewers the
    approve and return forms."""

    template_name = "impact/measurements/detail.html"
    measurement: Measurement

    def load_measurement(self) -> Measurement:
        self.measurement = get_or_404(
            measurement_get,
            workspace=self.workspace,
            access=self.access,
            measurement_id=self.kwargs["pk"],
        )
        return self.measurement

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_measurement()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        m, workspace, access = self.measurement, self.workspace, self.access
        status = m.status
        # The report form checks the reporters again; this only decides whether to link it.
        may_report = access.can(Action.REPORT_PROGRESS) and (
            access.can(Action.EDIT_CONTENT) or access.organization_id == m.organization_id
        )
        can_review = access.can(Action.REVIEW_MEASUREMENTS)
        context.update(
            measurement=m,
            indicator=m.indicator,
            partnership=m.partnership,
            period=m.period,
            breakdown_rows=measurement_breakdown_rows(workspace=workspace, measurement=m),
            events=measurement_events(workspace=workspace, measurement=m),
            can_approve=can_review and status == MeasurementStatus.SUBMITTED,
            can_return=can_review
            and status in (MeasurementStatus.SUBMITTED, MeasurementStatus.APPROVED)
            and not m.period.locked,
            can_correct=may_report and status != MeasurementStatus.APPROVED and not m.period.locked,
            report_url=report_url(workspace.slug, m, m.organization_id),
            review_form=kwargs.get("review_form") or ReviewForm(initial={"version": m.version}),
        )
        return context


class MeasurementReviewView(MeasurementDetailView):
    """POST decision=approve|return, note, version: a reviewer's decision on one figure."""

    required_action = Action.REVIEW_MEASUREMENTS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        measurement = self.load_measurement()
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return self._again(form, 400)
        data = form.cleaned_data
        approve = data["decision"] == "approve"
        try:
            if approve:
                measurement_approve(
                    workspace=self.workspace,
                    actor=request.user,
                    measurement=measurement,
                    expected_version=data["version"],
                    note=data["note"],
                )
            else:
                measurement_return(
                    workspace=self.workspace,
                    actor=request.user,
                    measurement=measurement,
                    expected_version=data["version"],
                    note=data["note"],
                )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self._again(form, 400)
        except Measurement.DoesNotExist as exc:
            raise Http404(GONE) from exc
        except MeasurementConflict as conflict:
            self.measurement = conflict.measurement
            messages.error(
                request,
                "The figure changed while you were looking at it, so nothing was decided. "
                "Check it again below.",
            )
            return self._again(ReviewForm(initial={"version": conflict.measurement.version}), 409)
        messages.success(
            request, "Figure approved." if approve else "Figure returned with your note."
        )
        return HttpResponseRedirect(_url("measurement_review_queue", self.workspace.slug))

    def _again(self, form: ReviewForm, status: int) -> HttpResponse:
        response = self.render_to_response(self.get_context_data(review_form=form))
        response.status_code = status
        return response


class MeasurementEvidenceView(MeasurementDetailView):
    """The evidence file, as an attachment, for everyone who may see the figure."""

    http_method_names = ["get", "head"]

    def get(  # type: ignore[override]  # a streamed file, not an HttpResponse
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        m = self.load_measurement()
        if not m.evidence_file:
            raise Http404("This figure has no evidence file.")
        return attachment_response(
            SimpleNamespace(
                file=m.evidence_file,
                original_name=m.evidence_name or "evidence",
                content_type=m.evidence_content_type,
            )
        )


# --- The review queue -----------------------------------------------------------------


def _partnership_filter(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


class ReviewQueueView(WorkspaceViewMixin, TemplateView):
    """Submitted figures waiting for review, oldest first, a page at a time, with a
    checkbox per row for bulk decisions. A fixed number of queries."""

    required_action = Action.REVIEW_MEASUREMENTS
    template_name = "impact/measurements/review_queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partnership_id = _partnership_filter(self.request.GET.get("partnership"))
        after = self.request.GET.get("after")
        page = review_queue(workspace=self.workspace, partnership_id=partnership_id, after=after)
        query = {"partnership": partnership_id} if partnership_id else {}
        base = _url("measurement_review_queue", self.workspace.slug)
        context.update(
            figures=page.figures,
            partnerships=list(review_partnerships(workspace=self.workspace, access=self.access)),
            partnership_id=partnership_id,
            next_url=f"{base}?{urlencode({**query, 'after': page.next_cursor})}"
            if page.next_cursor
            else None,
            first_url=f"{base}?{urlencode(query)}" if after else None,
        )
        return context


class ReviewBulkView(WorkspaceViewMixin, View):
    """POST measurement=<id>... decision=approve|return note=...: one decision for the
    figures ticked in the queue; the message says which were skipped and why."""

    required_action = Action.REVIEW_MEASUREMENTS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BulkReviewForm(request.POST)
        valid = form.is_valid()
        partnership_id = form.cleaned_data.get("partnership") if valid else None
        back = _url("measurement_review_queue", self.workspace.slug)
        if partnership_id:
            back = f"{back}?{urlencode({'partnership': partnership_id})}"
        if not valid:
            messages.error(request, "Nothing was decided: tick at least one figure first.")
            return HttpResponseRedirect(back)
        approve = form.cleaned_data["decision"] == "approve"
        try:
            outcome = measurements_review_bulk(
                workspace=self.workspace,
                actor=request.user,
                measurement_ids=form.ids(),
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, "Nothing was decided: " + " ".join(exc.messages))
            return HttpResponseRedirect(back)
        verb = "Approved" if approve else "Returned"
        count = len(outcome.done)
        messages.success(request, f"{verb} {count} figure{'s' if count != 1 else ''}.")
        if outcome.skipped:
            reasons = "; ".join(f"#{pk}: {reason}" for pk, reason in outcome.skipped[:10])
            more = len(outcome.skipped) - 10
            messages.warning(
                request,
                f"Skipped {len(outcome.skipped)}: {reasons}"
                + (f" and {more} more." if more > 0 else ""),
            )
        return HttpResponseRedirect(back)
