"""Writes of the commitments ledger: what members pledge and what they deliver.

Rules per kind of commitment:

- cash: an amount in a currency (ISO 4217, three letters such as EUR);
- in kind: a description of the goods or services, their estimated value and its currency;
- staff time: hours, with no currency.

Only a current member can pledge. A delivery is a positive amount on a date that has
passed; delivering more than was pledged is allowed (generosity happens) and shows as
"over-delivered" in the ledger. Once a commitment has deliveries its kind and currency
no longer change, so the sums stay meaningful.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerhub.models import EventAction, Workspace
from partnerhub.services.activity import record_event, snapshot
from partners.models import Commitment, CommitmentDelivery, CommitmentKind, PartnershipMember
from partners.services.partnerships import (
    UNSET,
    Actor,
    _Unset,
    actor_label,
    actor_user,
    check_in_workspace,
    record_change,
    touch,
    workspace_today,
)

logger = logging.getLogger(__name__)

CURRENCY = re.compile(r"[A-Z]{3}")
MAX_AMOUNT = Decimal("99999999999999.99")  # 16 digits, 2 after the point
NOTE_MAX_LENGTH = 300
COMMITMENT_FIELDS = ("member", "kind", "pledged", "currency", "description", "pledged_on", "due_on")
DELIVERY_FIELDS = ("commitment", "amount", "delivered_on", "note")


def commitment_label(commitment: Commitment) -> str:
    """How the trail names a commitment: "Cash of Organization"."""
    return f"{commitment.get_kind_display()} of {commitment.member.organization.name}"


def _clean_amount(value: Any, field: str, errors: dict[str, str]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = "Enter a number."
        return Decimal("0")
    if not amount.is_finite():
        errors[field] = "Enter a number."
    elif amount <= 0:
        errors[field] = "Enter an amount greater than zero."
    elif amount > MAX_AMOUNT:
        errors[field] = "This amount is too large."
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = "Use at most two decimal places."
    return amount


def _clean_commitment(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = values["kind"]
    if kind not in CommitmentKind.values:
        raise ValidationError({"kind": "Choose cash, in kind or staff time."})
    values["pledged"] = _clean_amount(values["pledged"], "pledged", errors)
    currency = (values["currency"] or "").strip().upper()
    description = (values["description"] or "").strip()
    if kind == CommitmentKind.STAFF_TIME:
        if currency:
            errors["currency"] = "Staff time is counted in hours; leave the currency empty."
    elif not currency:
        errors["currency"] = "Give the currency, e.g. EUR or USD."
    elif not CURRENCY.fullmatch(currency):
        errors["currency"] = "Use a three-letter ISO 4217 code, e.g. EUR or USD."
    if kind == CommitmentKind.IN_KIND and not description:
        errors["description"] = "Describe the goods or services given in kind."
    if len(description) > 300:
        errors["description"] = "Use at most 300 characters."
    pledged_on, due_on = values["pledged_on"], values["due_on"]
    if due_on is not None and pledged_on is not None and due_on < pledged_on:
        errors["due_on"] = "The due date cannot be before the pledge."
    if errors:
        raise ValidationError(errors)
    values["currency"] = currency
    values["description"] = description
    return values


def commitment_create(
    *,
    workspace: Workspace,
    actor: Actor | None,
    member: PartnershipMember,
    kind: str,
    pledged: Decimal | int | str,
    currency: str = "",
    description: str = "",
    pledged_on: date | None = None,
    due_on: date | None = None,
) -> Commitment:
    """Record what a current member pledges to its partnership."""
    check_in_workspace(workspace, member, "member", "Choose a member of this partnership.")
    if member.left_on is not None:
        raise ValidationError(
            {"member": f"{member.organization.name} has left this partnership; it cannot pledge."}
        )
    values = _clean_commitment(
        {
            "kind": kind,
            "pledged": pledged,
            "currency": currency,
            "description": description,
            "pledged_on": pledged_on or workspace_today(workspace),
            "due_on": due_on,
        }
    )
    with transaction.atomic():
        commitment = Commitment.objects.create(
            workspace=workspace, partnership_id=member.partnership_id, member=member, **values
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=commitment,
            changes=snapshot(commitment, COMMITMENT_FIELDS),
            partnership_id=commitment.partnership_id,
            object_repr=commitment_label(commitment),
        )
    logger.info(
        "commitment %s pledged by membership %s (recorded by %s)",
        commitment.pk,
        member.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return commitment


def commitment_update(
    *,
    workspace: Workspace,
    actor: Actor | None,
    commitment: Commitment,
    kind: str | _Unset = UNSET,
    pledged: Decimal | int | str | _Unset = UNSET,
    currency: str | _Unset = UNSET,
    description: str | _Unset = UNSET,
    pledged_on: date | _Unset = UNSET,
    due_on: date | _Unset | None = UNSET,
) -> Commitment:
    """Correct a commitment (its member stays). Kind and currency are fixed once something
    has been delivered."""
    check_in_workspace(
        workspace, commitment, "commitment", "Choose a commitment of this workspace."
    )
    given: dict[str, Any] = {
        "kind": kind,
        "pledged": pledged,
        "currency": currency,
        "description": description,
        "pledged_on": pledged_on,
        "due_on": due_on,
    }
    current = {key: getattr(commitment, key) for key in given}
    values = {key: current[key] if value is UNSET else value for key, value in given.items()}
    if values["pledged_on"] is None:
        raise ValidationError({"pledged_on": "Give the date of the pledge."})
    values = _clean_commitment(values)
    with transaction.atomic():
        if (values["kind"], values["currency"]) != (commitment.kind, commitment.currency):
            delivered = (
                CommitmentDelivery.objects.for_workspace(workspace)
                .filter(commitment=commitment)
                .exists()
            )
            if delivered:
                raise ValidationError(
                    {
                        "kind": "Something was already delivered on this commitment; its kind "
                        "and currency can no longer change."
                    }
                )
        before = snapshot(commitment, COMMITMENT_FIELDS)
        for key, value in values.items():
            setattr(commitment, key, value)
        commitment.save(update_fields=list(values))
        record_change(
            workspace=workspace,
            actor=actor,
            target=commitment,
            before=before,
            fields=COMMITMENT_FIELDS,
            partnership_id=commitment.partnership_id,
            object_repr=commitment_label(commitment),
        )
    logger.info(
        "commitment %s changed by %s",
        commitment.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return commitment


def delivery_record(
    *,
    workspace: Workspace,
    actor: Actor | None,
    commitment: Commitment,
    amount: Decimal | int | str,
    delivered_on: date | None = None,
    note: str = "",
) -> CommitmentDelivery:
    """Record something delivered on a commitment (in its currency, or hours)."""
    check_in_workspace(
        workspace, commitment, "commitment", "Choose a commitment of this workspace."
    )
    errors: dict[str, str] = {}
    clean_amount = _clean_amount(amount, "amount", errors)
    delivered_on = delivered_on or workspace_today(workspace)
    if delivered_on > workspace_today(workspace):
        errors["delivered_on"] = "Record a delivery once it has happened (not a future date)."
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"Use at most {NOTE_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        delivery = CommitmentDelivery.objects.create(
            workspace=workspace,
            commitment=commitment,
            amount=clean_amount,
            delivered_on=delivered_on,
            note=note,
            recorded_by=actor_user(actor),
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=delivery,
            changes=snapshot(delivery, DELIVERY_FIELDS),
            partnership_id=commitment.partnership_id,
            object_repr=(
                f"Delivery on the {commitment.get_kind_display().lower()} commitment of "
                f"{commitment.member.organization.name}"
            ),
        )
        touch(commitment)  # its delivered total changed
    logger.info(
        "delivery %s on commitment %s recorded by %s",
        delivery.pk,
        commitment.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return delivery
