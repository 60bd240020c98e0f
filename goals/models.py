"""Shared goals, their milestones, partners' progress updates and the comments on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from partnerhub.models import ApiKey, TenantModel
from partners.models import Organization, Partnership


class GoalStatus(models.TextChoices):
    """Derived from the goal's milestones (and, with the impact app, its indicators);
    never typed in. The rule lives in goals.status."""

    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    ACHIEVED = "achieved", "Achieved"


class SharedGoal(TenantModel):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    target_date = models.DateField(null=True, blank=True)
    sdgs = models.JSONField(default=list, blank=True, help_text="SDG numbers (1-17)")
    status = models.CharField(
        max_length=12, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED, editable=False
    )
    status_reason = models.CharField(max_length=300, blank=True, editable=False)

    class Meta(TenantModel.Meta):
        ordering = ["partnership", "target_date", "id"]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="goal_ws_updated"),
            models.Index(
                fields=["workspace", "partnership", "target_date"], name="goal_ws_partnership"
            ),
            models.Index(fields=["workspace", "status"], name="goal_ws_status"),
        ]

    def __str__(self) -> str:
        return self.title


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    AT_RISK = "at_risk", "At risk"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"


class Milestone(TenantModel):
    """A dated step toward a goal. ``version`` grows by one on every change: a write
    made against an older version is refused (optimistic concurrency)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="milestones"
    )
    goal = models.ForeignKey(SharedGoal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.NOT_STARTED
    )
    percent_complete = models.PositiveSmallIntegerField(default=0)
    completed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    last_update_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["due_date", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="milestone_percent_at_most_100"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="milestone_ws_updated"),
            models.Index(fields=["workspace", "due_date", "id"], name="milestone_ws_due"),
            models.Index(fields=["workspace", "goal", "due_date"], name="milestone_ws_goal"),
            models.Index(
                fields=["workspace", "partnership", "due_date"], name="milestone_ws_pship"
            ),
            models.Index(fields=["workspace", "status", "due_date"], name="milestone_ws_status"),
        ]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(TenantModel):
    """A partner's report on a milestone: before and after, in their words."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_before = models.CharField(max_length=12, choices=MilestoneStatus.choices)
    status_after = models.CharField(max_length=12, choices=MilestoneStatus.choices)
    percent_before = models.PositiveSmallIntegerField()
    percent_after = models.PositiveSmallIntegerField()
    narrative = models.TextField("What happened")
    blockers = models.TextField("Blockers or help needed", blank=True)
    version_after = models.PositiveIntegerField()

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="update_ws_updated"),
            models.Index(
                fields=["workspace", "milestone", "created_at"], name="update_ws_milestone"
            ),
            models.Index(fields=["workspace", "partnership", "created_at"], name="update_ws_pship"),
        ]


class Comment(TenantModel):
    """Where partners and coordinators talk about the work: on a milestone, optionally
    replying to one of its progress updates."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="comments")
    progress_update = models.ForeignKey(
        ProgressUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="comment_ws_updated"),
            models.Index(
                fields=["workspace", "milestone", "created_at"], name="comment_ws_milestone"
            ),
        ]
