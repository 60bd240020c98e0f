"""Spreadsheet pages: import figures from a CSV file (upload, preview, progress, report),
the template to fill in, and the CSV export of a partnership's indicators.

Thin views: the base classes resolve the workspace and check the role's action (403 for
members whose role lacks it); partnerships and imports come from access-aware reads, so
anything the caller may not see is a 404, like an outsider's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from impact import services_imports
from impact.csv_export import import_template_text, indicator_export_lines
from impact.forms_spreadsheets import MeasurementImportForm
from impact.imports_analysis import CREATE, REFUSED, UNCHANGED, UPDATE
from impact.imports_file import MAX_ROWS
from impact.models import ImportStatus, MeasurementImport
from impact.services_imports import (
    IN_PROGRESS,
    measurement_import_analyze,
    measurement_import_get,
    measurement_import_start,
    measurement_import_upload,
    recent_imports,
)
from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.views.partnerships import PartnershipViewMixin

PREVIEW_ROWS = 500  # rows listed per section of the preview and the report
OUTCOME_LABELS = {
    CREATE: "New figure",
    UPDATE: "Update",
    UNCHANGED: "Unchanged",
    REFUSED: "Refused",
    "created": "Created",
    "updated": "Updated",
}


def _section(key: str, title: str, rows: list[dict[str, Any]], note: str = "") -> dict[str, Any]:
    return {
        "id": f"rows-{key}",
        "title": title,
        "note": note,
        "total": len(rows),
        "rows": [row | {"label": OUTCOME_LABELS.get(row["outcome"], "")} for row in rows][
            :PREVIEW_ROWS
        ],
    }


class MeasurementImportView(PartnershipViewMixin, TemplateView):
    """The upload form, the file's format, the template to fill in, recent imports."""

    required_action = Action.REPORT_PROGRESS
    template_name = "impact/spreadsheets/import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", MeasurementImportForm())
        context.update(
            imports=recent_imports(
                workspace=self.workspace,
                access=self.access,
                user=self.request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
            ),
            max_bytes=services_imports.MAX_BYTES,
            max_rows=MAX_ROWS,
            async_rows=services_imports.ASYNC_ROWS,
            own_only=not self.access.can(Action.EDIT_CONTENT),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_partnership()
        form = MeasurementImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = measurement_import_upload(
                    workspace=self.workspace,
                    access=self.access,
                    actor=request.user,  # type: ignore[arg-type]
                    partnership=self.partnership,
                    uploaded=upload,
                    name=upload.name,
                    size=upload.size,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect(
                    "measurement_import_detail", workspace_slug=self.workspace.slug, pk=record.pk
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MeasurementImportTemplateView(PartnershipViewMixin, View):
    """A CSV file with the right columns and a row per figure still owed."""

    required_action = Action.REPORT_PROGRESS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        partnership = self.load_partnership()
        text = import_template_text(
            workspace=self.workspace, access=self.access, partnership=partnership
        )
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y-%m-%d")
        filename = f"figures-partnership-{partnership.pk}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class _ImportMixin(WorkspaceViewMixin):
    required_action = Action.REPORT_PROGRESS
    kwargs: dict[str, Any]
    request: HttpRequest

    def load_import(self) -> MeasurementImport:
        return get_or_404(
            measurement_import_get,
            workspace=self.workspace,
            access=self.access,
            user=self.request.user,
            pk=self.kwargs["pk"],
        )


class MeasurementImportDetailView(_ImportMixin, TemplateView):
    """The preview of an uploaded file, then the import's progress and its report."""

    template_name = "impact/spreadsheets/import_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        record = self.load_import()
        context.update(
            record=record,
            partnership=record.partnership,
            in_progress=record.status in IN_PROGRESS,
            is_uploader=record.created_by_id == self.request.user.pk,
        )
        if record.status == ImportStatus.PREVIEWED:
            context.update(self._preview(record))
        elif record.status in (ImportStatus.DONE, ImportStatus.FAILED):
            context["sections"] = self._report(record.report)
        return context

    def _preview(self, record: MeasurementImport) -> dict[str, Any]:
        try:
            analysis = measurement_import_analyze(workspace=self.workspace, record=record)
        except ValidationError as exc:  # the uploader lost access, or the file went bad
            return {"file_errors": exc.messages}
        entries = [plan.entry() for plan in analysis.rows]
        return {
            "analysis": analysis,
            "counts": {outcome: analysis.count(outcome) for outcome in OUTCOME_LABELS},
            "runs_in_background": analysis.total > services_imports.ASYNC_ROWS,
            "sections": [
                _section(
                    "refused",
                    "Refused",
                    [e for e in entries if e["outcome"] == REFUSED],
                    "These rows are left out. Correct them in the file and upload it again: "
                    "rows already imported then show as unchanged.",
                ),
                _section(
                    "write",
                    "Will be written",
                    [e for e in entries if e["outcome"] in (CREATE, UPDATE)],
                    "New and changed figures are submitted for review.",
                ),
                _section(
                    "unchanged", "Unchanged", [e for e in entries if e["outcome"] == UNCHANGED]
                ),
            ],
        }

    def _report(self, report: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            _section("refused", "Refused", [e for e in report if e["outcome"] == REFUSED]),
            _section(
                "written",
                "Written",
                [e for e in report if e["outcome"] in ("created", "updated")],
                "These figures were submitted for review.",
            ),
            _section("unchanged", "Unchanged", [e for e in report if e["outcome"] == UNCHANGED]),
        ]


class MeasurementImportProgressView(_ImportMixin, View):
    """The progress of a running import (polled by the import page). Once it has ended,
    an htmx request is told to reload the page, which then shows the report."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.load_import()
        in_progress = record.status in IN_PROGRESS
        response = TemplateResponse(
            request,
            "impact/spreadsheets/_progress.html",
            {"workspace": self.workspace, "record": record, "in_progress": in_progress},
        )
        if not in_progress and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        response["Cache-Control"] = "no-store"
        return response


class MeasurementImportApplyView(_ImportMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.load_import()
        try:
            record = measurement_import_start(
                workspace=self.workspace,
                actor=request.user,  # type: ignore[arg-type]
                record=record,
            )
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            if record.status == ImportStatus.DONE:
                messages.success(
                    request,
                    f"Imported: {record.created_count} created, {record.updated_count} "
                    f"updated, {record.unchanged_count} unchanged, {record.refused_count} "
                    "refused.",
                )
            else:
                messages.success(request, "The import has started; this page shows its progress.")
        return redirect(
            "measurement_import_detail", workspace_slug=self.workspace.slug, pk=record.pk
        )


class IndicatorExportView(PartnershipViewMixin, View):
    """The partnership's indicators with their per-period targets and actuals (CSV)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        partnership = self.load_partnership()
        response = StreamingHttpResponse(
            indicator_export_lines(workspace=self.workspace, partnership=partnership),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.now().strftime("%Y-%m-%d")
        filename = f"indicators-partnership-{partnership.pk}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
