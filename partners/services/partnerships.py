"""Writes of partnerships: create and edit, status changes, the collective impact
conditions, and members (add, change roles, remove).

Keyword-only arguments; the workspace and the acting user (or API key) are explicit; each
function runs in its own transaction (a savepoint inside a request's) and raises Django's
ValidationError, keyed by field, for input it refuses.

Status transitions (the rule the product follows):

- Any status may change to any other among exploring, forming, active, paused, completed
  and dissolved, except to the status it already has.
- Completed and dissolved are final: the only way out is reopening the partnership as
  active, and that needs a reason.
- Pausing and dissolving need a reason too.
- Every change (and the status a partnership is created with) is recorded as a
  PartnershipStatusChange with who (a person, or an API key), when and why.

The lead organization is always a current member: setting it adds the organization as a
member with the lead role (or gives an existing member that role), and the lead cannot be
removed from the partnership while it leads.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerhub.models import ApiKey, EventAction, User, Workspace
from partnerhub.services.activity import diff, record_event, snapshot
from partners.models import (
    CollectiveImpactCondition,
    Condition,
    MemberRole,
    Organization,
    Partnership,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    PartnershipStatusChange,
    Resource,
)

logger = logging.getLogger(__name__)

Actor = User | ApiKey


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()

FINAL_STATUSES = frozenset({PartnershipStatus.COMPLETED, PartnershipStatus.DISSOLVED})
REASON_REQUIRED_FOR = frozenset({PartnershipStatus.PAUSED, PartnershipStatus.DISSOLVED})
EVIDENCE_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000
OTHER_WORKSPACE = "Choose an organization of this workspace."

# The fields the activity trail records for each kind of object.
PARTNERSHIP_FIELDS = (
    "name",
    "model",
    "status",
    "common_agenda",
    "needs",
    "start_date",
    "end_date",
    "lead_organization",
    "iati_identifier",
)
MEMBER_FIELDS = ("organization", "roles", "joined_on", "left_on")
CONDITION_FIELDS = ("condition", "in_place", "evidence")


# --- Shared helpers (also used by the commitment and document services) -------------------


def actor_user(actor: Actor | None) -> User | None:
    return actor if isinstance(actor, User) else None


def actor_key(actor: Actor | None) -> ApiKey | None:
    return actor if isinstance(actor, ApiKey) else None


def actor_label(actor: Actor | None) -> str:
    if isinstance(actor, User):
        return f"user {actor.pk}"
    if isinstance(actor, ApiKey):
        return f"API key {actor.prefix}"
    return "system"


def workspace_today(workspace: Workspace) -> date:
    """Today in the workspace's time zone (dates people type are in that zone)."""
    try:
        zone = zoneinfo.ZoneInfo(workspace.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def check_in_workspace(workspace: Workspace, obj: Any, field: str, message: str) -> None:
    """Refuse a row of another workspace with the message given for a missing one."""
    if obj is not None and obj.workspace_id != workspace.pk:
        raise ValidationError({field: message})


def lock_partnership(*, workspace: Workspace, partnership: Partnership) -> Partnership:
    """Re-read the partnership with a row lock (PostgreSQL), so that concurrent changes of
    its status or members happen one after the other."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    return Partnership.objects.for_workspace(workspace).select_for_update().get(pk=partnership.pk)


def member_label(member: PartnershipMember) -> str:
    """How the trail names a membership: "Organization in Partnership"."""
    return f"{member.organization.name} in {member.partnership.name}"


def record_change(
    *,
    workspace: Workspace,
    actor: Actor | None,
    target: Any,
    before: dict[str, Any],
    fields: tuple[str, ...],
    partnership_id: int | None,
    object_repr: str | None = None,
) -> None:
    """An update event with the fields that changed since ``before``; none if nothing did."""
    changes = diff(before, snapshot(target, fields))
    if changes:
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=target,
            changes=changes,
            partnership_id=partnership_id,
            object_repr=object_repr,
        )


def touch(obj: Any) -> None:
    """Move ``updated_at`` (incremental API sync picks up derived values that changed)."""
    obj.save(update_fields=["updated_at"])


# --- Partnerships -------------------------------------------------------------------------


def _clean_needs(needs: Iterable[str]) -> list[str]:
    needs = list(needs)
    unknown = sorted({n for n in needs if n not in Resource.values})
    if unknown:
        raise ValidationError({"needs": f"Unknown resources: {', '.join(unknown)}."})
    return [code for code in Resource.values if code in needs]  # vocabulary order, no repeats


def _validate_fields(*, workspace: Workspace, values: dict[str, Any], pk: int | None) -> None:
    errors: dict[str, str] = {}
    name = values["name"]
    if not name:
        errors["name"] = "Give the partnership a name."
    elif len(name) > 200:
        errors["name"] = "Use at most 200 characters."
    elif (
        Partnership.objects.for_workspace(workspace)
        .filter(name__iexact=name)
        .exclude(pk=pk)
        .exists()
    ):
        errors["name"] = "Another partnership of this workspace has this name."
    if values["model"] not in PartnershipModel.values:
        errors["model"] = "Choose a partnership model."
    start, end = values["start_date"], values["end_date"]
    if start is not None and end is not None and end < start:
        errors["end_date"] = "The end date cannot be before the start date."
    lead = values["lead_organization"]
    if lead is not None and lead.workspace_id != workspace.pk:
        errors["lead_organization"] = OTHER_WORKSPACE
    if len(values["iati_identifier"]) > 150:
        errors["iati_identifier"] = "Use at most 150 characters."
    if errors:
        raise ValidationError(errors)


def _ensure_conditions(*, workspace: Workspace, partnership: Partnership) -> None:
    if partnership.model != PartnershipModel.COLLECTIVE_IMPACT:
        return
    existing = set(
        CollectiveImpactCondition.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .values_list("condition", flat=True)
    )
    CollectiveImpactCondition.objects.bulk_create(
        [
            CollectiveImpactCondition(workspace=workspace, partnership=partnership, condition=code)
            for code in Condition.values
            if code not in existing
        ]
    )


def _ensure_lead_is_member(
    *, workspace: Workspace, actor: Actor | None, partnership: Partnership
) -> None:
    lead = partnership.lead_organization
    if lead is None:
        return
    member = (
        PartnershipMember.objects.for_workspace(workspace)
        .filter(partnership=partnership, organization=lead, left_on__isnull=True)
        .first()
    )
    if member is None:
        partnership_member_add(
            workspace=workspace,
            actor=actor,
            partnership=partnership,
            organization=lead,
            roles=[MemberRole.LEAD],
            joined_on=partnership.start_date,
        )
    elif MemberRole.LEAD not in member.roles:
        before = snapshot(member, MEMBER_FIELDS)
        member.roles = _clean_roles([*member.roles, MemberRole.LEAD])
        member.save(update_fields=["roles"])
        record_change(
            workspace=workspace,
            actor=actor,
            target=member,
            before=before,
            fields=MEMBER_FIELDS,
            partnership_id=partnership.pk,
            object_repr=f"{lead.name} in {partnership.name}",
        )


def partnership_create(
    *,
    workspace: Workspace,
    actor: Actor | None,
    name: str,
    model: str,
    common_agenda: str = "",
    needs: Iterable[str] = (),
    start_date: date | None = None,
    end_date: date | None = None,
    lead_organization: Organization | None = None,
    iati_identifier: str = "",
    status: str = PartnershipStatus.EXPLORING,
) -> Partnership:
    """A new partnership. Its first status is recorded in the history; a collective impact
    initiative gets its five conditions; the lead organization becomes a member."""
    values: dict[str, Any] = {
        "name": name.strip(),
        "model": model,
        "common_agenda": common_agenda.strip(),
        "needs": _clean_needs(needs),
        "start_date": start_date,
        "end_date": end_date,
        "lead_organization": lead_organization,
        "iati_identifier": iati_identifier.strip(),
    }
    if status not in PartnershipStatus.values:
        raise ValidationError({"status": "Choose a status."})
    _validate_fields(workspace=workspace, values=values, pk=None)
    with transaction.atomic():
        partnership = Partnership.objects.create(workspace=workspace, status=status, **values)
        PartnershipStatusChange.objects.create(
            workspace=workspace,
            partnership=partnership,
            from_status="",
            to_status=status,
            reason="Created.",
            changed_by=actor_user(actor),
            changed_by_key=actor_key(actor),
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=partnership,
            changes=snapshot(partnership, PARTNERSHIP_FIELDS),
            partnership_id=partnership.pk,
        )
        _ensure_conditions(workspace=workspace, partnership=partnership)
        _ensure_lead_is_member(workspace=workspace, actor=actor, partnership=partnership)
    logger.info(
        "partnership %s created by %s",
        partnership.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return partnership


def partnership_update(
    *,
    workspace: Workspace,
    actor: Actor | None,
    partnership: Partnership,
    name: str | _Unset = UNSET,
    model: str | _Unset = UNSET,
    common_agenda: str | _Unset = UNSET,
    needs: Iterable[str] | _Unset = UNSET,
    start_date: date | _Unset | None = UNSET,
    end_date: date | _Unset | None = UNSET,
    lead_organization: Organization | _Unset | None = UNSET,
    iati_identifier: str | _Unset = UNSET,
) -> Partnership:
    """Change the fields given (the status changes only through partnership_change_status)."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    given: dict[str, Any] = {
        "name": name,
        "model": model,
        "common_agenda": common_agenda,
        "needs": needs,
        "start_date": start_date,
        "end_date": end_date,
        "lead_organization": lead_organization,
        "iati_identifier": iati_identifier,
    }
    values = {key: getattr(partnership, key) for key in given}
    for key, value in given.items():
        if value is UNSET:
            continue
        if key in ("name", "common_agenda", "iati_identifier"):
            value = value.strip()
        elif key == "needs":
            value = _clean_needs(value)
        values[key] = value
    _validate_fields(workspace=workspace, values=values, pk=partnership.pk)
    with transaction.atomic():
        before = snapshot(partnership, PARTNERSHIP_FIELDS)
        for key, value in values.items():
            setattr(partnership, key, value)
        partnership.save(update_fields=list(values))
        record_change(
            workspace=workspace,
            actor=actor,
            target=partnership,
            before=before,
            fields=PARTNERSHIP_FIELDS,
            partnership_id=partnership.pk,
        )
        _ensure_conditions(workspace=workspace, partnership=partnership)
        _ensure_lead_is_member(workspace=workspace, actor=actor, partnership=partnership)
    logger.info(
        "partnership %s updated by %s",
        partnership.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return partnership


def allowed_transitions(current: str) -> list[str]:
    """The statuses a partnership in ``current`` may move to, in the vocabulary's order."""
    if current in FINAL_STATUSES:
        return [PartnershipStatus.ACTIVE]
    return [s for s in PartnershipStatus.values if s != current]


def reason_required(current: str, new: str) -> bool:
    return new in REASON_REQUIRED_FOR or current in FINAL_STATUSES


def partnership_change_status(
    *,
    workspace: Workspace,
    actor: Actor | None,
    partnership: Partnership,
    status: str,
    reason: str = "",
) -> PartnershipStatusChange:
    """Move the partnership to ``status`` under the transition rule of this module and
    record who, when and why."""
    reason = reason.strip()
    if status not in PartnershipStatus.values:
        raise ValidationError({"status": "Choose a status."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Use at most {REASON_MAX_LENGTH} characters."})
    with transaction.atomic():
        locked = lock_partnership(workspace=workspace, partnership=partnership)
        current = locked.status
        if status == current:
            label = PartnershipStatus(current).label.lower()
            raise ValidationError({"status": f"The partnership is already {label}."})
        if status not in allowed_transitions(current):
            raise ValidationError(
                {
                    "status": f"A {PartnershipStatus(current).label.lower()} partnership is "
                    "closed; it can only be reopened as active."
                }
            )
        if reason_required(current, status) and not reason:
            if current in FINAL_STATUSES:
                message = "Say why the partnership is reopened."
            else:
                message = f"Say why the partnership is {PartnershipStatus(status).label.lower()}."
            raise ValidationError({"reason": message})
        locked.status = status
        locked.save(update_fields=["status"])
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=locked,
            changes={"status": [current, status]},
            partnership_id=locked.pk,
        )
        change = PartnershipStatusChange.objects.create(
            workspace=workspace,
            partnership=locked,
            from_status=current,
            to_status=status,
            reason=reason,
            changed_by=actor_user(actor),
            changed_by_key=actor_key(actor),
        )
    partnership.status = locked.status
    partnership.updated_at = locked.updated_at
    logger.info(
        "partnership %s status %s -> %s by %s",
        partnership.pk,
        current,
        status,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return change


def condition_update(
    *,
    workspace: Workspace,
    actor: Actor | None,
    partnership: Partnership,
    condition: str,
    in_place: bool,
    evidence: str = "",
) -> CollectiveImpactCondition:
    """Mark one of the five conditions of a collective impact initiative as in place or
    not, with a note of the evidence."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    if partnership.model != PartnershipModel.COLLECTIVE_IMPACT:
        raise ValidationError(
            {"condition": "Only collective impact initiatives track the five conditions."}
        )
    if condition not in Condition.values:
        raise ValidationError({"condition": "Choose one of the five conditions."})
    evidence = evidence.strip()
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise ValidationError({"evidence": f"Use at most {EVIDENCE_MAX_LENGTH} characters."})
    with transaction.atomic():
        row, created = CollectiveImpactCondition.objects.for_workspace(workspace).get_or_create(
            workspace=workspace, partnership=partnership, condition=condition
        )
        before = {} if created else snapshot(row, CONDITION_FIELDS)
        row.in_place = bool(in_place)
        row.evidence = evidence
        row.save(update_fields=["in_place", "evidence"])
        label = f"{row.get_condition_display()} ({partnership.name})"
        if created:
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.CREATE,
                target=row,
                changes=snapshot(row, CONDITION_FIELDS),
                partnership_id=partnership.pk,
                object_repr=label,
            )
        else:
            record_change(
                workspace=workspace,
                actor=actor,
                target=row,
                before=before,
                fields=CONDITION_FIELDS,
                partnership_id=partnership.pk,
                object_repr=label,
            )
    logger.info(
        "partnership %s condition %s set by %s",
        partnership.pk,
        condition,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return row


def conditions_update(
    *,
    workspace: Workspace,
    actor: Actor | None,
    partnership: Partnership,
    changes: Mapping[str, tuple[bool, str]],
) -> list[CollectiveImpactCondition]:
    """Several conditions at once (the checklist form): condition -> (in place, evidence)."""
    with transaction.atomic():
        return [
            condition_update(
                workspace=workspace,
                actor=actor,
                partnership=partnership,
                condition=condition,
                in_place=in_place,
                evidence=evidence,
            )
            for condition, (in_place, evidence) in changes.items()
        ]


# --- Members --------------------------------------------------------------------------------


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = list(roles)
    unknown = sorted({r for r in roles if r not in MemberRole.values})
    if unknown:
        raise ValidationError({"roles": f"Unknown member roles: {', '.join(unknown)}."})
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    return [code for code in MemberRole.values if code in roles]


def partnership_member_add(
    *,
    workspace: Workspace,
    actor: Actor | None,
    partnership: Partnership,
    organization: Organization,
    roles: Iterable[str],
    joined_on: date | None = None,
) -> PartnershipMember:
    """Make an organization of the workspace a member of the partnership. It must not be a
    current member already; an organization that left may join again (a new membership,
    the old one stays as history)."""
    check_in_workspace(workspace, organization, "organization", OTHER_WORKSPACE)
    clean_roles = _clean_roles(roles)
    with transaction.atomic():
        locked = lock_partnership(workspace=workspace, partnership=partnership)
        already = (
            PartnershipMember.objects.for_workspace(workspace)
            .filter(partnership=locked, organization=organization, left_on__isnull=True)
            .exists()
        )
        if already:
            raise ValidationError(
                {"organization": f"{organization.name} is already a member of this partnership."}
            )
        member = PartnershipMember.objects.create(
            workspace=workspace,
            partnership=locked,
            organization=organization,
            roles=clean_roles,
            joined_on=joined_on or workspace_today(workspace),
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=member,
            changes=snapshot(member, MEMBER_FIELDS[:-1]),
            partnership_id=locked.pk,
            object_repr=f"{organization.name} in {locked.name}",
        )
        touch(locked)  # its member count changed
    logger.info(
        "organization %s joined partnership %s (by %s)",
        organization.pk,
        partnership.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return member


def partnership_member_update(
    *,
    workspace: Workspace,
    actor: Actor | None,
    member: PartnershipMember,
    roles: Iterable[str] | _Unset = UNSET,
    joined_on: date | _Unset = UNSET,
) -> PartnershipMember:
    """Change a membership's roles (and, to correct the record, its joining date)."""
    check_in_workspace(workspace, member, "member", "Choose a member of this workspace.")
    before = snapshot(member, MEMBER_FIELDS)
    if not isinstance(roles, _Unset):
        member.roles = _clean_roles(roles)
    if not isinstance(joined_on, _Unset):
        if joined_on is None:
            raise ValidationError({"joined_on": "Give the date the organization joined."})
        if member.left_on is not None and joined_on > member.left_on:
            raise ValidationError({"joined_on": "The joining date cannot be after leaving."})
        member.joined_on = joined_on
    with transaction.atomic():
        member.save(update_fields=["roles", "joined_on"])
        record_change(
            workspace=workspace,
            actor=actor,
            target=member,
            before=before,
            fields=MEMBER_FIELDS,
            partnership_id=member.partnership_id,
            object_repr=member_label(member),
        )
    logger.info(
        "membership %s changed by %s",
        member.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return member


def partnership_member_remove(
    *,
    workspace: Workspace,
    actor: Actor | None,
    member: PartnershipMember,
    left_on: date | None = None,
) -> PartnershipMember:
    """End a membership: the row stays with its leaving date (and its commitments)."""
    check_in_workspace(workspace, member, "member", "Choose a member of this workspace.")
    with transaction.atomic():
        locked = lock_partnership(workspace=workspace, partnership=member.partnership)
        member.refresh_from_db(fields=["left_on"])
        if member.left_on is not None:
            raise ValidationError({"member": "This organization has already left."})
        if locked.lead_organization_id == member.organization_id:
            raise ValidationError(
                {
                    "member": f"{member.organization.name} leads this partnership; choose "
                    "another lead organization before it leaves."
                }
            )
        left_on = left_on or max(workspace_today(workspace), member.joined_on)
        if left_on < member.joined_on:
            raise ValidationError({"left_on": "The leaving date cannot be before joining."})
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        # Leaving ends the membership but keeps the row (history): an update of left_on.
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=member,
            changes={"left_on": [None, left_on]},
            partnership_id=locked.pk,
            object_repr=f"{member.organization.name} in {locked.name}",
        )
        touch(locked)
    logger.info(
        "membership %s ended by %s",
        member.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return member
