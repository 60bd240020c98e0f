"""Fault tests of the reminders pipeline with real processes: a few thousand due
reminders across several workspaces (the test rule gives each person PER_MEMBER of them,
all in one daily digest that is already due), Celery workers and beats on a private
redis-server, and the test database as the truth. Delivery is counted by Message-ID in
the files the workers' email backend wrote.

(a) kill -9 a worker in the middle and start another: everything is delivered, with at
    most one duplicate per kill;
(b) two beats at once: no duplicate reminder, no duplicate delivery;
(c) Redis restarted in the middle (everything it held is lost): the worker reconnects and
    the next sweep delivers the rest, without a duplicate;
(d) SIGTERM a worker in the middle (warm shutdown) and start another: no duplicate,
    nothing lost.

The beat runs every 5 minutes in production; here the test enqueues the sweep itself
when a beat's next run is what recovers the work ("the database is the truth")."""

from __future__ import annotations

import time

import pytest

from partnerhub.models import EmailState, ReminderEmail
from partnerhub.tenancy import workspace_context
from tests.partnerhub.reminder_fixtures import Load, build_load, outbox_state
from tests.partnerhub.reminder_processes import (
    LEASE_SECONDS,
    Stack,
    reminder_stack,
    wait_until,
)

__all__ = ["reminder_stack"]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# 3 workspaces x 60 people x 12 reminders = 2,160 due reminders in 180 digest emails.
WORKSPACES = 3
PEOPLE = 60
PER_MEMBER = 12
# Bounds: generous for a busy machine; a quiet one needs a fraction of them.
DELIVERY_TIMEOUT = 120


@pytest.fixture
def load(reminder_stack: Stack) -> Load:
    reminder_stack.extra_env["REMINDER_TEST_PER_MEMBER"] = str(PER_MEMBER)
    # A sweep task per workspace (production groups 25): the faults below strike while
    # some workspaces' tasks run and others wait in the queue.
    reminder_stack.extra_env["REMINDER_SWEEP_WORKSPACES_PER_TASK"] = "1"
    return build_load(workspaces=WORKSPACES, people=PEOPLE, per_member=PER_MEMBER)


def _delivered(stack: Stack) -> int:
    return len(stack.mail.delivered())


def _in_flight(load: Load) -> int:
    """Emails claimed and not finished (a dead worker's leases)."""
    count = 0
    for workspace in load.workspaces:
        with workspace_context(workspace):
            count += (
                ReminderEmail.objects.for_workspace(workspace)
                .filter(state=EmailState.SENDING)
                .count()
            )
    return count


def _wait_all_delivered(stack: Stack, load: Load, *, sweep_every: float | None = None) -> float:
    """Wait until every reminder is sent and every email delivered; with ``sweep_every``
    enqueue a sweep that often meanwhile, as the beat would."""
    last_sweep = time.monotonic()

    def done() -> bool:
        nonlocal last_sweep
        if sweep_every and time.monotonic() - last_sweep > sweep_every:
            stack.sweep()
            last_sweep = time.monotonic()
        state = outbox_state(load.workspaces)
        return state.reminders_sent == load.reminders and _delivered(stack) >= load.emails

    try:
        return wait_until(done, timeout=DELIVERY_TIMEOUT, interval=0.3, what="every delivery")
    except BaseException:
        print(stack.logs())  # noqa: T201
        raise


def _assert_complete(stack: Stack, load: Load, *, max_duplicates: int) -> int:
    state = outbox_state(load.workspaces)
    assert state.reminders == load.reminders  # created once, whatever ran twice
    assert state.reminders_sent == load.reminders
    assert state.emails == load.emails  # one digest per person
    assert state.emails_sent == load.emails
    assert stack.mail.delivered() == state.message_ids  # every email reached the backend
    duplicates = stack.mail.duplicates()
    assert duplicates <= max_duplicates
    return duplicates


def _report(label: str, **numbers: object) -> None:
    text = ", ".join(f"{key}={value}" for key, value in numbers.items())
    print(f"\n[{label}] {text}")  # noqa: T201


def test_a_kill_9_in_the_middle_loses_nothing_and_duplicates_at_most_once(reminder_stack, load):
    stack = reminder_stack
    victim = stack.worker(pool="solo")
    stack.sweep()
    wait_until(
        lambda: _delivered(stack) >= load.emails // 4,
        timeout=DELIVERY_TIMEOUT,
        what="a quarter of the emails",
    )
    victim.kill9()
    killed_at = time.monotonic()
    before, in_flight = _delivered(stack), _in_flight(load)
    assert before < load.emails, "the worker finished before the kill"

    # Another worker; once the dead one's lease has expired, the beat's next sweep finds
    # in the database what the dead worker's unacknowledged messages carried.
    stack.worker(pool="prefork", concurrency=2)
    time.sleep(max(0.0, killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
    stack.sweep()
    took = _wait_all_delivered(stack, load, sweep_every=15)
    duplicates = _assert_complete(stack, load, max_duplicates=1)  # one kill
    _report(
        "kill -9",
        reminders=load.reminders,
        emails=load.emails,
        delivered_before_kill=before,
        leases_left_by_the_dead=in_flight,
        recovery_s=round(took, 1),
        duplicates=duplicates,
    )


def test_two_beats_at_once_duplicate_nothing(reminder_stack, load):
    stack = reminder_stack
    stack.worker(pool="prefork", concurrency=2)
    beats = [stack.beat(every=1.5), stack.beat(every=1.5)]
    took = _wait_all_delivered(stack, load)
    # Both beats keep sweeping after the work is done: still nothing new.
    wait_until(
        lambda: all(_beat_sends(beat) >= 4 for beat in beats),
        timeout=60,
        what="both beats to send the sweep several times",
    )
    time.sleep(2)
    for beat in beats:
        beat.stop()
    duplicates = _assert_complete(stack, load, max_duplicates=0)
    _report(
        "two beats",
        reminders=load.reminders,
        emails=load.emails,
        sweeps_sent=[_beat_sends(beat) for beat in beats],
        delivered_s=round(took, 1),
        duplicates=duplicates,
    )


def _beat_sends(beat) -> int:
    text = beat.log.read_text(errors="replace") if beat.log.exists() else ""
    return text.count("Sending due task sweep-reminders")


def test_a_redis_restart_in_the_middle_loses_nothing(reminder_stack, load):
    stack = reminder_stack
    # Two processes, three workspaces: one workspace's task waits in Redis when it goes down.
    worker = stack.worker(pool="prefork", concurrency=2)
    stack.sweep()
    wait_until(
        lambda: _delivered(stack) >= load.emails // 6,
        timeout=DELIVERY_TIMEOUT,
        what="a sixth of the emails",
    )
    at_restart = _delivered(stack)
    stack.redis.restart(down_seconds=1.0)  # no persistence: every queued message is gone
    assert at_restart < load.emails, "the worker finished before the restart"
    # The worker reconnects by itself ...
    wait_until(
        lambda: worker.log.read_text(errors="replace").count("Connected to redis://") >= 2,
        timeout=60,
        what="the worker to reconnect",
    )
    assert worker.running
    # ... and the beat's next sweep finds in the database what the lost messages carried.
    stack.sweep()
    took = _wait_all_delivered(stack, load, sweep_every=15)
    duplicates = _assert_complete(stack, load, max_duplicates=0)
    _report(
        "redis restart",
        reminders=load.reminders,
        emails=load.emails,
        delivered_at_restart=at_restart,
        recovery_s=round(took, 1),
        duplicates=duplicates,
    )


def test_a_sigterm_in_the_middle_neither_loses_nor_duplicates(reminder_stack, load):
    stack = reminder_stack
    first = stack.worker(pool="prefork", concurrency=2)
    stack.sweep()
    wait_until(
        lambda: _delivered(stack) >= load.emails // 4,
        timeout=DELIVERY_TIMEOUT,
        what="a quarter of the emails",
    )
    at_signal = _delivered(stack)
    # Warm shutdown: the running tasks finish, their emails are recorded, and the tasks
    # not started go back to the queue.
    assert first.stop(timeout=DELIVERY_TIMEOUT) == 0
    at_exit = _delivered(stack)
    assert _in_flight(load) == 0
    stack.worker(pool="prefork", concurrency=2)
    took = _wait_all_delivered(stack, load)  # no sweep needed: nothing was dropped
    duplicates = _assert_complete(stack, load, max_duplicates=0)
    _report(
        "SIGTERM",
        reminders=load.reminders,
        emails=load.emails,
        delivered_at_signal=at_signal,
        delivered_at_exit=at_exit,
        rest_s=round(took, 1),
        duplicates=duplicates,
    )
