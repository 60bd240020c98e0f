"""manage.py send_reminders [--workspace SLUG] [--dry-run]

Runs what the beat's sweep runs, once, in this process: for each workspace (or one),
the rules fill the outbox, due reminders are put into emails by each person's cadence,
and the emails whose time has come are sent. Prints the counts.

With ``--dry-run`` nothing is written and nothing is sent: for each workspace it prints
the reminders the rules want now (recipient, kind, title, link), marking those that
already exist -- a reminder is created once, so those would not be sent again -- and what
is waiting in the outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from partnerhub.models import Cadence, Workspace
from partnerhub.reminders import (
    cadences_for,
    reminders_batch,
    reminders_send_due,
    reminders_sweep_workspace,
)
from partnerhub.selectors_reminders import (
    outbox_state,
    recipient_emails,
    reminder_keys_existing,
    spec_key,
)
from partnerhub.tenancy import workspace_context

WORKSPACE_BATCH = 500


class Command(BaseCommand):
    help = "Create, batch and send the reminders that are due now (--dry-run: only show them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="Only this workspace (its slug).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be created and sent now; write and send nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["workspace"]
        if slug:
            workspace = Workspace.objects.filter(slug=slug).first()
            if workspace is None:
                raise CommandError(f"No workspace with the slug {slug!r}.")
            workspaces: Iterator[Workspace] = iter([workspace])
        else:
            workspaces = _all_workspaces()
        for workspace in workspaces:
            if options["dry_run"]:
                self.preview(workspace)
            else:
                self.run(workspace)

    def run(self, workspace: Workspace) -> None:
        stats, _ = reminders_sweep_workspace(workspace=workspace)
        attached = reminders_batch(workspace=workspace)
        sent = reminders_send_due(workspace=workspace)
        self.stdout.write(
            f"{workspace.slug}: {stats.created} new reminders ({stats.rows_read} rows read), "
            f"{attached} put into emails, {sent} emails sent"
        )

    def preview(self, workspace: Workspace) -> None:
        now = timezone.now()
        _, specs = reminders_sweep_workspace(workspace=workspace, now=now, dry_run=True)
        with workspace_context(workspace):
            existing = reminder_keys_existing(workspace=workspace, specs=specs)
            emails = recipient_emails(user_ids={spec.recipient_id for spec in specs})
            cadences = cadences_for(
                workspace=workspace, user_ids={spec.recipient_id for spec in specs}
            )
            outbox = outbox_state(workspace=workspace, now=now)
        new = [spec for spec in specs if spec_key(spec) not in existing]
        self.stdout.write(
            f"{workspace.slug} ({workspace.name}): {len(specs)} reminders due now, "
            f"{len(new)} new, {len(specs) - len(new)} already exist"
        )
        site = settings.SITE_URL.rstrip("/")
        for spec in specs:
            is_new = spec_key(spec) not in existing
            cadence = cadences.get(spec.recipient_id, Cadence.DAILY)
            note = "" if cadence != Cadence.OFF else " (emails off: in-app only)"
            self.stdout.write(
                f"  {'new   ' if is_new else 'exists'}  "
                f"{emails.get(spec.recipient_id, f'user {spec.recipient_id}')}  "
                f"{spec.kind}  {spec.title}  {site}{spec.path}{note}"
            )
        self.stdout.write(
            f"  outbox: {outbox.pending_reminders} reminders waiting for an email, "
            f"{outbox.emails_due} emails due now, "
            f"{outbox.emails_waiting} emails waiting for their digest time"
        )


def _all_workspaces() -> Iterator[Workspace]:
    """Every workspace in id order, a batch at a time."""
    after = 0
    while True:
        batch = list(Workspace.objects.filter(id__gt=after).order_by("id")[:WORKSPACE_BATCH])
        if not batch:
            return
        yield from batch
        after = batch[-1].pk
