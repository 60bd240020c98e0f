"""The reminders engine: rules fill the outbox, the batcher puts due reminders into
emails by each person's cadence, the sender delivers emails exactly once in the normal
case and at most once more per crashed worker.

Rules live in the apps whose objects they remind about and register here from their
``AppConfig.ready()`` (this core imports no domain app). A rule reads its table in keyset
batches and answers the reminders it wants, keys first (``Candidates``: recipient,
subject, occurrence, and a function building the texts) or as ``ReminderSpec`` rows. A
rule may leave its recipients to a ``Recipients`` object the engine asks once per
transaction for every rule sharing it (the three milestone rules: one query). Per
transaction the engine asks which keys the outbox holds already (one query), builds the
texts of the others only and inserts them with ``ON CONFLICT DO NOTHING`` on the unique
key (recipient, kind, subject, occurrence), so a sweep that runs twice -- or two beat
processes at once -- changes nothing, and a sweep with nothing new formats nothing.

Delivery:

1. ``reminders_batch`` attaches each pending reminder to its person's ``ReminderEmail`` of
   the right window (today's or tomorrow's daily digest at the workspace's local digest
   hour, the next weekly digest, or an immediate email), or marks it ``not_emailed`` when
   the person turned emails off. The email row is locked while reminders are attached,
   so a sender never claims an email half-filled.
2. ``reminder_email_claim`` takes one due email with ``SELECT ... FOR UPDATE SKIP LOCKED``
   and leases it (``state = sending``, ``lease_until``, ``attempts + 1``) in its own short
   transaction. An expired lease makes the email claimable again.
3. The message is sent through Django's mail framework with a Message-ID made from the
   email's id (so a duplicate after a crash is recognisable), then marked sent only if
   the lease is still ours (the attempt number is the fencing token).
4. A failure returns the email to ``pending`` with exponential backoff and jitter, up to
   ``REMINDER_EMAIL_MAX_ATTEMPTS``; then it is ``failed``.
"""

from __future__ import annotations

import functools
import logging
import random
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import BigIntegerField, Case, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from partnerhub.models import (
    Cadence,
    EmailState,
    Membership,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderKind,
    ReminderPolicy,
    ReminderState,
    User,
    Workspace,
)
from partnerhub.tenancy import workspace_context

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


# --- Rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderSpec:
    """One reminder a rule wants to exist."""

    recipient_id: int
    kind: str
    subject_type: str
    subject_id: int
    occurrence: str
    title: str
    path: str
    partnership_id: int | None = None
    detail: str = ""


# (title, detail, path, partnership id) of one reminder.
ReminderTexts = tuple[str, str, str, int | None]


class Recipients(Protocol):
    """Finds the people of many candidates at once (``Candidates.add_for``): rules of
    one kind of subject ask for them with ``wants`` (say, a milestone and its letters),
    and the engine asks ``resolve`` once per transaction for the wants of every rule
    sharing its ``key`` -- one query where each rule would have made its own."""

    key: Hashable

    def resolve(self, wants: Collection[Hashable]) -> Mapping[Hashable, Sequence[int]]:
        """Each want's recipient ids, in the order their reminders are made."""
        ...


class Candidates:
    """The reminders a rule wants from one batch, keys first: ``keys[i]`` is (recipient
    id, subject id, occurrence) and ``texts(items[i])`` answers its (title, detail, path,
    partnership id). The engine asks the outbox which keys exist already (one query per
    transaction) and builds the texts of the new ones only: in the steady state -- every
    reminder of the day already created -- a rule formats nothing.

    A rule that finds its recipients through ``recipients`` adds ``wants`` instead
    (``add_for``); they become keys, in the order they were added, once resolved
    (``resolve_recipients``)."""

    __slots__ = ("items", "keys", "kind", "recipients", "subject_type", "texts", "wanted")

    def __init__(
        self,
        *,
        kind: str,
        subject_type: str,
        texts: Callable[[Any], ReminderTexts],
        recipients: Recipients | None = None,
    ) -> None:
        self.kind = kind
        self.subject_type = subject_type
        self.texts = texts
        self.recipients = recipients
        self.keys: list[tuple[int, int, str]] = []
        self.items: list[Any] = []
        self.wanted: list[tuple[Hashable, int, str, Any]] = []

    def add(self, recipient_id: int, subject_id: int, occurrence: str, item: Any) -> None:
        self.keys.append((recipient_id, subject_id, occurrence))
        self.items.append(item)

    def add_for(self, want: Hashable, subject_id: int, occurrence: str, item: Any) -> None:
        """A reminder to each of the people ``recipients`` finds for ``want``."""
        self.wanted.append((want, subject_id, occurrence, item))

    def specs(self, indexes: Iterable[int] | None = None) -> list[ReminderSpec]:
        """The candidates (those at ``indexes``, else all) as specs, texts built."""
        resolve_recipients([self])
        kind, subject_type, texts, keys, items = (
            self.kind,
            self.subject_type,
            self.texts,
            self.keys,
            self.items,
        )
        specs = []
        for index in range(len(keys)) if indexes is None else indexes:
            recipient_id, subject_id, occurrence = keys[index]
            title, detail, path, partnership_id = texts(items[index])
            specs.append(
                ReminderSpec(
                    recipient_id=recipient_id,
                    kind=kind,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    occurrence=occurrence,
                    title=title,
                    path=path,
                    partnership_id=partnership_id,
                    detail=detail,
                )
            )
        return specs


def resolve_recipients(groups: Iterable[Candidates]) -> None:
    """Turn the wants of ``groups`` into keys: one ``resolve`` per recipients ``key``
    for all the groups sharing it (the milestone rules of a transaction: one query)."""
    sharing: dict[Hashable, tuple[Recipients, list[Candidates]]] = {}
    for group in groups:
        if group.wanted and group.recipients is not None:
            sharing.setdefault(group.recipients.key, (group.recipients, []))[1].append(group)
    for recipients, waiting in sharing.values():
        found = recipients.resolve({want for group in waiting for want, *_ in group.wanted})
        for group in waiting:
            keys, items = group.keys, group.items
            for want, subject_id, occurrence, item in group.wanted:
                for recipient_id in found.get(want, ()):
                    keys.append((recipient_id, subject_id, occurrence))
                    items.append(item)
            group.wanted = []


class RuleBatch:
    """A rule's answer for one keyset batch: the reminders -- ``specs``, or
    ``candidates`` whose texts are built only for reminders not yet in the outbox --
    and the last key read (None when the rule's table is exhausted)."""

    __slots__ = ("_specs", "candidates", "last_key", "rows_read")

    def __init__(
        self,
        specs: list[ReminderSpec] | None = None,
        last_key: int | None = None,
        rows_read: int = 0,
        *,
        candidates: Candidates | None = None,
    ) -> None:
        if specs is not None and candidates is not None:
            raise ValueError("a rule batch has specs or candidates, not both")
        self._specs = specs
        self.candidates = candidates
        self.last_key = last_key
        self.rows_read = rows_read

    @property
    def specs(self) -> list[ReminderSpec]:
        """Every reminder of the batch with its texts (built on first use)."""
        if self._specs is None:
            self._specs = self.candidates.specs() if self.candidates is not None else []
        return self._specs


class ReminderRule(Protocol):
    """``kind`` names the policy switch; ``collect`` reads at most ``limit`` subject rows
    with a key greater than ``after`` (keyset order) and answers the specs and the last
    key read."""

    kind: str

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch: ...


_rules: list[ReminderRule] = []


def register_reminder_rule(rule: ReminderRule) -> None:
    """Add a rule (idempotent; apps call this from ``ready()``)."""
    if all(existing is not rule for existing in _rules):
        _rules.append(rule)


def unregister_reminder_rule(rule: ReminderRule) -> None:
    _rules[:] = [existing for existing in _rules if existing is not rule]


def registered_rules() -> list[ReminderRule]:
    return list(_rules)


# --- Texts ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _day_text(day: date, language: str | None) -> str:
    return date_format(day, "j M Y")


def reminder_day(day: date) -> str:
    """``day`` as reminders name it ("5 Mar 2026"), in the active language. Cached: a
    sweep names the same few days on thousands of rows, and Django's ``date_format``
    costs ~40 µs a call -- over half of a rule's time per row before this cache."""
    return _day_text(day, translation.get_language())


def reminder_days() -> Callable[[date], str]:
    """``reminder_day`` for the rows of one batch: the active language looked up once
    (a lookup costs a few µs, a cached day well under one)."""
    language = translation.get_language()
    names: dict[date, str] = {}

    def name(day: date) -> str:
        text = names.get(day)
        if text is None:
            text = names[day] = _day_text(day, language)
        return text

    return name


# --- Policy, time and preferences -------------------------------------------------------


def reminder_policy(*, workspace: Workspace) -> ReminderPolicy:
    """The workspace's policy, or the defaults (unsaved) when nobody changed them."""
    policy = ReminderPolicy.objects.for_workspace(workspace).first()
    return policy or ReminderPolicy(workspace=workspace)


def local_now(workspace: Workspace, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(workspace.timezone or "UTC"))


def cadences_for(*, workspace: Workspace, user_ids: Iterable[int]) -> dict[int, str]:
    """Each person's cadence in this workspace (daily by default)."""
    ids = set(user_ids)
    chosen = dict(
        NotificationPreference.objects.for_workspace(workspace)
        .filter(user_id__in=ids)
        .values_list("user_id", "cadence")
    )
    return {user_id: chosen.get(user_id, Cadence.DAILY) for user_id in ids}


# ``Membership.objects.filter(workspace=..., user_id__in=..., user__is_active=True)``
# as constant SQL (but for the number of ids): the batcher and the returned-figure rule
# ask once per batch, and building the query cost more than running it.
_ACTIVE_MEMBERS_SQL = f"""
    SELECT m.user_id
      FROM {Membership._meta.db_table} m
      JOIN {User._meta.db_table} u ON u.id = m.user_id
     WHERE m.workspace_id = %s AND u.is_active AND m.user_id IN ({{}})
"""  # noqa: S608 -- table names from the models; every value is a parameter


def active_member_ids(*, workspace: Workspace, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who still belong to the workspace with an active account.
    One query (none for no ids)."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            _ACTIVE_MEMBERS_SQL.format(", ".join(["%s"] * len(ids))), [workspace.pk, *ids]
        )
        return {user_id for (user_id,) in cursor.fetchall()}


# --- The sweep ---------------------------------------------------------------------------


@dataclass
class SweepStats:
    rows_read: int = 0
    batches: int = 0
    created: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


# The rows travel as one JSON array of arrays (orjson is C; binding nine arrays element
# by element costs several times more per row in the driver). The counts by kind come
# back, not a row per reminder.
_INSERT_SQL = """
    WITH inserted AS (
        INSERT INTO partnerhub_reminder
            (workspace_id, created_at, updated_at, recipient_id, kind, subject_type,
             subject_id, occurrence, partnership_id, title, detail, path, state, read_at,
             email_id)
        SELECT %s, %s, %s, (e->>0)::bigint, e->>1, e->>2, (e->>3)::bigint, left(e->>4, 80),
               (e->>5)::bigint, left(e->>6, 300), left(e->>7, 300), left(e->>8, 500), %s,
               NULL, NULL
          FROM jsonb_array_elements(%s::jsonb) AS e
        ON CONFLICT ON CONSTRAINT reminder_once DO NOTHING
        RETURNING kind
    )
    SELECT kind, count(*) FROM inserted GROUP BY kind
"""


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _spec_row(spec: Any) -> tuple[Any, ...]:
    """A reminder spec as the outbox insert's row (``_insert_rows``' column order)."""
    return (
        spec.recipient_id,
        spec.kind,
        spec.subject_type,
        spec.subject_id,
        spec.occurrence,
        spec.partnership_id,
        spec.title,
        spec.detail,
        spec.path,
    )


def reminders_insert(*, workspace: Workspace, specs: list[ReminderSpec], now: datetime) -> int:
    """Insert the reminders that do not exist yet; answers how many were new."""
    if not specs:
        return 0
    if connection.vendor != "postgresql":  # the embedded default (SQLite)
        # bulk_create(ignore_conflicts=True) answers every object, inserted or not: count
        # the rows instead (SQLite serializes writers, so nothing else inserts between).
        reminders = Reminder.objects.for_workspace(workspace)
        before = reminders.count()
        reminders.bulk_create(
            [
                Reminder(workspace=workspace, created_at=now, updated_at=now, **spec.__dict__)
                for spec in specs
            ],
            ignore_conflicts=True,
        )
        return reminders.count() - before
    created = _insert_rows(
        workspace=workspace,
        rows=[_spec_row(s) for s in specs],
        now=now,
    )
    return sum(created.values())


def _insert_rows(
    *, workspace: Workspace, rows: list[tuple[Any, ...]], now: datetime
) -> dict[str, int]:
    """PostgreSQL: one INSERT of (recipient id, kind, subject type, subject id, occurrence,
    partnership id, title, detail, path) rows; answers how many were new, by kind."""
    created: dict[str, int] = {}
    if not rows:
        return created
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [workspace.pk, now, now, ReminderState.PENDING, _json(rows)])
        for kind, count in cursor.fetchall():
            created[kind] = count
    return created


# (recipient id, kind, subject type, subject id, occurrence): the outbox's unique key.
ReminderKey = tuple[int, str, str, int, str]

# The keys are typed columns of a CTE before they meet the table: compared as plain
# columns (leakproof operators) they may drive the unique key's index under Row-Level
# Security, where expressions over the JSON could only filter rows already read.
_PRESENT_SQL = """
    WITH k AS MATERIALIZED (
        SELECT (e->>0)::bigint AS recipient_id, e->>1 AS kind, e->>2 AS subject_type,
               (e->>3)::bigint AS subject_id, left(e->>4, 80) AS occurrence
          FROM jsonb_array_elements(%s::jsonb) AS e
    )
    SELECT r.recipient_id, r.kind, r.subject_type, r.subject_id, r.occurrence
      FROM k
      JOIN partnerhub_reminder r
        ON r.workspace_id = %s AND r.recipient_id = k.recipient_id AND r.kind = k.kind
       AND r.subject_type = k.subject_type AND r.subject_id = k.subject_id
       AND r.occurrence = k.occurrence
"""


def reminder_keys_present(*, workspace: Workspace, keys: list[ReminderKey]) -> set[ReminderKey]:
    """Those of ``keys`` that have a reminder already. One query (lookups on the unique
    key's index)."""
    if not keys:
        return set()
    if connection.vendor != "postgresql":  # the embedded default (SQLite): small batches
        wanted = set(keys)
        candidates = Reminder.objects.for_workspace(workspace).filter(
            kind__in={key[1] for key in keys},
            subject_id__in={key[3] for key in keys},
            recipient_id__in={key[0] for key in keys},
        )
        return {
            row
            for row in candidates.values_list(
                "recipient_id", "kind", "subject_type", "subject_id", "occurrence"
            )
            if row in wanted
        }
    with connection.cursor() as cursor:
        cursor.execute(_PRESENT_SQL, [_json(keys), workspace.pk])
        found: set[ReminderKey] = set(cursor.fetchall())
    if any(len(key[4]) > 80 for key in keys):  # stored cut to 80: name them as asked
        return {key for key in keys if (*key[:4], key[4][:80]) in found}
    return found


def reminders_insert_wanted(
    *,
    workspace: Workspace,
    candidates: list[Candidates],
    specs: list[ReminderSpec],
    now: datetime,
) -> dict[str, int]:
    """Insert ``specs`` and those ``candidates`` not in the outbox yet (their texts built
    for those only); answers how many reminders were new, by kind. On PostgreSQL one
    query asks which candidates exist, one inserts the rest."""
    resolve_recipients(candidates)
    keys: list[ReminderKey] = []
    for group in candidates:
        kind, subject_type = group.kind, group.subject_type
        keys += [(r, kind, subject_type, s, o) for r, s, o in group.keys]
    present = reminder_keys_present(workspace=workspace, keys=keys) if keys else set()
    if connection.vendor != "postgresql":  # the embedded default (SQLite)
        created: dict[str, int] = {}
        start = 0
        for group in candidates:
            end = start + len(group.keys)
            new = [i for i, key in enumerate(keys[start:end]) if key not in present]
            if new:
                count = reminders_insert(workspace=workspace, specs=group.specs(new), now=now)
                created[group.kind] = created.get(group.kind, 0) + count
            start = end
        by_kind: dict[str, list[ReminderSpec]] = {}
        for spec in specs:
            by_kind.setdefault(spec.kind, []).append(spec)
        for kind, group_specs in by_kind.items():
            count = reminders_insert(workspace=workspace, specs=group_specs, now=now)
            created[kind] = created.get(kind, 0) + count
        return created
    rows = [_spec_row(s) for s in specs]
    index = 0
    for group in candidates:
        texts, items = group.texts, group.items
        for item in items:
            key = keys[index]
            index += 1
            if key in present:
                continue
            title, detail, path, partnership_id = texts(item)
            rows.append((*key, partnership_id, title, detail, path))
    return _insert_rows(workspace=workspace, rows=rows, now=now)


def reminders_sweep_workspace(
    *, workspace: Workspace, now: datetime | None = None, dry_run: bool = False
) -> tuple[SweepStats, list[ReminderSpec]]:
    """Run every enabled rule over the workspace in keyset batches of ``BATCH_SIZE`` rows.

    Batches share a transaction until it has read ``BATCH_SIZE`` rows (a batch never
    spans two): a small workspace is swept in one transaction, a large one in
    transactions of one to two batches' rows. At the end of each transaction one query
    asks which of its reminders exist already and one inserts the others. With
    ``dry_run`` nothing is written; the specs that would be considered are returned
    instead (existing reminders included)."""
    now = now or timezone.now()
    today = local_now(workspace, now).date()
    stats = SweepStats()
    preview: list[ReminderSpec] = []
    todo: deque[tuple[ReminderRule, int]] | None = None  # (rule, last key read)
    while todo is None or todo:
        with workspace_context(workspace):
            if todo is None:
                policy = reminder_policy(workspace=workspace)
                enabled = set(policy.enabled_kinds)
                todo = deque((rule, 0) for rule in registered_rules() if rule.kind in enabled)
            candidates: list[Candidates] = []
            specs: list[ReminderSpec] = []
            read = 0
            while todo and read < BATCH_SIZE:
                rule, after = todo[0]
                batch = rule.collect(
                    workspace=workspace,
                    policy=policy,
                    now=now,
                    today=today,
                    after=after,
                    limit=BATCH_SIZE,
                )
                stats.batches += 1
                stats.rows_read += batch.rows_read
                read += batch.rows_read
                if dry_run:
                    preview.extend(batch.specs)
                else:
                    stats.by_kind.setdefault(rule.kind, 0)
                    if batch.candidates is not None:
                        candidates.append(batch.candidates)
                    else:
                        specs.extend(batch.specs)
                if batch.last_key is None:
                    todo.popleft()
                else:
                    todo[0] = (rule, batch.last_key)
            if candidates or specs:
                created = reminders_insert_wanted(
                    workspace=workspace, candidates=candidates, specs=specs, now=now
                )
                for kind, count in created.items():
                    stats.created += count
                    stats.by_kind[kind] = stats.by_kind.get(kind, 0) + count
    return stats, preview


# --- Batching reminders into emails ------------------------------------------------------


def _at_local_hour(workspace: Workspace, day: date, hour: int) -> datetime:
    zone = ZoneInfo(workspace.timezone or "UTC")
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def email_windows(
    *, workspace: Workspace, policy: ReminderPolicy, cadence: str, now: datetime, first_id: int
) -> list[tuple[str, datetime]]:
    """The windows a new reminder may join, in order of preference: (window, send_after).
    The first whose email is still pending wins; a window already sent is skipped."""
    local = local_now(workspace, now)
    if cadence == Cadence.IMMEDIATE:
        return [(f"now:{first_id}", now)]
    if cadence == Cadence.WEEKLY:
        days_ahead = (policy.weekly_digest_weekday - local.weekday()) % 7
        windows = []
        for extra in (0, 7):
            day = local.date() + timedelta(days=days_ahead + extra)
            year, week, _ = day.isocalendar()
            windows.append(
                (f"weekly:{year}-W{week:02d}", _at_local_hour(workspace, day, policy.digest_hour))
            )
        return windows
    today = local.date()
    return [
        (f"daily:{day.isoformat()}", _at_local_hour(workspace, day, policy.digest_hour))
        for day in (today, today + timedelta(days=1))
    ]


def reminders_batch(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Attach pending reminders to their emails (keyset batches); answers how many."""
    now = now or timezone.now()
    attached = 0
    after = 0
    while True:
        with workspace_context(workspace):
            policy = reminder_policy(workspace=workspace)
            # Locked, so that two batchers at once (two beats, a repeated task) never work
            # from a stale view: the second waits, then skips what the first attached.
            # Without the lock it would find the person's email already sent and open
            # the next window's email for reminders no longer pending: an empty digest.
            pending = list(
                Reminder.objects.for_workspace(workspace)
                .filter(state=ReminderState.PENDING, id__gt=after)
                .order_by("id")
                .select_for_update()
                .values_list("id", "recipient_id", "kind")[:BATCH_SIZE]
            )
            if not pending:
                return attached
            after = pending[-1][0]
            # A reminder a coordinator sends by hand goes out now, whatever the digest.
            groups: dict[tuple[int, bool], list[int]] = {}
            for reminder_id, recipient_id, kind in pending:
                groups.setdefault((recipient_id, kind == ReminderKind.MANUAL), []).append(
                    reminder_id
                )
            recipients = {recipient_id for recipient_id, _ in groups}
            cadences = cadences_for(workspace=workspace, user_ids=recipients)
            members = active_member_ids(workspace=workspace, user_ids=recipients)
            not_emailed: list[int] = []
            wanted: list[_EmailWanted] = []
            for (recipient_id, manual), reminder_ids in groups.items():
                cadence = cadences[recipient_id]
                if manual and cadence != Cadence.OFF:
                    cadence = Cadence.IMMEDIATE
                if cadence == Cadence.OFF or recipient_id not in members:
                    not_emailed.extend(reminder_ids)
                else:
                    wanted.append(_EmailWanted(recipient_id, cadence, reminder_ids))
            reminders = Reminder.objects.for_workspace(workspace)
            if not_emailed:
                reminders.filter(id__in=not_emailed).update(
                    state=ReminderState.NOT_EMAILED, updated_at=now
                )
            email_ids = _open_emails(workspace=workspace, policy=policy, wanted=wanted, now=now)
            chosen = [(want, pk) for want, pk in zip(wanted, email_ids, strict=True) if pk]
            attached += _reminders_attach(workspace=workspace, chosen=chosen, now=now)


_ATTACH_SQL = """
    UPDATE partnerhub_reminder AS r
       SET email_id = v.email_id, state = %s, updated_at = %s
      FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, email_id)
     WHERE r.id = v.id AND r.workspace_id = %s AND r.state = %s
"""


def _reminders_attach(
    *, workspace: Workspace, chosen: list[tuple[_EmailWanted, int]], now: datetime
) -> int:
    """One UPDATE for the whole batch: each group's pending reminders into its email."""
    if not chosen:
        return 0
    if connection.vendor != "postgresql":  # the embedded default (SQLite): small batches
        return (
            Reminder.objects.for_workspace(workspace)
            .filter(
                id__in=[pk for want, _ in chosen for pk in want.reminder_ids],
                state=ReminderState.PENDING,
            )
            .update(
                email_id=Case(
                    *(When(id__in=want.reminder_ids, then=Value(pk)) for want, pk in chosen),
                    output_field=BigIntegerField(),
                ),
                state=ReminderState.QUEUED,
                updated_at=now,
            )
        )
    pairs = [(reminder_id, pk) for want, pk in chosen for reminder_id in want.reminder_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            _ATTACH_SQL,
            [
                ReminderState.QUEUED,
                now,
                [reminder_id for reminder_id, _ in pairs],
                [pk for _, pk in pairs],
                workspace.pk,
                ReminderState.PENDING,
            ],
        )
        return cursor.rowcount


@dataclass(frozen=True)
class _EmailWanted:
    recipient_id: int
    cadence: str
    reminder_ids: list[int]


def _open_emails(
    *,
    workspace: Workspace,
    policy: ReminderPolicy,
    wanted: list[_EmailWanted],
    now: datetime,
) -> list[int | None]:
    """For each group, the id of its person's pending email of the right window, locked
    for this transaction (None, rarely, when none could be opened: those reminders stay
    pending for the next batch). A constant number of queries per round of windows:
    one INSERT ... ON CONFLICT DO NOTHING of every group's candidate, one SELECT ... FOR
    UPDATE of them; a group whose candidate was already sent tries its next window."""
    emails = ReminderEmail.objects.for_workspace(workspace)
    candidates = [
        [
            *email_windows(
                workspace=workspace,
                policy=policy,
                cadence=want.cadence,
                now=now,
                first_id=want.reminder_ids[0],
            ),
            # Every window taken (the workspace's timezone or digest hour changed so
            # that "tomorrow" has already gone): an email of its own, due now, rather
            # than reminders left pending forever.
            (f"late:{want.reminder_ids[0]}", now),
        ]
        for want in wanted
    ]
    chosen: list[int | None] = [None] * len(wanted)
    remaining = list(range(len(wanted)))
    level = 0
    while remaining:
        keys: dict[int, tuple[int, str, datetime]] = {}
        for index in remaining:
            window, send_after = candidates[index][level]
            keys[index] = (wanted[index].recipient_id, window, send_after)
        if level:
            late = [keys[i][0] for i in remaining if keys[i][1].startswith("late:")]
            if late:
                logger.warning("no open reminder email window for users %s", late)
        ReminderEmail.objects.bulk_create(
            [
                ReminderEmail(
                    workspace=workspace, recipient_id=recipient_id, window=window, send_after=at
                )
                for recipient_id, window, at in {key[:2]: key for key in keys.values()}.values()
            ],
            ignore_conflicts=True,
        )
        by_window: dict[str, set[int]] = {}
        for recipient_id, window, _ in keys.values():
            by_window.setdefault(window, set()).add(recipient_id)
        match = Q()
        for window, recipient_ids in by_window.items():
            match |= Q(window=window, recipient_id__in=recipient_ids)
        found = {
            (recipient_id, window): (pk, state, attempts)
            for pk, recipient_id, window, state, attempts in emails.filter(match)
            .order_by("id")
            .select_for_update()
            .values_list("id", "recipient_id", "window", "state", "attempts")
        }
        still = []
        for index in remaining:
            # Missing: a withdrawal (emails turned off) deleted it meanwhile; the next
            # batch sees the new preference.
            pk, state, attempts = found.get(keys[index][:2], (None, None, None))
            if state == EmailState.PENDING and attempts == 0:
                chosen[index] = pk
            elif pk is not None and level < len(candidates[index]) - 1:
                still.append(index)
            else:
                logger.error("no reminder email could be opened for user %s", keys[index][0])
        remaining = still
        level += 1
    return chosen


# --- Sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    email_id: int
    attempt: int
    message: EmailMultiAlternatives


def message_id_for(email: ReminderEmail) -> str:
    domain = getattr(settings, "REMINDER_MESSAGE_ID_DOMAIN", "") or "partnerhub.localhost"
    return f"<reminder-{email.workspace_id}-{email.pk}@{domain}>"


def unsubscribe_token(*, user_id: int, workspace_id: int) -> str:
    return signing.dumps({"u": user_id, "w": workspace_id}, salt="partnerhub.unsubscribe")


def unsubscribe_payload(token: str) -> tuple[int, int] | None:
    """(user id, workspace id) of a valid token, else None. Tokens do not expire: an old
    email's link must still work."""
    try:
        data = signing.loads(token, salt="partnerhub.unsubscribe")
        return int(data["u"]), int(data["w"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def build_message(*, workspace: Workspace, email: ReminderEmail) -> EmailMultiAlternatives:
    reminders = list(
        Reminder.objects.for_workspace(workspace)
        .filter(email=email)
        .select_related("partnership")
        .order_by("partnership__name", "kind", "id")
    )
    recipient = email.recipient
    groups: dict[str, list[dict[str, str]]] = {}
    for reminder in reminders:
        name = reminder.partnership.name if reminder.partnership else workspace.name
        groups.setdefault(name, []).append(
            {"title": reminder.title, "detail": reminder.detail, "url": _absolute(reminder.path)}
        )
    unsubscribe_url = _absolute(
        reverse(
            "reminders_unsubscribe",
            kwargs={"token": unsubscribe_token(user_id=recipient.pk, workspace_id=workspace.pk)},
        )
    )
    context = {
        "workspace": workspace,
        "recipient": recipient,
        "groups": sorted(groups.items()),
        "count": len(reminders),
        "window": email.window,
        "unsubscribe_url": unsubscribe_url,
        "notifications_url": _absolute(
            reverse("notification_list", kwargs={"workspace_slug": workspace.slug})
        ),
    }
    subject = render_to_string("emails/reminders/digest_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/reminders/digest.txt", context),
        to=[recipient.email],
        headers={
            "Message-ID": message_id_for(email),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string("emails/reminders/digest.html", context), "text/html"
    )
    return message


def _claimable(*, workspace: Workspace, now: datetime) -> ReminderEmail | None:
    """The first due email nobody holds, locked (skipping those others hold)."""
    return (
        ReminderEmail.objects.for_workspace(workspace)
        .select_for_update(skip_locked=True)
        .filter(send_after__lte=now)
        .filter(Q(state=EmailState.PENDING) | Q(state=EmailState.SENDING, lease_until__lt=now))
        .select_related("recipient")
        .order_by("send_after", "id")
        .first()
    )


def _still_wanted(*, workspace: Workspace, email: ReminderEmail) -> bool:
    """The person still belongs to the workspace and has not turned emails off since
    the batch (turning them off skips an email a batcher holds locked at that moment)."""
    recipient = [email.recipient_id]
    return bool(active_member_ids(workspace=workspace, user_ids=recipient)) and cadences_for(
        workspace=workspace, user_ids=recipient
    )[email.recipient_id] != (Cadence.OFF)


def reminder_email_claim(*, workspace: Workspace, now: datetime | None = None) -> Claim | None:
    """Lease one due email of the workspace (or None), in its own transaction."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.REMINDER_EMAIL_LEASE_SECONDS)
    with workspace_context(workspace):
        email = _claimable(workspace=workspace, now=now)
        while email is not None and not _still_wanted(workspace=workspace, email=email):
            # The person left the workspace (or was deactivated, or turned emails off)
            # after the batch: the digest must not carry the workspace's work to them.
            # The reminders stay in the in-app list as not emailed; the email goes, as
            # when emails are turned off.
            Reminder.objects.for_workspace(workspace).filter(email=email).update(
                state=ReminderState.NOT_EMAILED, email=None, updated_at=now
            )
            email.delete()
            email = _claimable(workspace=workspace, now=now)
        if email is None:
            return None
        email.state = EmailState.SENDING
        email.lease_until = now + lease
        email.attempts += 1
        email.message_id = message_id_for(email)
        email.save(update_fields=["state", "lease_until", "attempts", "message_id"])
        return Claim(email.pk, email.attempts, build_message(workspace=workspace, email=email))


def reminder_email_finish(
    *, workspace: Workspace, claim: Claim, error: str | None, now: datetime | None = None
) -> bool:
    """Record the outcome if the lease is still ours; answers whether it was."""
    now = now or timezone.now()
    with workspace_context(workspace):
        ours = ReminderEmail.objects.for_workspace(workspace).filter(
            pk=claim.email_id, state=EmailState.SENDING, attempts=claim.attempt
        )
        if error is None:
            updated = ours.update(
                state=EmailState.SENT, sent_at=now, lease_until=None, last_error="", updated_at=now
            )
            if updated:
                Reminder.objects.for_workspace(workspace).filter(email_id=claim.email_id).update(
                    state=ReminderState.SENT, updated_at=now
                )
            return bool(updated)
        if claim.attempt >= settings.REMINDER_EMAIL_MAX_ATTEMPTS:
            failed = ours.update(
                state=EmailState.FAILED, last_error=error[:500], lease_until=None, updated_at=now
            )
            if failed:
                # Final: the reminders leave ``queued`` (nothing will send them now); they
                # keep the failed email, so the log says delivery failed.
                Reminder.objects.for_workspace(workspace).filter(email_id=claim.email_id).update(
                    state=ReminderState.NOT_EMAILED, updated_at=now
                )
            return bool(failed)
        return bool(
            ours.update(
                state=EmailState.PENDING,
                send_after=now + retry_delay(claim.attempt),
                last_error=error[:500],
                lease_until=None,
                updated_at=now,
            )
        )


def retry_delay(attempt: int, *, rng: Callable[[], float] = random.random) -> timedelta:
    """Exponential backoff with jitter: base x 2^(attempt-1), capped, times 0.5-1.5."""
    base = settings.REMINDER_EMAIL_RETRY_BASE_SECONDS
    cap = settings.REMINDER_EMAIL_RETRY_MAX_SECONDS
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=delay * (0.5 + rng()))


def reminders_send_due(
    *, workspace: Workspace, now: Callable[[], datetime] = timezone.now, limit: int = 200
) -> int:
    """Send up to ``limit`` due emails of the workspace, one claim at a time; answers how
    many were sent."""
    sent = 0
    for _ in range(limit):
        claim = reminder_email_claim(workspace=workspace, now=now())
        if claim is None:
            break
        try:
            claim.message.send()
        except Exception as exc:  # any delivery failure is retried later
            logger.warning("reminder email %s failed: %s", claim.email_id, exc)
            reminder_email_finish(
                workspace=workspace, claim=claim, error=str(exc) or type(exc).__name__, now=now()
            )
            continue
        sent += reminder_email_finish(workspace=workspace, claim=claim, error=None, now=now())
    return sent
