"""Health check pages: a partnership's rounds, opening and changing a round, the survey
form, and the results in aggregate.

Thin views: the base classes resolve the workspace and check the role's action (403 for
members whose role lacks it); rounds come from access-aware selectors, so a round of a
partnership the caller may not see is a 404, like an outsider's. Nobody's answers are
shown to anyone but themselves (to change them); results are aggregates
(``impact.selectors_health``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.views.generic import FormView, TemplateView

from impact.forms_health import HealthAnswerForm, HealthRoundForm
from impact.models import HEALTH_MIN_RESPONDENTS, HealthCheckRound
from impact.selectors_health import (
    HEALTH_SCALE,
    RoundState,
    health_answering_organization,
    health_own_answers,
    health_round_get,
    health_round_list,
    round_state,
)
from impact.selectors_health_results import HEALTH_SPREAD_NOTABLE, health_results
from impact.services_health import (
    health_response_submit,
    health_round_close,
    health_round_create,
    health_round_update,
)
from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.services.partnerships import workspace_today
from partners.views.partnerships import PartnershipViewMixin


def _url(name: str, workspace_slug: str, pk: int) -> str:
    return reverse(name, kwargs={"workspace_slug": workspace_slug, "pk": pk})


def _day(value: Any) -> str:
    return date_format(value, "j M Y")


# --- A partnership's rounds ---------------------------------------------------------------


class HealthRoundListView(PartnershipViewMixin, TemplateView):
    """The rounds of one partnership with their state and response counts; "Answer" for
    people who may answer an open round, "Open a round" for coordinators. A fixed number of
    queries, whatever the number of rounds."""

    template_name = "impact/health/round_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = workspace_today(self.workspace)
        rounds = list(
            health_round_list(
                workspace=self.workspace,
                access=self.access,
                today=today,
                partnership=self.partnership,
                respondent=self.request.user,  # type: ignore[arg-type]
            )
        )
        organization = health_answering_organization(
            workspace=self.workspace, access=self.access, partnership=self.partnership
        )
        context.update(
            rounds=rounds,
            answering_organization=organization,
            can_answer=organization is not None,
            can_edit=self.access.can(Action.EDIT_CONTENT),
            today=today,
            min_respondents=HEALTH_MIN_RESPONDENTS,
        )
        return context


class HealthRoundCreateView(PartnershipViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "impact/health/round_form.html"
    form_class = HealthRoundForm

    def get_initial(self) -> dict[str, Any]:
        return {"opens_on": workspace_today(self.workspace)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(heading="Open a health check round", submit_label="Open the round")
        return context

    def form_valid(self, form: HealthRoundForm) -> HttpResponse:
        try:
            health_round = health_round_create(
                workspace=self.workspace,
                actor=self.request.user,
                partnership=self.partnership,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Round “{health_round.title}” created.")
        return HttpResponseRedirect(
            _url("health_round_list", self.workspace.slug, self.partnership.pk)
        )


# --- One round ------------------------------------------------------------------------------


class HealthRoundViewMixin(WorkspaceViewMixin):
    health_round: HealthCheckRound
    kwargs: dict[str, Any]

    def load_round(self) -> HealthCheckRound:
        self.today = workspace_today(self.workspace)
        self.health_round = get_or_404(
            health_round_get,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["pk"],
            today=self.today,
            respondent=self.request.user,
        )
        return self.health_round

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            round=self.health_round,
            partnership=self.health_round.partnership,
            state=round_state(self.health_round, self.today),
            today=self.today,
            min_respondents=HEALTH_MIN_RESPONDENTS,
        )
        return context


class HealthRoundEditView(HealthRoundViewMixin, FormView):
    """Change a round's title and dates; "Close now" ends an open round."""

    required_action = Action.EDIT_CONTENT
    template_name = "impact/health/round_form.html"
    form_class = HealthRoundForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_round()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_round()
        if request.POST.get("action") == "close":
            return self.close()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        state = round_state(self.health_round, self.today)
        kwargs.update(
            opens_editable=state == RoundState.UPCOMING,
            closes_editable=state != RoundState.CLOSED,
        )
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return HealthRoundForm.initial_for(self.health_round)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state = context["state"]
        context.update(
            heading=f"Edit “{self.health_round.title}”",
            submit_label="Save changes",
            can_close=state == RoundState.OPEN and self.health_round.opens_on < self.today,
        )
        return context

    def close(self) -> HttpResponse:
        try:
            health_round_close(
                workspace=self.workspace, actor=self.request.user, health_round=self.health_round
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
            return HttpResponseRedirect(
                _url("health_round_edit", self.workspace.slug, self.health_round.pk)
            )
        messages.success(self.request, f"Round “{self.health_round.title}” closed.")
        return HttpResponseRedirect(
            _url("health_round_results", self.workspace.slug, self.health_round.pk)
        )

    def form_valid(self, form: HealthRoundForm) -> HttpResponse:
        try:
            health_round_update(
                workspace=self.workspace,
                actor=self.request.user,
                health_round=self.health_round,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Round saved.")
        return HttpResponseRedirect(
            _url("health_round_list", self.workspace.slug, self.health_round.partnership_id)
        )


class HealthAnswerView(HealthRoundViewMixin, FormView):
    """The survey. Viewers get a 403 from the base class; someone who sees the round but
    may not answer it (no member organization, or the round is not open) gets a page that
    says why, with status 403."""

    required_action = Action.REPORT_PROGRESS
    template_name = "impact/health/answer.html"
    form_class = HealthAnswerForm

    def _refusal(self) -> HttpResponse | None:
        organization = health_answering_organization(
            workspace=self.workspace, access=self.access, partnership=self.health_round.partnership
        )
        self.organization = organization
        state = round_state(self.health_round, self.today)
        reason = ""
        if organization is None:
            reason = (
                "Only people of the partnership's member organizations answer its health "
                "check, and your membership of this workspace names no such organization."
            )
        elif state == RoundState.UPCOMING:
            reason = f"This round opens on {_day(self.health_round.opens_on)}."
        elif state == RoundState.CLOSED:
            reason = (
                f"This round closed on {_day(self.health_round.closes_on)}: answers can no "
                "longer be given or changed."
            )
        if not reason:
            return None
        context = {
            "workspace": self.workspace,
            "membership": self.membership,
            "access": self.access,
            "round": self.health_round,
            "partnership": self.health_round.partnership,
            "reason": reason,
        }
        return TemplateResponse(
            self.request, "impact/health/cannot_answer.html", context, status=403
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_round()
        return self._refusal() or super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_round()
        return self._refusal() or super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        # The person's own answers only, to change them.
        return HealthAnswerForm.initial_for(
            health_own_answers(
                workspace=self.workspace,
                health_round=self.health_round,
                respondent=self.request.user,  # type: ignore[arg-type]
            )
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            organization=self.organization,
            answered=bool(context["form"].initial),
            scale=HEALTH_SCALE,
        )
        return context

    def form_valid(self, form: HealthAnswerForm) -> HttpResponse:
        try:
            _, created = health_response_submit(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                access=self.access,
                health_round=self.health_round,
                answers=form.answers(),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        saved = "saved" if created else "updated"
        messages.success(
            self.request,
            f"Thank you: your answers are {saved}. You can change them until "
            f"{_day(self.health_round.closes_on)}.",
        )
        return HttpResponseRedirect(
            _url("health_round_list", self.workspace.slug, self.health_round.partnership_id)
        )


class HealthResultsView(HealthRoundViewMixin, TemplateView):
    """Results in aggregate: per factor, by sector with the spread, the trend across rounds,
    and comments, each only where enough people answered (see impact.selectors_health)."""

    template_name = "impact/health/results.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_round()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state = context["state"]
        can_answer = (
            state == RoundState.OPEN
            and health_answering_organization(
                workspace=self.workspace,
                access=self.access,
                partnership=self.health_round.partnership,
            )
            is not None
        )
        context.update(
            results=health_results(
                workspace=self.workspace, health_round=self.health_round, today=self.today
            ),
            can_answer=can_answer,
            can_edit=self.access.can(Action.EDIT_CONTENT),
            scale=HEALTH_SCALE,
            spread_notable=HEALTH_SPREAD_NOTABLE,
        )
        return context
