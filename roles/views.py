"""The RACI matrix of a partnership (read by everyone who may see the partnership, edited
cell by cell by admins and coordinators) and "My work".

A cell is a small form that works without JavaScript (post, then redirect back to the
matrix with a message); with htmx it posts in place and the answer replaces just that
cell (and, out of band, the gap summary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from goals.models import Milestone
from partnerhub.links import row_links_or_none
from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin
from partners.services.partnerships import workspace_today
from partners.views.partnerships import PartnershipViewMixin
from roles.forms import LETTER_CHOICES, RaciCellForm
from roles.models import Raci
from roles.selectors import (
    MatrixCell,
    RaciMatrix,
    matrix_item_get,
    my_work,
    raci_matrix,
    role_organization_get,
)
from roles.services import role_set_letter

LETTER_NAMES = dict(Raci.choices)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(message for errors in exc.message_dict.values() for message in errors)
    return " ".join(exc.messages)


class RaciMatrixView(PartnershipViewMixin, TemplateView):
    """Rows of goals and milestones, columns of member organizations, gaps flagged."""

    template_name = "roles/matrix.html"
    required_action = Action.VIEW_WORKSPACE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            matrix=raci_matrix(workspace=self.workspace, partnership=self.partnership),
            can_edit=self.access.can(Action.EDIT_CONTENT),
            letter_choices=LETTER_CHOICES,
            letter_names=LETTER_NAMES,
        )
        return context


class RaciCellView(PartnershipViewMixin, View):
    """POST one cell: a letter (R/A/C/I) or none, for one organization on one item."""

    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def matrix_url(self, anchor: str = "") -> str:
        url = reverse(
            "raci_matrix",
            kwargs={"workspace_slug": self.workspace.slug, "pk": self.partnership.pk},
        )
        return f"{url}#{anchor}" if anchor else url

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_partnership()
        form = RaciCellForm(request.POST)
        if not form.is_valid():
            return self.answer(None, error=form.first_error())
        kind, item_id = form.item_parts()
        try:
            goal, milestone = matrix_item_get(
                workspace=self.workspace, partnership=self.partnership, kind=kind, pk=item_id
            )
        except ObjectDoesNotExist as exc:
            raise Http404("Not found.") from exc
        org_id = form.cleaned_data["organization"]
        cell_key = (kind, item_id, org_id)
        try:
            organization = role_organization_get(workspace=self.workspace, pk=org_id)
        except ObjectDoesNotExist:
            return self.answer(cell_key, error="Choose an organization of this workspace.")
        letter = form.cleaned_data["raci"]
        try:
            role_set_letter(
                workspace=self.workspace,
                actor=request.user,
                goal=goal,
                milestone=milestone,
                organization=organization,
                raci=letter,
            )
        except ValidationError as exc:
            return self.answer(cell_key, error=_error_text(exc))
        item = goal or milestone
        what = f"{LETTER_NAMES[letter]}" if letter else "no role"
        return self.answer(cell_key, success=f"{organization} now has {what} on “{item}”.")

    def answer(
        self, cell_key: tuple[str, int, int] | None, *, error: str = "", success: str = ""
    ) -> HttpResponse:
        cell_id = "raci-{}-{}-org-{}".format(*cell_key) if cell_key else ""
        if not self.request.headers.get("HX-Request"):
            if error:
                messages.error(self.request, error)
            else:
                messages.success(self.request, success)
            return HttpResponseRedirect(self.matrix_url(cell_id))
        matrix: RaciMatrix = raci_matrix(workspace=self.workspace, partnership=self.partnership)
        cell: MatrixCell | None = matrix.cell(*cell_key) if cell_key else None
        if cell is None and error:
            # Nothing to swap in place (a malformed post): htmx leaves the page as it was.
            return HttpResponse(error, status=400)
        if cell is None:
            # The column went away (the last role of an organization that left): the whole
            # table changed shape, so htmx reloads the page, which shows the message.
            messages.success(self.request, success)
            return HttpResponse(success, headers={"HX-Refresh": "true"})
        return render(
            self.request,
            "roles/_cell_response.html",
            {
                "workspace": self.workspace,
                "partnership": self.partnership,
                "matrix": matrix,
                "cell": cell,
                "row": matrix.row(cell.item_kind, cell.item_id),
                "can_edit": True,
                "letter_choices": LETTER_CHOICES,
                "letter_names": LETTER_NAMES,
                "cell_error": error,
                "cell_message": success,
            },
        )


@dataclass
class WorkRow:
    milestone: Milestone
    days_overdue: int
    detail_url: str | None = None
    update_url: str | None = None
    matrix_url: str | None = None

    @property
    def letter_name(self) -> str:
        return LETTER_NAMES.get(getattr(self.milestone, "my_letter", ""), "")


class MyWorkView(WorkspaceViewMixin, TemplateView):
    """A partner's milestones to act on; for coordinators and admins, the workspace's
    milestones nobody is Responsible for, or overdue."""

    template_name = "roles/my_work.html"
    required_action = Action.REPORT_PROGRESS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = workspace_today(self.workspace)
        work = my_work(workspace=self.workspace, access=self.access, today=today)
        detail, update, matrix = (
            row_links_or_none(name, workspace=self.workspace)
            for name in ("milestone_detail", "milestone_update", "raci_matrix")
        )
        rows = [
            WorkRow(
                milestone=m,
                days_overdue=(today - m.due_date).days if m.is_overdue else 0,  # type: ignore[attr-defined]
                detail_url=detail(m.pk) if detail else None,
                update_url=update(m.pk) if update else None,
                matrix_url=matrix(m.partnership_id) if matrix else None,
            )
            for m in work.milestones
        ]
        context.update(
            rows=rows,
            scope=work.scope,
            truncated=work.truncated,
            today=today,
            overdue_count=sum(1 for row in rows if row.days_overdue),
        )
        return context
