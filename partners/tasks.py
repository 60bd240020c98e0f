"""Celery tasks of the partners app: thin, they load by id and call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from partnerhub.models import Workspace
from partnerhub.tenancy import tenant_task

logger = logging.getLogger(__name__)


@tenant_task
def _apply_import(workspace_id: int, import_id: int) -> None:
    from partners.selectors.organizations import organization_import_get
    from partners.services.organization_import import organization_import_apply

    workspace = Workspace.objects.get(pk=workspace_id)
    record = organization_import_get(workspace=workspace, pk=import_id)
    organization_import_apply(workspace=workspace, record=record)


@tenant_task
def _fail_import(workspace_id: int, import_id: int) -> None:
    from partners.services.organization_import import organization_import_fail

    workspace = Workspace.objects.get(pk=workspace_id)
    organization_import_fail(
        workspace=workspace,
        import_id=import_id,
        reason="The import stopped with an unexpected error; nothing was imported. "
        "Upload the file again, or ask an administrator to look at the logs.",
    )


@shared_task(name="partners.tasks.organization_import_run")
def organization_import_run(workspace_id: int, import_id: int) -> None:
    """Apply a queued organization import (one transaction; progress in the cache)."""
    try:
        _apply_import(workspace_id, import_id)
    except Exception:
        logger.exception("organization import %s failed", import_id)
        # The import's transaction rolled back: record the failure in a new one.
        _fail_import(workspace_id, import_id)
        raise
