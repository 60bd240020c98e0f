"""Shared builders for the reminders engine tests: many people across several workspaces,
a test rule that reads its table in keyset order, and the emails a file backend wrote.

Used in the test process and, through ``reminder_worker_app``, inside the Celery workers
the integration and fault tests start (so nothing here imports pytest)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone

from partnerhub.models import (
    Cadence,
    Membership,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderKind,
    ReminderPolicy,
    Role,
    User,
    Workspace,
)
from partnerhub.reminders import ReminderSpec, RuleBatch, reminders_insert
from partnerhub.tenancy import workspace_context

# Workspaces the test rule answers for; every other workspace is left alone.
RULE_SLUG_PREFIX = "rmd-"
# The kind of the tests' reminders: one that follows each person's cadence (a manual
# reminder always goes out at once).
TEST_KIND = ReminderKind.MILESTONE_DUE.value


class MemberRule:
    """A rule for tests: ``per_member`` reminders per member of the workspace,
    read from the memberships in keyset order by id -- as a real rule reads its table.
    It answers only in workspaces whose slug starts with ``RULE_SLUG_PREFIX``."""

    kind = TEST_KIND

    def __init__(self, occurrence: str = "once", per_member: int = 1) -> None:
        self.occurrence = occurrence
        self.per_member = per_member

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        if not workspace.slug.startswith(RULE_SLUG_PREFIX):
            return RuleBatch(specs=[], last_key=None)
        rows = list(
            Membership.objects.filter(workspace=workspace, id__gt=after)
            .order_by("id")
            .values_list("id", "user_id")[:limit]
        )
        specs = [
            ReminderSpec(
                recipient_id=user_id,
                kind=self.kind,
                subject_type="membership",
                subject_id=membership_id,
                occurrence=f"{self.occurrence}-{step}",
                title=f"Please check item {step} in {workspace.name}",
                path=f"/w/{workspace.slug}/notifications/",
            )
            for membership_id, user_id in rows
            for step in range(1, self.per_member + 1)
        ]
        last_key = rows[-1][0] if len(rows) == limit else None
        return RuleBatch(specs=specs, last_key=last_key, rows_read=len(rows))


# --- Builders ---------------------------------------------------------------------------


def make_workspace(
    slug: str,
    *,
    zone: str = "UTC",
    digest_hour: int | None = None,
    weekly_digest_weekday: int | None = None,
) -> Workspace:
    """A workspace (for the test rule: slug prefixed) and, when asked, its policy."""
    workspace = Workspace.objects.create(
        name=f"Workspace {slug}", slug=f"{RULE_SLUG_PREFIX}{slug}", timezone=zone
    )
    changes = {
        key: value
        for key, value in (
            ("digest_hour", digest_hour),
            ("weekly_digest_weekday", weekly_digest_weekday),
        )
        if value is not None
    }
    if changes:
        with workspace_context(workspace):
            ReminderPolicy.objects.create(workspace=workspace, **changes)
    return workspace


def add_people(workspace: Workspace, count: int, *, cadence: str | None = None) -> list[int]:
    """``count`` active members of the workspace (viewers, no usable password), with a
    cadence preference when given; answers their user ids in creation order."""
    start = Membership.objects.filter(workspace=workspace).count()
    users = User.objects.bulk_create(
        [
            User(
                email=f"p{index}.{workspace.slug}@example.org",
                full_name=f"Person {index}",
                password="!",
            )
            for index in range(start, start + count)
        ],
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        [Membership(user=user, workspace=workspace, role=Role.VIEWER) for user in users],
        batch_size=1000,
    )
    ids = [user.pk for user in users]
    if cadence is not None:
        set_cadence(workspace, ids, cadence)
    return ids


def set_cadence(workspace: Workspace, user_ids: list[int], cadence: str) -> None:
    with workspace_context(workspace):
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(workspace=workspace, user_id=user_id, cadence=cadence)
                for user_id in user_ids
            ],
            update_conflicts=True,
            unique_fields=["workspace", "user"],
            update_fields=["cadence"],
            batch_size=1000,
        )


def spec_for(workspace: Workspace, user_id: int, subject_id: int = 1, occurrence: str = "x"):
    return ReminderSpec(
        recipient_id=user_id,
        kind=TEST_KIND,
        subject_type="test",
        subject_id=subject_id,
        occurrence=occurrence,
        title=f"Reminder {subject_id} for {user_id}",
        path=f"/w/{workspace.slug}/notifications/",
    )


def insert_reminders(
    workspace: Workspace,
    user_ids: list[int],
    *,
    subject_id: int = 1,
    occurrence: str = "x",
    now: datetime | None = None,
) -> int:
    """One pending reminder per person (without going through a rule); answers how many
    were new."""
    specs = [spec_for(workspace, user_id, subject_id, occurrence) for user_id in user_ids]
    with workspace_context(workspace):
        return reminders_insert(workspace=workspace, specs=specs, now=now or timezone.now())


@dataclass
class Load:
    """``people`` per workspace, each owed ``per_member`` reminders by the test rule."""

    workspaces: list[Workspace]
    people: int
    per_member: int

    @property
    def reminders(self) -> int:
        return len(self.workspaces) * self.people * self.per_member

    @property
    def emails(self) -> int:
        """One daily digest per person (all reminders come from one sweep)."""
        return len(self.workspaces) * self.people


def build_load(*, workspaces: int, people: int, per_member: int, tag: str = "f") -> Load:
    """Several workspaces whose daily digest (at local midnight) is already due. The test
    rule, registered in the workers with ``per_member``, gives every person that many
    reminders on the next sweep, all in one digest email."""
    made = []
    for index in range(workspaces):
        workspace = make_workspace(f"{tag}{index}", digest_hour=0)
        add_people(workspace, people, cadence=Cadence.DAILY)
        made.append(workspace)
    return Load(workspaces=made, people=people, per_member=per_member)


# --- What the database says and what was delivered -------------------------------------


@dataclass
class Outbox:
    reminders: int
    reminders_sent: int
    emails: int
    emails_sent: int
    message_ids: set[str]
    max_attempts: int


def outbox_state(workspaces: list[Workspace]) -> Outbox:
    """Counts over the workspaces' outboxes (each read under its own RLS context)."""
    totals = Outbox(0, 0, 0, 0, set(), 0)
    for workspace in workspaces:
        with workspace_context(workspace):
            reminders = Reminder.objects.for_workspace(workspace)
            emails = ReminderEmail.objects.for_workspace(workspace)
            totals.reminders += reminders.count()
            totals.reminders_sent += reminders.filter(state="sent").count()
            totals.emails += emails.count()
            sent = list(emails.filter(state="sent").values_list("message_id", "attempts"))
            totals.emails_sent += len(sent)
            totals.message_ids.update(message_id for message_id, _ in sent)
            totals.max_attempts = max([totals.max_attempts, *(a for _, a in sent)])
    return totals


_MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>\r\n]+>)\r?$", re.MULTILINE)
_END = b"-" * 79 + b"\n"


class MailDrop:
    """The folder a file email backend writes to; counts deliveries by Message-ID.

    A file whose last message is complete is parsed once and remembered; one still being
    written is read again next time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._done: dict[str, list[bytes]] = {}

    def message_ids(self) -> Counter[str]:
        seen: Counter[str] = Counter()
        for path in self.folder.iterdir():
            ids = self._done.get(path.name)
            if ids is None:
                data = path.read_bytes()
                ids = _MESSAGE_ID.findall(data)
                if data.endswith(_END):
                    self._done[path.name] = ids
            seen.update(raw.decode() for raw in ids)
        return seen

    def delivered(self) -> set[str]:
        return set(self.message_ids())

    def duplicates(self) -> int:
        return sum(count - 1 for count in self.message_ids().values())
