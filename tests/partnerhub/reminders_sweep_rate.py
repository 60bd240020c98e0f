"""Measure the reminders sweep (not a test): rows per second that
``reminders_sweep_workspace`` reads through the registered rules, over every workspace
of the database DATABASE_URL names -- e.g. the demo data of ``manage.py seed_demo``:

    DEBUG=true .venv/bin/python manage.py seed_demo
    DEBUG=true .venv/bin/python -m tests.partnerhub.reminders_sweep_rate [--repeat 3]

For each workspace it times a first sweep (which creates the due reminders), a second
one (nothing new: what every beat costs once the outbox is up to date) and the batcher.
``--synthetic N`` adds a workspace of N members and the tests' rule giving each one
reminder (keyset batches of 1,000 over the memberships), to see the engine's rate on
more rows than the demo has. Everything runs in one transaction that is rolled back, so
measuring leaves the database as it was; ``--commit`` keeps the reminders instead."""

from __future__ import annotations

import argparse
import os
import sys
import time


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--commit", action="store_true", help="keep the created reminders")
    parser.add_argument("--synthetic", type=int, default=0, help="members of an extra workspace")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from partnerhub import reminders
    from partnerhub.models import Workspace

    settings.DEBUG = False  # no query log: it would slow the sweep being measured
    out = sys.stdout.write
    workspaces = list(Workspace.objects.order_by("id"))
    out(
        f"{len(workspaces)} workspaces (+{options.synthetic} synthetic members), rules: "
        f"{', '.join(rule.kind for rule in reminders.registered_rules())}\n"
    )
    best: dict[str, tuple[float, int, int]] = {}
    for run in range(1, max(1, options.repeat) + 1):
        totals = {"first": [0.0, 0, 0], "again": [0.0, 0, 0], "batch": [0.0, 0, 0]}
        try:
            with transaction.atomic():
                measured = list(workspaces)
                if options.synthetic:
                    from tests.partnerhub.reminder_fixtures import (
                        MemberRule,
                        add_people,
                        make_workspace,
                    )

                    extra = make_workspace(f"sweep-rate-{run}")
                    add_people(extra, options.synthetic)
                    reminders.register_reminder_rule(synthetic_rule := MemberRule())
                    measured.append(extra)
                for workspace in measured:
                    for label in ("first", "again"):
                        start = time.perf_counter()
                        stats, _ = reminders.reminders_sweep_workspace(workspace=workspace)
                        totals[label][0] += time.perf_counter() - start
                        totals[label][1] += stats.rows_read
                        totals[label][2] += stats.created
                    start = time.perf_counter()
                    attached = reminders.reminders_batch(workspace=workspace)
                    totals["batch"][0] += time.perf_counter() - start
                    totals["batch"][2] += attached
                if options.synthetic:
                    reminders.unregister_reminder_rule(synthetic_rule)
                if not options.commit or run < options.repeat:
                    raise Rollback
        except Rollback:
            pass
        for label, (seconds, rows, created) in totals.items():
            if label not in best or seconds < best[label][0]:
                best[label] = (seconds, rows, created)
        out(f"run {run}: " + ", ".join(f"{k} {v[0]:.3f} s" for k, v in totals.items()) + "\n")

    names = {
        "first": "first sweep (creates)",
        "again": "second sweep (nothing new)",
        "batch": "batcher (reminders into emails)",
    }
    for label, (seconds, rows, created) in best.items():
        rate = rows / seconds if seconds else 0.0
        made = created / seconds if seconds else 0.0
        what = "reminders attached" if label == "batch" else "reminders created"
        out(
            f"{names[label]:33s} {seconds * 1000:8.1f} ms  rows read {rows:7d} "
            f"({rate:10,.0f} rows/s)  {what} {created:6d} ({made:9,.0f}/s)\n"
        )


if __name__ == "__main__":
    main()
