"""CSV output of the API's list endpoints, for spreadsheet users.

A list endpoint that adds ``CSVRenderer`` to its renderers answers ``?format=csv`` and
``Accept: text/csv`` with one row per result: nested objects become dotted columns
(``address.city``), lists are joined with ``;``. JSON stays the default. Cells that a
spreadsheet would run as a formula are prefixed with ``'``. The cursor of the next page
moves from the body (CSV has none) to a ``Link: <...>; rel="next"`` header. Errors stay
application/problem+json.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"


def spreadsheet_safe(value: Any) -> str:
    """A cell value that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [1, 2]}`` -> ``{"a.b": 1, "c": "1;2"}``."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = LIST_SEPARATOR.join(_list_item(item) for item in value if item is not None)
        else:
            flat[name] = value
    return flat


def _list_item(item: Any) -> str:
    if isinstance(item, Mapping):
        # A list of objects in one cell: their ids where they have one, else compact text.
        if "id" in item:
            return str(item["id"])
        return ",".join(f"{k}={v}" for k, v in flatten(item).items())
    return str(item)


def _serializer_columns(serializer: Any, prefix: str = "") -> list[str]:
    """The dotted column names of a serializer, for the header of an empty page."""
    columns: list[str] = []
    fields = getattr(serializer, "fields", None)
    if fields is None:
        return columns
    for name, field in fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.Serializer):
            columns.extend(_serializer_columns(field, prefix=f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and (response.exception or response.status_code >= 400):
            # Errors keep their problem+json body (the error handler set its content type).
            return JSONRenderer().render(data, "application/json", context)
        if data is None:
            return b""
        rows: Iterable[Any]
        if isinstance(data, Mapping) and "results" in data:
            rows = data["results"]
            next_link = data.get("next")
            if next_link and response is not None:
                response["Link"] = f'<{next_link}>; rel="next"'
        elif isinstance(data, Mapping):
            rows = [data]
        else:
            rows = data
        flat_rows = [flatten(row) if isinstance(row, Mapping) else {"value": row} for row in rows]
        columns: list[str] = []
        seen: set[str] = set()
        for row in flat_rows:
            for key in row:
                if key not in seen:
                    seen.add(key)
                    columns.append(key)
        if not columns:
            view = context.get("view")
            if view is not None and hasattr(view, "get_serializer"):
                columns = _serializer_columns(view.get_serializer())
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in flat_rows:
            writer.writerow([spreadsheet_safe(row.get(column)) for column in columns])
        return buffer.getvalue().encode(self.charset)


# --- JSON ------------------------------------------------------------------------------------

_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_drf_default = JSONEncoder().default


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON, encoded by orjson (several times faster on a page of 500
    figures). Dates, times and anything orjson does not know (lazy strings, decimals,
    UUIDs...) go through DRF's own encoder; U+2028/U+2029 are escaped as DRF does. A
    request for indented output, or a value orjson refuses (an integer beyond 64 bits),
    falls back to DRF's renderer. Differences: a float in exponent form is spelled the
    way orjson spells it (1e-6 where Python writes 1e-06: the same number), and a float
    that is not finite (NaN, infinity; none of our serializers gives one) is written as
    null, where DRF's strict renderer fails the request."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        if not (self.compact and not self.ensure_ascii and self.strict):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_drf_default, option=_ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
