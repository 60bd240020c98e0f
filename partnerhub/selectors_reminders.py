"""Reads of reminders for the pages: a person's notifications and unread count, their
cadence, the workspace's policy, and a partnership's reminder log.

Lists are newest first and keyset-paginated on (created_at, id), one query per page
whatever its position. Which partnerships a reader may see is the partners app's rule,
reached through ``partnerhub.selectors_activity`` (the core imports no domain app).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from partnerhub.models import (
    Cadence,
    EmailState,
    Membership,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderPolicy,
    ReminderState,
    Role,
    User,
    Workspace,
)
from partnerhub.reminders import ReminderSpec, reminder_policy
from partnerhub.selectors_activity import EventCursor, EventReader, partnership_for_activity

PAGE_SIZE = 50
# The navigation shows "99+" beyond this: counting stops there, so a person with a
# large backlog costs the same bounded query on every page.
UNREAD_COUNT_CAP = 100

# A position in a newest-first list: rows strictly older than (created_at, id).
ReminderCursor = EventCursor


@dataclass(frozen=True)
class ReminderPage:
    reminders: list[Reminder]
    older: ReminderCursor | None  # the cursor of the next (older) page, if there is one


def _page(
    reminders: QuerySet[Reminder], *, cursor: ReminderCursor | None, size: int
) -> ReminderPage:
    reminders = reminders.order_by("-created_at", "-id")
    if cursor is not None:
        reminders = reminders.filter(
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
        )
    rows = list(reminders[: size + 1])
    older = None
    if len(rows) > size:
        rows = rows[:size]
        older = ReminderCursor(created_at=rows[-1].created_at, id=rows[-1].pk)
    return ReminderPage(reminders=rows, older=older)


# --- A person's notifications ------------------------------------------------------------


def notifications_of(*, workspace: Workspace, user: User) -> QuerySet[Reminder]:
    """The person's own reminders in this workspace (nobody else's)."""
    return Reminder.objects.for_workspace(workspace).filter(recipient=user)


def notification_page(
    *, workspace: Workspace, user: User, cursor: ReminderCursor | None, size: int = PAGE_SIZE
) -> ReminderPage:
    reminders = notifications_of(workspace=workspace, user=user).select_related("partnership")
    return _page(reminders, cursor=cursor, size=size)


def notification_get(*, workspace: Workspace, user: User, pk: int) -> Reminder:
    """One of the person's own reminders; DoesNotExist (a 404) for anyone else's."""
    return notifications_of(workspace=workspace, user=user).get(pk=pk)


# ``notifications_of(...).filter(read_at__isnull=True).order_by()[:cap].count()`` as
# constant SQL: every page's navigation runs it, and building the query cost more than
# running it.
_UNREAD_SQL = f"""
    SELECT count(*) FROM (
        SELECT 1 FROM {Reminder._meta.db_table}
         WHERE workspace_id = %s AND recipient_id = %s AND read_at IS NULL
         LIMIT %s) unread
"""  # noqa: S608 -- the table name is the model's; every value is a parameter


def unread_count(*, workspace: Workspace, user: User, cap: int = UNREAD_COUNT_CAP) -> int:
    """How many of the person's reminders are unread, counted up to ``cap`` (one query on
    the partial index of unread reminders)."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [workspace.pk, user.pk, cap])
        return int(cursor.fetchone()[0])


# --- Preferences and policy --------------------------------------------------------------


def notification_cadence(*, workspace: Workspace, user: User) -> str:
    """The person's cadence in this workspace (a daily digest until they choose)."""
    chosen = (
        NotificationPreference.objects.for_workspace(workspace)
        .filter(user=user)
        .values_list("cadence", flat=True)
        .first()
    )
    return chosen or Cadence.DAILY


def workspace_reminder_policy(*, workspace: Workspace) -> ReminderPolicy:
    """The workspace's policy, or the defaults (unsaved) when nobody changed them."""
    return reminder_policy(workspace=workspace)


def policy_days(values: Any, *, minimum: int) -> list[int]:
    """A policy's list of days (JSON) as sorted distinct integers of at least ``minimum``;
    anything else in it is passed over."""
    days: set[int] = set()
    for value in values if isinstance(values, list | tuple) else []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number >= minimum:
            days.add(number)
    return sorted(days)


# --- Who hears about escalations ---------------------------------------------------------


# ``Membership.objects.filter(workspace=..., role__in=[coordinator, admin],
# user__is_active=True).order_by().values_list("user_id", "role")`` as constant SQL: the
# reminder rules ask once per batch, and building the query cost more than running it.
_COORDINATORS_SQL = f"""
    SELECT m.user_id, m.role
      FROM {Membership._meta.db_table} m
      JOIN {User._meta.db_table} u ON u.id = m.user_id
     WHERE m.workspace_id = %s AND m.role IN (%s, %s) AND u.is_active
"""  # noqa: S608 -- table names from the models; every value is a parameter


def coordinator_ids(*, workspace: Workspace) -> list[int]:
    """The workspace's active coordinators, or its admins when it has no coordinator
    (someone must hear about escalations and reviews). One query. The reminder rules of
    the domain apps share it."""
    with connection.cursor() as cursor:
        cursor.execute(_COORDINATORS_SQL, [workspace.pk, Role.COORDINATOR.value, Role.ADMIN.value])
        rows = cursor.fetchall()
    coordinators = sorted(user_id for user_id, role in rows if role == Role.COORDINATOR)
    return coordinators or sorted(user_id for user_id, role in rows if role == Role.ADMIN)


# --- A partnership's reminder log -------------------------------------------------------


def partnership_for_reminder_log(*, workspace: Workspace, access: EventReader, pk: int) -> Any:
    """One partnership the reader may see; DoesNotExist (a 404) otherwise."""
    return partnership_for_activity(workspace=workspace, access=access, pk=pk)


def reminder_log_page(
    *,
    workspace: Workspace,
    partnership_id: int,
    cursor: ReminderCursor | None,
    size: int = PAGE_SIZE,
) -> ReminderPage:
    """What was reminded to whom in one partnership, with the email that carried it."""
    reminders = (
        Reminder.objects.for_workspace(workspace)
        .filter(partnership_id=partnership_id)
        .select_related("recipient", "email")
    )
    return _page(reminders, cursor=cursor, size=size)


# --- What a sweep would do (send_reminders --dry-run) -----------------------------------

ReminderKey = tuple[int, str, str, int, str]  # recipient, kind, subject type and id, occurrence


def spec_key(spec: ReminderSpec) -> ReminderKey:
    return (spec.recipient_id, spec.kind, spec.subject_type, spec.subject_id, spec.occurrence)


def reminder_keys_existing(
    *, workspace: Workspace, specs: Iterable[ReminderSpec], chunk: int = 1000
) -> set[ReminderKey]:
    """The keys among ``specs`` that already have a reminder (one query per ``chunk``)."""
    wanted = list({spec_key(spec) for spec in specs})
    existing: set[ReminderKey] = set()
    reminders = Reminder.objects.for_workspace(workspace)
    for start in range(0, len(wanted), chunk):
        keys = set(wanted[start : start + chunk])
        rows = reminders.filter(
            subject_id__in={key[3] for key in keys},
            recipient_id__in={key[0] for key in keys},
            kind__in={key[1] for key in keys},
        ).values_list("recipient_id", "kind", "subject_type", "subject_id", "occurrence")
        existing.update(row for row in rows if row in keys)
    return existing


def recipient_emails(*, user_ids: Iterable[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=set(user_ids)).values_list("pk", "email"))


@dataclass(frozen=True)
class OutboxState:
    pending_reminders: int  # not yet in an email
    emails_due: int  # emails whose send time has come, not sent yet
    emails_waiting: int  # emails waiting for their digest window


def outbox_state(*, workspace: Workspace, now: datetime) -> OutboxState:
    emails = ReminderEmail.objects.for_workspace(workspace).filter(
        state__in=[EmailState.PENDING, EmailState.SENDING]
    )
    return OutboxState(
        pending_reminders=Reminder.objects.for_workspace(workspace)
        .filter(state=ReminderState.PENDING)
        .count(),
        emails_due=emails.filter(send_after__lte=now).count(),
        emails_waiting=emails.filter(send_after__gt=now).count(),
    )
