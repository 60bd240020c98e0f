"""Partnership pages: the list, the overview, creating and editing a partnership, its
status and its conditions checklist; and the bases the other partnership pages build on
(PartnershipViewMixin, PartnershipFormView, amounts in words). Members, commitments and
agreement documents have their own modules (partners.views.members, .commitments,
.documents).

Thin views: the base class resolves the workspace and checks the role's action (403 for
members whose role lacks it); the partnership comes from an access-aware selector, so a
partner reaching a partnership their organization is not a member of gets a 404, like an
outsider. Reads are open to everyone who may see the partnership; changes need
Action.EDIT_CONTENT (admins and coordinators).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import number_format
from django.views.generic import FormView, TemplateView

from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.forms_partnerships import (
    ConditionsForm,
    PartnershipFilterForm,
    PartnershipForm,
    StatusForm,
)
from partners.models import (
    Commitment,
    CommitmentKind,
    Partnership,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    Resource,
)
from partners.selectors_partnerships import (
    Amount,
    RoleView,
    commitment_list,
    commitment_totals,
    condition_list,
    describe_roles,
    document_list,
    member_list,
    partnership_get,
    partnership_list,
    status_history,
)
from partners.services.partnerships import (
    allowed_transitions,
    conditions_update,
    partnership_change_status,
    partnership_create,
    partnership_update,
)

PAGE_SIZE = 50


# --- Amounts in words -------------------------------------------------------------------


def quantity(value: Decimal, kind: str, currency: str) -> str:
    """``1,250.00 EUR`` for money, ``40 hours`` (or ``7.5 hours``) for staff time."""
    if kind == CommitmentKind.STAFF_TIME:
        places = 0 if value == value.to_integral_value() else 2
        number = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
        return f"{number} hour{'' if value == 1 else 's'}"
    number = number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{number} {currency}"


@dataclass(frozen=True)
class AmountView:
    """Pledged against delivered, as numbers and as a sentence."""

    kind_label: str
    pledged: str
    delivered: str
    percent: int
    over_delivered: bool
    meter_value: Decimal
    meter_max: Decimal

    @classmethod
    def of(cls, amount: Amount) -> AmountView:
        return cls(
            kind_label=amount.kind_label,
            pledged=quantity(amount.pledged, amount.kind, amount.currency),
            delivered=quantity(amount.delivered, amount.kind, amount.currency),
            percent=amount.percent_delivered,
            over_delivered=amount.over_delivered,
            meter_value=min(amount.delivered, amount.pledged),
            meter_max=amount.pledged,
        )

    @property
    def sentence(self) -> str:
        text = (
            f"{self.kind_label}: {self.pledged} pledged, {self.delivered} delivered "
            f"({self.percent}%)"
        )
        return text + (" — more than pledged." if self.over_delivered else ".")


@dataclass
class CommitmentRow:
    commitment: Commitment
    amount: AmountView


@dataclass
class MemberRow:
    member: PartnershipMember
    roles: list[RoleView]
    totals: list[AmountView] = field(default_factory=list)
    commitments: list[CommitmentRow] = field(default_factory=list)


# --- Bases ---------------------------------------------------------------------------------


class PartnershipViewMixin(WorkspaceViewMixin):
    """Loads the partnership of the URL through the access-aware selector (404 otherwise)."""

    partnership: Partnership
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.partnership_pk = kwargs["pk"]
        return super().dispatch(request, *args, **kwargs)

    def load_partnership(self) -> Partnership:
        self.partnership = get_or_404(
            partnership_get, workspace=self.workspace, access=self.access, pk=self.partnership_pk
        )
        return self.partnership

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_partnership()
        return super().get(request, *args, **kwargs)  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_partnership()
        return super().post(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["partnership"] = self.partnership
        return context

    def detail_url(self, anchor: str = "") -> str:
        url = reverse(
            "partnership_detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": self.partnership.pk},
        )
        return f"{url}#{anchor}" if anchor else url


class PartnershipFormView(PartnershipViewMixin, FormView):
    """An edit form about one partnership (admins and coordinators)."""

    required_action = Action.EDIT_CONTENT
    template_name = "partners/partnerships/form.html"
    heading = ""
    submit_label = "Save"
    intro = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(self.form_extra_kwargs())
        return kwargs

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(heading=self.heading, submit_label=self.submit_label, intro=self.intro)
        return context

    def refused(self, form: Any, exc: ValidationError) -> HttpResponse:
        attach_errors(form, exc)
        return self.form_invalid(form)


# --- The list and the overview ----------------------------------------------------------


class PartnershipListView(WorkspaceViewMixin, TemplateView):
    template_name = "partners/partnerships/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = PartnershipFilterForm(
            self.request.GET or None, workspace=self.workspace, access=self.access
        )
        filters: dict[str, Any] = {}
        if form.is_bound:
            form.is_valid()
            data = form.cleaned_data
            organization = data.get("organization")
            filters = {
                "status": data.get("status") or None,
                "model": data.get("model") or None,
                "organization": organization.pk if organization else None,
            }
        partnerships = partnership_list(workspace=self.workspace, access=self.access, **filters)
        page = Paginator(partnerships, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=form,
            page=page,
            partnerships=list(page.object_list),
            filtered=any(filters.values()),
            query=query.urlencode(),
            can_edit=self.access.can(Action.EDIT_CONTENT),
            sees_all=self.access.can(Action.VIEW_ALL_PARTNERSHIPS),
        )
        return context


class PartnershipDetailView(PartnershipViewMixin, TemplateView):
    """The overview. Its number of queries does not depend on the number of members,
    commitments, deliveries, documents or status changes."""

    template_name = "partners/partnerships/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        workspace, partnership = self.workspace, self.partnership
        members = list(member_list(workspace=workspace, partnership=partnership))
        totals = commitment_totals(workspace=workspace, partnership=partnership)
        by_member: dict[int, list[CommitmentRow]] = defaultdict(list)
        for commitment in commitment_list(
            workspace=workspace, access=self.access, partnership=partnership
        ):
            amount = Amount(
                kind=commitment.kind,
                currency=commitment.currency,
                pledged=commitment.pledged,
                delivered=commitment.delivered,  # type: ignore[attr-defined]
            )
            by_member[commitment.member_id].append(CommitmentRow(commitment, AmountView.of(amount)))
        rows = [
            MemberRow(
                member=m,
                roles=describe_roles(m.roles),
                totals=[AmountView.of(a) for a in totals.for_member(m.pk)],
                commitments=by_member.get(m.pk, []),
            )
            for m in members
        ]
        is_ci = partnership.model == PartnershipModel.COLLECTIVE_IMPACT
        conditions = condition_list(workspace=workspace, partnership=partnership) if is_ci else []
        context.update(
            current_members=[r for r in rows if r.member.left_on is None],
            past_members=[r for r in rows if r.member.left_on is not None],
            ledger=[r for r in rows if r.commitments],
            totals=[AmountView.of(a) for a in totals.totals],
            documents=list(
                document_list(workspace=workspace, access=self.access, partnership=partnership)
            ),
            history=list(status_history(workspace=workspace, partnership=partnership)),
            is_collective_impact=is_ci,
            conditions=conditions,
            conditions_in_place=sum(1 for c in conditions if c.in_place),
            needs=[Resource(code).label for code in partnership.needs if code in Resource.values],
            can_edit=self.access.can(Action.EDIT_CONTENT),
            is_closed=partnership.status
            in (PartnershipStatus.COMPLETED, PartnershipStatus.DISSOLVED),
        )
        return context


# --- Create, edit, status ----------------------------------------------------------------


class PartnershipCreateView(WorkspaceViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "partners/partnerships/form.html"
    form_class = PartnershipForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["workspace"] = self.workspace
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(heading="New partnership", submit_label="Create partnership")
        return context

    def form_valid(self, form: PartnershipForm) -> HttpResponse:
        try:
            partnership = partnership_create(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Partnership “{partnership.name}” created.")
        return HttpResponseRedirect(
            reverse(
                "partnership_detail",
                kwargs={"workspace_slug": self.workspace.slug, "pk": partnership.pk},
            )
        )


class PartnershipEditView(PartnershipFormView):
    form_class = PartnershipForm
    heading = "Edit partnership"
    submit_label = "Save changes"

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "creating": False}

    def get_initial(self) -> dict[str, Any]:
        return PartnershipForm.initial_for(self.partnership)

    def form_valid(self, form: PartnershipForm) -> HttpResponse:
        try:
            partnership_update(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            self.load_partnership()
            return self.refused(form, exc)
        messages.success(self.request, "Partnership saved.")
        return HttpResponseRedirect(self.detail_url())


class PartnershipStatusView(PartnershipFormView):
    form_class = StatusForm
    template_name = "partners/partnerships/status_form.html"

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {"partnership": self.partnership}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_closed"] = allowed_transitions(self.partnership.status) == [
            PartnershipStatus.ACTIVE
        ]
        return context

    def form_valid(self, form: StatusForm) -> HttpResponse:
        try:
            change = partnership_change_status(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        label = PartnershipStatus(change.to_status).label.lower()
        messages.success(self.request, f"The partnership is now {label}.")
        return HttpResponseRedirect(self.detail_url("history"))


# --- Conditions ----------------------------------------------------------------------------


class ConditionsView(PartnershipFormView):
    form_class = ConditionsForm
    template_name = "partners/partnerships/conditions_form.html"
    submit_label = "Save checklist"

    def load_partnership(self) -> Partnership:
        partnership = super().load_partnership()
        if partnership.model != PartnershipModel.COLLECTIVE_IMPACT:
            raise Http404("Only collective impact initiatives have this checklist.")
        return partnership

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {
            "conditions": condition_list(workspace=self.workspace, partnership=self.partnership)
        }

    def form_valid(self, form: ConditionsForm) -> HttpResponse:
        try:
            conditions_update(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
                changes=form.changes(),
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        messages.success(self.request, "Conditions checklist saved.")
        return HttpResponseRedirect(self.detail_url("conditions"))
