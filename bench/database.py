"""The benchmark's own PostgreSQL database, next to the configured one.

The suite never touches the database in ``DATABASE_URL``: it works in
``<name>_bench`` (full scale) or ``<name>_bench_small`` (small scale) on the same server,
with the same two roles. The owner role (``MIGRATION_DATABASE_URL``, which has CREATEDB)
creates it when it is missing and grants the application role what
``scripts/pg_roles.sql`` grants on the main database.

No Django here: the orchestrator process only derives URLs and talks to PostgreSQL with
psycopg; every Django command runs in a subprocess pointed at the bench database.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")


class BenchDatabaseError(Exception):
    """The bench cannot get a database: says why and what to set."""


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    app_url: str  # DATABASE_URL of every Django subprocess
    owner_url: str  # MIGRATION_DATABASE_URL of every Django subprocess
    app_role: str
    source_owner_url: str  # the owner's existing database, to run CREATE DATABASE from


def bench_database_name(database: str, scale: str) -> str:
    """``partnerhub`` -> ``partnerhub_bench`` (full) or ``partnerhub_bench_small``."""
    return f"{database}_bench" if scale == "full" else f"{database}_bench_{scale}"


def _parse_postgres(url: str, variable: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise BenchDatabaseError(
            f"The benchmarks need PostgreSQL: {variable} must be a postgres:// URL "
            f"(it is {parts.scheme or 'empty'}). See the README's 'The two database roles'."
        )
    if not parts.path.strip("/"):
        raise BenchDatabaseError(f"{variable} names no database.")
    return parts


def _with_database(parts: urllib.parse.SplitResult, database: str) -> str:
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(database)))


def derive(environ: Mapping[str, str], scale: str) -> BenchDatabase:
    """The bench database's URLs for ``scale`` from DATABASE_URL and MIGRATION_DATABASE_URL."""
    app_url = environ.get("DATABASE_URL", "")
    owner_url = environ.get("MIGRATION_DATABASE_URL", "")
    if not app_url:
        raise BenchDatabaseError(
            "The benchmarks need PostgreSQL: set DATABASE_URL (the application role) and "
            "MIGRATION_DATABASE_URL (the owner role), as in the README."
        )
    if not owner_url:
        raise BenchDatabaseError(
            "The benchmarks create their own database as the owner role: set "
            "MIGRATION_DATABASE_URL (the owner role, with CREATEDB) as well as DATABASE_URL."
        )
    app = _parse_postgres(app_url, "DATABASE_URL")
    owner = _parse_postgres(owner_url, "MIGRATION_DATABASE_URL")
    database = urllib.parse.unquote(app.path.strip("/"))
    name = bench_database_name(database, scale)
    if not app.username:
        raise BenchDatabaseError("DATABASE_URL names no user (the application role).")
    return BenchDatabase(
        name=name,
        app_url=_with_database(app, name),
        owner_url=_with_database(owner, name),
        app_role=urllib.parse.unquote(app.username),
        source_owner_url=owner_url,
    )


def _connect(url: str, what: str):  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise BenchDatabaseError(f"Cannot connect to PostgreSQL ({what}): {exc}".strip()) from exc


def ensure(database: BenchDatabase) -> bool:
    """Create the bench database as the owner role if missing; (re)apply the grants.

    Returns True when it was created.
    """
    from psycopg import sql

    created = False
    with _connect(database.source_owner_url, "MIGRATION_DATABASE_URL") as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database.name]
        ).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(database.name)
                )
            )
            created = True
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) = current_user FROM pg_database WHERE datname = %s",
            [database.name],
        ).fetchone()[0]
        if not owner:
            raise BenchDatabaseError(
                f"Database {database.name} exists but the owner role does not own it; "
                "drop it or give it to the owner role."
            )
        conn.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database.name))
        )
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database.name), sql.Identifier(database.app_role)
            )
        )
    with _connect(database.owner_url, f"the bench database {database.name}") as conn:
        # As scripts/pg_roles.sql: only the owner creates objects in the public schema.
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(database.app_role))
        )
    return created


def server_version(url: str) -> str:
    with _connect(url, "server version") as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])
