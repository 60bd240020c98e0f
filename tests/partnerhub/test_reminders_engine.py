"""The reminders engine on PostgreSQL: the idempotent sweep, batching into emails by
cadence and workspace timezone, and the sender's claim (SKIP LOCKED, lease, fencing,
retries, deterministic Message-ID). Concurrency is real: threads with connections of
their own against committed rows. Time travels with time_machine."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.app.task import Task
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction

from partnerhub import reminders, tasks
from partnerhub.models import (
    Cadence,
    EmailState,
    Membership,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderState,
    User,
    Workspace,
)
from partnerhub.reminders import (
    message_id_for,
    register_reminder_rule,
    reminder_email_claim,
    reminder_email_finish,
    reminders_batch,
    reminders_send_due,
    reminders_sweep_workspace,
    retry_delay,
    unregister_reminder_rule,
)
from partnerhub.tenancy import workspace_context
from tests.partnerhub.reminder_fixtures import (
    TEST_KIND,
    MemberRule,
    add_people,
    insert_reminders,
    make_workspace,
)

pytestmark = pytest.mark.postgres

LEASE = timedelta(seconds=settings.REMINDER_EMAIL_LEASE_SECONDS)


@pytest.fixture
def rule(monkeypatch) -> Iterator[MemberRule]:
    """The test rule (two reminders per member), the only one registered for this test
    (the apps' own rules are their tests' concern)."""
    monkeypatch.setattr(reminders, "_rules", [])
    member_rule = MemberRule(per_member=2)
    register_reminder_rule(member_rule)
    register_reminder_rule(member_rule)  # registering twice is harmless
    assert reminders.registered_rules() == [member_rule]
    yield member_rule
    unregister_reminder_rule(member_rule)
    assert reminders.registered_rules() == []


def _reminders(workspace: Workspace, **filters) -> list[Reminder]:
    with workspace_context(workspace):
        return list(Reminder.objects.for_workspace(workspace).filter(**filters).order_by("id"))


def _emails(workspace: Workspace, **filters) -> list[ReminderEmail]:
    with workspace_context(workspace):
        return list(ReminderEmail.objects.for_workspace(workspace).filter(**filters).order_by("id"))


def _in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``count`` threads started together, each with its own database
    connection; answers the results in order, or raises the first error."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[index] = work(index)
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    if errors:
        raise errors[0]
    return results


# --- The sweep ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sweep_that_runs_twice_changes_nothing(rule):
    workspace = make_workspace("sweep")
    add_people(workspace, 5)

    stats, preview = reminders_sweep_workspace(workspace=workspace, dry_run=True)
    assert len(preview) == 10
    assert stats.created == 0
    assert _reminders(workspace) == []  # a dry run writes nothing

    first, _ = reminders_sweep_workspace(workspace=workspace)
    second, _ = reminders_sweep_workspace(workspace=workspace)
    assert (first.rows_read, first.created, first.by_kind) == (5, 10, {TEST_KIND: 10})
    assert (second.rows_read, second.created) == (5, 0)
    assert len(_reminders(workspace)) == 10
    assert {r.state for r in _reminders(workspace)} == {ReminderState.PENDING}


@pytest.mark.django_db
def test_the_sweep_reads_in_keyset_batches(rule, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH_SIZE", 3)
    workspace = make_workspace("keyset")
    add_people(workspace, 10)
    stats, _ = reminders_sweep_workspace(workspace=workspace)
    assert (stats.batches, stats.rows_read, stats.created) == (4, 10, 20)


@pytest.mark.django_db
def test_a_disabled_kind_is_not_swept(rule):
    workspace = make_workspace("disabled")
    add_people(workspace, 3)
    with workspace_context(workspace):
        policy = reminders.reminder_policy(workspace=workspace)
        policy.enabled_kinds = [kind for kind in policy.enabled_kinds if kind != TEST_KIND]
        policy.save()
    stats, _ = reminders_sweep_workspace(workspace=workspace)
    assert stats.created == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_and_two_batchers_at_once_create_no_duplicates(rule, monkeypatch):
    # Small keyset batches so the two sweeps interleave many transactions.
    monkeypatch.setattr(reminders, "BATCH_SIZE", 40)
    workspace = make_workspace("race")
    people = add_people(workspace, 200, cadence=Cadence.IMMEDIATE)
    add_people(workspace, 100)  # daily digest readers

    created = _in_threads(
        2, lambda _: reminders_sweep_workspace(workspace=Workspace.objects.get(pk=workspace.pk))
    )
    assert sum(stats.created for stats, _ in created) == 600
    assert len(_reminders(workspace)) == 600

    attached = _in_threads(
        2, lambda _: reminders_batch(workspace=Workspace.objects.get(pk=workspace.pk))
    )
    assert sum(attached) == 600
    queued = _reminders(workspace)
    assert {r.state for r in queued} == {ReminderState.QUEUED}
    emails = _emails(workspace)
    # One email per person: the immediate ones carry their two reminders of this sweep.
    assert len(emails) == 300
    assert len({e.recipient_id for e in emails}) == 300
    per_email: dict[int, int] = {}
    for reminder in queued:
        per_email[reminder.email_id] = per_email.get(reminder.email_id, 0) + 1
    assert set(per_email.values()) == {2}
    assert {e.window.split(":")[0] for e in emails if e.recipient_id in people} == {"now"}


@pytest.mark.django_db(transaction=True)
def test_a_batcher_never_works_from_a_stale_view(monkeypatch):
    """Batcher B has read the pending reminders when batcher A attaches and sends them
    (two beats): B must not open tomorrow's email for reminders already sent."""
    workspace = make_workspace("stale")
    people = add_people(workspace, 5)
    insert_reminders(workspace, people)
    b_has_read = threading.Event()
    a_done = threading.Event()
    real_cadences = reminders.cadences_for

    def cadences_then_pause(**kwargs):
        if threading.current_thread().name == "batcher-b" and not b_has_read.is_set():
            b_has_read.set()
            a_done.wait(timeout=3)  # A cannot finish while B holds the rows: go on then
        return real_cadences(**kwargs)

    monkeypatch.setattr(reminders, "cadences_for", cadences_then_pause)
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False):

        def work(index: int) -> int:
            threading.current_thread().name = "batcher-b" if index else "batcher-a"
            fresh = Workspace.objects.get(pk=workspace.pk)
            if index:
                return reminders_batch(workspace=fresh)
            assert b_has_read.wait(timeout=20)
            try:
                return reminders_batch(workspace=fresh) + reminders_send_due(workspace=fresh)
            finally:
                a_done.set()

        _in_threads(2, work)

    emails = _emails(workspace)
    assert len(emails) == 5
    assert {e.window for e in emails} == {"daily:2026-03-10"}
    with workspace_context(workspace):
        assert not ReminderEmail.objects.for_workspace(workspace).filter(reminders=None).exists()


@pytest.mark.django_db
def test_batching_costs_the_same_queries_for_3_or_40_people(django_assert_num_queries):
    def batch(slug: str, count: int) -> int:
        workspace = make_workspace(slug)
        people = add_people(workspace, count)
        insert_reminders(workspace, people)
        # Per batch of up to 1,000, in its transaction (savepoint, tenant setting, release):
        # the policy, the pending reminders (locked), cadences, members, INSERT ... ON
        # CONFLICT DO NOTHING of the emails, their SELECT ... FOR UPDATE, one UPDATE of
        # the reminders; then the same transaction, policy and the empty next batch.
        with django_assert_num_queries(15) as context:
            assert reminders_batch(workspace=workspace) == count
        return len(context.captured_queries)

    assert batch("few", 3) == batch("many", 40) == 15


class CandidateRule:
    """Like the apps' rules: keys first, texts built by the engine for new ones only
    (counted in ``texts_built``). One reminder per member, and a second one whose
    occurrence is longer than the column (stored cut to 80 characters)."""

    kind = TEST_KIND

    def __init__(self) -> None:
        self.texts_built = 0

    def collect(self, *, workspace, policy, now, today, after, limit):
        rows = list(
            Membership.objects.filter(workspace=workspace, id__gt=after)
            .order_by("id")
            .values_list("id", "user_id")[:limit]
        )

        def texts(membership_id):
            self.texts_built += 1
            return (f"Check item {membership_id}", "Details", "/somewhere/", None)

        candidates = reminders.Candidates(kind=self.kind, subject_type="membership", texts=texts)
        for membership_id, user_id in rows:
            candidates.add(user_id, membership_id, "short", membership_id)
            candidates.add(user_id, membership_id, "x" * 90, membership_id)
        last_key = rows[-1][0] if len(rows) == limit else None
        return reminders.RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


@pytest.fixture
def candidate_rule(monkeypatch) -> Iterator[CandidateRule]:
    monkeypatch.setattr(reminders, "_rules", [])
    rule = CandidateRule()
    register_reminder_rule(rule)
    yield rule
    unregister_reminder_rule(rule)


@pytest.mark.django_db
def test_a_steady_sweep_builds_no_texts_and_costs_constant_queries(
    candidate_rule, django_assert_num_queries
):
    def sweep(slug: str, people: int) -> Workspace:
        workspace = make_workspace(slug)
        add_people(workspace, people)
        # One transaction: savepoint, tenant setting, policy, the rule's rows, which
        # reminders exist, the insert, release.
        with django_assert_num_queries(7):
            stats, _ = reminders_sweep_workspace(workspace=workspace)
        assert (stats.rows_read, stats.created, stats.by_kind) == (
            people,
            2 * people,
            {TEST_KIND: 2 * people},
        )
        return workspace

    few, many = sweep("cand-few", 2), sweep("cand-many", 30)
    assert candidate_rule.texts_built == 2 * (2 + 30)
    long_ones = [r for r in _reminders(many) if r.occurrence != "short"]
    assert {r.occurrence for r in long_ones} == {"x" * 80} and len(long_ones) == 30
    assert {r.title for r in long_ones} >= {"Check item " + str(long_ones[0].subject_id)}

    # Everything is in the outbox: no text is built, nothing inserted (no INSERT query).
    for workspace, people in ((few, 2), (many, 30)):
        with django_assert_num_queries(6):
            stats, _ = reminders_sweep_workspace(workspace=workspace)
        assert (stats.rows_read, stats.created) == (people, 0)
    assert candidate_rule.texts_built == 2 * (2 + 30)
    assert len(_reminders(many)) == 60

    # A dry run lists every reminder with its texts, existing or not.
    _, preview = reminders_sweep_workspace(workspace=few, dry_run=True)
    assert [(spec.occurrence, spec.title) for spec in preview][:2] == [
        ("short", f"Check item {preview[0].subject_id}"),
        ("x" * 90, f"Check item {preview[0].subject_id}"),
    ]


@pytest.mark.django_db
def test_batches_share_a_transaction_up_to_the_batch_size(candidate_rule, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH_SIZE", 4)
    workspace = make_workspace("rounds")
    add_people(workspace, 10)
    transactions = []
    real_context = reminders.workspace_context

    def counting_context(workspace):
        transactions.append(workspace)
        return real_context(workspace)

    monkeypatch.setattr(reminders, "workspace_context", counting_context)
    stats, _ = reminders_sweep_workspace(workspace=workspace)
    # Keyset batches of 4, 4, 2 rows; a transaction ends once it has read 4 rows.
    assert (stats.batches, stats.rows_read, stats.created) == (3, 10, 20)
    assert len(transactions) == 3


# --- Batching by cadence and timezone -----------------------------------------------------

# 2026-03-10 is a Tuesday; New York is on daylight time (UTC-4) since 8 March.
NY_DIGEST_UTC = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 08:00 in New York


@pytest.fixture
def new_york(db) -> Workspace:
    return make_workspace("ny", zone="America/New_York", digest_hour=8)


@pytest.mark.django_db
def test_the_daily_digest_goes_out_at_the_local_hour_once_per_person(new_york):
    ann, bob = add_people(new_york, 2)
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=UTC), tick=False):
        insert_reminders(new_york, [ann, bob], subject_id=1)
        assert reminders_batch(workspace=new_york) == 2
    with time_machine.travel(datetime(2026, 3, 10, 11, 30, tzinfo=UTC), tick=False):
        insert_reminders(new_york, [ann], subject_id=2)
        assert reminders_batch(workspace=new_york) == 1
        assert reminders_send_due(workspace=new_york) == 0  # 07:30 local: not yet

    emails = _emails(new_york)
    assert [(e.recipient_id, e.window) for e in emails] == [
        (ann, "daily:2026-03-10"),
        (bob, "daily:2026-03-10"),
    ]
    assert {e.send_after for e in emails} == {NY_DIGEST_UTC}

    with time_machine.travel(NY_DIGEST_UTC + timedelta(minutes=1), tick=False):
        assert reminders_send_due(workspace=new_york) == 2
    assert sorted(m.body.count("\n- Reminder ") for m in mail.outbox) == [1, 2]
    assert {m.subject.split(" for ")[0] for m in mail.outbox} == {"1 reminder", "2 reminders"}


@pytest.mark.django_db
def test_the_local_date_names_the_digest_not_utcs(new_york):
    (ann,) = add_people(new_york, 1)
    # 02:00 UTC on the 10th is 22:00 on the 9th in New York.
    with time_machine.travel(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), tick=False):
        insert_reminders(new_york, [ann])
        reminders_batch(workspace=new_york)
    (email,) = _emails(new_york)
    assert email.window == "daily:2026-03-09"
    assert email.send_after == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # due already


@pytest.mark.django_db
def test_a_reminder_after_todays_digest_waits_for_tomorrows(new_york):
    (ann,) = add_people(new_york, 1)
    with time_machine.travel(datetime(2026, 3, 10, 11, 0, tzinfo=UTC), tick=False):
        insert_reminders(new_york, [ann], subject_id=1)
        reminders_batch(workspace=new_york)
    with time_machine.travel(datetime(2026, 3, 10, 13, 0, tzinfo=UTC), tick=False):
        assert reminders_send_due(workspace=new_york) == 1
    with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), tick=False):
        insert_reminders(new_york, [ann], subject_id=2)
        reminders_batch(workspace=new_york)
        assert reminders_send_due(workspace=new_york) == 0
    later = _emails(new_york, state=EmailState.PENDING)
    assert [(e.window, e.send_after) for e in later] == [
        ("daily:2026-03-11", datetime(2026, 3, 11, 12, 0, tzinfo=UTC))
    ]
    with time_machine.travel(datetime(2026, 3, 11, 12, 0, 1, tzinfo=UTC), tick=False):
        assert reminders_send_due(workspace=new_york) == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_weekly_immediate_and_off(new_york):
    tokyo = make_workspace("tokyo", zone="Asia/Tokyo", digest_hour=8, weekly_digest_weekday=0)
    weekly = add_people(tokyo, 1, cadence=Cadence.WEEKLY)
    immediate = add_people(tokyo, 1, cadence=Cadence.IMMEDIATE)
    off = add_people(tokyo, 1, cadence=Cadence.OFF)
    outsider = User.objects.create_user("outsider@example.org")  # no membership
    # Wednesday 11 March 2026, 10:00 in Tokyo.
    now = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        for subject in (1, 2):
            insert_reminders(tokyo, [*weekly, *immediate, *off, outsider.pk], subject_id=subject)
        assert reminders_batch(workspace=tokyo) == 4
        insert_reminders(tokyo, immediate, subject_id=3)
        assert reminders_batch(workspace=tokyo) == 1
        assert reminders_send_due(workspace=tokyo) == 2  # the immediate ones, now

    windows = {(e.recipient_id, e.window, e.send_after, e.state) for e in _emails(tokyo)}
    first_immediate = _reminders(tokyo, recipient_id=immediate[0])[0].pk
    third_immediate = _reminders(tokyo, recipient_id=immediate[0])[2].pk
    assert windows == {
        # Monday 16 March, 08:00 in Tokyo.
        (weekly[0], "weekly:2026-W12", datetime(2026, 3, 15, 23, 0, tzinfo=UTC), "pending"),
        (immediate[0], f"now:{first_immediate}", now, "sent"),
        (immediate[0], f"now:{third_immediate}", now, "sent"),
    }
    not_emailed = {r.recipient_id for r in _reminders(tokyo, state=ReminderState.NOT_EMAILED)}
    assert not_emailed == {off[0], outsider.pk}


# --- Sending: claim, lease, fencing, retries -----------------------------------------------


def _due_emails(workspace: Workspace, count: int) -> list[int]:
    """``count`` due immediate emails of one reminder each; answers their ids."""
    people = add_people(workspace, count, cadence=Cadence.IMMEDIATE)
    insert_reminders(workspace, people)
    reminders_batch(workspace=workspace)
    return [email.pk for email in _emails(workspace)]


@pytest.mark.django_db
def test_every_due_email_is_sent_once_with_a_deterministic_message_id():
    workspace = make_workspace("send")
    ids = _due_emails(workspace, 3)
    assert reminders_send_due(workspace=workspace) == 3
    assert reminders_send_due(workspace=workspace) == 0
    emails = _emails(workspace)
    assert {e.state for e in emails} == {EmailState.SENT}
    expected = {
        f"<reminder-{workspace.pk}-{pk}@{settings.REMINDER_MESSAGE_ID_DOMAIN}>" for pk in ids
    }
    assert {e.message_id for e in emails} == expected
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == expected
    assert {e.message_id for e in emails} == {message_id_for(e) for e in emails}
    assert {r.state for r in _reminders(workspace)} == {ReminderState.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_claimer_skips_an_email_another_one_holds():
    workspace = make_workspace("skip")
    first, second = _due_emails(workspace, 2)
    locked = threading.Event()
    release = threading.Event()

    def hold_first() -> None:
        try:
            with workspace_context(workspace):
                ReminderEmail.objects.select_for_update().get(pk=first)
                locked.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert locked.wait(timeout=20)
        claim = reminder_email_claim(workspace=workspace)  # does not wait for the lock
        assert claim is not None
        assert claim.email_id == second
        assert reminder_email_claim(workspace=workspace) is None
    finally:
        release.set()
        holder.join(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_two_claimers_at_once_never_get_the_same_email():
    workspace = make_workspace("claimers")
    ids = _due_emails(workspace, 60)

    def claim_all(_: int) -> list[int]:
        claimed = []
        while (claim := reminder_email_claim(workspace=workspace)) is not None:
            claimed.append(claim.email_id)
        return claimed

    first, second = _in_threads(2, claim_all)
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(ids)
    assert first and second  # both took a share


@pytest.mark.django_db
def test_an_expired_lease_is_claimable_again_and_fences_the_old_holder():
    workspace = make_workspace("lease")
    (email_id,) = _due_emails(workspace, 1)
    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

    old = reminder_email_claim(workspace=workspace, now=start)
    assert old is not None
    assert old.attempt == 1
    assert reminder_email_claim(workspace=workspace, now=start + LEASE / 2) is None
    new = reminder_email_claim(workspace=workspace, now=start + LEASE + timedelta(seconds=1))
    assert new is not None
    assert (new.email_id, new.attempt) == (email_id, 2)
    # The same email keeps its Message-ID: a duplicate is recognisable.
    assert new.message.extra_headers["Message-ID"] == old.message.extra_headers["Message-ID"]

    # The old holder comes back late: its outcome is not recorded.
    assert reminder_email_finish(workspace=workspace, claim=old, error=None) is False
    assert reminder_email_finish(workspace=workspace, claim=old, error="boom") is False
    (email,) = _emails(workspace)
    assert (email.state, email.attempts) == (EmailState.SENDING, 2)
    assert reminder_email_finish(workspace=workspace, claim=new, error=None) is True
    (email,) = _emails(workspace)
    assert email.state == EmailState.SENT


@pytest.mark.django_db
def test_a_crash_after_sending_resends_once_with_the_same_message_id():
    workspace = make_workspace("crash")
    _due_emails(workspace, 1)
    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    claim = reminder_email_claim(workspace=workspace, now=start)
    claim.message.send()  # ... and the worker dies before it records the outcome
    clock = start + LEASE + timedelta(seconds=1)
    assert reminders_send_due(workspace=workspace, now=lambda: clock) == 1
    assert len(mail.outbox) == 2
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 1


def test_retry_delay_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.REMINDER_EMAIL_RETRY_BASE_SECONDS = 120
    settings.REMINDER_EMAIL_RETRY_MAX_SECONDS = 3600
    middle = [retry_delay(n, rng=lambda: 0.5).total_seconds() for n in range(1, 9)]
    assert middle == [120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert retry_delay(3, rng=lambda: 0.0).total_seconds() == 240  # x 0.5
    assert retry_delay(3, rng=lambda: 0.999).total_seconds() == pytest.approx(480 * 1.499)
    assert retry_delay(30, rng=lambda: 0.999).total_seconds() <= 3600 * 1.5
    jittered = {retry_delay(4).total_seconds() for _ in range(50)}
    assert len(jittered) > 1
    assert all(480 <= delay <= 1440 for delay in jittered)


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the relay hung up")


@pytest.mark.django_db
def test_a_failing_email_is_retried_with_backoff_then_failed(settings):
    settings.REMINDER_EMAIL_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    workspace = make_workspace("retry")
    _due_emails(workspace, 1)
    clock = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    waits = []
    for attempt in (1, 2):
        assert reminders_send_due(workspace=workspace, now=lambda: clock) == 0
        (email,) = _emails(workspace)
        assert (email.state, email.attempts) == (EmailState.PENDING, attempt)
        assert email.last_error == "the relay hung up"
        waits.append(email.send_after - clock)
        # Not before its time ...
        assert reminders_send_due(workspace=workspace, now=lambda: clock) == 0
        assert _emails(workspace)[0].attempts == attempt
        clock = email.send_after
    base = settings.REMINDER_EMAIL_RETRY_BASE_SECONDS
    assert timedelta(seconds=base * 0.5) <= waits[0] <= timedelta(seconds=base * 1.5)
    assert timedelta(seconds=base) <= waits[1] <= timedelta(seconds=base * 3)

    assert reminders_send_due(workspace=workspace, now=lambda: clock) == 0
    (email,) = _emails(workspace)
    assert (email.state, email.attempts) == (EmailState.FAILED, 3)
    far = clock + timedelta(days=30)
    assert reminder_email_claim(workspace=workspace, now=far) is None
    # Nothing will send them now: the reminders leave "queued" (they keep the email).
    (reminder,) = _reminders(workspace)
    assert (reminder.state, reminder.email_id) == (ReminderState.NOT_EMAILED, email.pk)


@pytest.mark.django_db
def test_an_email_to_someone_who_left_or_turned_emails_off_is_not_sent():
    workspace = make_workspace("left")
    gone, quiet, stays = _due_emails(workspace, 3)
    by_email = {e.pk: e.recipient_id for e in _emails(workspace)}
    with workspace_context(workspace):
        Membership.objects.filter(workspace=workspace, user_id=by_email[gone]).delete()
        # Turned off while a batcher held the email locked: the withdrawal skipped it.
        NotificationPreference.objects.for_workspace(workspace).filter(
            user_id=by_email[quiet]
        ).update(cadence=Cadence.OFF)
    assert reminders_send_due(workspace=workspace) == 1
    assert [m.to for m in mail.outbox] == [[f"p2.{workspace.slug}@example.org"]]
    assert [e.pk for e in _emails(workspace)] == [stays]
    dropped = _reminders(workspace, state=ReminderState.NOT_EMAILED)
    assert {(r.recipient_id, r.email_id) for r in dropped} == {
        (by_email[gone], None),
        (by_email[quiet], None),
    }


@pytest.mark.django_db
def test_a_batch_never_stalls_when_every_window_is_taken():
    workspace = make_workspace("late")
    (person,) = add_people(workspace, 1)
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    with workspace_context(workspace):
        for day in ("2030-01-01", "2030-01-02"):  # both sent (e.g. the timezone changed)
            ReminderEmail.objects.create(
                workspace=workspace,
                recipient_id=person,
                window=f"daily:{day}",
                send_after=now,
                state=EmailState.SENT,
            )
    insert_reminders(workspace, [person], now=now)
    assert reminders_batch(workspace=workspace, now=now) == 1
    (email,) = _emails(workspace, state=EmailState.PENDING)
    assert email.window.startswith("late:") and email.send_after == now


# --- Tasks are enqueued on commit only ------------------------------------------------------


class Rollback(Exception):
    pass


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, tuple]]:
    """What would reach the broker (every apply_async, recorded instead of sent)."""
    calls: list[tuple[str, tuple]] = []

    def record(self, args=None, kwargs=None, **options):
        calls.append((self.name, tuple(args or ())))

    monkeypatch.setattr(Task, "apply_async", record)
    return calls


@pytest.mark.django_db
def test_a_transaction_that_rolls_back_enqueues_nothing(
    published, django_capture_on_commit_callbacks, settings
):
    settings.REMINDER_SWEEP_WORKSPACES_PER_TASK = 2
    workspaces = [make_workspace(f"enqueue{i}") for i in range(3)]
    ids = sorted(w.pk for w in Workspace.objects.all())
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        suppress(Rollback),
        transaction.atomic(),
    ):
        assert tasks.reminders_sweep() == len(ids) >= 3
        raise Rollback
    assert callbacks == []
    assert published == []

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tasks.reminders_sweep()
        assert published == []  # not before the commit
    # One task per group of two workspaces (never one per row), after the commit; every
    # workspace in exactly one of them, in id order.
    assert [name for name, _ in published] == ["partnerhub.tasks.reminders_sweep_workspaces"] * (
        (len(ids) + 1) // 2
    )
    assert [group for _, (group,) in published] == [
        ids[start : start + 2] for start in range(0, len(ids), 2)
    ]
    assert {w.pk for w in workspaces} <= set(ids)


@pytest.mark.django_db
def test_the_sweep_enqueues_one_task_per_group_of_workspaces(
    published, django_capture_on_commit_callbacks, settings
):
    for index in range(5):
        make_workspace(f"group{index}")
    ids = sorted(Workspace.objects.values_list("id", flat=True))
    for per_task in (25, 2, 1):
        settings.REMINDER_SWEEP_WORKSPACES_PER_TASK = per_task
        published.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.reminders_sweep() == len(ids)
        groups = [group for _, (group,) in published]
        assert len(groups) == -(-len(ids) // per_task)  # ceil
        assert all(len(group) <= per_task for group in groups)
        assert [pk for group in groups for pk in group] == ids  # none skipped, none twice


@pytest.mark.django_db
def test_a_sweep_task_sweeps_each_of_its_workspaces_and_survives_a_failing_one(
    rule, monkeypatch, caplog
):
    first, broken, last = (make_workspace(f"turn{i}") for i in range(3))
    for workspace in (first, broken, last):
        add_people(workspace, 3)
    real_sweep = reminders.reminders_sweep_workspace

    def sweep_or_fail(*, workspace, **kwargs):
        if workspace.pk == broken.pk:
            raise RuntimeError("the database went away")
        return real_sweep(workspace=workspace, **kwargs)

    monkeypatch.setattr(reminders, "reminders_sweep_workspace", sweep_or_fail)
    ids = [first.pk, broken.pk, last.pk, 10**12]  # the last one was deleted meanwhile
    totals = tasks.reminders_sweep_workspaces(ids)
    assert totals["workspaces"] == 2 and totals["failed"] == 1
    assert totals["rows_read"] == 6 and totals["created"] == 12
    assert len(_reminders(first)) == len(_reminders(last)) == 6
    assert _reminders(broken) == []
    assert f"reminder sweep of workspace {broken.pk} failed" in caplog.text
    # Delivered again (a worker died after the task ran): nothing new, nothing twice.
    again = tasks.reminders_sweep_workspaces(ids)
    assert (again["workspaces"], again["created"], again["failed"]) == (2, 0, 1)
    assert len(_reminders(first)) == len(_reminders(last)) == 6


@pytest.mark.django_db
def test_the_next_send_batch_is_enqueued_on_commit(
    published, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "SEND_BATCH", 2)
    workspace = make_workspace("chain")
    _due_emails(workspace, 3)
    with (
        django_capture_on_commit_callbacks(execute=True),
        suppress(Rollback),
        transaction.atomic(),
    ):
        assert tasks.reminders_send_workspace(workspace.pk) == 2
        raise Rollback
    assert published == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_send_workspace(workspace.pk) == 2
    assert published == [("partnerhub.tasks.reminders_send_workspace", (workspace.pk,))]


def test_celery_is_configured_for_at_least_once_delivery():
    from partnerhub.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    if settings.CELERY_BROKER_URL.startswith("redis"):
        # Longer than a lease and than the sweep interval: nothing is redelivered early.
        visibility = app.conf.broker_transport_options["visibility_timeout"]
        assert visibility > settings.REMINDER_EMAIL_LEASE_SECONDS
        assert visibility > settings.CELERY_BEAT_SCHEDULE["sweep-reminders"]["schedule"]
