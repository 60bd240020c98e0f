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
