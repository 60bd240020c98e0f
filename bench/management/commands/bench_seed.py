"""``python manage.py bench_seed --scale small|full [--force]``: the benchmark data set.

Migrates, then generates the data set of ``bench.scale`` in the database DATABASE_URL
names (see ``bench.seed``), unless that database already holds it. Prints the rows per
table and the time taken.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench.scale import SCALES, SEED
from bench.seed import SeedRefused, seed_bench


class Command(BaseCommand):
    help = (
        "Generate the benchmark data set (deterministic, from bench/scale.py) in this "
        "database, unless it already holds that scale; --force regenerates it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--force", action="store_true", help="Wipe the benchmark rows and generate again."
        )
        parser.add_argument(
            "--no-vacuum", action="store_true", help="Skip the VACUUM ANALYZE at the end."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_seed needs PostgreSQL: set DATABASE_URL.")
        started = time.perf_counter()
        scale = SCALES[options["scale"]]
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter() - started
        verbose = options["verbosity"] >= 1
        try:
            result = seed_bench(
                scale,
                force=options["force"],
                vacuum=not options["no_vacuum"],
                log=self._log if verbose else lambda message: None,
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        if not result.generated:
            self.stdout.write(f"bench data present (scale {scale.name}, seed {SEED})")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"bench data generated (scale {scale.name}, seed {SEED})")
            )
        width = max(len(table) for table in result.counts)
        for table, count in sorted(result.counts.items()):
            self.stdout.write(f"  {table:<{width}}  {count:>10,}")
        total = time.perf_counter() - started
        self.stdout.write(
            f"time: {total:.1f} s (migrate {migrated:.1f} s, data {result.seconds:.1f} s)"
        )

    def _log(self, message: str) -> None:
        self.stdout.write(f"  .. {message}")
        self.stdout.flush()
