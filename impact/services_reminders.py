"""Reminders of missing figures: a coordinator asks an organization to submit a figure it
owes (``impact.selectors_missing`` says which), now.

``missing_figure_remind`` is the entry point for one figure, ``missing_figures_remind``
for a selection. Each reminder is checked (still owed? anyone to tell?), recorded in the
activity trail (who sent it, to which organization, for which figure) and written to the
reminders outbox (``partnerhub.reminders``): one ``manual`` reminder per partner user of
the organization, which goes out in an email of its own at once (unless the person turned
reminder emails off), shows in their notifications and in the partnership's reminder log.
Delivery is the outbox's: a task enqueued when the transaction commits batches and sends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from impact.models import ReportingPeriod
from impact.selectors_missing import OwedFigure, OwedKey, owed_figures, partner_recipients
from partnerhub.models import EventAction, ReminderKind, Workspace
from partnerhub.reminders import ReminderSpec, reminders_insert
from partnerhub.services.activity import actor_parts, record_event
from partnerhub.tasks import reminders_deliver_workspace

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
    refused with the reason, and nothing is sent for them. A fixed number of queries plus
    one activity event per figure; the outbox's task sends the emails after the commit."""
    wanted = list(dict.fromkeys(keys))
    outcome = RemindOutcome()
    if not wanted:
        return outcome
    sender = actor_parts(actor)[0]
    sender_name = sender.display_name if sender is not None else ""
    now = timezone.now()
    specs: list[ReminderSpec] = []
    with transaction.atomic():
        owed = owed_figures(workspace=workspace, keys=wanted)
        people = partner_recipients(
            workspace=workspace, organization_ids={f.organization_id for f in owed.values()}
        )
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
            specs.extend(
                _specs(
                    workspace=workspace,
                    figure=figure,
                    recipient_ids=people.get(figure.organization_id, []),
                    sender_name=sender_name,
                    now=now,
                )
            )
            outcome.sent.append(ReminderSent(figure, figure.recipients))
        if specs:
            reminders_insert(workspace=workspace, specs=specs, now=now)
            reminders_deliver_workspace.delay_on_commit(workspace.pk)
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


# --- The reminder rows -------------------------------------------------------------------


def report_path(*, workspace: Workspace, figure: OwedFigure) -> str:
    """The form where the figure is entered, for this organization."""
    path = reverse(
        "measurement_report",
        kwargs={
            "workspace_slug": workspace.slug,
            "indicator_pk": figure.indicator_id,
            "period_pk": figure.period_id,
        },
    )
    return f"{path}?organization={figure.organization_id}"


def _specs(
    *,
    workspace: Workspace,
    figure: OwedFigure,
    recipient_ids: list[int],
    sender_name: str,
    now: Any,
) -> list[ReminderSpec]:
    """One reminder per partner user of the organization. Each press of the button is a
    new occurrence (the time), so a reminder sent again is sent again."""
    late = f"{figure.days_late} day{'' if figure.days_late == 1 else 's'} late"
    title = f"Please submit “{figure.indicator_name}” for {period_label(figure)} ({late})"
    detail = (
        f"{sender_name} asked {figure.organization_name} for this figure." if sender_name else ""
    )
    occurrence = f"manual:{figure.organization_id}:{now.strftime('%Y%m%dT%H%M%S.%f')}"
    path = report_path(workspace=workspace, figure=figure)
    return [
        ReminderSpec(
            recipient_id=recipient_id,
            kind=ReminderKind.MANUAL,
            subject_type="period",
            subject_id=figure.period_id,
            occurrence=occurrence,
            title=title,
            detail=detail,
            path=path,
            partnership_id=figure.partnership_id,
        )
        for recipient_id in recipient_ids
    ]
