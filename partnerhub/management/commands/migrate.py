"""``migrate`` as the owner role when MIGRATION_DATABASE_URL is set, then grant."""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from partnerhub.db import app_role, grant_app_privileges, owner_connection


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        alias = options.get("database") or "default"
        role = app_role()
        with owner_connection(alias):
            result = super().handle(*args, **options)
            grant_app_privileges(connections[alias], role)
        return result
