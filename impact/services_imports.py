"""CSV import of figures for one partnership: upload, preview, apply.

1. ``measurement_import_upload`` checks the file as a whole (``impact.imports_file``: UTF-8,
   a header naming the columns, at least one row, at most ``MAX_BYTES`` and
   ``imports_file.MAX_ROWS`` rows), stores it under a random name and records a
   MeasurementImport in status *previewed*. Nothing else is written.
2. ``measurement_import_analyze`` checks every row (``impact.imports_analysis``) against
   the partnership as it is now, as the person who uploaded the file: the preview page
   runs it afresh every time.
3. ``measurement_import_start`` (only the person who uploaded the file may) applies the
   rows: a file of at most ``ASYNC_ROWS`` rows at once, in the request; a larger one in
   the Celery task ``impact.tasks_imports.measurement_import_run``, which commits every
   ``BATCH_ROWS`` rows so that ``processed_rows`` shows the progress. Either way the rows
   are analyzed again, and the *create* and *update* rows are written one by one through
   ``measurement_save`` (submitted, with an "imported" history entry), which has the last
   word: a row it refuses (a period locked since the preview, say) is reported as refused
   with its message. One bad row never blocks the others. Importing the same file again
   changes nothing: every row is *unchanged*.

The report (``MeasurementImport.report``) holds one entry per row of the file: its line,
indicator, period, organization, value, outcome (created, updated, unchanged, refused)
and the reason. A task delivered twice, or delivered again after a worker was lost, takes
up where the last committed batch ended: each batch checks, under a row lock, that the
import is still running and that the rows before it are done.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from impact.imports_analysis import (
    CREATE,
    REFUSED,
    UNCHANGED,
    UPDATE,
    ImportAnalysis,
    RowPlan,
    analyze_rows,
)
from impact.imports_file import parse_figure_file
from impact.models import (
    ImportStatus,
    Indicator,
    Measurement,
    MeasurementEventKind,
    MeasurementImport,
)
from impact.selectors import imports_visible_to
from impact.services_measurements import MeasurementConflict, measurement_save
from partnerhub.access import WorkspaceAccess
from partnerhub.models import Membership, User, Workspace
from partnerhub.permissions import Action
from partners.models import Partnership
from partners.selectors_partnerships import PartnershipAccess

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
ASYNC_ROWS = 200  # files with more rows are applied by a Celery task
BATCH_ROWS = 50  # rows per committed batch of the task: the steps of its progress

# What happened to a row once applied (a preview says what would happen).
APPLIED = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", REFUSED: "refused"}
IN_PROGRESS = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="invalid_file")


# --- Reads ----------------------------------------------------------------------------


def imports_of(*, workspace: Workspace, access: PartnershipAccess, user: User) -> QuerySet:
    """The imports this person may open: those of the partnerships they see; a partner
    sees only their own uploads."""
    imports = imports_visible_to(workspace=workspace, access=access)
    if not access.can(Action.EDIT_CONTENT):
        imports = imports.filter(created_by=user)
    return imports.select_related("partnership", "created_by")


def measurement_import_get(
    *, workspace: Workspace, access: PartnershipAccess, user: User, pk: int
) -> MeasurementImport:
    return imports_of(workspace=workspace, access=access, user=user).get(pk=pk)


def recent_imports(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    user: User,
    partnership: Partnership,
    limit: int = 10,
) -> list[MeasurementImport]:
    return list(
        imports_of(workspace=workspace, access=access, user=user)
        .filter(partnership=partnership)
        .order_by("-created_at", "-id")[:limit]
    )


def _uploader_access(workspace: Workspace, record: MeasurementImport) -> WorkspaceAccess:
    """The access of the person who uploaded the file, as it is now."""
    membership = (
        Membership.objects.filter(workspace=workspace, user_id=record.created_by_id)
        .select_related("workspace")
        .first()
        if record.created_by_id is not None
        else None
    )
    access = (
        WorkspaceAccess(workspace=workspace, role=membership.role, membership=membership)
        if membership is not None
        else None
    )
    if access is None or not access.can(Action.REPORT_PROGRESS):
        raise ValidationError(
            "The person who uploaded this file may no longer report figures here; "
            "upload the file again."
        )
    return access


def _read(record: MeasurementImport) -> bytes:
    with record.file.open("rb") as handle:
        return handle.read()


def measurement_import_analyze(
    *, workspace: Workspace, record: MeasurementImport
) -> ImportAnalysis:
    """Every row of the stored file checked against the partnership as it is now."""
    if record.workspace_id != workspace.pk:
        raise ValidationError("Choose an import of this workspace.")
    access = _uploader_access(workspace, record)
    return analyze_rows(
        parse_figure_file(_read(record)),
        workspace=workspace,
        partnership=record.partnership,
        access=access,
    )


# --- Upload ---------------------------------------------------------------------------


def measurement_import_upload(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    actor: User,
    partnership: Partnership,
    uploaded: IO[bytes],
    name: str,
    size: int | None = None,
) -> MeasurementImport:
    """Check the file as a whole and store it for the preview (no figure is written)."""
    if partnership.workspace_id != workspace.pk:
        raise ValidationError("Choose a partnership of this workspace.")
    if not access.can(Action.REPORT_PROGRESS):
        raise PermissionDenied("Your role may read figures but not report them.")
    if size is not None and size > MAX_BYTES:
        raise _file_error(f"The file is larger than {filesizeformat(MAX_BYTES)}.")
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_error(f"The file is larger than {filesizeformat(MAX_BYTES)}.")
    parsed = parse_figure_file(data)
    if not Indicator.objects.for_workspace(workspace).filter(partnership=partnership).exists():
        raise _file_error("This partnership has no indicators yet: there is nothing to import.")
    record = MeasurementImport(
        workspace=workspace,
        partnership=partnership,
        original_name=(name or "figures.csv")[:255],
        status=ImportStatus.PREVIEWED,
        total_rows=len(parsed.rows),
        created_by=actor,
    )
    # A random stored name: the uploaded name is kept as metadata only.
    record.file.save(f"{uuid.uuid4().hex}.csv", ContentFile(data), save=False)
    record.save()
    logger.info(
        "measurement import %s uploaded by %s (%s rows)",
        record.pk,
        actor.pk,
        record.total_rows,
        extra={"workspace": workspace.slug},
    )
    return record


# --- Apply ----------------------------------------------------------------------------


def measurement_import_start(
    *, workspace: Workspace, actor: User, record: MeasurementImport
) -> MeasurementImport:
    """Apply a previewed import now (small files) or queue it for the Celery task."""
    if record.workspace_id != workspace.pk:
        raise ValidationError("Choose an import of this workspace.")
    if record.created_by_id != actor.pk:
        raise ValidationError("Only the person who uploaded this file can import it.")
    with transaction.atomic():
        claimed = (
            MeasurementImport.objects.for_workspace(workspace)
            .filter(pk=record.pk, status=ImportStatus.PREVIEWED)
            .update(status=ImportStatus.QUEUED, updated_at=timezone.now())
        )
        if claimed != 1:
            raise ValidationError("This import has already been started.")
        record.refresh_from_db()
        if record.total_rows > ASYNC_ROWS:
            from impact.tasks_imports import measurement_import_run

            measurement_import_run.delay_on_commit(workspace.pk, record.pk)
            logger.info(
                "measurement import %s queued by %s",
                record.pk,
                actor.pk,
                extra={"workspace": workspace.slug},
            )
            return record
        run = measurement_import_begin(workspace=workspace, import_id=record.pk)
        if run is not None:
            measurement_import_apply_batch(
                workspace=workspace, import_id=record.pk, run=run, start=0, end=len(run.plans)
            )
            measurement_import_finish(workspace=workspace, import_id=record.pk)
    record.refresh_from_db()
    return record


@dataclass
class ImportRun:
    """What applying needs across the task's transactions: the analyzed rows and who
    applies them."""

    plans: list[RowPlan]
    start: int  # rows already applied (a resumed task)
    actor: User
    access: WorkspaceAccess


def _locked_record(workspace: Workspace, import_id: int) -> MeasurementImport:
    return (
        MeasurementImport.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("partnership", "created_by")
        .get(pk=import_id)
    )


def measurement_import_begin(*, workspace: Workspace, import_id: int) -> ImportRun | None:
    """Mark a queued import running (or take up a running one) and analyze its rows;
    None when there is nothing to do (already done or failed)."""
    record = _locked_record(workspace, import_id)
    if record.status == ImportStatus.QUEUED:
        record.status = ImportStatus.RUNNING
        record.save(update_fields=["status"])
    elif record.status != ImportStatus.RUNNING:
        return None
    access = _uploader_access(workspace, record)
    analysis = analyze_rows(
        parse_figure_file(_read(record)),
        workspace=workspace,
        partnership=record.partnership,
        access=access,
    )
    if record.total_rows != analysis.total:
        record.total_rows = analysis.total
        record.save(update_fields=["total_rows"])
    assert record.created_by is not None  # _uploader_access found their membership
    return ImportRun(
        plans=analysis.rows, start=record.processed_rows, actor=record.created_by, access=access
    )


def _current_versions(
    workspace: Workspace, plans: list[RowPlan]
) -> dict[tuple[int, int, int], int]:
    keys = {plan.key for plan in plans if plan.key and plan.outcome in (CREATE, UPDATE)}
    if not keys:
        return {}
    rows = (
        Measurement.objects.for_workspace(workspace)
        .filter(
            indicator_id__in={k[0] for k in keys},
            period_id__in={k[1] for k in keys},
            organization_id__in={k[2] for k in keys},
        )
        .values_list("indicator_id", "period_id", "organization_id", "version")
    )
    return {(i, p, o): version for i, p, o, version in rows if (i, p, o) in keys}


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, MeasurementConflict):
        return "The figure changed while the file was imported; import the file again."
    return str(exc) or "You may not report this figure."


def _apply_row(
    workspace: Workspace, run: ImportRun, plan: RowPlan, versions: dict[Any, int]
) -> tuple[str, str]:
    """Write one row; (outcome, reason) as it turned out."""
    if plan.outcome not in (CREATE, UPDATE):
        return plan.outcome, plan.reason
    assert plan.info is not None and plan.period is not None and plan.organization is not None
    before = versions.get(plan.key)
    try:
        with transaction.atomic():
            saved = measurement_save(
                workspace=workspace,
                actor=run.actor,
                access=run.access,
                indicator=plan.info.indicator,
                period=plan.period,
                organization=plan.organization,
                value=plan.value,
                breakdown=plan.breakdown,
                note=plan.note,
                submit=True,
                event_kind=MeasurementEventKind.IMPORTED,
            )
    except (ValidationError, PermissionDenied, MeasurementConflict) as exc:
        return REFUSED, _refusal(exc)
    if before is None:
        return CREATE, "New figure."
    if saved.version == before:
        return UNCHANGED, "Already on file."
    return UPDATE, plan.reason


def measurement_import_apply_batch(
    *, workspace: Workspace, import_id: int, run: ImportRun, start: int, end: int
) -> bool:
    """Apply rows ``start`` to ``end`` and record them; False (nothing done) when the
    import is no longer running or these rows are not the next ones."""
    record = _locked_record(workspace, import_id)
    if record.status != ImportStatus.RUNNING or record.processed_rows != start:
        return False
    batch = run.plans[start:end]
    versions = _current_versions(workspace, batch)
    counts: Counter[str] = Counter()
    entries = []
    for plan in batch:
        outcome, reason = _apply_row(workspace, run, plan, versions)
        counts[outcome] += 1
        entries.append(plan.entry(outcome=APPLIED[outcome], reason=reason))
    record.report = [*record.report, *entries]
    record.processed_rows = start + len(batch)
    record.created_count += counts[CREATE]
    record.updated_count += counts[UPDATE]
    record.unchanged_count += counts[UNCHANGED]
    record.refused_count += counts[REFUSED]
    record.save(
        update_fields=[
            "report",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "refused_count",
        ]
    )
    return True


def measurement_import_finish(*, workspace: Workspace, import_id: int) -> None:
    record = _locked_record(workspace, import_id)
    if record.status != ImportStatus.RUNNING:
        return
    record.status = ImportStatus.DONE
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "finished_at"])
    logger.info(
        "measurement import %s done: %s created, %s updated, %s unchanged, %s refused",
        record.pk,
        record.created_count,
        record.updated_count,
        record.unchanged_count,
        record.refused_count,
        extra={"workspace": workspace.slug},
    )


def measurement_import_fail(*, workspace: Workspace, import_id: int, reason: str) -> None:
    """Mark an import whose task stopped (the batches committed before stay applied)."""
    MeasurementImport.objects.for_workspace(workspace).filter(
        pk=import_id, status__in=IN_PROGRESS
    ).update(
        status=ImportStatus.FAILED,
        error=reason,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
