"""The reminders outbox's indexes and foreign keys, as the database has them: every
sweep inserts thousands of reminders and pays each index and each foreign-key trigger
on every insert, so the outbox keeps only what a page, a task or a key's check reads
through -- and every foreign key still has an index its checks can use (deleting a
user, a partnership or an email must not scan the whole outbox)."""

from __future__ import annotations

import pytest
from django.db import connection

from partnerhub.models import Reminder

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLE = Reminder._meta.db_table


def _indexes() -> dict[str, tuple[list[str], str | None]]:
    """Index name -> (columns in order, predicate or None)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   array(SELECT a.attname
                           FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                           JOIN pg_attribute a
                             ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                          ORDER BY k.n),
                   pg_get_expr(i.indpred, i.indrelid)
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = %s::regclass
            """,
            [TABLE],
        )
        return {name: (list(columns), predicate) for name, columns, predicate in cursor}


def _foreign_keys() -> list[tuple[list[str], str]]:
    """(columns, definition) of each foreign key of the outbox."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                           JOIN pg_attribute a
                             ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                          ORDER BY k.n),
                   pg_get_constraintdef(c.oid)
              FROM pg_constraint c
             WHERE c.conrelid = %s::regclass AND c.contype = 'f'
            """,
            [TABLE],
        )
        return [(list(columns), definition) for columns, definition in cursor]


def test_every_foreign_key_of_the_outbox_has_an_index_for_its_checks():
    """A key's check (on delete of the row it points at) looks the reminders up by all
    of the key's columns: some index must start with exactly those columns (in any
    order). A partial index serves when its predicate only excludes NULLs of them."""
    indexes = _indexes()
    missing = []
    for columns, definition in _foreign_keys():
        wanted = set(columns)
        if not any(
            set(index_columns[: len(columns)]) == wanted
            and (predicate is None or predicate == f"({columns[-1]} IS NOT NULL)")
            for index_columns, predicate in indexes.values()
        ):
            missing.append(definition)
    assert not missing, missing


def test_the_outbox_has_no_single_column_index_or_key_that_another_one_repeats():
    """partnership and email are kept inside the workspace by their composite keys,
    which also require the row to exist: no single-column key of their own (each would
    be one more trigger per new reminder), and no single-column index on recipient,
    partnership or email (a composite index leads with each or its checks use one)."""
    single = {tuple(columns) for columns, _ in _indexes().values() if len(columns) == 1}
    assert not single & {("recipient_id",), ("partnership_id",), ("email_id",)}
    keys = {tuple(columns) for columns, _ in _foreign_keys()}
    assert ("workspace_id", "partnership_id") in keys
    assert ("workspace_id", "email_id") in keys
    assert ("partnership_id",) not in keys
    assert ("email_id",) not in keys


def test_a_new_reminder_enters_only_the_indexes_pages_and_tasks_read():
    """A new reminder (pending, unread, in no email yet) enters eight indexes: the
    primary key, the tenancy pair and workspace index, the unique key of the sweep, the
    batcher's pending one, the in-app list's, the unread count's and the partnership
    log's. The email index holds only reminders in an email."""
    entered = [
        name
        for name, (_, predicate) in _indexes().items()
        if predicate is None
        or predicate in ("((state)::text = 'pending'::text)", "(read_at IS NULL)")
    ]
    assert len(entered) == 8, sorted(entered)
