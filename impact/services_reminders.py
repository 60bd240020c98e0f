"""Reminders of missing figures: a coordinator asks an organization to submit a figure it
owes (``impact.selectors_missing`` says which), now.

``missing_figure_remind`` is the entry point for one figure, ``missing_figures_remind``
for a selection. Each reminder is checked (still owed? anyone to tell?), recorded in the
activity trail (who sent it, to which organization, for which figure) and handed to a
Celery task once the transaction commits; the task renders and sends the email to the
organization's partner users through Django's mail framework, checking again that the
figure is still owed. When the reminders outbox arrives, these entry points keep their
signatures and write to it instead of enqueueing the task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format

from impact.models import ReportingPeriod
from impact.selectors_missing import OwedFigure, OwedKey, owed_figures, partner_recipients
from impact.tasks_reminders import send_missing_figure_reminder
from partnerhub.models import EventAction, Workspace
from partnerhub.services.activity import actor_parts, record_event

logger = logging.getLogger(__name__)

NOT_OWED = (
    "This figure is not owed any more: it was submitted, its period was locked or is "
    "still open, or the organization no longer reports on the indicator."
)
NO_RECIPIENTS = (
    "{organization} has no partner user with an email address in this workspace, so no "
    "reminder was sent. Invite someone from {organization} first."
)


@dataclass(frozen=True)
class ReminderSent:
    figure: OwedFigure
    recipients: int


@dataclass(frozen=True)
class ReminderRefused:
    key: OwedKey
    figure: OwedFigure | None
    reason: str


@dataclass
class RemindOutcome:
    sent: list[ReminderSent] = field(default_factory=list)
    refused: list[ReminderRefused] = field(default_factory=list)


def period_label(figure: OwedFigure) -> str:
    return (
        f"{date_format(figure.period_start, 'j M Y')} to {date_format(figure.period_end, 'j M Y')}"
    )


def _record(*, workspace: Workspace, actor: Any, figure: OwedFigure) -> None:
    record_event(
        workspace=workspace,
        actor=actor,
        action=EventAction.CREATE,
        # The reminder is about the figure of this period; no row of its own yet.
        target=ReportingPeriod(id=figure.period_id, workspace=workspace),
        partnership_id=figure.partnership_id,
        object_repr=(
            f"reminder to {figure.organization_name}: “{figure.indicator_name}”, "
            f"{period_label(figure)}"
        ),
        changes={
            "reminder": "Missing figure",
            "indicator": figure.indicator_name,
            "organization": figure.organization_name,
            "period": period_label(figure),
            "days_late": figure.days_late,
            "recipients": figure.recipients,
        },
    )


def missing_figures_remind(
    *, workspace: Workspace, actor: Any, keys: Iterable[OwedKey]
) -> RemindOutcome:
    """Remind the organizations of each owed figure named by ``keys`` (duplicates count
    once). Figures not owed, or whose organization has no partner user to write to, are
    refused with the reason, and nothing is sent for them. Two queries and one activity
    event per reminder; the emails go out from a task after the commit."""
    wanted = list(dict.fromkeys(keys))
    outcome = RemindOutcome()
    if not wanted:
        return outcome
    sender = actor_parts(actor)[0]
    sender_name = sender.display_name if sender is not None else ""
    sender_email = sender.email if sender is not None else ""
    with transaction.atomic():
        owed = owed_figures(workspace=workspace, keys=wanted)
        for key in wanted:
            figure = owed.get(key)
            if figure is None:
                outcome.refused.append(ReminderRefused(key, None, NOT_OWED))
                continue
            if figure.recipients == 0:
                reason = NO_RECIPIENTS.format(organization=figure.organization_name)
                outcome.refused.append(ReminderRefused(key, figure, reason))
                continue
            _record(workspace=workspace, actor=actor, figure=figure)
            send_missing_figure_reminder.delay_on_commit(
                workspace.pk,
                key.indicator_id,
                key.period_id,
                key.organization_id,
                sender_name,
                sender_email,
            )
            outcome.sent.append(ReminderSent(figure, figure.recipients))
    logger.info(
        "missing-figure reminders: %s queued, %s refused",
        len(outcome.sent),
        len(outcome.refused),
        extra={"workspace": workspace.slug},
    )
    return outcome


def missing_figure_remind(
    *,
    workspace: Workspace,
    actor: Any,
    indicator_id: int,
    period_id: int,
    organization_id: int,
) -> ReminderSent:
    """Remind one organization of one owed figure; ValidationError (with the reason) when
    the figure is not owed or nobody of the organization can be written to."""
    key = OwedKey(int(indicator_id), int(period_id), int(organization_id))
    outcome = missing_figures_remind(workspace=workspace, actor=actor, keys=[key])
    if outcome.refused:
        raise ValidationError(outcome.refused[0].reason)
    return outcome.sent[0]


# --- The email (sent by the task) ----------------------------------------------------------


def report_url(*, workspace: Workspace, indicator_id: int, period_id: int) -> str:
    """The absolute address of the form where the figure is entered."""
    return settings.SITE_URL + reverse(
        "measurement_report",
        kwargs={
            "workspace_slug": workspace.slug,
            "indicator_pk": indicator_id,
            "period_pk": period_id,
        },
    )


def _context(workspace: Workspace, figure: OwedFigure, sender_name: str) -> dict[str, Any]:
    return {
        "workspace_name": workspace.name,
        "partnership_name": figure.partnership_name,
        "indicator_name": figure.indicator_name,
        "unit": figure.unit,
        "organization_name": figure.organization_name,
        "period_label": period_label(figure),
        "days_late": figure.days_late,
        "state": figure.measurement_status or "",
        "sender_name": sender_name,
        "report_url": report_url(
            workspace=workspace, indicator_id=figure.indicator_id, period_id=figure.period_id
        ),
    }


def missing_figure_reminder_send(
    *,
    workspace: Workspace,
    indicator_id: int,
    period_id: int,
    organization_id: int,
    sender_name: str = "",
    sender_email: str = "",
) -> int:
    """Email the reminder to each partner user of the organization (one message each, so
    no one sees the others' addresses; a reply goes to the person who sent it). Nothing
    is sent when the figure was submitted (or its period locked) since the reminder was
    asked for. Returns the number of messages sent."""
    key = OwedKey(indicator_id, period_id, organization_id)
    figure = owed_figures(workspace=workspace, keys=[key]).get(key)
    if figure is None:
        logger.info(
            "reminder for %s skipped: no longer owed",
            key.encode(),
            extra={"workspace": workspace.slug},
        )
        return 0
    recipients = partner_recipients(workspace=workspace, organization_id=organization_id)
    context = _context(workspace, figure, sender_name)
    subject = " ".join(
        render_to_string("emails/impact/missing_figure_subject.txt", context).split()
    )
    text_body = render_to_string("emails/impact/missing_figure_body.txt", context)
    html_body = render_to_string("emails/impact/missing_figure_body.html", context)
    messages = []
    for person in recipients:
        message = EmailMultiAlternatives(
            subject=subject,
            body=text_body,
            to=[person.email],
            reply_to=[sender_email] if sender_email else None,
        )
        message.attach_alternative(html_body, "text/html")
        messages.append(message)
    sent = get_connection().send_messages(messages) if messages else 0
    logger.info(
        "reminder for %s sent to %s people",
        key.encode(),
        sent,
        extra={"workspace": workspace.slug},
    )
    return int(sent or 0)
