"""Goal pages: a partnership's goals, the goal page (milestones, timeline, updates,
comments), the milestone page, the progress update form, and the coordinators' forms.

Thin views: the base class resolves the workspace and checks the role's action (403 for
members whose role lacks it); goals and milestones come from access-aware selectors, so
anything of a partnership the caller may not see is a 404, like an outsider's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.views import View
from django.views.generic import FormView, TemplateView

from goals.forms import (
    CommentForm,
    GoalForm,
    MilestoneDeleteForm,
    MilestoneEditForm,
    MilestoneForm,
    ProgressUpdateForm,
)
from goals.hooks import role_letters
from goals.models import Comment, Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from goals.selectors import (
    comment_list,
    goal_get,
    goal_list,
    goal_page,
    is_overdue,
    milestone_get,
    progress_update_get,
    progress_update_list,
)
from goals.services import (
    MilestoneConflict,
    goal_create,
    goal_delete,
    goal_update,
    milestone_create,
    milestone_delete,
    milestone_update,
)
from goals.services_updates import can_comment, can_post_update, comment_post, progress_update_post
from goals.timeline import build_timeline
from partnerhub.permissions import Action
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404
from partners.services.partnerships import workspace_today
from partners.views.partnerships import PartnershipViewMixin


def _url(name: str, workspace_slug: str, pk: int) -> str:
    return reverse(name, kwargs={"workspace_slug": workspace_slug, "pk": pk})


GONE = "This milestone was deleted while you were working on it."
PROGRESS_FIELDS = ("status", "percent_complete")
EDIT_FIELDS = ("title", "due_date", "status", "percent_complete")
FIELD_LABELS = {
    "title": "Title",
    "due_date": "Due date",
    "status": "Status",
    "percent_complete": "Percent complete",
}


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "status":
        return str(MilestoneStatus(value).label) if value in MilestoneStatus.values else str(value)
    if field == "percent_complete":
        return f"{value}%"
    if field == "due_date":
        return date_format(value, "j M Y")
    return str(value)


def conflict_rows(
    conflict: MilestoneConflict, yours: dict[str, Any], fields: tuple[str, ...]
) -> list[tuple[str, str, str]]:
    """(label, the current value, the value the person sent) for the conflict summary."""
    return [
        (
            FIELD_LABELS[field],
            _shown(field, getattr(conflict.milestone, field)),
            _shown(field, yours.get(field)),
        )
        for field in fields
    ]


# --- A partnership's goals ------------------------------------------------------------------


class GoalListView(PartnershipViewMixin, TemplateView):
    """The goals of one partnership, with their derived status and milestone counts."""

    template_name = "goals/goal_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            goals=list(
                goal_list(
                    workspace=self.workspace, access=self.access, partnership=self.partnership
                )
            ),
            can_edit=self.access.can(Action.EDIT_CONTENT),
        )
        return context


class GoalCreateView(PartnershipViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "goals/form.html"
    form_class = GoalForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(heading="New shared goal", submit_label="Create goal")
        return context

    def form_valid(self, form: GoalForm) -> HttpResponse:
        try:
            goal = goal_create(
                workspace=self.workspace,
                actor=self.request.user,
                partnership=self.partnership,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Goal “{goal.title}” created.")
        return HttpResponseRedirect(_url("goal_detail", self.workspace.slug, goal.pk))


# --- One goal -----------------------------------------------------------------------------


class GoalViewMixin(WorkspaceViewMixin):
    goal: SharedGoal
    kwargs: dict[str, Any]

    def load_goal(self) -> SharedGoal:
        self.goal = get_or_404(
            goal_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )
        return self.goal


class GoalDetailView(GoalViewMixin, TemplateView):
    """Milestones in due-date order, their timeline (SVG and table), recent updates and
    comments. A fixed number of queries, whatever the number of milestones."""

    template_name = "goals/goal_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = get_or_404(goal_page, workspace=self.workspace, access=self.access, pk=kwargs["pk"])
        letters = role_letters(
            workspace=self.workspace,
            goal_ids=[page.goal.pk],
            milestone_ids=[m.pk for m in page.milestones],
        )
        rows = [
            (m, is_overdue(m, page.today), letters.get(("milestone", m.pk), []))
            for m in page.milestones
        ]
        context.update(
            goal=page.goal,
            partnership=page.goal.partnership,
            milestone_rows=rows,
            goal_letters=letters.get(("goal", page.goal.pk), []),
            timeline=build_timeline(
                page.milestones, today=page.today, target_date=page.goal.target_date
            ),
            recent_updates=page.recent_updates,
            recent_comments=page.recent_comments,
            today=page.today,
            can_edit=self.access.can(Action.EDIT_CONTENT),
        )
        return context


class GoalEditView(GoalViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "goals/form.html"
    form_class = GoalForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_goal()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_goal()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return GoalForm.initial_for(self.goal)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading="Edit goal",
            submit_label="Save changes",
            goal=self.goal,
            partnership=self.goal.partnership,
        )
        return context

    def form_valid(self, form: GoalForm) -> HttpResponse:
        try:
            goal_update(
                workspace=self.workspace,
                actor=self.request.user,
                goal=self.goal,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Goal saved.")
        return HttpResponseRedirect(_url("goal_detail", self.workspace.slug, self.goal.pk))


class GoalDeleteView(GoalViewMixin, View):
    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        goal = self.load_goal()
        partnership_id, title = goal.partnership_id, goal.title
        goal_delete(workspace=self.workspace, actor=request.user, goal=goal)
        messages.success(request, f"Goal “{title}” deleted.")
        return HttpResponseRedirect(_url("goal_list", self.workspace.slug, partnership_id))


class MilestoneCreateView(GoalViewMixin, FormView):
    required_action = Action.EDIT_CONTENT
    template_name = "goals/form.html"
    form_class = MilestoneForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_goal()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_goal()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading="New milestone",
            submit_label="Add milestone",
            goal=self.goal,
            partnership=self.goal.partnership,
        )
        return context

    def form_valid(self, form: MilestoneForm) -> HttpResponse:
        try:
            milestone_create(
                workspace=self.workspace,
                actor=self.request.user,
                goal=self.goal,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Milestone added.")
        return HttpResponseRedirect(_url("goal_detail", self.workspace.slug, self.goal.pk))


# --- One milestone ------------------------------------------------------------------------


class MilestoneViewMixin(WorkspaceViewMixin):
    milestone: Milestone
    kwargs: dict[str, Any]

    def load_milestone(self) -> Milestone:
        self.milestone = get_or_404(
            milestone_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )
        return self.milestone

    def milestone_context(self) -> dict[str, Any]:
        m = self.milestone
        return {
            "milestone": m,
            "goal": m.goal,
            "partnership": m.partnership,
            "overdue": is_overdue(m, workspace_today(self.workspace)),
        }


class MilestoneDetailView(MilestoneViewMixin, TemplateView):
    template_name = "goals/milestone_detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_milestone()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.milestone_context())
        workspace, access, milestone = self.workspace, self.access, self.milestone
        updates = list(
            progress_update_list(workspace=workspace, access=access, milestone=milestone)
        )
        comments, replies = _split_replies(
            comment_list(workspace=workspace, access=access, milestone=milestone), updates
        )
        context.update(
            update_rows=[(update, replies.get(update.pk, [])) for update in updates],
            comments=comments,
            comment_form=kwargs.get("comment_form") or CommentForm(),
            reply_form=kwargs.get("reply_form"),
            reply_to=kwargs.get("reply_to"),
            can_update=can_post_update(workspace=workspace, access=access, milestone=milestone),
            can_comment=can_comment(
                workspace=workspace, access=access, partnership_id=milestone.partnership_id
            ),
            can_edit=access.can(Action.EDIT_CONTENT),
        )
        return context


def _split_replies(
    comments: Any, updates: list[ProgressUpdate]
) -> tuple[list[Comment], dict[int, list[Comment]]]:
    """The milestone's comments, and the replies to each shown update (oldest first)."""
    shown = {update.pk for update in updates}
    general: list[Comment] = []
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.progress_update_id in shown:
            replies.setdefault(comment.progress_update_id, []).append(comment)
        else:
            general.append(comment)
    return general, replies


class CommentCreateView(MilestoneDetailView):
    """A comment on the milestone, or (with ``progress_update``) a reply to one of its
    progress updates; an update of another milestone, or one the caller may not see, is a
    404."""

    http_method_names = ["post"]

    def reply_target(self, form: CommentForm) -> ProgressUpdate | None:
        if "progress_update" in form.errors:
            raise Http404("No such progress update.")
        pk = form.cleaned_data.get("progress_update") if hasattr(form, "cleaned_data") else None
        if pk is None:
            return None
        update = get_or_404(
            progress_update_get, workspace=self.workspace, access=self.access, pk=pk
        )
        if update.milestone_id != self.milestone.pk:
            raise Http404("That update belongs to another milestone.")
        return update

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        milestone = self.load_milestone()
        form = CommentForm(request.POST)
        valid = form.is_valid()
        reply_to = self.reply_target(form)
        if valid:
            try:
                comment_post(
                    workspace=self.workspace,
                    actor=request.user,
                    access=self.access,
                    milestone=milestone,
                    body=form.cleaned_data["body"],
                    progress_update=reply_to,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, "Reply posted." if reply_to else "Comment posted.")
                url = _url("milestone_detail", self.workspace.slug, milestone.pk)
                anchor = f"#update-{reply_to.pk}" if reply_to else "#comments"
                return HttpResponseRedirect(url + anchor)
        if reply_to is not None:
            context = self.get_context_data(reply_form=form, reply_to=reply_to.pk, **kwargs)
        else:
            context = self.get_context_data(comment_form=form, **kwargs)
        return self.render_to_response(context)


class MilestoneUpdateView(MilestoneViewMixin, FormView):
    """The progress update form: short, phone-friendly, no JavaScript. Posted against an
    older version, it shows what changed meanwhile and offers to apply it on top."""

    template_name = "goals/milestone_update.html"
    form_class = ProgressUpdateForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.conflict: MilestoneConflict | None = None
        return super().dispatch(request, *args, **kwargs)

    def _load(self) -> None:
        milestone = self.load_milestone()
        if not can_post_update(workspace=self.workspace, access=self.access, milestone=milestone):
            raise PermissionDenied("You may read this milestone but not post updates on it.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._load()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        m = self.milestone
        return {"status": m.status, "percent_complete": m.percent_complete, "version": m.version}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.milestone_context())
        context["conflict"] = self.conflict
        return context

    def form_valid(self, form: ProgressUpdateForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            progress_update_post(
                workspace=self.workspace,
                actor=self.request.user,
                access=self.access,
                milestone=self.milestone,
                expected_version=data["version"],
                status=data["status"],
                percent_complete=data["percent_complete"],
                narrative=data["narrative"],
                blockers=data["blockers"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        except Milestone.DoesNotExist as exc:
            raise Http404(GONE) from exc
        except MilestoneConflict as conflict:
            return self.show_conflict(form, conflict)
        messages.success(self.request, "Update posted.")
        return HttpResponseRedirect(
            _url("milestone_detail", self.workspace.slug, self.milestone.pk)
        )

    def show_conflict(self, form: ProgressUpdateForm, conflict: MilestoneConflict) -> HttpResponse:
        """The person's own words, now against the current version: one click re-applies."""
        self.conflict = conflict
        self.milestone = conflict.milestone
        data = self.request.POST.copy()
        data["version"] = str(conflict.milestone.version)
        fresh = ProgressUpdateForm(data)
        fresh.is_valid()
        context = self.get_context_data(form=fresh)
        context["conflict_rows"] = conflict_rows(conflict, fresh.cleaned_data, PROGRESS_FIELDS)
        response = self.render_to_response(context)
        response.status_code = 409
        return response


class MilestoneEditView(MilestoneViewMixin, FormView):
    """The coordinators' milestone form, against the version they loaded. When the
    milestone changed meanwhile, nothing is saved: the form comes back with their edits
    on the current version, except status and percent complete, which take the current
    values (re-applying must never silently undo a partner's progress update)."""

    required_action = Action.EDIT_CONTENT
    template_name = "goals/milestone_form.html"
    form_class = MilestoneEditForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.conflict: MilestoneConflict | None = None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_milestone()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_milestone()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return MilestoneEditForm.initial_for(self.milestone)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.milestone_context())
        context["conflict"] = self.conflict
        return context

    def form_invalid(self, form: MilestoneEditForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: MilestoneEditForm) -> HttpResponse:
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            milestone_update(
                workspace=self.workspace,
                actor=self.request.user,
                milestone=self.milestone,
                expected_version=version,
                **data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        except Milestone.DoesNotExist as exc:
            raise Http404(GONE) from exc
        except MilestoneConflict as conflict:
            return self.show_conflict(form, conflict)
        messages.success(self.request, "Milestone saved.")
        return HttpResponseRedirect(
            _url("milestone_detail", self.workspace.slug, self.milestone.pk)
        )

    def show_conflict(self, form: MilestoneEditForm, conflict: MilestoneConflict) -> HttpResponse:
        """Their edits on the current version; status and percent complete as they are now
        (progress posted meanwhile is kept), with a summary of what changed."""
        self.conflict = conflict
        self.milestone = current = conflict.milestone
        posted = self.request.POST.copy()
        posted["version"] = str(current.version)
        posted["status"] = current.status
        posted["percent_complete"] = str(current.percent_complete)
        fresh = MilestoneEditForm(posted)
        fresh.is_valid()
        context = self.get_context_data(form=fresh)
        context["conflict_rows"] = conflict_rows(conflict, form.cleaned_data, EDIT_FIELDS)
        context["kept_current_progress"] = True
        response = self.render_to_response(context)
        response.status_code = 409
        return response


class MilestoneDeleteView(MilestoneViewMixin, View):
    """Deletes the milestone only if it is still at the version the page showed."""

    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        milestone = self.load_milestone()
        goal_id = milestone.goal_id
        here = _url("milestone_detail", self.workspace.slug, milestone.pk)
        form = MilestoneDeleteForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was deleted: reload the page and try again.")
            return HttpResponseRedirect(here)
        try:
            milestone_delete(
                workspace=self.workspace,
                actor=request.user,
                milestone=milestone,
                expected_version=form.cleaned_data["version"],
            )
        except Milestone.DoesNotExist:
            messages.info(request, "The milestone had already been deleted.")
            return HttpResponseRedirect(_url("goal_detail", self.workspace.slug, goal_id))
        except MilestoneConflict:
            messages.error(
                request,
                "The milestone changed since you loaded the page, so it was not deleted. "
                "Look at it again before deleting.",
            )
            return HttpResponseRedirect(here)
        messages.success(request, "Milestone deleted.")
        return HttpResponseRedirect(_url("goal_detail", self.workspace.slug, goal_id))
