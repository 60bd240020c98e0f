"""Writes of the conversation about the work: progress updates and comments.

Who may post a progress update on a milestone: admins, coordinators and write API keys
(``Action.EDIT_CONTENT``), and partners whose organization is Responsible or Accountable
for that milestone (asked through ``goals.hooks``) in a partnership they currently belong
to. Everybody else gets PermissionDenied (a 403 for members; callers reach a milestone
through the access-aware selectors, so a milestone they may not see is already a 404).

An update is applied with a conditional UPDATE against the version the person saw; when
someone else changed the milestone meanwhile, ``MilestoneConflict`` tells what changed
and nothing is written. Done and 100 % go together (see goals.services).

Comments: everyone who may see the partnership and may report progress (admins,
coordinators, write keys, and partners on partnerships they belong to); viewers and read
keys only read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from goals import hooks
from goals.models import Comment, Milestone, ProgressUpdate
from goals.services import (
    MILESTONE_FIELDS,
    apply_milestone_change,
    completed_on_for,
    consistent_progress,
    current_milestone,
    goal_refresh_status,
    raise_conflict,
)
from partnerhub.models import EventAction, Role, Workspace
from partnerhub.permissions import Action
from partnerhub.services.activity import actor_parts, diff, record_event, snapshot
from partners.selectors_partnerships import PartnershipAccess, partnerships_visible_to
from partners.services.partnerships import check_in_workspace

NARRATIVE_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 5000
UPDATE_FIELDS = (
    "milestone",
    "status_before",
    "status_after",
    "percent_before",
    "percent_after",
    "narrative",
    "blockers",
    "version_after",
)


def _sees_partnership(
    *, workspace: Workspace, access: PartnershipAccess, partnership_id: int
) -> bool:
    return (
        partnerships_visible_to(workspace=workspace, access=access)
        .filter(pk=partnership_id)
        .exists()
    )


def can_post_update(
    *, workspace: Workspace, access: PartnershipAccess, milestone: Milestone
) -> bool:
    """Whether this caller may post a progress update on the milestone (module rule)."""
    if access.can(Action.EDIT_CONTENT):
        return True
    organization_id = access.organization_id
    if organization_id is None or not access.can(Action.REPORT_PROGRESS):
        return False
    if not _sees_partnership(
        workspace=workspace, access=access, partnership_id=milestone.partnership_id
    ):
        return False
    responsible = hooks.responsible_org_ids_for_milestones(
        workspace=workspace, milestone_ids=[milestone.pk]
    )
    return organization_id in responsible.get(milestone.pk, set())


def can_comment(*, workspace: Workspace, access: PartnershipAccess, partnership_id: int) -> bool:
    if not access.can(Action.REPORT_PROGRESS):
        return False
    if access.can(Action.VIEW_ALL_PARTNERSHIPS):
        return True
    return _sees_partnership(workspace=workspace, access=access, partnership_id=partnership_id)


def _organization_id(access: Any) -> int | None:
    return access.organization_id if getattr(access, "role", None) == Role.PARTNER else None


def progress_update_post(
    *,
    workspace: Workspace,
    actor: Any,
    access: PartnershipAccess,
    milestone: Milestone,
    expected_version: int,
    status: str,
    percent_complete: int,
    narrative: str,
    blockers: str = "",
) -> ProgressUpdate:
    """Record a progress update and apply it to the milestone, if the milestone is still
    at ``expected_version``; MilestoneConflict otherwise (nothing written)."""
    check_in_workspace(workspace, milestone, "milestone", "Choose a milestone of this workspace.")
    if not can_post_update(workspace=workspace, access=access, milestone=milestone):
        raise PermissionDenied(
            "Only coordinators and the organizations responsible or accountable for this "
            "milestone may post updates on it."
        )
    errors: dict[str, str] = {}
    narrative = (narrative or "").strip()
    blockers = (blockers or "").strip()
    if not narrative:
        errors["narrative"] = "Say what happened."
    elif len(narrative) > NARRATIVE_MAX_LENGTH:
        errors["narrative"] = f"Use at most {NARRATIVE_MAX_LENGTH} characters."
    if len(blockers) > NARRATIVE_MAX_LENGTH:
        errors["blockers"] = f"Use at most {NARRATIVE_MAX_LENGTH} characters."
    try:
        version = int(expected_version)
    except (TypeError, ValueError):
        errors["expected_version"] = "Give the version of the milestone you saw."
        version = 0
    if errors:
        raise ValidationError(errors)
    status, percent = consistent_progress(status=status, percent_complete=percent_complete)

    with transaction.atomic():
        current = current_milestone(workspace=workspace, milestone_id=milestone.pk)
        if current.version != version:
            raise_conflict(workspace=workspace, milestone_id=current.pk, expected_version=version)
        # ``current`` is the milestone at ``version``: every change bumps the version, so
        # these are the values the update replaces (if the conditional UPDATE succeeds).
        before = snapshot(current, MILESTONE_FIELDS)
        now = timezone.now()
        updated = apply_milestone_change(
            workspace=workspace,
            milestone_id=current.pk,
            expected_version=version,
            values={
                "status": status,
                "percent_complete": percent,
                "completed_on": completed_on_for(
                    workspace=workspace,
                    old_status=current.status,
                    old=current.completed_on,
                    new_status=status,
                ),
                "last_update_at": now,
            },
        )
        author, api_key, _ = actor_parts(actor)
        update = ProgressUpdate.objects.create(
            workspace=workspace,
            partnership_id=current.partnership_id,
            milestone=updated,
            author=author,
            author_key=api_key,
            organization_id=_organization_id(access),
            status_before=current.status,
            status_after=updated.status,
            percent_before=current.percent_complete,
            percent_after=updated.percent_complete,
            narrative=narrative,
            blockers=blockers,
            version_after=updated.version,
        )
        goal_refresh_status(workspace=workspace, goal=updated.goal)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=update,
            changes=snapshot(update, UPDATE_FIELDS),
            partnership_id=current.partnership_id,
            object_repr=f"Update on {updated.title}",
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=updated,
            changes=diff(before, snapshot(updated, MILESTONE_FIELDS)),
            partnership_id=current.partnership_id,
        )
    milestone.status, milestone.percent_complete = updated.status, updated.percent_complete
    milestone.version, milestone.completed_on = updated.version, updated.completed_on
    return update


def comment_post(
    *,
    workspace: Workspace,
    actor: Any,
    access: PartnershipAccess,
    milestone: Milestone,
    body: str,
    progress_update: ProgressUpdate | None = None,
) -> Comment:
    """A comment on a milestone, optionally replying to one of its progress updates."""
    check_in_workspace(workspace, milestone, "milestone", "Choose a milestone of this workspace.")
    if not can_comment(workspace=workspace, access=access, partnership_id=milestone.partnership_id):
        raise PermissionDenied("Your role may read this conversation but not take part in it.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a comment."})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError({"body": f"Use at most {COMMENT_MAX_LENGTH} characters."})
    if progress_update is not None and progress_update.milestone_id != milestone.pk:
        raise ValidationError({"progress_update": "Reply to an update of this milestone."})
    author, api_key, _ = actor_parts(actor)
    with transaction.atomic():
        comment = Comment.objects.create(
            workspace=workspace,
            partnership_id=milestone.partnership_id,
            milestone=milestone,
            progress_update=progress_update,
            author=author,
            author_key=api_key,
            body=body,
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=comment,
            changes=snapshot(comment, ("milestone", "progress_update", "body")),
            partnership_id=milestone.partnership_id,
            object_repr=f"Comment on {milestone.title}",
        )
    return comment
