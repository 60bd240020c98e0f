"""Writes people make about their reminders: reading notifications, choosing a cadence,
unsubscribing from an email link, and an admin adjusting the workspace's reminder policy.

The engine (``partnerhub.reminders``) reads what these write: a cadence of ``off`` makes
the batcher mark new reminders ``not_emailed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from partnerhub.models import (
    Cadence,
    EmailState,
    EventAction,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderPolicy,
    ReminderState,
    User,
    Workspace,
)
from partnerhub.reminders import unsubscribe_payload
from partnerhub.services.activity import diff, record_event, snapshot
from partnerhub.tenancy import workspace_context

POLICY_FIELDS = (
    "enabled_kinds",
    "digest_hour",
    "weekly_digest_weekday",
    "milestone_due_days",
    "overdue_repeat_days",
    "overdue_escalate_days",
    "stale_update_days",
    "missing_repeat_days",
    "missing_escalate_days",
    "health_check_days_before_close",
)


# --- Notifications -----------------------------------------------------------------------


def notifications_mark_all_read(
    *, workspace: Workspace, user: User, now: datetime | None = None
) -> int:
    """Mark every unread reminder of the person in this workspace read; answers how many."""
    now = now or timezone.now()
    return (
        Reminder.objects.for_workspace(workspace)
        .filter(recipient=user, read_at__isnull=True)
        .update(read_at=now, updated_at=now)
    )


def notification_mark_read(
    *, workspace: Workspace, user: User, pk: int, now: datetime | None = None
) -> Reminder:
    """Mark one of the person's own reminders read (once: the first time is kept) and
    answer it; DoesNotExist for anyone else's."""
    now = now or timezone.now()
    reminder = Reminder.objects.for_workspace(workspace).get(recipient=user, pk=pk)
    if reminder.read_at is None:
        Reminder.objects.for_workspace(workspace).filter(pk=pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        reminder.read_at = now
    return reminder


# --- Cadence -----------------------------------------------------------------------------


def notification_cadence_set(*, workspace: Workspace, user: User, cadence: str, actor: Any) -> bool:
    """Set the person's cadence in this workspace; answers whether it changed. Turning
    emails off also withdraws the person's emails that are waiting for their window."""
    if cadence not in Cadence.values:
        raise ValueError(f"unknown cadence {cadence!r}")
    with transaction.atomic():
        preferences = NotificationPreference.objects.for_workspace(workspace)
        preferences.bulk_create(
            [NotificationPreference(workspace=workspace, user=user)], ignore_conflicts=True
        )
        preference = preferences.select_for_update().get(user=user)
        if preference.cadence == cadence:
            return False
        before = snapshot(preference, ["cadence"])
        preference.cadence = cadence
        preference.save(update_fields=["cadence", "updated_at"])
        if cadence == Cadence.OFF:
            _withdraw_waiting_emails(workspace=workspace, user=user)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=preference,
            changes=diff(before, snapshot(preference, ["cadence"])),
            object_repr=f"Reminder emails of {user.display_name}",
        )
    return True


def _withdraw_waiting_emails(*, workspace: Workspace, user: User) -> int:
    """Emails of the person not yet claimed by a sender are dropped and their reminders
    marked ``not_emailed`` (they stay in the in-app list). An email a sender holds right
    now (locked or leased) is left to finish."""
    now = timezone.now()
    waiting = list(
        ReminderEmail.objects.for_workspace(workspace)
        .select_for_update(skip_locked=True)
        .filter(recipient=user, state=EmailState.PENDING, attempts=0)
        .values_list("pk", flat=True)
    )
    if not waiting:
        return 0
    Reminder.objects.for_workspace(workspace).filter(email_id__in=waiting).update(
        state=ReminderState.NOT_EMAILED, email=None, updated_at=now
    )
    ReminderEmail.objects.for_workspace(workspace).filter(pk__in=waiting).delete()
    return len(waiting)


# --- Unsubscribe from an email link ---------------------------------------------------


@dataclass(frozen=True)
class Unsubscribed:
    workspace: Workspace
    user: User
    changed: bool  # False when emails were already off (the link is idempotent)


def unsubscribe_target(token: str) -> tuple[Workspace, User] | None:
    """The workspace and person a signed unsubscribe token names, or None."""
    payload = unsubscribe_payload(token)
    if payload is None:
        return None
    user_id, workspace_id = payload
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if workspace is None or user is None:
        return None
    return workspace, user


def reminders_unsubscribe(*, token: str) -> Unsubscribed | None:
    """Stop reminder emails for the person and workspace the token names (None for a
    token that is not ours). The token is the credential: the person acts."""
    target = unsubscribe_target(token)
    if target is None:
        return None
    workspace, user = target
    with workspace_context(workspace):
        changed = notification_cadence_set(
            workspace=workspace, user=user, cadence=Cadence.OFF, actor=user
        )
    return Unsubscribed(workspace=workspace, user=user, changed=changed)


# --- The workspace's policy ----------------------------------------------------------


def reminder_policy_update(*, workspace: Workspace, actor: Any, **values: Any) -> ReminderPolicy:
    """Change the workspace's reminder policy (created from the defaults on first use)."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    with transaction.atomic():
        policies = ReminderPolicy.objects.for_workspace(workspace)
        # The defaults become a row the first time an admin changes them.
        policies.bulk_create([ReminderPolicy(workspace=workspace)], ignore_conflicts=True)
        policy = policies.select_for_update().get()
        before = snapshot(policy, POLICY_FIELDS)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        changes = diff(before, snapshot(policy, POLICY_FIELDS))
        if changes:
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.UPDATE,
                target=policy,
                changes=changes,
                object_repr="Reminder policy",
            )
    return policy
