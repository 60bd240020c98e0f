"""The format of a CSV file of figures, and reading it (no database access).

UTF-8 text (with or without a byte-order mark), comma- or semicolon-separated (the header
decides: spreadsheets set to a language with decimal commas save with semicolons). The
header names the columns in any order and any case: ``indicator`` (name or id),
``period``, ``organization`` (name or id), ``value``, optionally ``note``, and one column
per disaggregation category written ``<Dimension>: <Category>`` (``Gender: Female``). A
period is written as its start date (``2025-04-01``) or as a label: ``2025`` (a year),
``2025-H1`` (a half-year), ``2025-Q2`` (a quarter), ``2025-04`` (a month). A value may
have a decimal comma, and a percentage a percent sign. Cells a spreadsheet export
prefixed with ``'`` to defuse a formula lose that prefix again. Row numbers are the file's
line numbers: the header is row 1, as in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from impact.models import VALUE_DECIMALS, VALUE_DIGITS, ValueType
from impact.periods import window_containing
from partners.csv_columns import from_spreadsheet_safe
from partners.services.organization_import import decode_csv

MAX_ROWS = 5000

INDICATOR = "indicator"
PERIOD = "period"
ORGANIZATION = "organization"
VALUE = "value"
NOTE = "note"
REQUIRED_COLUMNS = (INDICATOR, PERIOD, ORGANIZATION, VALUE)
BASE_COLUMNS = (*REQUIRED_COLUMNS, NOTE)
COLUMN_ALIASES = {"organisation": ORGANIZATION, "notes": NOTE}

_QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)
_MAX_VALUE = Decimal(10) ** (VALUE_DIGITS - VALUE_DECIMALS)


# --- Reading the file -----------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    number: int  # the file's line number (the header is 1)
    cells: dict[str, str]
    extra_cells: int = 0


@dataclass(frozen=True)
class FigureFile:
    columns: list[str]  # normalized column keys, in the file's order
    rows: list[RawRow]

    @property
    def category_columns(self) -> list[str]:
        return [column for column in self.columns if column not in BASE_COLUMNS]


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="invalid_file")


def header_key(cell: str) -> str:
    """A header cell as a column key: case and spacing do not matter, and a category
    column is ``dimension: category``."""
    text = " ".join(cell.strip().casefold().split())
    if ":" in text:
        dimension, category = text.split(":", 1)
        return f"{dimension.strip()}: {category.strip()}"
    return COLUMN_ALIASES.get(text, text)


def category_key(dimension: str, category: str) -> str:
    return header_key(f"{dimension}: {category}")


def _delimiter(text: str) -> str:
    """Semicolons when the header has more of them than commas (spreadsheets set to a
    language with decimal commas save that way), else commas."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def parse_figure_file(data: bytes) -> FigureFile:
    """The header and rows of a figures CSV file (values are checked by the analysis)."""
    text = decode_csv(data)  # the same checks as the organization import
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise _file_error("The file is empty.")
        columns = [header_key(from_spreadsheet_safe(cell.strip())) for cell in header]
        _check_header(columns)
        rows: list[RawRow] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise _file_error(
                    f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."
                )
            values = {
                column: from_spreadsheet_safe(cells[i].strip()) if i < len(cells) else ""
                for i, column in enumerate(columns)
            }
            extra = sum(1 for cell in cells[len(columns) :] if cell.strip())
            rows.append(RawRow(reader.line_num, values, extra_cells=extra))
    except csv.Error as exc:
        raise _file_error(f"This is not a valid CSV file (line {reader.line_num}: {exc}).") from exc
    if not rows:
        raise _file_error("The file has a header but no rows of figures.")
    return FigureFile(columns=columns, rows=rows)


def _check_header(columns: list[str]) -> None:
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c and c not in BASE_COLUMNS and ": " not in c]
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(f"“{c}”" for c in unknown[:10]))
    if repeated:
        problems.append("repeated " + ", ".join(f"“{c}”" for c in repeated))
    if "" in columns:
        problems.append("a column without a name")
    if problems:
        raise _file_error(
            "The first row must name the columns (" + "; ".join(problems) + "). Use: "
            "indicator, period, organization, value, note, and one “Dimension: Category” "
            "column per category of a breakdown."
        )


# --- Periods and numbers as people write them -----------------------------------------

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LABEL = re.compile(r"^(\d{4})(?:(?:-|\s*)([QH])([1-4])|-(\d{1,2}))?$", re.IGNORECASE)


def period_label(start: date, end: date) -> str:
    """How the file names a period: 2025, 2025-H1, 2025-Q1, 2025-01; or its start date
    for a window that is none of these."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    frequency = {1: "monthly", 3: "quarterly", 6: "half_yearly", 12: "annual"}.get(months)
    if start.day != 1 or frequency is None or window_containing(start, frequency) != (start, end):
        return start.isoformat()
    if months == 12:
        return f"{start.year}"
    if months == 6:
        return f"{start.year}-H{(start.month - 1) // 6 + 1}"
    if months == 3:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def label_window(text: str) -> tuple[date, date] | None:
    match = _LABEL.match(text.strip())
    if not match:
        return None
    year, kind, number, month = match.groups()
    year_ = int(year)
    if kind is None and month is None:
        return window_containing(date(year_, 1, 1), "annual")
    if month is not None:
        if not 1 <= int(month) <= 12:
            return None
        return window_containing(date(year_, int(month), 1), "monthly")
    if kind.upper() == "H":
        if int(number) > 2:
            return None
        return window_containing(date(year_, (int(number) - 1) * 6 + 1, 1), "half_yearly")
    return window_containing(date(year_, (int(number) - 1) * 3 + 1, 1), "quarterly")


def parse_value(text: str, *, value_type: str) -> Decimal:
    """A figure as people type it (a decimal comma is fine, and a percent sign on a
    percentage), checked like ``measurement_save`` checks it; ValueError otherwise."""
    cleaned = "".join(text.split())
    if not cleaned:
        raise ValueError("No value: fill in the value or delete the row.")
    if cleaned.endswith("%") and value_type == ValueType.PERCENTAGE:
        cleaned = cleaned[:-1]
    if "," in cleaned:
        if "." in cleaned or cleaned.count(",") > 1:
            raise ValueError(
                f"“{text}” is not a number: write it without thousands separators (1234.5)."
            )
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text}” is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"“{text}” is not a number.")
    if number < 0:
        raise ValueError("Figures cannot be negative.")
    if number >= _MAX_VALUE:
        raise ValueError(f"“{text}” is too large.")
    if number != number.quantize(_QUANTUM):
        raise ValueError(f"“{text}” has more than {VALUE_DECIMALS} decimal places.")
    if value_type == ValueType.PERCENTAGE and number > 100:
        raise ValueError("A percentage lies between 0 and 100.")
    return number.quantize(_QUANTUM)


def number_text(value: Decimal | None) -> str:
    """A stored value without trailing zeros (12.5000 -> 12.5), never in exponent form."""
    if value is None:
        return ""
    text = format(value.quantize(_QUANTUM), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
