"""Prepared statements for the constant SQL that runs on every API request.

Django binds parameters on the client and never prepares a statement, so PostgreSQL plans
every query anew. For the few constant statements that run on every API request (the API
key's lookup, the figures list's page, references and breakdowns) planning costs more
than running: the breakdowns' three-table join under Row-Level Security plans in about
0.3 ms and runs in under 0.1 ms. ``prepared_cursor()`` gives a Django cursor (query
logging, ``execute_wrapper``, error translation, the connection's time zone: all as for
``connection.cursor()``) whose statements are bound on the server and prepared once per
database connection (psycopg keeps the 100 most recent per connection; PostgreSQL re-plans
by itself after a schema change).

Only for constant SQL, with ``%s`` placeholders and explicit casts where a parameter's type
is not clear from its use: a prepared statement's parameters are typed (a Python ``str``
is sent untyped, an ``int`` as the smallest integer type holding it). Statements that
select ``*`` must not be prepared: a column added later would break the cached plan's
result type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models import signals
from django.db.models.base import ModelState
from psycopg import adapters
from psycopg.pq import Format

_TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
_NEVER_BY_COUNT = 2**31 - 1


class PreparingCursor(psycopg.Cursor):  # type: ignore[type-arg]
    """psycopg's server-binding cursor, preparing every statement it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        kwargs["prepare"] = True
        result = super().execute(query, params, **kwargs)
        # psycopg records no query text for a prepared execution; Django's query log
        # (DEBUG, tests counting queries) reads it there. Spelled out only when read.
        self._query = _LoggedQuery(self.connection, query, params)  # type: ignore[assignment]
        return result


class _LoggedQuery:
    """The statement as Django's ``last_executed_query`` reads it from a psycopg cursor
    (``_query.query``): the SQL with its parameters filled in, built on first use."""

    def __init__(self, database: Any, sql: Any, params: Any) -> None:
        self._database, self._sql, self._params = database, sql, params

    @property
    def query(self) -> bytes:
        text = psycopg.ClientCursor(self._database).mogrify(self._sql, self._params)
        return text.encode()


def prepared_cursor() -> Any:
    """A cursor whose statements PostgreSQL plans once per connection; elsewhere (SQLite)
    Django's own cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    return _prepared_cursors(connection, 1)[0]


def _prepared_cursors(database: Any, count: int) -> list[Any]:
    """``count`` preparing cursors of ``database`` (a Django connection): what
    connection.cursor() does, with our cursor class in place of Django's."""
    database.close_if_health_check_failed()
    database.ensure_connection()
    with database.wrap_database_errors:
        raw_connection = database.connection
        if raw_connection.prepare_threshold is None:
            # Django connects with prepared statements off (None), which psycopg honours
            # even for prepare=True. A threshold no statement reaches turns them on for
            # this cursor's explicit requests only: Django's own cursors bind on the
            # client and never prepare.
            raw_connection.prepare_threshold = _NEVER_BY_COUNT
        # As Django's create_cursor(): date-times come back in the connection's time zone.
        loader = raw_connection.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)
        own_loader = database.timezone == getattr(loader, "timezone", None)
        cursors = []
        for _ in range(count):
            raw = PreparingCursor(raw_connection)
            if not own_loader:
                register_tzloader(database.timezone, raw)
            cursors.append(database._prepare_cursor(raw))
        return cursors


def prepared_results(
    statements: Sequence[str], params: Mapping[str, Any]
) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows, in order, the statements prepared as ``prepared_cursor``'s
    and sent together: one round trip (psycopg's pipeline mode), no statement planned
    twice on a connection. ``params`` holds the named parameters of all of them (each
    statement takes the ones it names). Every statement is one query of Django's log.
    Elsewhere (SQLite) one after another through Django's cursor."""
    if connection.vendor != "postgresql":
        results = []
        for sql in statements:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
        return results
    database = connections[DEFAULT_DB_ALIAS]
    cursors = _prepared_cursors(database, len(statements))
    try:
        with database.wrap_database_errors, database.connection.pipeline():
            for cursor, sql in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


class ModelColumns:
    """A model's columns in a constant ``SELECT`` (every concrete field, under a table
    alias), and its instances from their values, converted as the ORM converts them
    (JSON decoded); what a row needs is worked out once, not per row. For the constant
    statements that read whole rows into model instances.

    An instance is what ``Model.from_db`` makes -- the same attributes and state -- made
    without running ``Model.__init__`` when nothing listens to the model's ``pre_init``
    or ``post_init`` (``__init__`` sets each field through ``setattr``, which on a new
    instance writes its ``__dict__``); with a listener, through ``from_db`` itself."""

    def __init__(self, model: type[Any], alias: str) -> None:
        fields = list(model._meta.concrete_fields)
        self.model = model
        self.sql = ", ".join(f"{alias}.{f.column}" for f in fields)
        self.count = len(fields)
        self.pk = fields.index(model._meta.pk)
        self._attnames = [f.attname for f in fields]
        self._converters = [
            (index, f.from_db_value)
            for index, f in enumerate(fields)
            if hasattr(f, "from_db_value")
        ]
        self._plain: bool | None = None  # no init signal listened to (known on first use)

    def instance(self, values: tuple[Any, ...] | list[Any]) -> Any:
        if self._converters:
            database = connections[DEFAULT_DB_ALIAS]
            values = list(values)
            for index, convert in self._converters:
                values[index] = convert(values[index], None, database)
        if self._plain is None:
            self._plain = not (
                signals.pre_init.has_listeners(self.model)
                or signals.post_init.has_listeners(self.model)
            )
        if not self._plain:
            return self.model.from_db(DEFAULT_DB_ALIAS, self._attnames, values)
        new = self.model.__new__(self.model)
        state = ModelState()
        state.adding = False
        state.db = DEFAULT_DB_ALIAS
        attributes = new.__dict__
        attributes["_state"] = state
        attributes.update(zip(self._attnames, values, strict=True))
        return new
