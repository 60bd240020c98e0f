"""Celery tasks: measurement imports.

A large file is applied in batches, each in a transaction of its own (``tenant_task``), so
that the progress (``processed_rows``) is visible while the task runs and a task delivered
again takes up after the last committed batch.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.exceptions import ValidationError

from partnerhub.models import Workspace
from partnerhub.tenancy import tenant_task

logger = logging.getLogger(__name__)

__all__ = ["measurement_import_run"]


@tenant_task
def _begin(workspace_id: int, import_id: int):  # type: ignore[no-untyped-def]
    from impact.services_imports import measurement_import_begin

    return measurement_import_begin(
        workspace=Workspace.objects.get(pk=workspace_id), import_id=import_id
    )


@tenant_task
def _apply_batch(workspace_id: int, import_id: int, run, start: int, end: int) -> bool:  # type: ignore[no-untyped-def]
    from impact.services_imports import measurement_import_apply_batch

    workspace = Workspace.objects.get(pk=workspace_id)
    return measurement_import_apply_batch(
        workspace=workspace, import_id=import_id, run=run, start=start, end=end
    )


@tenant_task
def _finish(workspace_id: int, import_id: int) -> None:
    from impact.services_imports import measurement_import_finish

    measurement_import_finish(workspace=Workspace.objects.get(pk=workspace_id), import_id=import_id)


@tenant_task
def _fail(workspace_id: int, import_id: int, reason: str) -> None:
    from impact.services_imports import measurement_import_fail

    measurement_import_fail(
        workspace=Workspace.objects.get(pk=workspace_id), import_id=import_id, reason=reason
    )


@shared_task(name="impact.tasks.measurement_import_run")
def measurement_import_run(workspace_id: int, import_id: int) -> None:
    """Apply a queued measurement import, batch by batch."""
    from impact.services_imports import BATCH_ROWS

    try:
        run = _begin(workspace_id, import_id)
        if run is None:
            return
        for start in range(run.start, len(run.plans), BATCH_ROWS):
            end = min(start + BATCH_ROWS, len(run.plans))
            if not _apply_batch(workspace_id, import_id, run, start, end):
                return  # another delivery of this task is applying it
        _finish(workspace_id, import_id)
    except ValidationError as exc:
        _fail(workspace_id, import_id, " ".join(exc.messages))
    except Exception:
        logger.exception("measurement import %s failed", import_id)
        _fail(
            workspace_id,
            import_id,
            "The import stopped with an unexpected error. The rows listed below were "
            "applied; upload the file again to import the rest (rows already imported "
            "show as unchanged), or ask an administrator to look at the logs.",
        )
        raise
