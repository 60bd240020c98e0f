"""manage.py send_reminders: runs sweep, batch and send once per workspace (or one);
with --dry-run it prints what the rules want now, which of it already exists, and writes
and sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from partnerhub.models import (
    ActivityEvent,
    Cadence,
    Membership,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderKind,
    ReminderPolicy,
    ReminderState,
    Workspace,
)
from partnerhub.reminders import (
    ReminderSpec,
    RuleBatch,
    register_reminder_rule,
    unregister_reminder_rule,
)
from partnerhub.tenancy import workspace_context
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


class EveryMemberRule:
    """One reminder per member of the chosen workspaces, read in keyset order."""

    kind = ReminderKind.FIGURES_WAITING.value  # a digest kind (manual ones go out at once)

    def __init__(self, *workspaces: Workspace) -> None:
        self.workspace_ids = {workspace.pk for workspace in workspaces}

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
        if workspace.pk not in self.workspace_ids:
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
                occurrence=today.isoformat(),
                title=f"Check your work in {workspace.name}",
                path=f"/w/{workspace.slug}/my-work/",
            )
            for membership_id, user_id in rows
        ]
        return RuleBatch(
            specs=specs, last_key=rows[-1][0] if len(rows) == limit else None, rows_read=len(rows)
        )


@pytest.fixture
def rule(cast_a: Cast, cast_b: Cast) -> Iterator[EveryMemberRule]:
    registered = EveryMemberRule(cast_a.workspace, cast_b.workspace)
    register_reminder_rule(registered)
    yield registered
    unregister_reminder_rule(registered)


@pytest.fixture
def immediate(cast_a: Cast, cast_b: Cast) -> None:
    """Everyone wants emails immediately, so the run sends them now."""
    for cast in (cast_a, cast_b):
        with workspace_context(cast.workspace):
            NotificationPreference.objects.bulk_create(
                [
                    NotificationPreference(
                        workspace=cast.workspace, user=cast.user(role), cadence=Cadence.IMMEDIATE
                    )
                    for role in ("admin", "coordinator", "partner", "viewer")
                ]
            )


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def reminders_of(cast: Cast) -> list[Reminder]:
    with workspace_context(cast.workspace):
        return list(Reminder.objects.for_workspace(cast.workspace).order_by("id"))


def test_a_run_creates_batches_and_sends(cast_a: Cast, cast_b: Cast, rule, immediate):
    output = run()
    assert "ws-a: 4 new reminders (4 rows read), 4 put into emails, 4 emails sent" in output
    assert "ws-b: 4 new reminders (4 rows read), 4 put into emails, 4 emails sent" in output
    assert len(mail.outbox) == 8
    assert {r.state for r in reminders_of(cast_a)} == {ReminderState.SENT}
    # A second run finds everything done: nothing new, nothing sent twice.
    output = run()
    assert "ws-a: 0 new reminders (4 rows read), 0 put into emails, 0 emails sent" in output
    assert len(mail.outbox) == 8


def test_a_run_for_one_workspace_leaves_the_others(cast_a: Cast, cast_b: Cast, rule, immediate):
    output = run("--workspace", "ws-b")
    assert "ws-a" not in output
    assert len(mail.outbox) == 4
    assert reminders_of(cast_a) == []
    assert len(reminders_of(cast_b)) == 4


def test_daily_digests_wait_for_their_hour(cast_a: Cast, rule):
    # 05:00 in Berlin: the 08:00 digest is not due yet.
    with time_machine.travel(datetime(2026, 3, 2, 4, tzinfo=UTC), tick=False):
        output = run("--workspace", "ws-a")
    assert "4 new reminders" in output
    assert "4 put into emails, 0 emails sent" in output
    assert mail.outbox == []
    with time_machine.travel(datetime(2026, 3, 2, 7, 5, tzinfo=UTC), tick=False):
        output = run("--workspace", "ws-a")
    assert "0 new reminders" in output
    assert "4 emails sent" in output
    assert len(mail.outbox) == 4


def test_dry_run_prints_what_would_be_created_and_writes_nothing(
    cast_a: Cast, cast_b: Cast, rule, settings
):
    settings.SITE_URL = "https://hub.example.org"
    with workspace_context(cast_a.workspace):
        NotificationPreference.objects.create(
            workspace=cast_a.workspace, user=cast_a.viewer, cadence=Cadence.OFF
        )
    events_before = _events(cast_a)
    output = run("--dry-run", "--workspace", "ws-a")
    assert "ws-a (Workspace A): 4 reminders due now, 4 new, 0 already exist" in output
    line = next(line for line in output.splitlines() if cast_a.partner.email in line)
    assert line.split()[0] == "new"
    assert "figures_waiting" in line
    assert "Check your work in Workspace A" in line
    assert "https://hub.example.org/w/ws-a/my-work/" in line
    viewer_line = next(line for line in output.splitlines() if cast_a.viewer.email in line)
    assert "(emails off: in-app only)" in viewer_line
    assert "ws-b" not in output
    # Nothing written, nothing sent.
    assert reminders_of(cast_a) == []
    with workspace_context(cast_a.workspace):
        assert not ReminderEmail.objects.for_workspace(cast_a.workspace).exists()
    assert _events(cast_a) == events_before
    assert mail.outbox == []


def test_dry_run_after_a_run_shows_that_nothing_new_would_be_sent(cast_a: Cast, cast_b: Cast, rule):
    run("--workspace", "ws-a")
    before = [(r.pk, r.state, r.updated_at) for r in reminders_of(cast_a)]
    output = run("--dry-run")
    assert "ws-a (Workspace A): 4 reminders due now, 0 new, 4 already exist" in output
    assert "ws-b (Workspace B): 4 reminders due now, 4 new, 0 already exist" in output
    ws_a_lines = [line for line in output.splitlines() if "@example.org" in line and ".a@" in line]
    assert len(ws_a_lines) == 4
    assert all(line.split()[0] == "exists" for line in ws_a_lines)
    assert "outbox: 0 reminders waiting for an email" in output
    assert [(r.pk, r.state, r.updated_at) for r in reminders_of(cast_a)] == before
    assert reminders_of(cast_b) == []


def test_dry_run_with_no_rule_answering(cast_a: Cast):
    output = run("--dry-run", "--workspace", "ws-a")
    assert "ws-a (Workspace A): 0 reminders due now, 0 new, 0 already exist" in output


def test_an_unknown_workspace_is_an_error():
    with pytest.raises(CommandError, match="No workspace with the slug 'nope'"):
        run("--workspace", "nope")


def _events(cast: Cast) -> int:
    with workspace_context(cast.workspace):
        return ActivityEvent.objects.for_workspace(cast.workspace).count()
