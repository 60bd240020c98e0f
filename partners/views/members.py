"""Partnership member pages: adding an organization, changing its roles, letting it
leave (its history stays).

Thin views on the partnership bases of partners.views.partnerships: a partnership the
visitor may not see answers 404; changes need Action.EDIT_CONTENT (admins and
coordinators).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views import View

from partnerhub.permissions import Action
from partnerhub.web import get_or_404
from partners.forms_partnerships import MemberAddForm, MemberEditForm
from partners.models import Partnership, PartnershipMember
from partners.selectors_partnerships import member_list
from partners.services.partnerships import (
    partnership_member_add,
    partnership_member_remove,
    partnership_member_update,
)
from partners.views.partnerships import PartnershipFormView, PartnershipViewMixin


class MemberAddView(PartnershipFormView):
    form_class = MemberAddForm
    heading = "Add a member"
    submit_label = "Add member"

    def form_extra_kwargs(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "partnership": self.partnership}

    def form_valid(self, form: MemberAddForm) -> HttpResponse:
        organization = form.cleaned_data["organization"]
        try:
            partnership_member_add(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
                organization=organization,
                roles=form.cleaned_data["roles"],
                joined_on=form.cleaned_data["joined_on"],
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        messages.success(self.request, f"{organization.name} joined the partnership.")
        return HttpResponseRedirect(self.detail_url("members"))


class MemberViewMixin(PartnershipViewMixin):
    member: PartnershipMember

    def load_partnership(self) -> Partnership:
        partnership = super().load_partnership()
        self.member = get_or_404(
            member_list(workspace=self.workspace, partnership=partnership).get,
            pk=self.kwargs["member_pk"],
        )
        return partnership

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["member"] = self.member
        return context


class MemberEditView(MemberViewMixin, PartnershipFormView):
    form_class = MemberEditForm
    template_name = "partners/partnerships/member_form.html"
    submit_label = "Save roles"

    def get_initial(self) -> dict[str, Any]:
        return {"roles": self.member.roles, "joined_on": self.member.joined_on}

    def form_valid(self, form: MemberEditForm) -> HttpResponse:
        try:
            partnership_member_update(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                member=self.member,
                roles=form.cleaned_data["roles"],
                joined_on=form.cleaned_data["joined_on"],
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        messages.success(self.request, f"Roles of {self.member.organization.name} saved.")
        return HttpResponseRedirect(self.detail_url("members"))


class MemberRemoveView(MemberViewMixin, View):
    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_partnership()
        name = self.member.organization.name
        try:
            partnership_member_remove(
                workspace=self.workspace,
                actor=request.user,  # type: ignore[arg-type]
                member=self.member,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{name} left the partnership; its history stays.")
        return HttpResponseRedirect(self.detail_url("members"))
