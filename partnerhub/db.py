"""The two PostgreSQL roles: the owner that migrates, and the application role.

The application connects with DATABASE_URL as a role that owns no table, so the forced
Row-Level Security policies bind it. Schema changes (``migrate``), test database
creation and ``flush`` connect with MIGRATION_DATABASE_URL instead; after every
``migrate`` the owner grants the application role exactly what it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

# Tables the application may append to but never change: the audit trail.
APPEND_ONLY_TABLES: set[str] = {"partnerhub_activityevent"}

_CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def app_role() -> str | None:
    # Read from settings at start-up: while owner_connection() is active the default
    # connection's own settings name the owner.
    return settings.APP_DATABASE_ROLE


def owner_configured() -> bool:
    owner = getattr(settings, "MIGRATION_DATABASE", None)
    return bool(owner) and settings.IS_POSTGRES


@contextmanager
def owner_connection(alias: str = "default") -> Iterator[None]:
    """Temporarily connect ``alias`` as the owner role (same database name)."""
    if not owner_configured():
        yield
        return
    conn = connections[alias]
    saved = {key: conn.settings_dict.get(key) for key in _CREDENTIAL_KEYS}
    conn.close()
    for key in _CREDENTIAL_KEYS:
        conn.settings_dict[key] = settings.MIGRATION_DATABASE.get(key, saved[key])
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.update(saved)


def grant_app_privileges(connection, role: str) -> None:  # type: ignore[no-untyped-def]
    """Give the application role table DML and sequence use, and nothing more."""
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return  # connected as the app role itself (no separate owner configured)
        qn = connection.ops.quote_name
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {qn(role)}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {qn(role)}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {qn(role)}")
        for table in sorted(APPEND_ONLY_TABLES):
            cursor.execute(f"REVOKE UPDATE, DELETE ON {qn(table)} FROM {qn(role)}")
