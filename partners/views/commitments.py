"""Commitment pages: recording what a member pledges and what it delivers.

Thin views on the partnership bases of partners.views.partnerships: a partnership the
visitor may not see answers 404; changes need Action.EDIT_CONTENT (admins and
coordinators).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect

from partnerhub.web import get_or_404
from partners.forms_partnerships import CommitmentForm, DeliveryForm
from partners.models import Partnership
from partners.selectors_partnerships import Amount, commitment_get
from partners.services.commitments import commitment_create, delivery_record
from partners.views.partnerships import AmountView, PartnershipFormView, quantity


class CommitmentCreateView(PartnershipFormView):
    form_class = CommitmentForm
    heading = "Record a commitment"
    submit_label = "Record commitment"
    intro = (
        "What a member pledges to the partnership: cash, goods or services in kind, or staff time."
    )

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "partnership": self.partnership}

    def form_valid(self, form: CommitmentForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            commitment_create(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                member=data["member"],
                kind=data["kind"],
                pledged=data["pledged"],
                currency=data["currency"],
                description=data["description"],
                pledged_on=data["pledged_on"],
                due_on=data["due_on"],
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        messages.success(
            self.request, f"Commitment of {data['member'].organization.name} recorded."
        )
        return HttpResponseRedirect(self.detail_url("commitments"))


class DeliveryAddView(PartnershipFormView):
    form_class = DeliveryForm
    template_name = "partners/partnerships/delivery_form.html"
    submit_label = "Record delivery"

    def load_partnership(self) -> Partnership:
        partnership = super().load_partnership()
        self.commitment = get_or_404(
            commitment_get,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["commitment_pk"],
        )
        if self.commitment.partnership_id != partnership.pk:
            raise Http404("Not found.")
        return partnership

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        c = self.commitment
        context["commitment"] = c
        context["amount"] = AmountView.of(
            Amount(kind=c.kind, currency=c.currency, pledged=c.pledged, delivered=c.delivered)  # type: ignore[attr-defined]
        )
        return context

    def form_valid(self, form: DeliveryForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            delivery_record(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                commitment=self.commitment,
                amount=data["amount"],
                delivered_on=data["delivered_on"],
                note=data["note"],
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        c = self.commitment
        delivered = c.delivered + data["amount"]  # type: ignore[attr-defined]
        if delivered > c.pledged:
            messages.warning(
                self.request,
                f"Delivery recorded. {c.member.organization.name} has now delivered "
                f"{quantity(delivered, c.kind, c.currency)}, more than the "
                f"{quantity(c.pledged, c.kind, c.currency)} pledged.",
            )
        else:
            messages.success(self.request, "Delivery recorded.")
        return HttpResponseRedirect(self.detail_url("commitments"))
