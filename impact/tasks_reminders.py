"""Celery tasks: reminders of missing figures (thin: load by id, call the service)."""

from __future__ import annotations

from celery import shared_task

from partnerhub.models import Workspace
from partnerhub.tenancy import tenant_task


@tenant_task
def _send_reminder(
    workspace_id: int,
    indicator_id: int,
    period_id: int,
    organization_id: int,
    sender_name: str,
    sender_email: str,
) -> int:
    from impact.services_reminders import missing_figure_reminder_send

    return missing_figure_reminder_send(
        workspace=Workspace.objects.get(pk=workspace_id),
        indicator_id=indicator_id,
        period_id=period_id,
        organization_id=organization_id,
        sender_name=sender_name,
        sender_email=sender_email,
    )


@shared_task(name="impact.tasks.send_missing_figure_reminder")
def send_missing_figure_reminder(
    workspace_id: int,
    indicator_id: int,
    period_id: int,
    organization_id: int,
    sender_name: str = "",
    sender_email: str = "",
) -> int:
    """Email an organization's partner users that a figure is owed (if it still is)."""
    return _send_reminder(
        workspace_id, indicator_id, period_id, organization_id, sender_name, sender_email
    )


__all__ = ["send_missing_figure_reminder"]
