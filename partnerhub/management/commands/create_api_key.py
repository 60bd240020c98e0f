"""manage.py create_api_key --workspace SLUG --scope read|write --name NAME [--expires-days N]

Prints the new key once, alone on the last line of stdout, so scripts can take it with
``| tail -n 1``. Only its hash is stored: it cannot be shown again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from partnerhub.models import ApiKeyScope, Workspace
from partnerhub.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a workspace and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument(
            "--scope",
            required=True,
            help="read (acts as a viewer) or write (acts as a coordinator).",
        )
        parser.add_argument("--name", required=True, help="What uses the key.")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="Expire the key after this many days (default: never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scope = options["scope"]
        if scope not in ApiKeyScope.values:
            raise CommandError(
                f"--scope must be one of: {', '.join(ApiKeyScope.values)} (got {scope!r})."
            )
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days must be a whole number of days, at least 1.")
        slug = options["workspace"]
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug {slug!r}.")
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        try:
            api_key, raw_key = api_key_create(
                workspace=workspace,
                actor=None,
                name=options["name"],
                scope=scope,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        expiry = (
            f"expires {api_key.expires_at:%Y-%m-%d %H:%M} UTC"
            if api_key.expires_at
            else "never expires"
        )
        self.stdout.write(
            f"Created {api_key.scope} key “{api_key.name}” (prefix {api_key.prefix}) for "
            f"{workspace.slug}; it {expiry}. Copy it now, it is not shown again:"
        )
        self.stdout.write(raw_key)
