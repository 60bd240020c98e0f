"""Integration with a real Celery worker (``celery -A partnerhub worker``, prefork, two
processes) on a real Redis -- a private redis-server on a free port -- and the test
database: the beat's task ``reminders_sweep`` fans out one task per group of workspaces
(here one task for both), which sweeps each in turn; the test rule fills the outbox,
reminders are batched by cadence, and every due email is delivered once, counted by
Message-ID in the files the worker's email backend wrote."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partnerhub.models import Cadence, EmailState, Reminder, ReminderEmail, ReminderState
from partnerhub.tenancy import workspace_context
from tests.partnerhub.reminder_fixtures import (
    add_people,
    insert_reminders,
    make_workspace,
    outbox_state,
)
from tests.partnerhub.reminder_processes import reminder_stack, wait_until

__all__ = ["reminder_stack"]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _messages(folder) -> list[Message]:
    return [message_from_bytes(path.read_bytes()) for path in sorted(folder.iterdir())]


def test_a_real_worker_delivers_every_due_email_once(reminder_stack):
    stack = reminder_stack
    berlin = make_workspace("int-a", zone="Europe/Berlin", digest_hour=0)
    # The weekly digest of today's local weekday at 00:00 is due already (unless local
    # midnight passes in the seconds between here and the worker's batcher).
    local_weekday = timezone.now().astimezone(ZoneInfo("Pacific/Auckland")).weekday()
    auckland = make_workspace(
        "int-b", zone="Pacific/Auckland", digest_hour=0, weekly_digest_weekday=local_weekday
    )
    immediate = add_people(berlin, 30, cadence=Cadence.IMMEDIATE)
    daily = add_people(berlin, 30)  # no preference: the daily digest
    off = add_people(berlin, 10, cadence=Cadence.OFF)
    weekly = add_people(auckland, 40, cadence=Cadence.WEEKLY)
    # Two more reminders each for the digest readers: still one email per person.
    for subject in (2, 3):
        insert_reminders(berlin, daily, subject_id=subject)
        insert_reminders(auckland, weekly, subject_id=subject)
    expected_emails = len(immediate) + len(daily) + len(weekly)
    expected_reminders = 3 * (len(daily) + len(weekly)) + len(immediate) + len(off)

    stack.worker(pool="prefork", concurrency=2)
    stack.sweep()

    def all_delivered() -> bool:
        sent = outbox_state([berlin, auckland]).emails_sent
        return sent == expected_emails and len(stack.mail.delivered()) == expected_emails

    try:
        took = wait_until(all_delivered, timeout=120, what="every due email")
    except BaseException:
        print(stack.logs())  # noqa: T201
        raise
    print(f"\n{expected_emails} emails delivered by a real worker in {took:.1f} s")  # noqa: T201

    state = outbox_state([berlin, auckland])
    assert state.reminders == expected_reminders
    assert state.emails == expected_emails
    assert stack.mail.duplicates() == 0
    assert stack.mail.delivered() == state.message_ids
    with workspace_context(berlin):
        assert set(
            Reminder.objects.for_workspace(berlin)
            .filter(recipient_id__in=off)
            .values_list("state", flat=True)
        ) == {ReminderState.NOT_EMAILED}
        windows = set(ReminderEmail.objects.for_workspace(berlin).values_list("window", flat=True))
    assert sum(window.startswith("now:") for window in windows) == len(immediate)
    assert sum(window.startswith("daily:") for window in windows) == 1  # one per person
    with workspace_context(auckland):
        assert ReminderEmail.objects.for_workspace(auckland).filter(
            window__startswith="weekly:", state=EmailState.SENT
        ).count() == len(weekly)

    # What a person receives: plain text and HTML, a one-click unsubscribe, and the
    # digest's three reminders in one email.
    messages = _messages(stack.mail.folder)
    digest = next(m for m in messages if m["To"] == f"p0.{auckland.slug}@example.org")
    assert digest.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in digest.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["List-Unsubscribe"].strip().startswith("<http")
    assert digest["Message-ID"] in state.message_ids

    # The beat's next sweep finds everything done: no new reminder, email or delivery.
    stack.sweep()
    stack.sweep()
    wait_until(
        lambda: _succeeded(stack, "reminders_sweep_workspaces") >= 3,  # 3 sweeps, one task each
        timeout=30,
        what="the next two sweeps",
    )
    after = outbox_state([berlin, auckland])
    assert (after.reminders, after.emails, after.emails_sent) == (
        state.reminders,
        state.emails,
        state.emails_sent,
    )
    assert stack.mail.duplicates() == 0
    assert len(list(stack.mail.folder.iterdir())) == expected_emails


def _succeeded(stack, task: str) -> int:
    """How many runs of ``task`` the workers logged as succeeded."""
    return sum(
        f"partnerhub.tasks.{task}[" in line and " succeeded in " in line
        for proc in stack.procs
        if proc.log.exists()
        for line in proc.log.read_text(errors="replace").splitlines()
    )
