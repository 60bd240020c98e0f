"""Goal endpoints under /api/v1/w/<workspace_slug>/: shared goals, milestones, progress
updates and comments.

Thin views over the same selectors and services as the HTML pages. Everyone who may see a
partnership reads its goals (a partner only their organization's partnerships); admins,
coordinators and write keys change goals and milestones; progress updates and comments
may also come from partners (updates: on milestones their organization is Responsible or
Accountable for). Objects are looked up before a request body or header is read, so
someone who may not see an object gets a 404 whatever they send.

Milestone writes (PATCH, PUT, DELETE) need ``If-Match`` with the milestone's current
ETag, which is derived from its version: 428 without it, 412 when it is stale. The
comparison is strong: ``*`` (alone or in a list) and weak ``W/`` tags are refused, so a
writer must name the exact version it read. Progress
updates carry ``expected_version`` instead; a stale one is a 409 problem listing what
changed meanwhile.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from goals.api_fast import milestone_rows_data, milestone_values
from goals.models import (
    Comment,
    GoalStatus,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    SharedGoal,
)
from goals.selectors import (
    comment_list,
    goal_get,
    goal_list,
    milestone_get,
    milestone_list,
    progress_update_get,
    progress_update_list,
)
from goals.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    GoalSerializer,
    GoalWriteSerializer,
    MilestoneConflictSerializer,
    MilestoneSerializer,
    MilestoneWriteSerializer,
    PreconditionProblemSerializer,
    ProgressUpdateCreateSerializer,
    ProgressUpdateSerializer,
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
from goals.services_updates import comment_post, progress_update_post
from partnerhub.api.base import (
    ETagRetrieveMixin,
    WorkspaceViewSet,
    acting_user,
    etag_matches,
    if_match_passes,
)
from partnerhub.api.errors import PROBLEM_CONTENT_TYPE, problem
from partnerhub.api.fast import SkipIdleFilterSetMixin, cursor_reads_datetimes
from partnerhub.api.filters import IdFilter
from partnerhub.models import ApiKey, User
from partnerhub.permissions import Action
from partners.selectors_partnerships import partnership_get


def _path(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


WORKSPACE_SLUG = OpenApiParameter(
    "workspace_slug",
    str,
    OpenApiParameter.PATH,
    description="The workspace's slug, as in its web address /w/<slug>/.",
)
GOAL_ID = _path("id", "The goal's id.")
MILESTONE_ID = _path("id", "The milestone's id.")
MILESTONE_PK = _path("milestone_pk", "The milestone's id.")
UPDATE_ID = _path("id", "The progress update's id.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag from an earlier response: 304 Not Modified while it still matches.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The milestone's current ETag (from GET): 428 without it, 412 when stale.",
)


PRECONDITIONS = {
    412: OpenApiResponse(
        PreconditionProblemSerializer, description="If-Match is not the current ETag."
    ),
    428: OpenApiResponse(PreconditionProblemSerializer, description="If-Match is missing."),
}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the milestone's current ETag (from GET)."
    default_code = "precondition-required"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The milestone changed since you read it: GET it again and re-apply."
    default_code = "precondition-failed"


def milestone_etag(milestone: Milestone) -> str:
    """Stable for as long as the milestone's version (every change bumps it)."""
    return f'"milestone-{milestone.pk}-v{milestone.version}"'


def _validated(
    serializer_class: type[serializers.Serializer],
    request: Request,
    view: Any,
    *,
    partial: bool = False,
) -> dict[str, Any]:
    payload = serializer_class(
        data=request.data, partial=partial, context=view.get_serializer_context()
    )
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class GoalsAPIMixin:
    def actor(self) -> User | ApiKey | None:
        request: Request = self.request  # type: ignore[attr-defined]
        return acting_user(request) or self.access.api_key  # type: ignore[attr-defined]

    def visible_milestone(self, pk: Any) -> Milestone:
        return self.get_object_or_404(  # type: ignore[attr-defined,no-any-return]
            milestone_get,
            workspace=self.workspace,  # type: ignore[attr-defined]
            access=self.access,  # type: ignore[attr-defined]
            pk=pk,
        )

    def milestone_in_body(self, pk: int | None) -> Milestone:
        if pk is None:
            raise serializers.ValidationError({"milestone": ["Give the milestone's id."]})
        try:
            return milestone_get(workspace=self.workspace, access=self.access, pk=pk)  # type: ignore[attr-defined]
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError(
                {"milestone": ["Choose a milestone of this workspace."]}
            ) from exc


# --- Goals --------------------------------------------------------------------------------


class GoalFilter(django_filters.FilterSet):
    partnership = IdFilter(
        field_name="partnership", help_text="Only goals of this partnership (id)."
    )
    status = django_filters.ChoiceFilter(
        choices=GoalStatus.choices, help_text="Only goals with this derived status."
    )

    class Meta:
        model = SharedGoal
        fields = ["partnership", "status"]


@extend_schema_view(
    list=extend_schema(
        operation_id="goals_list",
        summary="Shared goals (a partner: only their organization's partnerships)",
        description="Cursor-paginated, with milestone counts. Status is derived: achieved when "
        "every milestone is done; off track when one is overdue by more than 14 days or "
        "blocked past its due date; at risk when one is at risk, blocked or overdue, or the "
        "pace is behind; not started without milestones or when none has started; on track "
        "otherwise.",
        parameters=[WORKSPACE_SLUG],
        responses={200: GoalSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="goals_retrieve",
        summary="One shared goal",
        parameters=[WORKSPACE_SLUG, GOAL_ID, IF_NONE_MATCH],
        responses={200: GoalSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="goals_create",
        summary="Create a shared goal in a partnership (coordinators, admins, write keys)",
        parameters=[WORKSPACE_SLUG],
        request=GoalWriteSerializer,
        responses={201: GoalSerializer},
    ),
    partial_update=extend_schema(
        operation_id="goals_partial_update",
        summary="Change a goal's details (its partnership stays)",
        parameters=[WORKSPACE_SLUG, GOAL_ID],
        request=GoalWriteSerializer,
        responses={200: GoalSerializer},
    ),
    destroy=extend_schema(
        operation_id="goals_destroy",
        summary="Delete a goal with its milestones, updates and comments",
        parameters=[WORKSPACE_SLUG, GOAL_ID],
        responses={204: None},
    ),
)
class GoalViewSet(GoalsAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet):
    serializer_class = GoalSerializer
    schema_model = SharedGoal
    filterset_class = GoalFilter
    ordering_fields = ["id", "target_date", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action in ("create", "partial_update"):
            return GoalWriteSerializer
        return GoalSerializer

    def workspace_queryset(self) -> Any:
        return goal_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> SharedGoal:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            goal_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )

    def _fresh(self, goal: SharedGoal, status_code: int = 200, **headers: str) -> Response:
        fresh = goal_get(workspace=self.workspace, access=self.access, pk=goal.pk)
        return Response(GoalSerializer(fresh).data, status=status_code, headers=headers)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(GoalWriteSerializer, request, self)
        try:
            partnership = partnership_get(
                workspace=self.workspace, access=self.access, pk=data.pop("partnership", None)
            )
        except (ObjectDoesNotExist, TypeError, ValueError) as exc:
            raise serializers.ValidationError(
                {"partnership": ["Choose a partnership of this workspace."]}
            ) from exc
        goal = goal_create(
            workspace=self.workspace, actor=self.actor(), partnership=partnership, **data
        )
        location = reverse(
            "api_goal-detail", kwargs={"workspace_slug": self.workspace.slug, "pk": goal.pk}
        )
        return self._fresh(goal, status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        data = _validated(GoalWriteSerializer, request, self, partial=True)
        if "partnership" in data:
            raise serializers.ValidationError({"partnership": ["A goal stays in its partnership."]})
        goal_update(workspace=self.workspace, actor=self.actor(), goal=goal, **data)
        return self._fresh(goal)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        goal_delete(workspace=self.workspace, actor=self.actor(), goal=goal)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Milestones ---------------------------------------------------------------------------


class MilestoneFilter(django_filters.FilterSet):
    partnership = IdFilter(method="filter_all", help_text="Partnership id.")
    goal = IdFilter(method="filter_all", help_text="Goal id.")
    status = django_filters.ChoiceFilter(
        choices=MilestoneStatus.choices, method="filter_all", help_text="Only this status."
    )
    responsible_organization = IdFilter(
        method="filter_all",
        help_text="Only milestones this organization (id) is Responsible or Accountable for.",
    )
    due_before = django_filters.DateFilter(
        method="filter_all", help_text="Due on or before this date."
    )
    due_after = django_filters.DateFilter(method="filter_all", help_text="Due on or after.")
    overdue = django_filters.BooleanFilter(
        method="filter_all",
        help_text="true: due date passed and not done; false: the others.",
    )

    class Meta:
        model = Milestone
        fields = [
            "partnership",
            "goal",
            "status",
            "responsible_organization",
            "due_before",
            "due_after",
            "overdue",
        ]

    def filter_all(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # applied together in filter_queryset, by the selector

    def filter_queryset(self, queryset: Any) -> Any:
        given = {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "")}
        if not given:
            return queryset
        view = self.request.parser_context["view"]  # type: ignore[union-attr]
        return milestone_list(workspace=view.workspace, access=view.access, **given).filter(
            pk__in=queryset.values("pk")
        )


@extend_schema_view(
    list=extend_schema(
        operation_id="milestones_list",
        summary="Milestones (a partner: only their organization's partnerships)",
        parameters=[WORKSPACE_SLUG],
        responses={200: MilestoneSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="milestones_retrieve",
        summary="One milestone, with its ETag (derived from its version)",
        parameters=[WORKSPACE_SLUG, MILESTONE_ID, IF_NONE_MATCH],
        responses={200: MilestoneSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="milestones_create",
        summary="Add a milestone to a goal (coordinators, admins, write keys)",
        parameters=[WORKSPACE_SLUG],
        request=MilestoneWriteSerializer,
        responses={201: MilestoneSerializer},
    ),
    partial_update=extend_schema(
        operation_id="milestones_partial_update",
        summary="Change a milestone (If-Match required)",
        parameters=[WORKSPACE_SLUG, MILESTONE_ID, IF_MATCH],
        request=MilestoneWriteSerializer,
        responses={200: MilestoneSerializer, **PRECONDITIONS},
    ),
    update=extend_schema(
        operation_id="milestones_update",
        summary="Replace a milestone's fields (If-Match required)",
        parameters=[WORKSPACE_SLUG, MILESTONE_ID, IF_MATCH],
        request=MilestoneWriteSerializer,
        responses={200: MilestoneSerializer, **PRECONDITIONS},
    ),
    destroy=extend_schema(
        operation_id="milestones_destroy",
        summary="Delete a milestone (If-Match required)",
        parameters=[WORKSPACE_SLUG, MILESTONE_ID, IF_MATCH],
        responses={204: None, **PRECONDITIONS},
    ),
)
class MilestoneViewSet(
    SkipIdleFilterSetMixin, GoalsAPIMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    serializer_class = MilestoneSerializer
    schema_model = Milestone
    filterset_class = MilestoneFilter
    ordering_fields = ["id", "due_date", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action in ("create", "update", "partial_update"):
            return MilestoneWriteSerializer
        return MilestoneSerializer

    def workspace_queryset(self) -> Any:
        return milestone_list(workspace=self.workspace, access=self.access)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Plain rows turned into MilestoneSerializer's representation (goals.api_fast):
        # the page is one query, as before, without a serializer per row.
        rows = milestone_values(
            self.filter_queryset(self.get_queryset()),
            raw_datetimes=cursor_reads_datetimes(request),
        )
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(milestone_rows_data(list(rows)))
        return self.get_paginated_response(milestone_rows_data(page))

    def get_object(self) -> Milestone:
        return self.visible_milestone(self.kwargs["pk"])

    def _detail(self, milestone: Milestone, status_code: int = 200, **headers: str) -> Response:
        return Response(
            MilestoneSerializer(milestone).data,
            status=status_code,
            headers={"ETag": milestone_etag(milestone), **headers},
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        etag = milestone_etag(milestone)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return self._detail(milestone)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(MilestoneWriteSerializer, request, self)
        try:
            goal = goal_get(workspace=self.workspace, access=self.access, pk=data.pop("goal", None))
        except (ObjectDoesNotExist, TypeError, ValueError) as exc:
            raise serializers.ValidationError(
                {"goal": ["Choose a goal of this workspace."]}
            ) from exc
        milestone = milestone_create(
            workspace=self.workspace, actor=self.actor(), goal=goal, **data
        )
        location = reverse(
            "api_milestone-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": milestone.pk},
        )
        return self._detail(milestone, status.HTTP_201_CREATED, Location=location)

    def _checked(self, request: Request) -> Milestone:
        """The milestone (404 first), then the If-Match precondition (428, 412)."""
        milestone = self.get_object()
        header = request.headers.get("If-Match")
        if not header:
            raise PreconditionRequired()
        if not if_match_passes(header, milestone_etag(milestone)):
            raise PreconditionFailed()
        return milestone

    def _write(self, request: Request, *, partial: bool) -> Response:
        milestone = self._checked(request)
        data = _validated(MilestoneWriteSerializer, request, self, partial=partial)
        if "goal" in data:
            raise serializers.ValidationError({"goal": ["A milestone stays under its goal."]})
        if not partial:
            data.setdefault("description", "")
            data.setdefault("status", MilestoneStatus.NOT_STARTED)
            data.setdefault("percent_complete", 0)
        try:
            updated = milestone_update(
                workspace=self.workspace,
                actor=self.actor(),
                milestone=milestone,
                expected_version=milestone.version,
                **data,
            )
        except MilestoneConflict as exc:
            raise PreconditionFailed() from exc
        except Milestone.DoesNotExist as exc:  # deleted while this request ran
            raise exceptions.NotFound() from exc
        return self._detail(updated)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=False)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=True)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self._checked(request)
        try:
            milestone_delete(
                workspace=self.workspace,
                actor=self.actor(),
                milestone=milestone,
                expected_version=milestone.version,
            )
        except MilestoneConflict as exc:
            raise PreconditionFailed() from exc
        except Milestone.DoesNotExist as exc:  # deleted while this request ran
            raise exceptions.NotFound() from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Progress updates ---------------------------------------------------------------------


class ProgressUpdateFilter(django_filters.FilterSet):
    milestone = IdFilter(field_name="milestone", help_text="Milestone id.")
    goal = IdFilter(field_name="milestone__goal", help_text="Goal id.")
    partnership = IdFilter(field_name="partnership", help_text="Partnership id.")

    class Meta:
        model = ProgressUpdate
        fields = ["milestone", "goal", "partnership"]


@extend_schema_view(
    list=extend_schema(
        operation_id="progress_updates_list",
        summary="Progress updates (of one milestone on the nested URL)",
        parameters=[WORKSPACE_SLUG],
        responses={200: ProgressUpdateSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="progress_updates_retrieve",
        summary="One progress update",
        parameters=[WORKSPACE_SLUG, UPDATE_ID, IF_NONE_MATCH],
        responses={200: ProgressUpdateSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="progress_updates_create",
        summary="Post a progress update and apply it to the milestone",
        description="Coordinators, admins and write keys (the key is recorded as the author), "
        "and partners whose organization is Responsible or Accountable for the milestone. "
        "`expected_version` is the milestone version the update was written against: when "
        "the milestone has moved on, nothing is written and a 409 problem carries the current "
        "milestone and the updates made since. Done means 100%.",
        parameters=[WORKSPACE_SLUG],
        request=ProgressUpdateCreateSerializer,
        responses={201: ProgressUpdateSerializer, 409: MilestoneConflictSerializer},
    ),
)
class ProgressUpdateViewSet(
    GoalsAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.REPORT_PROGRESS
    serializer_class = ProgressUpdateSerializer
    schema_model = ProgressUpdate
    filterset_class = ProgressUpdateFilter
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return ProgressUpdateCreateSerializer
        return ProgressUpdateSerializer

    def workspace_queryset(self) -> Any:
        milestone = None
        if "milestone_pk" in self.kwargs:
            milestone = self.visible_milestone(self.kwargs["milestone_pk"])
        return progress_update_list(
            workspace=self.workspace, access=self.access, milestone=milestone
        )

    def get_object(self) -> ProgressUpdate:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            progress_update_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        nested = "milestone_pk" in kwargs
        milestone = self.visible_milestone(kwargs["milestone_pk"]) if nested else None
        data = _validated(ProgressUpdateCreateSerializer, request, self)
        body_milestone = data.pop("milestone", None)
        if milestone is None:
            milestone = self.milestone_in_body(body_milestone)
        try:
            update = progress_update_post(
                workspace=self.workspace,
                actor=self.actor(),
                access=self.access,
                milestone=milestone,
                **data,
            )
        except Milestone.DoesNotExist as exc:  # deleted while this request ran
            raise exceptions.NotFound() from exc
        except MilestoneConflict as conflict:
            body = problem(
                409,
                f"The milestone is at version {conflict.milestone.version}, not "
                f"{conflict.expected_version}: nothing was written. Review the updates since "
                "and post again with the current version.",
                code="conflict",
                instance=request.path,
            )
            body["current"] = MilestoneSerializer(conflict.milestone).data
            body["updates_since"] = ProgressUpdateSerializer(conflict.updates_since, many=True).data
            return Response(body, status=409, content_type=PROBLEM_CONTENT_TYPE)
        fresh = progress_update_get(workspace=self.workspace, access=self.access, pk=update.pk)
        return Response(ProgressUpdateSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        operation_id="milestone_progress_updates_list",
        summary="A milestone's progress updates",
        parameters=[WORKSPACE_SLUG, MILESTONE_PK],
        responses={200: ProgressUpdateSerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="milestone_progress_updates_create",
        summary="Post a progress update on this milestone",
        description="As POST /progress-updates/, with the milestone named by the URL.",
        parameters=[WORKSPACE_SLUG, MILESTONE_PK],
        request=ProgressUpdateCreateSerializer,
        responses={201: ProgressUpdateSerializer, 409: MilestoneConflictSerializer},
    ),
)
class MilestoneProgressUpdateViewSet(ProgressUpdateViewSet):
    pass


# --- Comments -----------------------------------------------------------------------------


class CommentFilter(django_filters.FilterSet):
    milestone = IdFilter(field_name="milestone", help_text="Milestone id.")
    goal = IdFilter(field_name="milestone__goal", help_text="Goal id.")

    class Meta:
        model = Comment
        fields = ["milestone", "goal"]


@extend_schema_view(
    list=extend_schema(
        operation_id="comments_list",
        summary="Comments on milestones (oldest first by default order of ids)",
        parameters=[WORKSPACE_SLUG],
        responses={200: CommentSerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="comments_create",
        summary="Comment on a milestone (or reply to one of its updates)",
        description="Everyone who may see the partnership except viewers and read keys.",
        parameters=[WORKSPACE_SLUG],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
    ),
)
class CommentViewSet(GoalsAPIMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.REPORT_PROGRESS
    serializer_class = CommentSerializer
    schema_model = Comment
    filterset_class = CommentFilter
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return CommentCreateSerializer
        return CommentSerializer

    def workspace_queryset(self) -> Any:
        milestone = None
        if "milestone_pk" in self.kwargs:
            milestone = self.visible_milestone(self.kwargs["milestone_pk"])
        return comment_list(workspace=self.workspace, access=self.access, milestone=milestone)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        nested = "milestone_pk" in kwargs
        milestone = self.visible_milestone(kwargs["milestone_pk"]) if nested else None
        data = _validated(CommentCreateSerializer, request, self)
        if milestone is None:
            milestone = self.milestone_in_body(data.get("milestone"))
        reply_to = None
        if data.get("progress_update"):
            try:
                reply_to = progress_update_get(
                    workspace=self.workspace, access=self.access, pk=data["progress_update"]
                )
            except ObjectDoesNotExist as exc:
                raise serializers.ValidationError(
                    {"progress_update": ["Reply to an update of this milestone."]}
                ) from exc
        comment = comment_post(
            workspace=self.workspace,
            actor=self.actor(),
            access=self.access,
            milestone=milestone,
            body=data["body"],
            progress_update=reply_to,
        )
        fresh = comment_list(workspace=self.workspace, access=self.access).get(pk=comment.pk)
        return Response(CommentSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        operation_id="milestone_comments_list",
        summary="A milestone's comments",
        parameters=[WORKSPACE_SLUG, MILESTONE_PK],
        responses={200: CommentSerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="milestone_comments_create",
        summary="Comment on this milestone",
        parameters=[WORKSPACE_SLUG, MILESTONE_PK],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
    ),
)
class MilestoneCommentViewSet(CommentViewSet):
    pass
