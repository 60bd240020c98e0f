"""Loading the benchmark data set (``bench.seed_plan``) into PostgreSQL, fast.

``seed_bench(scale)`` runs as the owner role (``partnerhub.db.owner_connection``) and does
everything in one transaction, so a failure leaves the database as it was:

1. refuse a database that holds anything but benchmark rows (workspaces outside the
   ``bench-`` slugs, accounts outside the benchmark's email domain);
2. stop early when the database's marker (``COMMENT ON DATABASE``) says it already holds
   this scale and seed;
3. empty the application's tables (TRUNCATE ... RESTART IDENTITY), drop the secondary
   indexes and foreign keys of the tables it fills, and lift FORCE ROW LEVEL SECURITY on
   them (PostgreSQL refuses COPY into a table whose policies bind the copying role);
4. COPY every table (``FREEZE``: the rows are visible to all from the start), then
   re-create the indexes and foreign keys exactly as they were (which checks every row
   at once, composite same-workspace keys included), set the sequences past the ids,
   weigh the figures into the linked goals' statuses, FORCE RLS again and write the
   marker.

VACUUM ANALYZE follows the commit (it cannot run in a transaction), then a CHECKPOINT
(when the role may). After both the success and the failure path, every table with the
workspace policy is checked to still have Row-Level Security enabled and forced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from bench.scale import EMAIL_DOMAIN, SEED, SLUG_PREFIX, Scale
from bench.seed_plan import (
    MEASUREMENT_COLUMNS,
    Plan,
    Table,
    build_plan,
    measurement_chunks,
)
from partnerhub.db import owner_connection
from partnerhub.rls import POLICY_NAME

MARKER_KEY = "partnerhub_bench"
MARKER_VERSION = 1
MEASUREMENTS = "impact_measurement"
# The apps whose tables hold a deployment's data; the rest (migrations, content types,
# permissions) describe the schema and stay.
DATA_APPS = frozenset(
    {"partnerhub", "partners", "goals", "roles", "impact", "account", "mfa", "admin", "sessions"}
)


class SeedRefused(Exception):
    """The database holds data that is not the benchmark's: it is left alone."""


@dataclass
class SeedResult:
    generated: bool
    counts: dict[str, int]
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)


Log = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


def seed_bench(
    scale: Scale, *, force: bool = False, vacuum: bool = True, log: Log = _quiet
) -> SeedResult:
    """Make the database hold exactly ``scale``'s data set (see the module docstring)."""
    started = time.perf_counter()
    with owner_connection():
        try:
            foreign = foreign_rows()
            if foreign:
                raise SeedRefused(
                    "This database holds data that is not the benchmark's ("
                    + "; ".join(foreign)
                    + "). bench_seed only fills a database of its own: point DATABASE_URL "
                    "and MIGRATION_DATABASE_URL at an empty one."
                )
            marker = read_marker()
            if not force and marker_matches(marker, scale):
                return SeedResult(
                    generated=False,
                    counts=dict(marker["counts"]),  # type: ignore[index]
                    seconds=time.perf_counter() - started,
                )
            steps: dict[str, float] = {}
            with _step(steps, "plan", log):
                plan = build_plan(scale)
            with transaction.atomic():
                counts = _load(plan, steps, log)
                write_marker(scale, counts)
            if vacuum:
                with _step(steps, "vacuum analyze", log):
                    vacuum_analyze()
                with _step(steps, "checkpoint", log):
                    if not checkpoint():
                        log("  .. checkpoint skipped: the role may not (pg_checkpoint)")
        finally:
            check_rls_forced()
    return SeedResult(
        generated=True, counts=counts, seconds=time.perf_counter() - started, steps=steps
    )


@contextmanager
def _step(steps: dict[str, float], name: str, log: Log) -> Iterator[None]:
    started = time.perf_counter()
    yield
    steps[name] = time.perf_counter() - started
    log(f"{name}: {steps[name]:.1f} s")


# --- What the database holds ------------------------------------------------------------


def foreign_rows() -> list[str]:
    """Descriptions of rows that are not the benchmark's (empty: none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM partnerhub_workspace WHERE slug NOT LIKE %s",
            [SLUG_PREFIX.replace("_", r"\_") + "%"],
        )
        workspaces = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM partnerhub_user WHERE email NOT LIKE %s",
            ["%@" + EMAIL_DOMAIN],
        )
        users = cursor.fetchone()[0]
    found = []
    if workspaces:
        found.append(f"{workspaces} workspace(s) outside the '{SLUG_PREFIX}' slugs")
    if users:
        found.append(f"{users} account(s) outside @{EMAIL_DOMAIN}")
    return found


def read_marker() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        (comment,) = cursor.fetchone()
    try:
        marker = json.loads(comment or "")
    except ValueError:
        return None
    return marker if isinstance(marker, dict) and marker.get(MARKER_KEY) else None


def marker_matches(marker: dict[str, Any] | None, scale: Scale) -> bool:
    """The marker names this scale and seed, and the workspaces and accounts it counted
    are still there (figures posted by a benchmark run do not make the data stale)."""
    if not marker or marker.get("scale") != scale.name or marker.get("seed") != SEED:
        return False
    counts = marker.get("counts") or {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM partnerhub_workspace")
        workspaces = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM partnerhub_user")
        users = cursor.fetchone()[0]
    return (
        counts.get("partnerhub_workspace") == workspaces and counts.get("partnerhub_user") == users
    )


def write_marker(scale: Scale, counts: dict[str, int]) -> None:
    marker = {MARKER_KEY: MARKER_VERSION, "scale": scale.name, "seed": SEED, "counts": counts}
    text = json.dumps(marker, sort_keys=True).replace("'", "''")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"COMMENT ON DATABASE {name} IS '{text}'")


def clear_marker() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"COMMENT ON DATABASE {name} IS NULL")


def data_tables() -> list[str]:
    """Every table of the apps that hold a deployment's data (many-to-many tables too)."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in DATA_APPS and model._meta.managed
    }
    existing = set(connection.introspection.table_names())
    return sorted(tables & existing)


def check_rls_forced() -> None:
    """Every table with the workspace policy has Row-Level Security enabled and forced."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE p.polname = %s AND NOT (c.relrowsecurity AND c.relforcerowsecurity) "
            "ORDER BY 1",
            [POLICY_NAME],
        )
        loose = [row[0] for row in cursor.fetchall()]
    if loose:
        raise RuntimeError(f"Row-Level Security is not forced on: {', '.join(loose)}")


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the application's tables (outside any transaction, as the owner)."""
    if connection.in_atomic_block:
        raise RuntimeError("VACUUM cannot run inside a transaction.")
    tables = ", ".join(connection.ops.quote_name(table) for table in data_tables())
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


# A role may force a checkpoint when it is a superuser or a member of pg_checkpoint
# (PostgreSQL 15 and later; earlier versions have no such role: the CASE asks only then).
_MAY_CHECKPOINT_SQL = """
    SELECT CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'pg_checkpoint')
                THEN pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') ELSE false END
           OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
"""


def checkpoint() -> bool:
    """Write what generation left in memory to disk now (``CHECKPOINT``), when the role
    may: otherwise PostgreSQL does it over the next minutes, while the benchmark measures
    (a latency spike of a few hundred milliseconds in one repeat). False when it may not."""
    with connection.cursor() as cursor:
        cursor.execute(_MAY_CHECKPOINT_SQL)
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("CHECKPOINT")
    return True


# --- Loading ----------------------------------------------------------------------------


@dataclass
class _Relaxed:
    """What was lifted from a table for the load, to be put back exactly."""

    table: str
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX ...)
    foreign_keys: list[tuple[str, str]]  # (name, FOREIGN KEY ...)
    forced: bool


def _load(plan: Plan, steps: dict[str, float], log: Log) -> dict[str, int]:
    qn = connection.ops.quote_name
    tables = [*plan.tables.values()]
    names = [table.name for table in tables] + [MEASUREMENTS]
    counts = {table.name: len(table.rows) for table in tables}
    with connection.cursor() as cursor:
        # Index builds sort in memory; nothing here needs to wait for the disk.
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        with _step(steps, "empty tables", log):
            listed = ", ".join(qn(table) for table in data_tables())
            cursor.execute(f"TRUNCATE {listed} RESTART IDENTITY CASCADE")
        relaxed = [_relax(cursor, name) for name in names]
        with _step(steps, "copy", log):
            for table in tables:
                _copy(cursor, table.name, table.columns, [_copy_text(table.rows)])
        with _step(steps, "copy figures", log):
            counts[MEASUREMENTS] = _copy_measurements(cursor, plan)
        with _step(steps, "analyze", log):
            for name in names:
                cursor.execute(f"ANALYZE {qn(name)}")
        with _step(steps, "indexes", log):
            for item in relaxed:
                for _, definition in item.indexes:
                    cursor.execute(definition)
        with _step(steps, "foreign keys", log):
            for item in relaxed:
                for name, definition in item.foreign_keys:
                    cursor.execute(
                        f"ALTER TABLE {qn(item.table)} ADD CONSTRAINT {qn(name)} {definition}"
                    )
        for name in names:
            last_id = f"(SELECT max(id) FROM {qn(name)})"  # noqa: S608 -- a quoted table name
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), greatest({last_id}, 1))",
                [name],
            )
    with _step(steps, "goal statuses", log):
        _weigh_goal_statuses(plan)
    with connection.cursor() as cursor:
        # The goal updates queued deferred foreign-key checks; ALTER TABLE waits for none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for item in relaxed:
            if item.forced:
                cursor.execute(f"ALTER TABLE {qn(item.table)} FORCE ROW LEVEL SECURITY")
    return counts


def _relax(cursor: Any, table: str) -> _Relaxed:
    """Drop the table's secondary indexes (those backing no constraint) and its foreign
    keys, and lift FORCE ROW LEVEL SECURITY; return what to restore."""
    qn = connection.ops.quote_name
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "  AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", [table])
    (forced,) = cursor.fetchone()
    for name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {qn(name)}")
    if forced:
        cursor.execute(f"ALTER TABLE {qn(table)} NO FORCE ROW LEVEL SECURITY")
    return _Relaxed(table, list(indexes), list(foreign_keys), bool(forced))


def _copy(cursor: Any, table: str, columns: Iterable[str], chunks: Iterable[str]) -> None:
    qn = connection.ops.quote_name
    column_list = ", ".join(qn(column) for column in columns)
    sql = f"COPY {qn(table)} ({column_list}) FROM STDIN WITH (FREEZE)"
    with cursor.cursor.copy(sql) as copy:
        for chunk in chunks:
            copy.write(chunk)


def _copy_measurements(cursor: Any, plan: Plan) -> int:
    total = 0

    def chunks() -> Iterator[str]:
        nonlocal total
        for text, rows in measurement_chunks(plan):
            total += rows
            yield text

    _copy(cursor, MEASUREMENTS, MEASUREMENT_COLUMNS, chunks())
    return total


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).translate(_ESCAPES)


def _copy_text(rows: list[tuple[Any, ...]]) -> str:
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)


def _weigh_goal_statuses(plan: Plan) -> None:
    """Let the apps above goals weigh in on the goals linked to indicators, as
    ``goals.services.goal_compute_status`` does, on the anchor day rather than today."""
    from bench.scale import ANCHOR_DATE
    from goals import hooks
    from goals.models import GoalStatus, SharedGoal
    from partnerhub.models import Workspace
    from partnerhub.tenancy import activate_workspace

    workspaces = {ws.pk: ws for ws in Workspace.objects.all()}
    goal_rows = {row[0]: row for row in plan.tables["goals_sharedgoal"].rows}
    changed: list[tuple[str, str, int]] = []
    for goal_id in sorted(plan.goals_with_indicators):
        row = goal_rows[goal_id]
        workspace = workspaces[row[1]]
        activate_workspace(workspace)
        goal = SharedGoal(pk=goal_id, workspace=workspace, partnership_id=row[4])
        status, reason = plan.goal_verdicts[goal_id]
        for adjust in list(hooks.goal_status_adjusters):
            adjusted = adjust(goal, status, reason, ANCHOR_DATE)
            if adjusted is not None:
                status, reason = adjusted
        status, reason = str(GoalStatus(status).value), reason[:300]
        if (status, reason) != plan.goal_verdicts[goal_id]:
            changed.append((status, reason, goal_id))
            plan.goal_verdicts[goal_id] = (status, reason)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE goals_sharedgoal SET status = %s, status_reason = %s WHERE id = %s", changed
        )


__all__ = [
    "SeedRefused",
    "SeedResult",
    "Table",
    "check_rls_forced",
    "clear_marker",
    "read_marker",
    "seed_bench",
]
