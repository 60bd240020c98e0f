"""``python manage.py seed_demo``: build the demo workspaces and print their logins."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seed import SeedRun, seed_demo

DEMO_PASSWORD = "partnerhub-demo"  # printed on purpose; refused when DEBUG is off
# The services log every write; hundreds of such lines would bury the logins printed at
# the end, so they are shown only with --verbosity 2 or more.
SERVICE_LOGGERS = ("partnerhub.services", "partners", "goals", "roles", "impact")


@contextmanager
def quiet_service_logs(quiet: bool) -> Iterator[None]:
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(name) for name in SERVICE_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create the demo workspaces with their organizations, partnerships, commitments, "
        "agreements, goals, milestones, progress updates and RACI roles, and one user per "
        "role (idempotent), then print the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help=(
                "Password for newly created demo users. Required when DEBUG is off, so that "
                "no deployment gets accounts with the well-known development password."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options.get("password")
        if not password:
            if not (settings.DEBUG or getattr(settings, "TESTING", False)):
                raise CommandError(
                    "DEBUG is off: pass --password to choose the demo users' password."
                )
            password = DEMO_PASSWORD
        with quiet_service_logs(options["verbosity"] < 2):
            run = seed_demo(password=password)
        self._report(run, password_shown=password == DEMO_PASSWORD)

    def _report(self, run: SeedRun, *, password_shown: bool) -> None:
        created = ", ".join(f"{kind}: {n}" for kind, n in sorted(run.created.items()))
        self.stdout.write(
            self.style.SUCCESS("Demo data ready")
            + f" (created: {created or 'nothing new, all rows were already there'})."
        )
        self.stdout.write("")
        self.stdout.write(f"Log in at {settings.SITE_URL}/accounts/login/")
        if password_shown:
            self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
        else:
            self.stdout.write("Password for new demo logins: the one given with --password")
        self.stdout.write("")
        width = max(len(login.email) for login in run.logins)
        self.stdout.write(f"  {'email':<{width}}  {'role':<11}  workspace")
        for login in run.logins:
            workspace = login.workspace
            if login.organization:
                workspace += f" (for {login.organization})"
            self.stdout.write(f"  {login.email:<{width}}  {login.role:<11}  {workspace}")
