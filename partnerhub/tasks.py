"""Core periodic tasks."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.core.cache import cache
from django.db import connection

from partnerhub.views.health import HEARTBEAT_KEY

logger = logging.getLogger(__name__)


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
# order (keyset) and enqueues one ``reminders_sweep_workspaces`` task per group of
# REMINDER_SWEEP_WORKSPACES_PER_TASK workspaces (a task costs the broker and the worker
# more than sweeping a small workspace). That task sweeps its workspaces one after the
# other, each in its own transactions and tenant context: the rules read their tables in
# keyset batches of 1,000 rows inside the task (never a task per row), then it batches and
# sends what is due. A workspace that fails is logged and the others go on. Two beats, a
# repeated sweep or a redelivered task change nothing: the outbox's unique key and the
# email leases make every step idempotent.


@shared_task(name="partnerhub.tasks.reminders_sweep")
def reminders_sweep() -> int:
    """Enqueue the sweep of every workspace, in groups; answers how many workspaces."""
    from django.conf import settings

    from partnerhub.models import Workspace

    per_task = max(1, int(settings.REMINDER_SWEEP_WORKSPACES_PER_TASK))
    queued = 0
    after = 0
    while True:
        ids = list(
            Workspace.objects.filter(id__gt=after)
            .order_by("id")
            .values_list("id", flat=True)[: per_task * 20]
        )
        if not ids:
            return queued
        for start in range(0, len(ids), per_task):
            # On commit only: called inside a transaction, a rollback enqueues nothing.
            reminders_sweep_workspaces.delay_on_commit(ids[start : start + per_task])
        queued += len(ids)
        after = ids[-1]


@shared_task(name="partnerhub.tasks.reminders_sweep_workspaces")
def reminders_sweep_workspaces(workspace_ids: list[int]) -> dict[str, int]:
    """Sweep each workspace in turn (``sweep_workspace``); a failure in one is logged and
    the next goes on. Answers the totals and how many workspaces failed."""
    from partnerhub.models import Workspace

    totals = {"workspaces": 0, "failed": 0, "rows_read": 0, "created": 0, "attached": 0, "sent": 0}
    for workspace_id in workspace_ids:
        try:
            result = sweep_workspace(int(workspace_id))
        except Workspace.DoesNotExist:
            logger.info("reminder sweep: workspace %s no longer exists", workspace_id)
            continue
        except Exception:
            logger.exception("reminder sweep of workspace %s failed", workspace_id)
            totals["failed"] += 1
            if not connection.in_atomic_block:
                # A broken connection is replaced before the next workspace.
                connection.close_if_unusable_or_obsolete()
            continue
        totals["workspaces"] += 1
        for key, value in result.items():
            totals[key] += value
    return totals


@shared_task(name="partnerhub.tasks.reminders_sweep_workspace")
def reminders_sweep_workspace(workspace_id: int) -> dict[str, int]:
    """One workspace's sweep as a task of its own (what the beat enqueued before the
    sweep went by groups; kept so that such a message still in the queue is served)."""
    return sweep_workspace(int(workspace_id))


def sweep_workspace(workspace_id: int) -> dict[str, int]:
    """Fill the workspace's outbox, attach due reminders to emails, then send (each step
    in its own transactions with the workspace set)."""
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
