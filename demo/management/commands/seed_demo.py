"""``python manage.py seed_demo``: build the demo workspaces and print their logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seed import SeedRun, seed_demo

DEMO_PASSWORD = "partnerhub-demo"  # printed on purpose; refused when DEBUG is off


class Command(BaseCommand):
    help = (
        "Create the demo workspaces, organizations and one user per role (idempotent), "
        "then print the logins."
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
