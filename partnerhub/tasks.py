"""Core periodic tasks."""

from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

from partnerhub.views.health import HEARTBEAT_KEY


@shared_task(name="partnerhub.tasks.heartbeat")
def heartbeat() -> float:
    """Beat -> worker round trip; /health/ reports how long ago it last completed."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, 3600)
    return now


@shared_task(name="partnerhub.tasks.purge_expired_invitations")
def purge_expired_invitations() -> int:
    from partnerhub.services.invitations import invitation_purge_expired

    return invitation_purge_expired()


# --- Reminders ---------------------------------------------------------------------------
# The beat sends one ``reminders_sweep`` every 5 minutes; it walks the workspaces in id
# order (keyset) and enqueues one task per workspace. Each workspace task reads its rules'
# tables in keyset batches of 1,000 rows inside that one task (never a task per row), then
# batches and sends what is due. Two beats, a repeated sweep or a redelivered task change
# nothing: the outbox's unique key and the email leases make every step idempotent.


@shared_task(name="partnerhub.tasks.reminders_sweep")
def reminders_sweep() -> int:
    from partnerhub.models import Workspace

    queued = 0
    after = 0
    while True:
        ids = list(
            Workspace.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:500]
        )
        if not ids:
            return queued
        for workspace_id in ids:
            # On commit only: called inside a transaction, a rollback enqueues nothing.
            reminders_sweep_workspace.delay_on_commit(workspace_id)
            queued += 1
        after = ids[-1]


@shared_task(name="partnerhub.tasks.reminders_sweep_workspace")
def reminders_sweep_workspace(workspace_id: int) -> dict[str, int]:
    """Fill the workspace's outbox, attach due reminders to emails, then send."""
    from partnerhub import reminders
    from partnerhub.models import Workspace

    workspace = Workspace.objects.get(pk=workspace_id)
    stats, _ = reminders.reminders_sweep_workspace(workspace=workspace)
    attached = reminders.reminders_batch(workspace=workspace)
    sent = reminders_send_workspace(workspace_id)
    return {
        "rows_read": stats.rows_read,
        "created": stats.created,
        "attached": attached,
        "sent": sent,
    }


SEND_BATCH = 200


@shared_task(name="partnerhub.tasks.reminders_send_workspace")
def reminders_send_workspace(workspace_id: int) -> int:
    """Send up to SEND_BATCH due emails; when more wait, enqueue the next batch."""
    from partnerhub import reminders
    from partnerhub.models import Workspace

    workspace = Workspace.objects.get(pk=workspace_id)
    sent = reminders.reminders_send_due(workspace=workspace, limit=SEND_BATCH)
    if sent == SEND_BATCH:
        reminders_send_workspace.delay_on_commit(workspace_id)
    return sent


@shared_task(name="partnerhub.tasks.reminders_deliver_workspace")
def reminders_deliver_workspace(workspace_id: int) -> int:
    """Put the workspace's pending reminders into emails and send what is due now (after
    a coordinator's "send a reminder now"; the beat's sweep does the same every 5 min)."""
    from partnerhub import reminders
    from partnerhub.models import Workspace

    workspace = Workspace.objects.get(pk=workspace_id)
    reminders.reminders_batch(workspace=workspace)
    return reminders_send_workspace(workspace_id)


# --- Webhooks ----------------------------------------------------------------------------
# The beat sends one ``webhooks_sweep`` every minute; it walks the workspaces in id order
# (keyset) and enqueues one sender per workspace that has due deliveries. A change also
# enqueues its workspace's sender on commit, so the sweep only catches up after retries
# and lost enqueues.


@shared_task(name="partnerhub.tasks.webhooks_sweep")
def webhooks_sweep() -> int:
    from partnerhub.webhooks_sender import workspaces_with_due_deliveries

    queued = 0
    after = 0
    while True:
        due, last = workspaces_with_due_deliveries(after=after, limit=500)
        if last is None:
            return queued
        for workspace_id in due:
            webhooks_send_workspace.delay_on_commit(workspace_id)
            queued += 1
        after = last


WEBHOOK_SEND_BATCH = 100


@shared_task(name="partnerhub.tasks.webhooks_send_workspace")
def webhooks_send_workspace(workspace_id: int) -> int:
    """Send up to WEBHOOK_SEND_BATCH due deliveries; when more wait, enqueue the next batch."""
    from partnerhub.models import Workspace
    from partnerhub.webhooks_sender import webhooks_send_due

    workspace = Workspace.objects.get(pk=workspace_id)
    tried = webhooks_send_due(workspace=workspace, limit=WEBHOOK_SEND_BATCH)
    if tried == WEBHOOK_SEND_BATCH:
        webhooks_send_workspace.delay_on_commit(workspace_id)
    return tried
