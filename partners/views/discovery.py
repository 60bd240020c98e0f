"""Suggested partners of a partnership, and adding one as a member in one action.

For admins and coordinators (Action.EDIT_CONTENT). The partnership is fetched through
the access-aware selector *before* the role is checked, so a partner asking about a
partnership their organization is not part of gets the same 404 as an outsider, and only
someone who may see the partnership learns that they may not act on it (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from partnerhub.permissions import Action
from partners.discovery import (
    DECLARED_NEED_POINTS,
    MEMBER_NEED_POINTS,
    SHARED_SDG_CAP,
    SHARED_SDG_POINTS,
    Suggestion,
    resource_label,
    sdg_phrase,
)
from partners.forms_discovery import SuggestionAddForm
from partners.models import MemberRole, Partnership, Sector
from partners.selectors_discovery import partner_suggestions
from partners.services.partnerships import partnership_member_add
from partners.views.partnerships import PartnershipViewMixin


@dataclass(frozen=True)
class SuggestionRow:
    suggestion: Suggestion
    sector: str
    form: SuggestionAddForm


class PartnershipSuggestionsView(PartnershipViewMixin, TemplateView):
    template_name = "partners/discovery/suggestions.html"
    # Checked in load_partnership, after the partnership's visibility (see the docstring).
    required_action = Action.VIEW_WORKSPACE
    acting_action = Action.EDIT_CONTENT

    def load_partnership(self) -> Partnership:
        partnership = super().load_partnership()
        if not self.access.can(self.acting_action):
            raise PermissionDenied("Your role in this workspace does not allow this.")
        return partnership

    def suggestions_url(self) -> str:
        return reverse(
            "partnership_suggestions",
            kwargs={"workspace_slug": self.workspace.slug, "pk": self.partnership.pk},
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        result = partner_suggestions(workspace=self.workspace, partnership=self.partnership)
        sectors = dict(Sector.choices)
        gaps = result.gaps
        context.update(
            rows=[
                SuggestionRow(
                    suggestion=s,
                    sector=str(sectors.get(s.organization.sector, s.organization.sector)),
                    form=SuggestionAddForm(
                        workspace=self.workspace,
                        initial={"organization": s.organization.id},
                        auto_id=f"id_suggestion_{s.organization.id}_%s",
                    ),
                )
                for s in result.suggestions
            ],
            member_count=len(result.members),
            candidate_count=result.candidate_count,
            declared_gaps=[resource_label(c) for c in gaps.declared],
            declared_covered=[resource_label(c) for c in gaps.declared_covered],
            member_gaps=[(resource_label(code), names) for code, names in gaps.members],
            focus_sdgs=[sdg_phrase(n) for n in gaps.focus_sdgs],
            points={
                "declared": DECLARED_NEED_POINTS,
                "member": MEMBER_NEED_POINTS,
                "sdg": SHARED_SDG_POINTS,
                "sdg_cap": SHARED_SDG_CAP,
            },
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_partnership()
        form = SuggestionAddForm(request.POST, workspace=self.workspace)
        if not form.is_valid():
            problems = [str(e) for errors in form.errors.values() for e in errors]
            messages.error(request, " ".join(problems))
            return HttpResponseRedirect(self.suggestions_url())
        organization = form.cleaned_data["organization"]
        role = form.cleaned_data["role"]
        try:
            partnership_member_add(
                workspace=self.workspace,
                actor=request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
                organization=organization,
                roles=[role],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.suggestions_url())
        label = str(MemberRole(role).label).lower()
        messages.success(
            request, f"{organization.name} joined the partnership as {_article(label)} {label}."
        )
        return HttpResponseRedirect(self.detail_url("members"))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
