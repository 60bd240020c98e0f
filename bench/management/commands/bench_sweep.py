"""``manage.py bench_sweep [--repeat 3] [--today YYYY-MM-DD] [--commit] [--json]``: the
reminder sweep over every workspace as the worker runs it, and S-ref (see bench.sweep)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.scale import ANCHOR_DATE
from bench.sweep import measure_rss, measure_sweep


class Command(BaseCommand):
    help = (
        "Measure the reminder sweep over all workspaces (rows/s, tasks, peak memory) and "
        "S-ref, in a transaction rolled back at the end unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=ANCHOR_DATE,
            help=f"the sweep's day (noon UTC); default the data set's anchor {ANCHOR_DATE}",
        )
        parser.add_argument(
            "--commit", action="store_true", help="keep what the last run wrote (reminders)"
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="also send the due emails (in-memory backend); otherwise they are counted",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="rows a rule reads per batch (default: the engine's BATCH_SIZE)",
        )
        parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
        parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
        parser.add_argument(
            "--rss-only",
            action="store_true",
            help="only one worker pass and this process's peak resident memory (run it in a "
            "fresh process: the peak is the sweep's); JSON on stdout",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1.")
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["rss_only"]:
            self.stdout.write(json.dumps(measure_rss(today=options["today"]), indent=2))
            return
        result = measure_sweep(
            today=options["today"],
            repeat=options["repeat"],
            commit=options["commit"],
            memory=not options["no_memory"],
            send=options["send"],
            batch_size=options["batch_size"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        sweep, scan, tasks = result["sweep"], result["s_ref"], result["tasks"]
        goals, worker = result["goals"], result["worker"]
        peak = result["memory"]["peak_bytes"]
        lines = [
            f"{result['workspaces']} workspaces, day {result['today']}, "
            f"median of {result['repeat']} runs, batches of {result['batch_size']} rows",
            f"sweep (rules)   {sweep['rows']:>9,} rows {sweep['seconds']:>9.3f} s "
            f"{sweep['rows_per_s']:>12,.0f} rows/s",
            f"sweep again     {result['sweep_again']['rows']:>9,} rows "
            f"{result['sweep_again']['seconds']:>9.3f} s "
            f"{result['sweep_again']['rows_per_s']:>12,.0f} rows/s (nothing new)",
            f"S-ref (scan)    {scan['rows']:>9,} rows {scan['seconds']:>9.3f} s "
            f"{scan['rows_per_s']:>12,.0f} rows/s   sweep/S-ref {goals['sweep_vs_s_ref']}",
            f"worker total    {worker['seconds']:.3f} s (batcher {worker['batch_seconds']:.3f} s,"
            f" sender {worker['send_seconds']:.3f} s), reminders created "
            f"{sweep['reminders_created']}, emails due {worker['emails_due']}, "
            f"sent {worker['emails_sent']}",
            f"tasks           {tasks['total']} ({tasks['fan_out']} sweep tasks of up to "
            f"{tasks['workspaces_per_task']} workspaces + "
            f"{tasks['follow_up']} follow-up), {goals['tasks_per_1000_rows']} per 1,000 rows "
            f"read, {goals['tasks_per_1000_table_rows']} per 1,000 rows of the swept tables "
            f"({sweep['table_rows']:,})",
            "peak memory     "
            + (f"{peak / 1024:,.0f} KiB (tracemalloc)" if peak is not None else "not measured"),
        ]
        self.stdout.write("\n".join(lines))
