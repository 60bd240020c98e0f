"""The columns of an organization CSV file, shared by the import and the export.

An exported file imports again unchanged: the same columns, multi-values joined with
``;``, and cells that a spreadsheet would run as a formula prefixed with ``'`` (the
import takes that prefix off again).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from partnerhub.api.renderers import FORMULA_TRIGGERS, spreadsheet_safe

SCALAR_COLUMNS = (
    "name",
    "sector",
    "mission",
    "website",
    "country",
    "region",
    "size",
    "iati_identifier",
)
MULTI_COLUMNS = ("sdgs", "tags", "offers", "needs")
COLUMNS = SCALAR_COLUMNS + MULTI_COLUMNS
REQUIRED_COLUMNS = ("name", "sector")
MULTI_SEPARATOR = ";"


def header_key(cell: str) -> str:
    """A header cell as a column name: case, spaces and dashes do not matter."""
    return "_".join(cell.strip().lower().replace("-", " ").split())


def from_spreadsheet_safe(text: str) -> str:
    """Undo ``spreadsheet_safe`` on an imported cell."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def join_values(values: Iterable[Any]) -> str:
    return MULTI_SEPARATOR.join(str(v) for v in values)


def split_values(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(MULTI_SEPARATOR) if part.strip()]


__all__ = ["COLUMNS", "FORMULA_TRIGGERS", "spreadsheet_safe"]
