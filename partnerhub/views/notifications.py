"""Reminders as people see them.

* ``/w/<slug>/notifications/`` -- the person's own reminders, newest first ("Older" pages
  by keyset), unread ones marked; each opens through ``notifications/<pk>/open/``, which
  marks it read and goes to its form. ``notifications/read/`` marks all read.
* ``/w/<slug>/notifications/settings/`` -- the person's cadence in this workspace.
* ``/w/<slug>/settings/reminders/`` -- admins adjust the workspace's reminder policy.
* ``/w/<slug>/partnerships/<pk>/reminders/`` -- coordinators: what was reminded to whom.
* ``/reminders/unsubscribe/<token>/`` -- public: the link of every reminder email. The
  signed token is the credential, so it needs no login and no CSRF token (mail clients
  POST to it for RFC 8058 one-click unsubscribe).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, TemplateView

from partnerhub.forms_notifications import (
    WEEKDAY_CHOICES,
    NotificationSettingsForm,
    ReminderPolicyForm,
)
from partnerhub.models import Cadence
from partnerhub.permissions import Action
from partnerhub.selectors_reminders import (
    ReminderCursor,
    ReminderPage,
    notification_cadence,
    notification_page,
    partnership_for_reminder_log,
    reminder_log_page,
    workspace_reminder_policy,
)
from partnerhub.services.notifications import (
    notification_cadence_set,
    notification_mark_read,
    notifications_mark_all_read,
    reminder_policy_update,
    reminders_unsubscribe,
    unsubscribe_target,
)
from partnerhub.views.activity import workspace_zone
from partnerhub.web import WorkspaceViewMixin, get_or_404

CURSOR_PARAM = "before"


def _paging(request: HttpRequest, page: ReminderPage) -> dict[str, str | None]:
    """The "Older" and "Newest" links of a keyset-paginated page."""
    older_url = None
    if page.older is not None:
        params: QueryDict = request.GET.copy()
        params[CURSOR_PARAM] = page.older.encode()
        older_url = f"?{params.urlencode()}"
    newest_url = None
    if CURSOR_PARAM in request.GET:
        params = request.GET.copy()
        params.pop(CURSOR_PARAM, None)
        newest_url = f"?{params.urlencode()}"
    return {"older_url": older_url, "newest_url": newest_url}


def _cursor(request: HttpRequest) -> ReminderCursor | None:
    return ReminderCursor.decode(request.GET.get(CURSOR_PARAM, ""))


# --- The person's notifications --------------------------------------------------------


class NotificationListView(WorkspaceViewMixin, TemplateView):
    template_name = "partnerhub/notifications/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = notification_page(
            workspace=self.workspace,
            user=self.request.user,  # type: ignore[arg-type]
            cursor=_cursor(self.request),
        )
        context.update(
            reminders=page.reminders,
            has_unread=any(reminder.read_at is None for reminder in page.reminders),
            display_zone=workspace_zone(self.workspace.timezone).key,
            **_paging(self.request, page),
        )
        return context


class NotificationMarkReadView(WorkspaceViewMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        marked = notifications_mark_all_read(
            workspace=self.workspace,
            user=request.user,  # type: ignore[arg-type]
        )
        if marked:
            noun = "notification" if marked == 1 else "notifications"
            messages.success(request, f"{marked} {noun} marked as read.")
        else:
            messages.info(request, "You had no unread notifications.")
        return redirect("notification_list", workspace_slug=self.workspace.slug)


class NotificationOpenView(WorkspaceViewMixin, View):
    """The link of a notification: marks it read, then goes to its form."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, workspace_slug: str, pk: int) -> HttpResponse:
        reminder = get_or_404(
            notification_mark_read,
            workspace=self.workspace,
            user=request.user,
            pk=pk,
        )
        # Paths come from the rules; only a local path is followed all the same.
        target = reminder.path
        if not (
            target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
        ):
            target = reverse("notification_list", kwargs={"workspace_slug": self.workspace.slug})
        return HttpResponseRedirect(target)


# --- The person's cadence -----------------------------------------------------------------


class NotificationSettingsView(WorkspaceViewMixin, FormView):
    template_name = "partnerhub/notifications/settings.html"
    form_class = NotificationSettingsForm

    def get_initial(self) -> dict[str, Any]:
        return {
            "cadence": notification_cadence(
                workspace=self.workspace,
                user=self.request.user,  # type: ignore[arg-type]
            )
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        policy = workspace_reminder_policy(workspace=self.workspace)
        context.update(
            policy=policy,
            digest_time=f"{policy.digest_hour:02d}:00",
            weekly_day=dict(WEEKDAY_CHOICES)[policy.weekly_digest_weekday],
            display_zone=workspace_zone(self.workspace.timezone).key,
        )
        return context

    def form_valid(self, form: NotificationSettingsForm) -> HttpResponse:
        cadence = form.cleaned_data["cadence"]
        notification_cadence_set(
            workspace=self.workspace,
            user=self.request.user,  # type: ignore[arg-type]
            cadence=cadence,
            actor=self.request.user,
        )
        messages.success(self.request, f"Reminder emails: {Cadence(cadence).label.lower()}.")
        return redirect("notification_settings", workspace_slug=self.workspace.slug)


# --- The workspace's reminder policy (admins) ------------------------------------------


class ReminderPolicyView(WorkspaceViewMixin, FormView):
    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/notifications/policy.html"
    form_class = ReminderPolicyForm

    def get_initial(self) -> dict[str, Any]:
        return ReminderPolicyForm.initial_for(workspace_reminder_policy(workspace=self.workspace))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["display_zone"] = workspace_zone(self.workspace.timezone).key
        return context

    def form_valid(self, form: ReminderPolicyForm) -> HttpResponse:
        reminder_policy_update(
            workspace=self.workspace,
            actor=self.request.user,
            **form.cleaned_data,
        )
        messages.success(self.request, "Reminder settings saved.")
        return redirect("reminder_policy", workspace_slug=self.workspace.slug)


# --- A partnership's reminder log (coordinators) --------------------------------------


class PartnershipRemindersView(WorkspaceViewMixin, TemplateView):
    required_action = Action.EDIT_CONTENT
    template_name = "partnerhub/notifications/partnership_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partnership = get_or_404(
            partnership_for_reminder_log,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["pk"],
        )
        page = reminder_log_page(
            workspace=self.workspace, partnership_id=partnership.pk, cursor=_cursor(self.request)
        )
        context.update(
            partnership=partnership,
            reminders=page.reminders,
            display_zone=workspace_zone(self.workspace.timezone).key,
            **_paging(self.request, page),
        )
        return context


# --- Unsubscribe from an email (public) --------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """GET explains and offers a button (link scanners must not unsubscribe anyone);
    POST -- the button, or a mail client's one-click request -- turns emails off."""

    http_method_names = ["get", "post", "head"]

    def _invalid(self, request: HttpRequest) -> HttpResponse:
        return render(request, "partnerhub/notifications/unsubscribe_invalid.html", status=400)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        target = unsubscribe_target(token)
        if target is None:
            return self._invalid(request)
        workspace, person = target
        context = {"token": token, "target_workspace": workspace, "person": person}
        return render(request, "partnerhub/notifications/unsubscribe.html", context)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        result = reminders_unsubscribe(token=token)
        if result is None:
            return self._invalid(request)
        context = {
            "target_workspace": result.workspace,
            "person": result.user,
            "changed": result.changed,
            "settings_url": reverse(
                "notification_settings", kwargs={"workspace_slug": result.workspace.slug}
            ),
        }
        return render(request, "partnerhub/notifications/unsubscribed.html", context)
