"""Writes of figures: a reporting organization's value for a period, and its review.

The rules, once, for the pages, the API and the CSV import:

* One figure per indicator, period and organization. ``measurement_save`` creates it or
  changes it; ``submit=False`` keeps it a draft, otherwise it goes to review.
* Who may report: admins, coordinators and write keys for any reporting organization of
  the indicator; a partner only for their own organization, in a partnership it belongs
  to (``impact.selectors.can_report_for``). Anyone else gets PermissionDenied.
* Refused with a ValidationError (keyed by field where one is to blame): a period of
  another indicator, a locked period, an approved figure (a coordinator returns it first),
  an organization that does not report the indicator, a value that is not a number, is
  negative (figures are counts, amounts or shares; "decrease is better" indicators report
  a lower level, never a negative one), has more than four decimals, or is a percentage
  outside 0..100; a breakdown naming categories of another indicator.
* Breakdown (disaggregation): optional per dimension. Given for an *exhaustive* dimension,
  its categories must add up exactly to the total (a category left out counts as 0); for
  a non-exhaustive one they must not exceed it. Percentage indicators are the exception:
  a group's share is not a part of the whole, so each category is only checked to lie in
  0..100.
* Evidence: a file under the same upload rules as agreement documents (type from the
  content, size limit), stored under a random name, and/or an http(s) link. ``None`` and
  ``""`` keep the current evidence; ``remove_evidence=True`` drops both first.
* Optimistic concurrency: ``expected_version`` is the version the caller saw (0: "there
  was no figure yet"); when the figure moved on meanwhile, ``MeasurementConflict`` carries
  the current one and nothing is written.
* Saving what is already stored (value, breakdown, note, evidence and status unchanged)
  writes nothing and returns the figure as it is; so does sending an approved figure's or
  a locked period's stored data again. Re-importing a file is idempotent.
* Review: coordinators and admins (people with ``Action.REVIEW_MEASUREMENTS``) approve a
  submitted figure, or return a submitted or approved one with a note; API keys never
  review (approval stays with people). Returning needs an unlocked period. Every approval
  and return refreshes the status of the indicator's goal.

Every write records a MeasurementEvent (the figure's history) and an activity event.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from goals.models import SharedGoal
from goals.services import goal_refresh_status
from impact.models import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    DimensionCategory,
    Indicator,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    MeasurementEventKind,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.selectors import can_report_for, reporter_org_ids
from impact.templatetags.figures import plain
from partnerhub.models import EventAction, Membership, Workspace
from partnerhub.permissions import Action, can
from partnerhub.services.activity import actor_parts, diff, record_event, snapshot
from partners.models import Organization
from partners.selectors_partnerships import PartnershipAccess, partnerships_visible_to
from partners.services.documents import clean_original_name
from partners.services.partnerships import check_in_workspace
from partners.uploads import AGREEMENT_UPLOADS, FILE_TYPES, UploadedFileLike, UploadRule

logger = logging.getLogger(__name__)

# Evidence files follow the agreement documents' rule: PDF, DOCX or ODT, up to 10 MB.
EVIDENCE_UPLOADS: UploadRule = AGREEMENT_UPLOADS
NOTE_MAX_LENGTH = 5000
LINK_MAX_LENGTH = 500
BULK_MAX = 500
QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)
VALUE_LIMIT = Decimal(10) ** (VALUE_DIGITS - VALUE_DECIMALS)

APPROVED_MESSAGE = "Approved figures cannot be changed; ask a coordinator to return it."
LOCKED_MESSAGE = "This period is locked: its figures can no longer be added or changed."
PEOPLE_REVIEW = (
    "Approval stays with people: an API key may submit figures but not approve or return them."
)
REVIEWABLE_FOR_RETURN = frozenset({MeasurementStatus.SUBMITTED, MeasurementStatus.APPROVED})
MEASUREMENT_FIELDS = (
    "indicator",
    "period",
    "organization",
    "value",
    "note",
    "evidence_name",
    "evidence_link",
    "status",
    "review_note",
    "version",
)


class MeasurementConflict(Exception):
    """A change made against an older version of a figure (or a new figure when someone
    else created it meanwhile). ``measurement`` is the figure as stored now."""

    def __init__(self, *, measurement: Measurement, expected_version: int) -> None:
        self.measurement = measurement
        self.expected_version = expected_version
        super().__init__(
            f"Measurement {measurement.pk} is at version {measurement.version}, "
            f"not {expected_version}."
        )


@dataclass
class BulkReviewOutcome:
    """Ids reviewed, and ids left alone with the reason (for the person's message)."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


# --- Cleaning -------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _quantized(value: Any) -> Decimal | None:
    """The value as stored (four decimals), or None when it is not a number."""
    number = _decimal(value)
    return None if number is None else number.quantize(QUANTUM)


def _clean_amount(value: Any, *, value_type: str, what: str) -> Decimal:
    """A figure or a breakdown part, or ValueError with the message for the person."""
    number = _decimal(value)
    if number is None:
        raise ValueError(f"Enter {what} as a number.")
    if number != number.quantize(QUANTUM):
        raise ValueError(f"Use at most {VALUE_DECIMALS} decimal places.")
    if number < 0:
        raise ValueError("Figures cannot be negative.")
    if number >= VALUE_LIMIT:
        raise ValueError("This number is too large.")
    if value_type == ValueType.PERCENTAGE and number > 100:
        raise ValueError("A percentage lies between 0 and 100.")
    return number.quantize(QUANTUM)


def _categories_of(*, workspace: Workspace, indicator: Indicator) -> dict[int, DimensionCategory]:
    return {
        category.pk: category
        for category in DimensionCategory.objects.for_workspace(workspace)
        .filter(dimension__indicator=indicator)
        .select_related("dimension")
        .order_by("dimension__position", "dimension_id", "position", "id")
    }


def _shown(number: Decimal) -> str:
    return plain(number)


def _clean_breakdown(
    *,
    workspace: Workspace,
    indicator: Indicator,
    value: Decimal | None,
    breakdown: Mapping[int, Any] | None,
) -> dict[int, Decimal]:
    """The breakdown as {category id: value}, checked against the indicator's dimensions
    and the total; ValidationError keyed ``breakdown`` otherwise."""
    given = {key: part for key, part in (breakdown or {}).items() if _decimal(part) is not None}
    bad_numbers = [key for key, part in (breakdown or {}).items() if key not in given and part]
    if not given and not bad_numbers:
        return {}
    categories = _categories_of(workspace=workspace, indicator=indicator)
    errors: list[str] = []
    cleaned: dict[int, Decimal] = {}
    for key in [*given, *bad_numbers]:
        try:
            category_id = int(key)
        except (TypeError, ValueError):
            category_id = 0
        category = categories.get(category_id)
        if category is None:
            errors.append("The breakdown names a category this indicator does not have.")
            continue
        if key in bad_numbers:
            errors.append(f"{category.dimension.name}, {category.name}: enter a number.")
            continue
        try:
            cleaned[category_id] = _clean_amount(
                given[key], value_type=indicator.value_type, what="each part"
            )
        except ValueError as exc:
            errors.append(f"{category.dimension.name}, {category.name}: {exc}")
    if errors:
        raise ValidationError({"breakdown": sorted(set(errors), key=errors.index)})
    if value is None or indicator.value_type == ValueType.PERCENTAGE:
        return cleaned
    totals: dict[int, Decimal] = {}
    for category_id, part in cleaned.items():
        dimension_id = categories[category_id].dimension_id
        totals[dimension_id] = totals.get(dimension_id, Decimal(0)) + part
    dimensions = {c.dimension_id: c.dimension for c in categories.values()}
    for dimension_id, total in totals.items():
        dimension = dimensions[dimension_id]
        if dimension.exhaustive and total != value:
            errors.append(
                f"{dimension.name}: the parts add up to {_shown(total)}, "
                f"but they must add up to the total, {_shown(value)}."
            )
        elif not dimension.exhaustive and total > value:
            errors.append(
                f"{dimension.name}: the parts add up to {_shown(total)}, "
                f"more than the total, {_shown(value)}."
            )
    if errors:
        raise ValidationError({"breakdown": errors})
    return cleaned


def _clean_link(link: str | None) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    if len(link) > LINK_MAX_LENGTH:
        raise ValidationError({"evidence_link": f"Use at most {LINK_MAX_LENGTH} characters."})
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError as exc:
        raise ValidationError(
            {"evidence_link": "Give a web address starting with http:// or https://."}
        ) from exc
    return link


def _stored_breakdown(
    *, workspace: Workspace | int, measurement: Measurement
) -> dict[int, Decimal]:
    return {
        category_id: value.quantize(QUANTUM)
        for category_id, value in MeasurementBreakdown.objects.for_workspace(workspace)
        .filter(measurement=measurement)
        .values_list("category_id", "value")
    }


def _normal_breakdown(breakdown: Mapping[int, Any] | None) -> dict[int, Decimal] | None:
    normal: dict[int, Decimal] = {}
    for key, part in (breakdown or {}).items():
        if part is None or (isinstance(part, str) and not part.strip()):
            continue
        number = _quantized(part)
        try:
            category_id = int(key)
        except (TypeError, ValueError):
            return None
        if number is None:
            return None
        normal[category_id] = number
    return normal


def measurement_unchanged(
    measurement: Measurement,
    *,
    value: Any,
    breakdown: Mapping[int, Any] | None,
    note: str,
) -> bool:
    """Whether saving ``value``, ``breakdown`` and ``note`` would leave the figure's data
    as stored (evidence and status are the caller's to compare). One query."""
    number = _quantized(value)
    if number is None or number != Decimal(measurement.value).quantize(QUANTUM):
        return False
    if (note or "").strip() != measurement.note:
        return False
    wanted = _normal_breakdown(breakdown)
    return wanted == _stored_breakdown(workspace=measurement.workspace_id, measurement=measurement)


# --- Who may report -------------------------------------------------------------------


def check_may_report(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    indicator: Indicator,
    organization: Organization,
) -> None:
    """PermissionDenied unless ``access`` may report ``organization``'s figures for the
    indicator; ValidationError (``organization``) when a coordinator names an organization
    that does not report it."""
    if not access.can(Action.REPORT_PROGRESS):
        raise PermissionDenied("Your role may read figures but not report them.")
    if not access.can(Action.EDIT_CONTENT) and access.organization_id != organization.pk:
        raise PermissionDenied("You may report figures for your own organization only.")
    reporters = reporter_org_ids(workspace=workspace, indicator=indicator)
    if organization.pk not in reporters:
        if not access.can(Action.EDIT_CONTENT):
            raise PermissionDenied("Your organization does not report this indicator.")
        raise ValidationError(
            {"organization": f"{organization.name} does not report this indicator."}
        )
    if not can_report_for(access=access, organization_id=organization.pk, reporter_ids=reporters):
        raise PermissionDenied("You may not report this organization's figures.")
    if not access.can(Action.VIEW_ALL_PARTNERSHIPS) and not (
        partnerships_visible_to(workspace=workspace, access=access)
        .filter(pk=indicator.partnership_id)
        .exists()
    ):
        raise PermissionDenied("Your organization is no longer a member of this partnership.")


def _period_locked(*, workspace: Workspace, period_id: int) -> bool:
    """Whether the period is locked, read under a share lock on its row.

    Figures of one period are saved side by side (share locks do not block each other),
    while locking the period (``period_lock``'s FOR UPDATE) waits for the saves under
    way and every save after it sees the lock: a locked period never gains a figure.
    """
    if connection.vendor != "postgresql":
        return bool(
            ReportingPeriod.objects.for_workspace(workspace)
            .select_for_update()
            .values_list("locked", flat=True)
            .get(pk=period_id)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT locked FROM impact_reportingperiod WHERE workspace_id = %s AND id = %s "
            "FOR SHARE",
            [workspace.pk, period_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise ReportingPeriod.DoesNotExist(f"Reporting period {period_id} does not exist.")
    return bool(row[0])


def _current(*, workspace: Workspace, **lookup: Any) -> Measurement | None:
    return (
        Measurement.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("indicator", "period", "organization")
        .filter(**lookup)
        .first()
    )


def _repr(measurement: Measurement) -> str:
    return f"{measurement.indicator.name}, {measurement.period}, {measurement.organization.name}"


def _store_evidence(
    *, workspace: Workspace, indicator: Indicator, file: UploadedFileLike, content_type: str
) -> dict[str, str]:
    """Store a checked evidence file under a random name (the uploaded name is kept as
    metadata only); the values to put on the figure."""
    original = clean_original_name(file.name)
    extension = next((t.extension for t in FILE_TYPES if t.content_type == content_type), "")
    holder = Measurement(workspace=workspace, indicator=indicator)
    stored_as = f"{secrets.token_hex(12)}{extension}"
    holder.evidence_file.save(stored_as, File(file), save=False)  # type: ignore[arg-type]
    return {
        "evidence_file": str(holder.evidence_file.name),
        "evidence_name": original,
        "evidence_content_type": content_type,
    }


def _write_breakdown(
    *, workspace: Workspace, measurement: Measurement, breakdown: dict[int, Decimal]
) -> None:
    MeasurementBreakdown.objects.for_workspace(workspace).filter(measurement=measurement).delete()
    MeasurementBreakdown.objects.bulk_create(
        MeasurementBreakdown(
            workspace=workspace, measurement=measurement, category_id=category_id, value=part
        )
        for category_id, part in breakdown.items()
    )


def _event(
    *, workspace: Workspace, actor: Any, measurement: Measurement, kind: str, note: str = ""
) -> MeasurementEvent:
    user, api_key, _ = actor_parts(actor)
    return MeasurementEvent.objects.create(
        workspace=workspace,
        measurement=measurement,
        indicator_id=measurement.indicator_id,
        kind=kind,
        actor=user,
        actor_key=api_key,
        value=measurement.value,
        note=note,
    )


# --- Saving and submitting ------------------------------------------------------------


def measurement_save(
    *,
    workspace: Workspace,
    actor: Any,
    access: PartnershipAccess,
    indicator: Indicator,
    period: ReportingPeriod,
    organization: Organization,
    value: Any,
    breakdown: Mapping[int, Any] | None = None,
    note: str = "",
    evidence_file: UploadedFileLike | None = None,
    evidence_link: str = "",
    submit: bool = True,
    expected_version: int | None = None,
    event_kind: str | None = None,
    remove_evidence: bool = False,
) -> Measurement:
    """Create or change the organization's figure for the period (draft when ``submit``
    is false, submitted otherwise); see the module's rules. ``event_kind`` names the
    history entry (default: saved or submitted; the CSV import says "imported")."""
    check_in_workspace(workspace, indicator, "indicator", "Choose an indicator of this workspace.")
    check_in_workspace(workspace, period, "period", "Choose a period of this workspace.")
    check_in_workspace(
        workspace, organization, "organization", "Choose an organization of this workspace."
    )
    if period.indicator_id != indicator.pk:
        raise ValidationError({"period": "This period belongs to another indicator."})
    if event_kind is not None and event_kind not in MeasurementEventKind.values:
        raise ValueError(f"unknown event kind {event_kind!r}")
    check_may_report(
        workspace=workspace, access=access, indicator=indicator, organization=organization
    )

    errors: dict[str, Any] = {}
    number: Decimal | None = None
    try:
        number = _clean_amount(value, value_type=indicator.value_type, what="the figure")
    except ValueError as exc:
        errors["value"] = str(exc)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"Use at most {NOTE_MAX_LENGTH} characters."
    try:
        link = _clean_link(evidence_link)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        link = ""
    content_type = ""
    if evidence_file is not None:
        try:
            content_type = EVIDENCE_UPLOADS.check(evidence_file).content_type
        except ValidationError as exc:
            errors["evidence_file"] = exc
    try:
        parts = _clean_breakdown(
            workspace=workspace, indicator=indicator, value=number, breakdown=breakdown
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        parts = {}
    if errors:
        raise ValidationError(errors)
    assert number is not None
    status = MeasurementStatus.SUBMITTED if submit else MeasurementStatus.DRAFT

    # The file is stored first (storage is no part of the transaction) and removed again
    # when the figure is not written.
    evidence: dict[str, Any] = {}
    if evidence_file is not None:
        evidence = _store_evidence(
            workspace=workspace, indicator=indicator, file=evidence_file, content_type=content_type
        )
    try:
        with transaction.atomic():
            locked = _period_locked(workspace=workspace, period_id=period.pk)
            current = _current(
                workspace=workspace, indicator=indicator, period=period, organization=organization
            )
            if current is None:
                if locked:
                    raise ValidationError({"period": LOCKED_MESSAGE})
                # No figure yet (whatever version the caller saw: figures are never deleted
                # on their own, so there is nothing to conflict with).
                return _create(
                    workspace=workspace,
                    actor=actor,
                    indicator=indicator,
                    period=period,
                    organization=organization,
                    values={"value": number, "note": note, "evidence_link": link, **evidence},
                    parts=parts,
                    status=status,
                    event_kind=event_kind,
                )
            if expected_version is not None and current.version != expected_version:
                raise MeasurementConflict(measurement=current, expected_version=expected_version)
            drop = remove_evidence and bool(current.evidence_file or current.evidence_link)
            same_data = (
                not evidence
                and not drop
                and (not link or link == current.evidence_link)
                and measurement_unchanged(current, value=number, breakdown=parts, note=note)
            )
            # Sending what is stored changes nothing, even on an approved figure or in a
            # locked period (re-importing a file must not fail on rows already in).
            if same_data and (
                current.status == status or current.status == MeasurementStatus.APPROVED or locked
            ):
                return current
            if current.status == MeasurementStatus.APPROVED:
                raise ValidationError(APPROVED_MESSAGE, code="approved")
            if locked:
                raise ValidationError({"period": LOCKED_MESSAGE})
            return _update(
                workspace=workspace,
                actor=actor,
                current=current,
                values={"value": number, "note": note},
                link=link,
                evidence=evidence,
                remove_evidence=drop,
                parts=parts,
                status=status,
                event_kind=event_kind,
            )
    except BaseException:
        if evidence:
            Measurement.evidence_file.field.storage.delete(evidence["evidence_file"])
        raise


def _submission_values(actor: Any, status: str) -> dict[str, Any]:
    user, api_key, _ = actor_parts(actor)
    if status == MeasurementStatus.SUBMITTED:
        return {"submitted_at": timezone.now(), "submitted_by": user, "submitted_by_key": api_key}
    return {"submitted_at": None, "submitted_by": None, "submitted_by_key": None}


def _kind(event_kind: str | None, status: str) -> str:
    if event_kind:
        return event_kind
    if status == MeasurementStatus.SUBMITTED:
        return MeasurementEventKind.SUBMITTED
    return MeasurementEventKind.SAVED


def _breakdown_json(parts: Mapping[int, Decimal]) -> dict[str, str]:
    return {str(category_id): str(part) for category_id, part in parts.items()}


def _create(
    *,
    workspace: Workspace,
    actor: Any,
    indicator: Indicator,
    period: ReportingPeriod,
    organization: Organization,
    values: dict[str, Any],
    parts: dict[int, Decimal],
    status: str,
    event_kind: str | None,
) -> Measurement:
    measurement = Measurement(
        workspace=workspace,
        partnership_id=indicator.partnership_id,
        indicator=indicator,
        period=period,
        organization=organization,
        status=status,
        **values,
        **_submission_values(actor, status),
    )
    try:
        with transaction.atomic():
            measurement.save()
    except IntegrityError:
        # Someone created this figure between our read and our insert.
        current = _current(
            workspace=workspace, indicator=indicator, period=period, organization=organization
        )
        if current is None:
            raise
        raise MeasurementConflict(measurement=current, expected_version=0) from None
    _write_breakdown(workspace=workspace, measurement=measurement, breakdown=parts)
    _event(
        workspace=workspace,
        actor=actor,
        measurement=measurement,
        kind=_kind(event_kind, status),
        note=measurement.note,
    )
    changes = snapshot(measurement, MEASUREMENT_FIELDS)
    changes["breakdown"] = _breakdown_json(parts)
    record_event(
        workspace=workspace,
        actor=actor,
        action=EventAction.CREATE,
        target=measurement,
        changes=changes,
        partnership_id=measurement.partnership_id,
        object_repr=_repr(measurement),
    )
    return measurement


def _update(
    *,
    workspace: Workspace,
    actor: Any,
    current: Measurement,
    values: dict[str, Any],
    link: str,
    evidence: dict[str, Any],
    remove_evidence: bool,
    parts: dict[int, Decimal],
    status: str,
    event_kind: str | None,
) -> Measurement:
    before = snapshot(current, MEASUREMENT_FIELDS)
    before_parts = _stored_breakdown(workspace=workspace, measurement=current)
    old_file = str(current.evidence_file.name or "")
    if remove_evidence:
        current.evidence_file = ""  # type: ignore[assignment]
        current.evidence_name = current.evidence_content_type = current.evidence_link = ""
    for key, value in {**evidence, **values, **_submission_values(actor, status)}.items():
        setattr(current, key, value)
    if link:
        current.evidence_link = link
    current.status = status
    current.version += 1
    current.save()
    if parts != before_parts:
        _write_breakdown(workspace=workspace, measurement=current, breakdown=parts)
    if old_file and old_file != str(current.evidence_file.name or ""):
        storage = Measurement.evidence_file.field.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    _event(
        workspace=workspace,
        actor=actor,
        measurement=current,
        kind=_kind(event_kind, status),
        note=current.note,
    )
    changes = diff(before, snapshot(current, MEASUREMENT_FIELDS))
    if parts != before_parts:
        changes["breakdown"] = [_breakdown_json(before_parts), _breakdown_json(parts)]
    record_event(
        workspace=workspace,
        actor=actor,
        action=EventAction.UPDATE,
        target=current,
        changes=changes,
        partnership_id=current.partnership_id,
        object_repr=_repr(current),
    )
    return current


def _save_traced(
    *,
    workspace: Workspace,
    actor: Any,
    current: Measurement,
    before: dict[str, Any],
    kind: str,
    note: str,
) -> None:
    """Save a locked figure's status change as a new version, with its history entry and
    its activity event (``before``: its snapshot before the change)."""
    current.version += 1
    current.save()
    _event(workspace=workspace, actor=actor, measurement=current, kind=kind, note=note)
    record_event(
        workspace=workspace,
        actor=actor,
        action=EventAction.UPDATE,
        target=current,
        changes=diff(before, snapshot(current, MEASUREMENT_FIELDS)),
        partnership_id=current.partnership_id,
        object_repr=_repr(current),
    )


def measurement_submit(
    *,
    workspace: Workspace,
    actor: Any,
    access: PartnershipAccess,
    measurement: Measurement,
    expected_version: int | None = None,
) -> Measurement:
    """Send a draft or returned figure to review (a submitted one stays as it is)."""
    check_in_workspace(workspace, measurement, "measurement", "Choose a figure of this workspace.")
    check_may_report(
        workspace=workspace,
        access=access,
        indicator=measurement.indicator,
        organization=measurement.organization,
    )
    with transaction.atomic():
        if _period_locked(workspace=workspace, period_id=measurement.period_id):
            raise ValidationError({"period": LOCKED_MESSAGE})
        current = _current(workspace=workspace, pk=measurement.pk)
        if current is None:
            raise Measurement.DoesNotExist(f"Measurement {measurement.pk} was deleted meanwhile.")
        if expected_version is not None and current.version != expected_version:
            raise MeasurementConflict(measurement=current, expected_version=expected_version)
        if current.status == MeasurementStatus.APPROVED:
            raise ValidationError(APPROVED_MESSAGE, code="approved")
        if current.status == MeasurementStatus.SUBMITTED:
            return current
        before = snapshot(current, MEASUREMENT_FIELDS)
        for key, value in _submission_values(actor, MeasurementStatus.SUBMITTED).items():
            setattr(current, key, value)
        current.status = MeasurementStatus.SUBMITTED
        _save_traced(
            workspace=workspace,
            actor=actor,
            current=current,
            before=before,
            kind=MeasurementEventKind.SUBMITTED,
            note=current.note,
        )
    return current


# --- Review ---------------------------------------------------------------------------


def check_may_review(*, workspace: Workspace, actor: Any) -> None:
    """PermissionDenied unless ``actor`` is a person whose role reviews figures."""
    user, api_key, _ = actor_parts(actor)
    if api_key is not None:
        raise PermissionDenied(PEOPLE_REVIEW)
    role = None
    if user is not None:
        role = (
            Membership.objects.filter(workspace=workspace, user=user)
            .values_list("role", flat=True)
            .first()
        )
    if not can(role, Action.REVIEW_MEASUREMENTS):
        raise PermissionDenied("Only coordinators and admins approve or return figures.")


def _refresh_goals(*, workspace: Workspace, goal_ids: Iterable[int | None]) -> None:
    ids = {goal_id for goal_id in goal_ids if goal_id}
    if not ids:
        return
    for goal in SharedGoal.objects.for_workspace(workspace).filter(pk__in=ids).order_by("id"):
        goal_refresh_status(workspace=workspace, goal=goal)


def _review_one(
    *, workspace: Workspace, actor: Any, current: Measurement, approve: bool, note: str
) -> None:
    """Apply a decision to a locked, checked figure (no goal refresh)."""
    before = snapshot(current, MEASUREMENT_FIELDS)
    user, _, _ = actor_parts(actor)
    current.status = MeasurementStatus.APPROVED if approve else MeasurementStatus.RETURNED
    current.review_note = note
    current.reviewed_at = timezone.now()
    current.reviewed_by = user
    _save_traced(
        workspace=workspace,
        actor=actor,
        current=current,
        before=before,
        kind=MeasurementEventKind.APPROVED if approve else MeasurementEventKind.RETURNED,
        note=note,
    )


def _refusal(current: Measurement, *, approve: bool) -> str | None:
    """Why this decision cannot apply to the figure now (None: it can)."""
    state = current.get_status_display().lower()
    if approve and current.status != MeasurementStatus.SUBMITTED:
        return f"Only submitted figures can be approved; this one is {state}."
    if not approve and current.status not in REVIEWABLE_FOR_RETURN:
        return f"Only submitted or approved figures can be returned; this one is {state}."
    if not approve and current.period.locked:
        return "The period is locked: unlock it before returning the figure."
    return None


def _review(
    *,
    workspace: Workspace,
    actor: Any,
    measurement: Measurement,
    approve: bool,
    note: str,
    expected_version: int | None,
) -> Measurement:
    check_in_workspace(workspace, measurement, "measurement", "Choose a figure of this workspace.")
    check_may_review(workspace=workspace, actor=actor)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "Say what needs to change before the figure is returned."})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Use at most {NOTE_MAX_LENGTH} characters."})
    with transaction.atomic():
        if not approve:
            # A return changes the figure: take the period's lock first (the order of
            # measurement_save), so that a lock taken meanwhile is seen.
            _period_locked(workspace=workspace, period_id=measurement.period_id)
        current = _current(workspace=workspace, pk=measurement.pk)
        if current is None:
            raise Measurement.DoesNotExist(f"Measurement {measurement.pk} was deleted meanwhile.")
        if expected_version is not None and current.version != expected_version:
            raise MeasurementConflict(measurement=current, expected_version=expected_version)
        refusal = _refusal(current, approve=approve)
        if refusal:
            raise ValidationError(refusal, code="status")
        was_approved = current.status == MeasurementStatus.APPROVED
        _review_one(workspace=workspace, actor=actor, current=current, approve=approve, note=note)
        if approve or was_approved:  # only approved figures move progress
            _refresh_goals(workspace=workspace, goal_ids=[current.indicator.goal_id])
    return current


def measurement_approve(
    *,
    workspace: Workspace,
    actor: Any,
    measurement: Measurement,
    expected_version: int | None = None,
    note: str = "",
) -> Measurement:
    """Approve a submitted figure: from now on it counts in progress."""
    return _review(
        workspace=workspace,
        actor=actor,
        measurement=measurement,
        approve=True,
        note=note,
        expected_version=expected_version,
    )


def measurement_return(
    *,
    workspace: Workspace,
    actor: Any,
    measurement: Measurement,
    note: str,
    expected_version: int | None = None,
) -> Measurement:
    """Send a submitted (or approved) figure back to its organization with a note."""
    return _review(
        workspace=workspace,
        actor=actor,
        measurement=measurement,
        approve=False,
        note=note,
        expected_version=expected_version,
    )


def measurements_review_bulk(
    *,
    workspace: Workspace,
    actor: Any,
    measurement_ids: Iterable[int],
    approve: bool,
    note: str = "",
) -> BulkReviewOutcome:
    """Approve or return many submitted figures in one transaction. Rows are locked in id
    order (two coordinators reviewing overlapping selections never deadlock); figures no
    longer submitted, or that cannot be found, are skipped with the reason."""
    check_may_review(workspace=workspace, actor=actor)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "Say what needs to change before the figures are returned."})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Use at most {NOTE_MAX_LENGTH} characters."})
    ids: list[int] = []
    for raw in measurement_ids:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            continue
        if number > 0 and number not in ids:
            ids.append(number)
    if len(ids) > BULK_MAX:
        raise ValidationError(f"Review at most {BULK_MAX} figures at a time.")
    outcome = BulkReviewOutcome()
    if not ids:
        return outcome
    with transaction.atomic():
        if not approve:
            # Returns change figures: their periods' locks first, in id order (as
            # measurement_save takes a period's before its figure's).
            list(
                ReportingPeriod.objects.for_workspace(workspace)
                .filter(
                    pk__in=Measurement.objects.for_workspace(workspace)
                    .filter(pk__in=ids)
                    .values("period_id")
                )
                .select_for_update()
                .order_by("id")
                .values_list("id", flat=True)
            )
        rows = {
            m.pk: m
            for m in Measurement.objects.for_workspace(workspace)
            .filter(pk__in=ids)
            .select_related("indicator", "period", "organization")
            .select_for_update(of=("self",))
            .order_by("id")
        }
        goals: set[int | None] = set()
        for pk in sorted(ids):
            current = rows.get(pk)
            if current is None:
                outcome.skipped.append((pk, "Not found."))
                continue
            if current.status != MeasurementStatus.SUBMITTED:
                outcome.skipped.append(
                    (pk, f"No longer waiting for review: {current.get_status_display().lower()}.")
                )
                continue
            refusal = _refusal(current, approve=approve)
            if refusal:
                outcome.skipped.append((pk, refusal))
                continue
            _review_one(
                workspace=workspace, actor=actor, current=current, approve=approve, note=note
            )
            outcome.done.append(pk)
            if approve:
                goals.add(current.indicator.goal_id)
        _refresh_goals(workspace=workspace, goal_ids=goals)
    logger.info(
        "bulk review: %s %s, %s skipped",
        "approved" if approve else "returned",
        len(outcome.done),
        len(outcome.skipped),
        extra={"workspace": workspace.slug},
    )
    return outcome
