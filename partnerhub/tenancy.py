"""The tenant context: which workspace the current transaction may see.

On PostgreSQL every tenant table is guarded by a Row-Level Security policy comparing
``workspace_id`` with the transaction-local setting ``app.workspace_id``. This module is
the one place that sets it. The setting is always transaction-local
(``set_config(..., true)``), so a pooled or persistent connection never carries it into
the next request or task. Without it a query sees no tenant row at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, transaction

from partnerhub.models import Workspace

SETTING = "app.workspace_id"

F = TypeVar("F", bound=Callable[..., Any])


def activate_workspace(workspace: Workspace | int) -> None:
    """Let the current transaction see ``workspace``'s rows (and only those).

    Must be called inside ``transaction.atomic``: outside one the setting would end with
    the statement and the next query would fail closed.
    """
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("activate_workspace() needs an open transaction (transaction.atomic).")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, str(int(workspace_id))])


def active_workspace_id() -> int | None:
    """The workspace the database will filter by right now (PostgreSQL), else None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT NULLIF(current_setting(%s, true), '')", [SETTING])
        value = cursor.fetchone()[0]
    return int(value) if value else None


@contextmanager
def workspace_context(workspace: Workspace | int) -> Iterator[None]:
    """Run a block in one transaction that sees ``workspace`` (commands, tasks, streams)."""
    with transaction.atomic():
        activate_workspace(workspace)
        yield


def tenant_task(func: F) -> F:
    """Decorate a Celery task body whose first argument is a workspace id.

    The task runs in one transaction with that workspace set, so Row-Level Security
    applies to it exactly as to a request.
    """

    @functools.wraps(func)
    def wrapper(workspace_id: int, *args: Any, **kwargs: Any) -> Any:
        with workspace_context(int(workspace_id)):
            return func(workspace_id, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
