"""The organization directory's pages under /w/<workspace_slug>/organizations/.

Every member sees the directory and the organization pages; coordinators and admins
create, edit, delete, import. Thin views: a form parses, a selector reads, a service
writes, and a service's ValidationError is shown on the form.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partnerhub.tenancy import workspace_context
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.csv_columns import COLUMNS, join_values, spreadsheet_safe
from partners.forms_organizations import (
    MAX_PAGE,
    PAGE_SIZE,
    ContactFormSet,
    DirectoryFilterForm,
    OrganizationForm,
    OrganizationImportForm,
)
from partners.models import (
    SDG_NAMES,
    ImportStatus,
    MemberRole,
    Organization,
    Resource,
)
from partners.selectors.organizations import (
    DirectoryQuery,
    organization_commitments,
    organization_export_batches,
    organization_facets,
    organization_get_detail,
    organization_import_get,
    organization_import_list,
    organization_page,
    organization_partnerships,
    organization_usage,
    traits_of,
)
from partners.services.organization_import import (
    async_threshold,
    organization_import_analyze,
    organization_import_progress,
    organization_import_start,
    organization_import_upload,
)
from partners.services.organizations import (
    organization_create,
    organization_delete,
    organization_update,
    organization_values,
)

RESOURCE_LABELS = dict(Resource.choices)
ROLE_LABELS = dict(MemberRole.choices)
PREVIEW_ROWS = 500  # rows per status listed on the preview page


def _profile(organization: Organization) -> dict[str, Any]:
    """The organization's traits with labels, for templates."""
    traits = traits_of(organization)
    return {
        "sdgs": [(n, SDG_NAMES.get(n, "")) for n in traits["sdgs"]],
        "tags": traits["tags"],
        "offers": [RESOURCE_LABELS.get(v, v) for v in traits["offers"]],
        "needs": [RESOURCE_LABELS.get(v, v) for v in traits["needs"]],
    }


# --- The directory --------------------------------------------------------------------


class OrganizationListView(WorkspaceViewMixin, TemplateView):
    required_action = Action.VIEW_DIRECTORY
    template_name = "partners/organizations/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = DirectoryFilterForm(self.request.GET or None)
        query = form.directory_query() if self.request.GET else DirectoryQuery()
        facets = organization_facets(workspace=self.workspace, query=query)
        form.show_counts(facets)
        num_pages = max(1, min(MAX_PAGE, math.ceil(facets.total / PAGE_SIZE)))
        page = min(form.page_number, num_pages)
        rows = organization_page(
            workspace=self.workspace, query=query, page=page, page_size=PAGE_SIZE
        )
        params = self.request.GET.copy()
        params.pop("page", None)
        base_query = params.urlencode()
        context.update(
            form=form,
            query=query,
            facets=facets,
            organizations=[(org, _profile(org)) for org in rows],
            page=page,
            num_pages=num_pages,
            previous_page=page - 1 if page > 1 else None,
            next_page=page + 1 if page < num_pages else None,
            base_query=base_query,
            export_query=base_query,
            can_edit=self.access.can(Action.EDIT_CONTENT),
        )
        return context


def _export_rows(workspace: Workspace, query: DirectoryQuery) -> Iterator[str]:
    """The CSV lines of the filtered directory.

    A streaming response runs after the view has returned and its transaction has ended,
    so the generator opens its own and sets the workspace again (under Row-Level
    Security it would otherwise see no rows).
    """
    buffer = _LineBuffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"  # a byte-order mark, so spreadsheets read the file as UTF-8
    writer.writerow(COLUMNS)
    yield buffer.take()
    with workspace_context(workspace):
        for batch in organization_export_batches(workspace=workspace, query=query):
            for organization in batch:
                traits = traits_of(organization)
                writer.writerow(
                    [
                        spreadsheet_safe(organization.name),
                        organization.sector,
                        spreadsheet_safe(organization.mission),
                        spreadsheet_safe(organization.website),
                        organization.country,
                        spreadsheet_safe(organization.region),
                        organization.size,
                        spreadsheet_safe(organization.iati_identifier),
                        join_values(traits["sdgs"]),
                        spreadsheet_safe(join_values(traits["tags"])),
                        join_values(traits["offers"]),
                        join_values(traits["needs"]),
                    ]
                )
            yield buffer.take()


class _LineBuffer:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


class OrganizationExportView(WorkspaceViewMixin, View):
    required_action = Action.VIEW_DIRECTORY

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DirectoryFilterForm(request.GET or None)
        query = form.directory_query() if request.GET else DirectoryQuery()
        stamp = timezone.now().strftime("%Y-%m-%d")
        response = StreamingHttpResponse(
            _export_rows(self.workspace, query), content_type="text/csv; charset=utf-8"
        )
        filename = f"organizations-{self.workspace.slug}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


# --- One organization -----------------------------------------------------------------


class _OrganizationMixin(WorkspaceViewMixin):
    organization: Organization

    def load_organization(self) -> Organization:
        self.organization = get_or_404(
            organization_get_detail, workspace=self.workspace, pk=self.kwargs["pk"]
        )
        return self.organization


class OrganizationDetailView(_OrganizationMixin, TemplateView):
    required_action = Action.VIEW_DIRECTORY
    template_name = "partners/organizations/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organization = self.load_organization()
        scope = {"workspace": self.workspace, "organization": organization, "viewer": self.access}
        memberships = organization_partnerships(**scope)
        context.update(
            organization=organization,
            profile=_profile(organization),
            contacts=list(organization.contacts.all()),
            current_memberships=[
                (m, [ROLE_LABELS.get(r, r) for r in m.roles]) for m in memberships if m.is_current
            ],
            past_memberships=[
                (m, [ROLE_LABELS.get(r, r) for r in m.roles])
                for m in memberships
                if not m.is_current
            ],
            commitments=organization_commitments(**scope),
            can_edit=self.access.can(Action.EDIT_CONTENT),
            sees_all_partnerships=self.access.can(Action.VIEW_ALL_PARTNERSHIPS),
        )
        return context


class _OrganizationFormView(_OrganizationMixin, TemplateView):
    required_action = Action.EDIT_CONTENT
    template_name = "partners/organizations/form.html"
    organization: Organization | None  # type: ignore[assignment]

    def initial_values(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return {}, []

    def render_forms(
        self, form: OrganizationForm, contacts: Any, *, status: int = 200
    ) -> HttpResponse:
        context = self.get_context_data(
            form=form, contact_forms=contacts, organization=self.organization
        )
        return self.render_to_response(context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.prepare()
        initial, contacts = self.initial_values()
        return self.render_forms(
            OrganizationForm(initial=initial), ContactFormSet(initial=contacts, prefix="contacts")
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.prepare()
        form = OrganizationForm(request.POST)
        contacts = ContactFormSet(request.POST, prefix="contacts")
        if not (form.is_valid() and contacts.is_valid()):
            return self.render_forms(form, contacts, status=400)
        try:
            organization = self.save(form.service_values(), contacts.contact_values())
        except ValidationError as exc:
            attach_errors(form, exc)  # contact errors name the contact: shown above the form
            return self.render_forms(form, contacts, status=400)
        return redirect(
            "organization_detail", workspace_slug=self.workspace.slug, pk=organization.pk
        )

    def prepare(self) -> None:
        self.organization = None

    def save(self, values: dict[str, Any], contacts: list[dict[str, Any]]) -> Organization:
        raise NotImplementedError


class OrganizationCreateView(_OrganizationFormView):
    def save(self, values: dict[str, Any], contacts: list[dict[str, Any]]) -> Organization:
        organization = organization_create(
            workspace=self.workspace,
            actor=self.request.user,  # type: ignore[arg-type]
            contacts=contacts,
            **values,
        )
        messages.success(self.request, f"{organization.name} was added to the directory.")
        return organization


class OrganizationEditView(_OrganizationFormView):
    def prepare(self) -> None:
        self.load_organization()

    def initial_values(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        assert self.organization is not None
        values = organization_values(self.organization)
        values["sdgs"] = [str(n) for n in values["sdgs"]]
        values["tags"] = ", ".join(values["tags"])
        contacts = [
            {"id": c.pk, "name": c.name, "title": c.title, "email": c.email, "phone": c.phone}
            for c in self.organization.contacts.all()
        ]
        return values, contacts

    def save(self, values: dict[str, Any], contacts: list[dict[str, Any]]) -> Organization:
        assert self.organization is not None
        organization = organization_update(
            workspace=self.workspace,
            actor=self.request.user,  # type: ignore[arg-type]
            organization=self.organization,
            contacts=contacts,
            **values,
        )
        messages.success(self.request, f"{organization.name} was saved.")
        return organization


class OrganizationDeleteView(_OrganizationMixin, TemplateView):
    required_action = Action.EDIT_CONTENT
    http_method_names = ["get", "post"]
    template_name = "partners/organizations/delete.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        organization = self.load_organization()
        usage = organization_usage(workspace=self.workspace, organization=organization)
        return self.render_to_response(
            self.get_context_data(organization=organization, usage=usage)
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        organization = self.load_organization()
        name = organization.name
        try:
            organization_delete(
                workspace=self.workspace,
                actor=request.user,  # type: ignore[arg-type]
                organization=organization,
            )
        except ValidationError as exc:
            usage = organization_usage(workspace=self.workspace, organization=organization)
            context = self.get_context_data(
                organization=organization, usage=usage, delete_errors=exc.messages
            )
            return self.render_to_response(context, status=400)
        messages.success(request, f"{name} was deleted from the directory.")
        return redirect("organization_list", workspace_slug=self.workspace.slug)


# --- CSV import -----------------------------------------------------------------------


class OrganizationImportView(WorkspaceViewMixin, TemplateView):
    required_action = Action.EDIT_CONTENT
    template_name = "partners/organizations/import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", OrganizationImportForm())
        context["imports"] = organization_import_list(workspace=self.workspace)
        context["columns"] = COLUMNS
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OrganizationImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = organization_import_upload(
                    workspace=self.workspace,
                    actor=request.user,  # type: ignore[arg-type]
                    uploaded=upload,
                    name=upload.name,
                    size=upload.size,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect(
                    "organization_import_detail",
                    workspace_slug=self.workspace.slug,
                    pk=record.pk,
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OrganizationImportDetailView(WorkspaceViewMixin, TemplateView):
    """The preview of an uploaded file, then the import's progress and result."""

    required_action = Action.EDIT_CONTENT
    template_name = "partners/organizations/import_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        record = get_or_404(organization_import_get, workspace=self.workspace, pk=self.kwargs["pk"])
        context["record"] = record
        context["in_progress"] = record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
        context["processed"] = organization_import_progress(record)
        context["invalid_count"] = max(0, record.total_rows - record.valid_rows)
        if record.status == ImportStatus.PREVIEW:
            try:
                analysis = organization_import_analyze(workspace=self.workspace, record=record)
            except ValidationError as exc:  # the stored file no longer reads (it did on upload)
                context["file_errors"] = exc.messages
            else:
                context.update(
                    analysis=analysis,
                    errors=analysis.error_list(),
                    to_create=analysis.to_create[:PREVIEW_ROWS],
                    existing=analysis.existing[:PREVIEW_ROWS],
                    preview_limit=PREVIEW_ROWS,
                    runs_in_background=analysis.total > async_threshold(),
                )
        return context


class OrganizationImportApplyView(WorkspaceViewMixin, View):
    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = get_or_404(organization_import_get, workspace=self.workspace, pk=kwargs["pk"])
        try:
            record = organization_import_start(
                workspace=self.workspace,
                actor=request.user,  # type: ignore[arg-type]
                record=record,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if record.status == ImportStatus.DONE:
                messages.success(
                    request,
                    f"Imported {record.created_count} new organization"
                    f"{'s' if record.created_count != 1 else ''}.",
                )
            else:
                messages.success(request, "The import has started; this page shows its progress.")
        url = reverse(
            "organization_import_detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": record.pk},
        )
        return redirect(url)
