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

import functools
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
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
    # What connection.cursor() does, with our cursor class in place of Django's.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        database = connection.connection
        if database.prepare_threshold is None:
            # Django connects with prepared statements off (None), which psycopg honours
            # even for prepare=True. A threshold no statement reaches turns them on for
            # this cursor's explicit requests only: Django's own cursors bind on the
            # client and never prepare.
            database.prepare_threshold = _NEVER_BY_COUNT
        raw = PreparingCursor(database)
        # As Django's create_cursor(): date-times come back in the connection's time zone.
        loader = connection.connection.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != getattr(loader, "timezone", None):
            register_tzloader(connection.timezone, raw)
        return connection._prepare_cursor(raw)


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
        self._alias = alias
        self._fields = fields

    def instance(self, values: tuple[Any, ...] | list[Any]) -> Any:
        if self._converters:
            database = connections[DEFAULT_DB_ALIAS]
            values = list(values)
            for index, convert in self._converters:
                values[index] = convert(values[index], None, database)
        return self._make(values)

    # A row as one JSON array: for a statement that returns many rows of several kinds
    # in one value (``json_agg`` of these arrays), read by one fast decoding instead of a
    # loader per column. Each field's JSON is turned back into what the ORM returns.

    @functools.cached_property
    def json_sql(self) -> str:
        """``json_build_array(...)`` of the row's columns; decimals as their text (a JSON
        number would be read as a float)."""
        columns = []
        for field in self._fields:
            column = f"{self._alias}.{field.column}"
            columns.append(f"{column}::text" if _json_kind(field) == "decimal" else column)
        return f"json_build_array({', '.join(columns)})"

    @functools.cached_property
    def _json_loaders(self) -> list[tuple[int, Callable[[Any], Any]]]:
        loaders = []
        for index, field in enumerate(self._fields):
            kind = _json_kind(field)
            if kind in _JSON_LOADERS:
                loaders.append((index, _JSON_LOADERS[kind]))
        return loaders

    def instance_from_json(self, values: list[Any]) -> Any:
        """An instance from the decoded array ``json_sql`` built: equal to ``instance``'s
        of the same row."""
        for index, load in self._json_loaders:
            value = values[index]
            if value is not None:
                values[index] = load(value)
        return self._make(values)

    def _make(self, values: tuple[Any, ...] | list[Any]) -> Any:
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


def _utc(text: str) -> datetime:
    # PostgreSQL writes a timestamptz in the session's time zone, which Django sets to
    # its connection's (UTC); the ORM returns it in that zone.
    return datetime.fromisoformat(text).astimezone(connections[DEFAULT_DB_ALIAS].timezone)


_JSON_LOADERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _utc,
    "date": date.fromisoformat,
    "decimal": Decimal,
}


def _json_kind(field: Any) -> str:
    """How a field's value comes back in JSON: as is ("plain": numbers, text, booleans,
    and a JSON field without a decoder of its own, already decoded), or as text to read
    ("datetime", "date", "decimal"). Other fields are not read this way."""
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField):
        return "decimal"
    if isinstance(field, models.JSONField):
        if field.decoder is not None:
            raise TypeError(f"{field}: a JSON field with a decoder is not read from JSON")
        return "plain"
    if hasattr(field, "from_db_value") or not isinstance(field, _PLAIN_JSON_FIELDS):
        raise TypeError(f"{field} ({type(field).__name__}) is not read from JSON")
    return "plain"


_PLAIN_JSON_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,  # and its big, small and positive kinds
    models.ForeignKey,
    models.CharField,  # and slug, email, URL
    models.TextField,
    models.BooleanField,
)


def load_json(text: str | None) -> Any:
    """A JSON value PostgreSQL wrote (None for SQL NULL), decoded as the ORM decodes a JSON
    field (Python's decoder: integers of any size stay integers)."""
    return None if text is None else json.loads(text)
