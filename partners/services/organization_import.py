"""CSV import of organizations: upload, preview, apply.

1. ``organization_import_upload`` checks the file as a whole (UTF-8 text with or without
   a byte-order mark, a header naming known columns with ``name`` and ``sector``, at
   least one row, within the size and row limits), stores it through Django's storage
   and records an OrganizationImport in status *preview*. A file that fails these checks
   is refused with a ValidationError and nothing is stored.
2. ``organization_import_analyze`` validates every row against the same rules as the
   forms and the API (``clean_organization_fields``) and classifies it:

   - *error*: invalid values, or the same name or IATI identifier as an earlier row of
     the file, or a name and an IATI identifier that belong to two different
     organizations of the directory; each error names the row, the column and the
     problem;
   - *unchanged*: the organization (same name, or same IATI identifier) is in the
     directory with exactly these values;
   - *exists*: it is in the directory with other values. The import reports these and
     changes nothing: an import adds organizations, edits happen on the organization's
     page or through the API, where a person sees what they overwrite;
   - *create*: new to the directory.

   The preview page runs the analysis afresh every time, so it shows the directory as it
   is now.
3. ``organization_import_start`` applies the valid rows: files of at most
   ``settings.ORGANIZATION_IMPORT_ASYNC_ROWS`` rows at once (in the request's
   transaction), larger ones in a Celery task (``partners.tasks``). Either way
   ``organization_import_apply`` analyzes the file again and creates every *create* row
   in one transaction, in batches (``bulk_create``), so importing the same file twice
   creates nothing new. While a task runs, its progress is in the cache (the database row
   is only written at the end, with the organizations, in the same transaction); the
   import's page reads both.

Row numbers are the file's line numbers: the header is row 1, as in a spreadsheet.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from partnerhub.models import User, Workspace
from partners.csv_columns import (
    COLUMNS,
    MULTI_COLUMNS,
    REQUIRED_COLUMNS,
    from_spreadsheet_safe,
    header_key,
    split_values,
)
from partners.models import (
    ImportStatus,
    Organization,
    OrganizationImport,
    OrganizationTrait,
)
from partners.selectors.organizations import (
    ExistingOrganization,
    organization_import_index,
)
from partners.services.organizations import OrganizationFields, clean_organization_fields

logger = logging.getLogger(__name__)

STORED_ERRORS = 1000  # errors kept on the import record (the preview shows them all)
ORG_BATCH = 1000
TRAIT_BATCH = 5000
_SNIFF_BYTES = 8192


def async_threshold() -> int:
    return int(getattr(settings, "ORGANIZATION_IMPORT_ASYNC_ROWS", 1000))


def max_bytes() -> int:
    return int(getattr(settings, "ORGANIZATION_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "ORGANIZATION_IMPORT_MAX_ROWS", 100_000))


# --- Reading the file -----------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    number: int  # the file's line number (the header is 1)
    cells: dict[str, str]
    extra_cells: int = 0


@dataclass
class ParsedFile:
    columns: list[str]
    rows: list[RawRow]


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="invalid_file")


def decode_csv(data: bytes) -> str:
    """The file as text, or a ValidationError saying why it is not a CSV file."""
    if not data.strip():
        raise _file_error("The file is empty.")
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise _file_error(
            "This is not a CSV file (it contains binary data). Save the sheet as "
            "“CSV UTF-8” and upload that file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            "The file is not UTF-8 text. Save the sheet as “CSV UTF-8” and upload that file."
        ) from exc
    if not text.strip():
        raise _file_error("The file is empty.")
    return text


def parse_csv(data: bytes) -> ParsedFile:
    """Read the header and rows of an organization CSV file (no validation of values)."""
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise _file_error("The file is empty.")
        columns = [header_key(cell) for cell in header]
        _check_header(columns)
        rows: list[RawRow] = []
        limit = max_rows()
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines
            if len(rows) >= limit:
                raise _file_error(
                    f"The file has more than {limit:,} rows; split it into smaller files."
                )
            values = {
                column: from_spreadsheet_safe(cells[i].strip()) if i < len(cells) else ""
                for i, column in enumerate(columns)
            }
            rows.append(
                RawRow(reader.line_num, values, extra_cells=max(0, len(cells) - len(columns)))
            )
    except csv.Error as exc:
        raise _file_error(f"This is not a valid CSV file (line {reader.line_num}: {exc}).") from exc
    if not rows:
        raise _file_error("The file has a header but no rows of organizations.")
    return ParsedFile(columns=columns, rows=rows)


def _check_header(columns: list[str]) -> None:
    expected = ", ".join(COLUMNS)
    unknown = [c for c in columns if c and c not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(f"“{c}”" for c in unknown[:10]))
    if duplicated:
        problems.append("repeated " + ", ".join(duplicated))
    if "" in columns:
        problems.append("a column without a name")
    if problems:
        raise _file_error(
            "The first row must name the columns (" + "; ".join(problems) + "). "
            f"Use: {expected} — name and sector are required."
        )


# --- Analysis -------------------------------------------------------------------------


CREATE = "create"
UNCHANGED = "unchanged"
EXISTS = "exists"
ERROR = "error"


@dataclass
class RowResult:
    number: int
    name: str
    status: str
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    note: str = ""
    fields: OrganizationFields | None = None
    existing_pk: int | None = None


@dataclass
class ImportAnalysis:
    columns: list[str]
    rows: list[RowResult]

    def of(self, status: str) -> list[RowResult]:
        return [row for row in self.rows if row.status == status]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def to_create(self) -> list[RowResult]:
        return self.of(CREATE)

    @property
    def existing(self) -> list[RowResult]:
        return [row for row in self.rows if row.status in (UNCHANGED, EXISTS)]

    @property
    def invalid(self) -> list[RowResult]:
        return self.of(ERROR)

    @property
    def valid_count(self) -> int:
        return self.total - len(self.invalid)

    def error_list(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Every error as {row, column, message}, in row order."""
        items: list[dict[str, Any]] = []
        for row in self.rows:
            for column, message in row.errors:
                items.append({"row": row.number, "column": column, "message": message})
                if limit is not None and len(items) >= limit:
                    return items
        return items


_COMPARED = (
    "name",
    "sector",
    "mission",
    "website",
    "country",
    "region",
    "size",
    "iati_identifier",
    "sdgs",
    "tags",
    "offers",
    "needs",
)


def _differences(
    fields: OrganizationFields, existing: ExistingOrganization, columns: list[str]
) -> list[str]:
    """The file's columns whose values differ from the directory's (absent columns are
    not compared: a file without a 'mission' column says nothing about missions)."""
    new = fields.as_dict()
    changed = [
        column
        for column in _COMPARED[1:]
        if column in columns and new[column] != existing.values[column]
    ]
    # The name matched case-insensitively (or the IATI identifier matched): only a
    # different spelling beyond case counts as a difference.
    if new["name"].lower() != existing.values["name"].lower():
        changed.insert(0, "name")
    return changed


def analyze_rows(
    parsed: ParsedFile,
    *,
    by_name: dict[str, ExistingOrganization],
    by_iati: dict[str, ExistingOrganization],
) -> ImportAnalysis:
    """Classify every row (no database access: the directory comes in as two indexes)."""
    results: list[RowResult] = []
    seen_names: dict[str, int] = {}
    seen_iati: dict[str, int] = {}
    for raw in parsed.rows:
        cells = raw.cells
        values: dict[str, Any] = dict(cells)
        for column in MULTI_COLUMNS:
            values[column] = split_values(cells.get(column, ""))
        fields, field_errors = clean_organization_fields(values)
        name = " ".join(cells.get("name", "").split())
        result = RowResult(number=raw.number, name=name, status=CREATE, fields=fields)
        for column, messages in field_errors.items():
            result.errors.extend((column, message) for message in messages)
        if raw.extra_cells:
            result.errors.append(
                ("", f"The row has {raw.extra_cells} more cell(s) than the header has columns.")
            )
        name_key = name.lower()
        iati = " ".join(cells.get("iati_identifier", "").split())
        iati_key = iati.lower()
        if name_key:
            if name_key in seen_names:
                result.errors.append(
                    ("name", f"The same name as row {seen_names[name_key]} of this file.")
                )
            else:
                seen_names[name_key] = raw.number
        if iati_key:
            if iati_key in seen_iati:
                result.errors.append(
                    (
                        "iati_identifier",
                        f"The same IATI identifier as row {seen_iati[iati_key]} of this file.",
                    )
                )
            else:
                seen_iati[iati_key] = raw.number
        if not result.errors and fields is not None:
            named = by_name.get(name_key)
            numbered = by_iati.get(iati_key) if iati_key else None
            if named and numbered and named.pk != numbered.pk:
                result.errors.append(
                    (
                        "iati_identifier",
                        f"This IATI identifier belongs to “{numbered.name}”, while the name "
                        f"is that of another organization of the directory.",
                    )
                )
            else:
                match = named or numbered
                if match is not None:
                    result.existing_pk = match.pk
                    changed = _differences(fields, match, parsed.columns)
                    if changed:
                        result.status = EXISTS
                        result.note = (
                            f"Already in the directory as “{match.name}” with other values "
                            f"({', '.join(changed)}); not changed by the import."
                        )
                    else:
                        result.status = UNCHANGED
                        result.note = "Already in the directory with these values."
        if result.errors:
            result.status = ERROR
            result.fields = None
        results.append(result)
    return ImportAnalysis(columns=parsed.columns, rows=results)


def _read_file(record: OrganizationImport) -> bytes:
    with record.file.open("rb") as handle:
        return handle.read()


def organization_import_analyze(
    *, workspace: Workspace, record: OrganizationImport
) -> ImportAnalysis:
    """Validate every row of the stored file against the directory as it is now."""
    if record.workspace_id != workspace.pk:
        raise ValidationError("Choose an import of this workspace.")
    parsed = parse_csv(_read_file(record))
    by_name, by_iati = organization_import_index(workspace=workspace)
    return analyze_rows(parsed, by_name=by_name, by_iati=by_iati)


# --- Upload ---------------------------------------------------------------------------


def organization_import_upload(
    *, workspace: Workspace, actor: User, uploaded: IO[bytes], name: str, size: int | None = None
) -> OrganizationImport:
    """Check the file as a whole and store it for the preview (nothing imported yet)."""
    limit = max_bytes()
    if size is not None and size > limit:
        raise _file_error(f"The file is larger than {filesizeformat(limit)}.")
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise _file_error(f"The file is larger than {filesizeformat(limit)}.")
    parsed = parse_csv(data)
    record = OrganizationImport(
        workspace=workspace,
        original_name=(name or "organizations.csv")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportStatus.PREVIEW,
        total_rows=len(parsed.rows),
        created_by=actor,
    )
    # A random stored name: the uploaded name is kept as metadata only.
    record.file.save(f"{workspace.pk}/{uuid.uuid4().hex}.csv", ContentFile(data), save=False)
    record.save()
    logger.info(
        "organization import %s uploaded by %s (%s rows)",
        record.pk,
        actor.pk,
        record.total_rows,
        extra={"workspace": workspace.slug},
    )
    return record


# --- Apply ----------------------------------------------------------------------------


def progress_key(record_id: int) -> str:
    return f"partners:organization-import:{record_id}:processed"


def organization_import_progress(record: OrganizationImport) -> int:
    """Rows handled so far: from the cache while a task runs, else from the record."""
    if record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        live = cache.get(progress_key(record.pk))
        if live is not None:
            return max(int(live), record.processed_rows)
    return record.processed_rows


def organization_import_start(
    *, workspace: Workspace, actor: User, record: OrganizationImport
) -> OrganizationImport:
    """Apply a previewed import now (small files) or queue it for a Celery task."""
    if record.workspace_id != workspace.pk:
        raise ValidationError("Choose an import of this workspace.")
    with transaction.atomic():
        claimed = (
            OrganizationImport.objects.for_workspace(workspace)
            .filter(pk=record.pk, status=ImportStatus.PREVIEW)
            .update(status=ImportStatus.QUEUED, updated_at=timezone.now())
        )
        if claimed != 1:
            raise ValidationError("This import has already been started.")
        record.refresh_from_db()
        if record.total_rows > async_threshold():
            from partners.tasks import organization_import_run

            organization_import_run.delay_on_commit(workspace.pk, record.pk)
            logger.info(
                "organization import %s queued by %s",
                record.pk,
                actor.pk,
                extra={"workspace": workspace.slug},
            )
            return record
        return organization_import_apply(workspace=workspace, record=record)


def organization_import_apply(
    *,
    workspace: Workspace,
    record: OrganizationImport,
    on_progress: Callable[[int], None] | None = None,
) -> OrganizationImport:
    """Create the valid new rows of a queued import in one transaction.

    Claims the import with a conditional UPDATE (queued -> running), so a task delivered
    twice applies it once. Returns the record with its final counts.
    """
    if record.workspace_id != workspace.pk:
        raise ValidationError("Choose an import of this workspace.")
    report = on_progress or _cache_progress(record.pk)
    with transaction.atomic():
        claimed = (
            OrganizationImport.objects.for_workspace(workspace)
            .filter(pk=record.pk, status=ImportStatus.QUEUED)
            .update(status=ImportStatus.RUNNING, updated_at=timezone.now())
        )
        if claimed != 1:
            record.refresh_from_db()
            return record
        analysis = organization_import_analyze(workspace=workspace, record=record)
        rows = analysis.to_create
        handled = analysis.total - len(rows)
        report(handled)
        try:
            with transaction.atomic():
                created = _create_rows(workspace, rows, lambda done: report(handled + done))
        except IntegrityError as exc:
            # Another import or edit added one of these names since the preview. The
            # whole import rolls back (the claim too), so it can simply be applied again.
            raise ValidationError(
                "Some of these organizations were added by another change while this import "
                "ran. Nothing was imported; open the preview again and re-apply."
            ) from exc
        record.refresh_from_db()
        record.status = ImportStatus.DONE
        record.total_rows = analysis.total
        record.valid_rows = analysis.valid_count
        record.processed_rows = analysis.total
        record.created_count = created
        record.unchanged_count = len(analysis.existing)
        record.errors = analysis.error_list(limit=STORED_ERRORS)
        record.finished_at = timezone.now()
        record.save()
    cache.delete(progress_key(record.pk))
    logger.info(
        "organization import %s done: %s created, %s already there, %s invalid",
        record.pk,
        record.created_count,
        record.unchanged_count,
        record.total_rows - record.valid_rows,
        extra={"workspace": workspace.slug},
    )
    return record


def organization_import_fail(*, workspace: Workspace, import_id: int, reason: str) -> None:
    """Mark an import whose task failed (its own transaction rolled back)."""
    OrganizationImport.objects.for_workspace(workspace).filter(
        pk=import_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).update(
        status=ImportStatus.FAILED,
        errors=[{"row": None, "column": "", "message": reason}],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    cache.delete(progress_key(import_id))


def _cache_progress(record_id: int) -> Callable[[int], None]:
    key = progress_key(record_id)

    def report(processed: int) -> None:
        cache.set(key, processed, timeout=6 * 3600)

    return report


def _batches(items: list[RowResult], size: int) -> Iterator[list[RowResult]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_SCALARS = ("name", "sector", "mission", "website", "country", "region", "size", "iati_identifier")


def _create_rows(workspace: Workspace, rows: list[RowResult], report: Callable[[int], None]) -> int:
    """Create the organizations of ``rows`` and then their traits, in batches.

    Organizations first, all of them, then the traits: PostgreSQL checks each trait's
    same-workspace foreign key with a cached plan, and a plan made while the table was
    small (earlier on this connection, or before these organizations existed) may scan
    the workspace's organizations instead of looking one up, which makes a large import
    quadratic. So the session's cached plans are dropped once the organizations are in,
    and the check is planned again for the table as it now is. Progress counts half a row
    per organization and half per row of traits.
    """
    now = timezone.now()
    organizations: list[Organization] = []
    for batch in _batches(rows, ORG_BATCH):
        created = [
            Organization(
                # Plain ids: the related-object descriptors cost more than the inserts.
                workspace_id=workspace.pk,
                created_at=now,
                updated_at=now,
                **{key: getattr(row.fields, key) for key in _SCALARS},
            )
            for row in batch
        ]
        Organization.objects.bulk_create(created)
        organizations.extend(created)
        report(len(organizations) // 2)
    if connection.vendor == "postgresql" and len(organizations) > ORG_BATCH:
        with connection.cursor() as cursor:
            cursor.execute("DISCARD PLANS")
    done = 0
    for start in range(0, len(rows), ORG_BATCH):
        pairs = zip(
            organizations[start : start + ORG_BATCH],
            rows[start : start + ORG_BATCH],
            strict=True,
        )
        traits = [
            OrganizationTrait(
                workspace_id=workspace.pk,
                organization_id=organization.pk,
                kind=kind,
                value=value,
                created_at=now,
                updated_at=now,
            )
            for organization, row in pairs
            if row.fields is not None
            for kind, value in sorted(row.fields.traits())
        ]
        OrganizationTrait.objects.bulk_create(traits, batch_size=TRAIT_BATCH)
        done = min(len(rows), start + ORG_BATCH)
        report((len(rows) + done) // 2)
    return len(organizations)
