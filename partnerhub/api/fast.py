"""Building list representations from ``.values()`` rows, without a serializer per row.

A list of 100 or 500 rows spends most of its time in Django REST framework's per-field
machinery (``get_attribute`` and ``to_representation`` for every field of every row) and in
building model instances the representation never needs. The busy lists read plain rows
with ``.values()`` instead and turn them into exactly what their output serializer gives;
the serializer stays the one description of the response (OpenAPI, details, CSV headers)
and a test per list compares both outputs.

The functions here produce a field's text the way that field's ``to_representation``
does, taking the fast route only where it provably gives the same text and asking the
field otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Func, QuerySet, TextField
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from partnerhub.api.pagination import SYNC_PARAM

# Every value that comes out of these functions is JSON-ready (str, None).
Text = Callable[[Any], Any]


def decimal_text(field: serializers.Field) -> Text:
    """``field.to_representation`` for a non-null value, fast for a database value that
    already has the field's decimal places (a numeric column of that scale)."""
    if not isinstance(field, serializers.DecimalField):
        raise TypeError(f"decimal_text() needs a DecimalField, not {type(field).__name__}.")
    places = field.decimal_places
    plain = (
        places is not None
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.normalize_output
        and not field.localize
    )
    max_digits = field.max_digits

    def text(value: Any) -> Any:
        if plain and type(value) is Decimal:
            fixed = f"{value:f}"
            point = fixed.find(".")
            # Written with exactly the field's decimal places, the value already has that
            # exponent, and quantizing to it changes nothing, as long as its digits fit
            # the field's precision (counting every digit written errs on the safe side;
            # beyond it the field raises: let it).
            if (
                point != -1
                and len(fixed) - point - 1 == places
                and (max_digits is None or len(fixed) - 1 - fixed.startswith("-") <= max_digits)
            ):
                return fixed
        return field.to_representation(value)

    return text


def datetime_text(field: serializers.DateTimeField | None = None) -> Text:
    """``to_representation`` of a date-time field for this request (the current time zone
    is read once): ISO 8601 in that zone, ``Z`` for UTC; None stays None."""
    field = field or serializers.DateTimeField()
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if (
        not settings.USE_TZ
        or hasattr(field, "timezone")
        or not isinstance(output_format, str)
        or output_format.lower() != ISO_8601
    ):
        return lambda value: None if value is None else field.to_representation(value)
    zone = timezone.get_current_timezone()

    def text(value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return field.to_representation(value)  # type: ignore[no-any-return]
        iso = value.astimezone(zone).isoformat()
        return iso[:-6] + "Z" if iso.endswith("+00:00") else iso

    return text


class IsoDateTimeUTC(Func):
    """A date-time as DRF's ISO 8601 text in UTC, built by PostgreSQL:
    ``2026-01-31T12:00:00Z``, with ``.ffffff`` only when there are microseconds (as
    ``datetime.isoformat``); NULL stays NULL. Parsing timestamps into Python datetimes
    and formatting them again is the dearest part of a long page; text is not.

    The fraction is added only when the value is not a whole second (a comparison), not
    written and then cut off by a regular expression: on a page of 100 figures with four
    date-times each that halved the page query's time. The column appears three times in
    the template, so this takes a column (an expression with parameters would repeat
    them)."""

    arity = 1
    output_field = TextField()
    template = (
        "(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        "CASE WHEN date_trunc('second', %(expressions)s) = %(expressions)s THEN 'Z' "
        "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US') || 'Z' END)"
    )

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        sql, params = super().as_sql(compiler, connection, **extra_context)
        if params:
            raise ValueError("IsoDateTimeUTC takes a column, not an expression with parameters.")
        return sql, params


def datetimes_as_sql_text() -> bool:
    """Whether ``IsoDateTimeUTC`` gives exactly what a ``DateTimeField()`` gives in this
    request: on PostgreSQL, with ISO 8601 output in UTC (the API's settings)."""
    output_format = api_settings.DATETIME_FORMAT
    return (
        connection.vendor == "postgresql"
        and settings.USE_TZ
        and isinstance(output_format, str)
        and output_format.lower() == ISO_8601
        and timezone.get_current_timezone_name() == "UTC"
    )


# A row carries each date-time as text under its name with this suffix.
TEXT = "_text"


def list_values(
    queryset: QuerySet,
    columns: tuple[str, ...],
    datetimes: tuple[str, ...],
    *,
    raw_datetimes: tuple[str, ...] = (),
) -> QuerySet:
    """``queryset.values()`` for a list built by hand: ``columns`` as they are, each of
    ``datetimes`` as DRF's text under ``<name>_text`` (PostgreSQL formats them), and
    ``raw_datetimes`` also as datetimes (a cursor positioned on them needs them)."""
    if datetimes_as_sql_text():
        texts = {f"{name}{TEXT}": IsoDateTimeUTC(name) for name in datetimes}
        return queryset.values(*columns, *raw_datetimes, **texts)
    return queryset.values(*columns, *datetimes)


def with_datetime_text(rows: Sequence[dict[str, Any]], datetimes: tuple[str, ...]) -> None:
    """Rows of ``list_values`` read without PostgreSQL's formatting (another database or
    time zone): add ``<name>_text`` as ``DateTimeField`` gives it."""
    if not rows or f"{datetimes[0]}{TEXT}" in rows[0]:
        return
    moment = datetime_text()
    for row in rows:
        for name in datetimes:
            row[f"{name}{TEXT}"] = moment(row[name])


def cursor_reads_datetimes(request: Any) -> bool:
    """Whether this list's cursor may be positioned on a date-time column (a chosen
    ordering, or ``updated_since`` sync), which the page's rows must then carry raw."""
    params = request.query_params
    return "ordering" in params or SYNC_PARAM in params


def date_text(field: serializers.DateField | None = None) -> Text:
    """``to_representation`` of a date field; None stays None."""
    field = field or serializers.DateField()
    output_format = getattr(field, "format", api_settings.DATE_FORMAT)
    if not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return lambda value: None if value is None else field.to_representation(value)

    def text(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return text


def person_brief(pk: int | None, full_name: str, email: str) -> dict[str, Any] | None:
    """A person as ``PersonBriefSerializer`` shows them (``display_name``), or None."""
    if pk is None:
        return None
    return {"id": pk, "name": full_name or email}


def api_key_brief(pk: int | None, name: str, prefix: str) -> dict[str, Any] | None:
    """An API key as ``ApiKeyBriefSerializer`` shows it, or None."""
    if pk is None:
        return None
    return {"id": pk, "name": name, "prefix": prefix}


class SkipIdleFilterSetMixin:
    # For a list view: run the filter set only when the query string names one of its
    # filters. Without one it filters nothing, yet building it (a deep copy of every filter,
    # a form class, a validated form) costs more than reading a page; every other filter
    # backend (ordering, ``updated_since``) runs as before. No docstring on purpose: the
    # OpenAPI generator would take it as the description of the views using the mixin.

    def filter_queryset(self, queryset: Any) -> Any:
        request = self.request  # type: ignore[attr-defined]
        for backend in list(self.filter_backends):  # type: ignore[attr-defined]
            if issubclass(backend, DjangoFilterBackend) and not _names_a_filter(self, request):
                continue
            queryset = backend().filter_queryset(request, queryset, self)
        return queryset


def _names_a_filter(view: Any, request: Any) -> bool:
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is None:
        return True  # let the backend decide (filterset_fields, or nothing)
    names = tuple(filterset_class.base_filters)
    # A prefix match also covers widgets whose parameters carry a suffix (_min, _after).
    return any(param.startswith(names) for param in request.query_params)
