"""Input and output serializers of the goal endpoints.

Output serializers shape what the selectors return (annotations included, nothing read
per row); input serializers parse a request body. The rules live in the services, whose
ValidationErrors become 400 problems.
"""

from __future__ import annotations

from rest_framework import serializers

from goals.models import GoalStatus, MilestoneStatus
from partners.api.serializers_partnerships import (
    ApiKeyBriefSerializer,
    OrganizationBriefSerializer,
    PersonBriefSerializer,
)

# --- Goals --------------------------------------------------------------------------------


class GoalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    title = serializers.CharField()
    description = serializers.CharField()
    target_date = serializers.DateField(allow_null=True)
    sdgs = serializers.ListField(child=serializers.IntegerField(), help_text="SDG numbers 1-17.")
    status = serializers.ChoiceField(
        choices=GoalStatus.choices,
        help_text="Derived from the milestones (never written): see the API description.",
    )
    status_reason = serializers.CharField(help_text="Why the goal has this status.")
    milestone_count = serializers.IntegerField()
    milestones_done = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class GoalWriteSerializer(serializers.Serializer):
    partnership = serializers.IntegerField(
        min_value=1, required=False, help_text="Creation only: id of a visible partnership."
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    sdgs = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=17), required=False
    )


# --- Milestones ---------------------------------------------------------------------------


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    goal = serializers.IntegerField(source="goal_id")
    title = serializers.CharField()
    description = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)
    completed_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(
        help_text="Grows by one on every change; the ETag is derived from it."
    )
    last_update_at = serializers.DateTimeField(
        allow_null=True, help_text="When the latest progress update was posted."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MilestoneWriteSerializer(serializers.Serializer):
    goal = serializers.IntegerField(
        min_value=1, required=False, help_text="Creation only: id of a visible goal."
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=MilestoneStatus.choices, required=False)
    percent_complete = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        help_text="Done means 100; 100 with another status is refused.",
    )


# --- Progress updates and comments --------------------------------------------------------


class ProgressUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    milestone = serializers.IntegerField(source="milestone_id")
    author = PersonBriefSerializer(allow_null=True, help_text="The person, if one posted it.")
    author_key = ApiKeyBriefSerializer(allow_null=True, help_text="The API key, if one did.")
    organization = OrganizationBriefSerializer(
        allow_null=True, help_text="The partner organization reporting, if a partner did."
    )
    status_before = serializers.ChoiceField(choices=MilestoneStatus.choices)
    status_after = serializers.ChoiceField(choices=MilestoneStatus.choices)
    percent_before = serializers.IntegerField()
    percent_after = serializers.IntegerField()
    narrative = serializers.CharField(help_text="What happened.")
    blockers = serializers.CharField(help_text="Blockers or help needed.")
    version_after = serializers.IntegerField(help_text="The milestone's version it produced.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProgressUpdateCreateSerializer(serializers.Serializer):
    milestone = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Id of the milestone (only on /progress-updates/; the nested URL names it).",
    )
    expected_version = serializers.IntegerField(
        min_value=1, help_text="The milestone version the update was written against."
    )
    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(max_length=5000, help_text="What happened.")
    blockers = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Blockers or help needed."
    )


class PreconditionProblemSerializer(serializers.Serializer):
    """428 (no If-Match) or 412 (a stale ETag), as problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)


class MilestoneConflictSerializer(serializers.Serializer):
    """A 409 problem: the milestone moved past ``expected_version``."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    current = MilestoneSerializer(help_text="The milestone as it is now.")
    updates_since = ProgressUpdateSerializer(
        many=True, help_text="The progress updates made after the version you sent, oldest first."
    )


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    milestone = serializers.IntegerField(source="milestone_id")
    progress_update = serializers.IntegerField(source="progress_update_id", allow_null=True)
    author = PersonBriefSerializer(allow_null=True)
    author_key = ApiKeyBriefSerializer(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CommentCreateSerializer(serializers.Serializer):
    milestone = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Id of the milestone (only on /comments/; the nested URL names it).",
    )
    progress_update = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Reply to this update (id)."
    )
    body = serializers.CharField(max_length=5000)
