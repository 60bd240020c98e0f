"""``flush`` as the owner role: TRUNCATE is not a privilege the application role holds."""

from django.core.management.commands.flush import Command as DjangoFlush

from partnerhub.db import owner_connection


class Command(DjangoFlush):
    def handle(self, *args, **options):
        with owner_connection(options.get("database") or "default"):
            return super().handle(*args, **options)
