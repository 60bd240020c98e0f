"""Django admin for platform staff: goals, milestones, progress updates and comments,
inspected workspace by workspace (see partners.admin.TenantAdmin for how the workspace is
chosen under Row-Level Security). A milestone's version and a goal's derived status are
read-only here: they change through the services only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from goals.models import Comment, Milestone, ProgressUpdate, SharedGoal
from partners.admin import TenantAdmin

READ_ONLY: Any = ("workspace", "created_at", "updated_at")


@admin.register(SharedGoal)
class SharedGoalAdmin(TenantAdmin):
    list_display = ("title", "partnership", "status", "target_date", "workspace")
    list_filter = ("workspace", "status")
    search_fields = ("title",)
    raw_id_fields = ("partnership",)
    readonly_fields = (*READ_ONLY, "status", "status_reason")


@admin.register(Milestone)
class MilestoneAdmin(TenantAdmin):
    list_display = ("title", "goal", "due_date", "status", "percent_complete", "version")
    list_filter = ("workspace", "status")
    search_fields = ("title",)
    raw_id_fields = ("partnership", "goal")
    readonly_fields = (*READ_ONLY, "version", "last_update_at")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(TenantAdmin):
    list_display = ("milestone", "status_after", "percent_after", "created_at", "workspace")
    raw_id_fields = ("partnership", "milestone", "author", "author_key", "organization")
    readonly_fields = (*READ_ONLY, "version_after")


@admin.register(Comment)
class CommentAdmin(TenantAdmin):
    list_display = ("milestone", "author", "created_at", "workspace")
    raw_id_fields = ("partnership", "milestone", "progress_update", "author", "author_key")
