"""Writes of role assignments (one letter of the RACI matrix per organization and item).

Keyword-only arguments; the workspace and the actor (a user, or an API key) explicit; a
transaction inside; Django's ValidationError, keyed by field, for input refused.

Rules:

- A role sits on exactly one goal or one milestone, and only an organization that is a
  *current* member of that item's partnership may hold one. A named person must be a
  member of the workspace representing that organization.
- An organization holds one letter per item: assigning another replaces it.
- Exactly one Accountable per item. Making a second organization Accountable is refused
  with a message naming the current one — unless ``replace_accountable=True``, which
  moves A in one transaction: the previous Accountable organization becomes Responsible
  (it stays on the work; the coordinator can change that afterwards).
- The database's partial unique indexes are the last line of defence (two coordinators
  racing): their IntegrityError comes back as the same ValidationError, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from goals.models import Milestone, SharedGoal
from partnerhub.models import ApiKey, EventAction, User, Workspace
from partnerhub.services.activity import diff, record_event, snapshot
from partners.models import Organization, PartnershipMember
from roles.models import Raci, RoleAssignment

Actor = User | ApiKey | Any
FIELDS = ("partnership", "goal", "milestone", "organization", "person", "raci")


def accountable_message(holder: Organization | str) -> str:
    return (
        f"{holder} is already Accountable; make them Responsible first or change the Accountable."
    )


def _item(
    *, workspace: Workspace, goal: SharedGoal | None, milestone: Milestone | None
) -> SharedGoal | Milestone:
    if (goal is None) == (milestone is None):
        raise ValidationError({"goal": "Choose either a goal or a milestone (exactly one)."})
    item = goal if goal is not None else milestone
    assert item is not None
    if item.workspace_id != workspace.pk:
        raise ValidationError(
            {"goal" if goal is not None else "milestone": "Choose an item of this workspace."}
        )
    return item


def _item_filter(goal: SharedGoal | None, milestone: Milestone | None) -> dict[str, Any]:
    return {"goal": goal} if goal is not None else {"milestone": milestone}


def _validate(
    *,
    workspace: Workspace,
    item: SharedGoal | Milestone,
    organization: Organization,
    raci: str,
    person: User | None,
) -> None:
    errors: dict[str, str] = {}
    if raci not in Raci.values:
        errors["raci"] = "Choose Responsible, Accountable, Consulted or Informed."
    if organization.workspace_id != workspace.pk:
        errors["organization"] = "Choose an organization of this workspace."
    elif not (
        PartnershipMember.objects.for_workspace(workspace)
        .filter(partnership_id=item.partnership_id, organization=organization, left_on__isnull=True)
        .exists()
    ):
        errors["organization"] = (
            f"{organization} is not a current member of this partnership; only members may "
            "hold a role."
        )
    if (
        person is not None
        and not person.memberships.filter(workspace=workspace, organization=organization).exists()
    ):
        errors["person"] = f"Choose a person who represents {organization} in this workspace."
    if errors:
        raise ValidationError(errors)


def _integrity_message(
    *, workspace: Workspace, goal: SharedGoal | None, milestone: Milestone | None
) -> ValidationError:
    holder = (
        RoleAssignment.objects.for_workspace(workspace)
        .filter(raci=Raci.ACCOUNTABLE, **_item_filter(goal, milestone))
        .select_related("organization")
        .first()
    )
    if holder is not None:
        return ValidationError({"raci": accountable_message(holder.organization)})
    return ValidationError(
        {"raci": "Someone changed this role at the same moment; reload and try again."}
    )


def _other_accountable(
    on_item: QuerySet[RoleAssignment], organization: Organization
) -> RoleAssignment | None:
    """The item's Accountable assignment held by another organization, if any."""
    return (
        on_item.filter(raci=Raci.ACCOUNTABLE)
        .exclude(organization=organization)
        .select_related("organization")
        .first()
    )


@transaction.atomic
def role_assign(
    *,
    workspace: Workspace,
    actor: Actor,
    goal: SharedGoal | None = None,
    milestone: Milestone | None = None,
    organization: Organization,
    raci: str,
    person: User | None = None,
    replace_accountable: bool = False,
) -> RoleAssignment:
    """Give ``organization`` the letter ``raci`` on a goal or a milestone (replacing the
    letter it had there) and return the assignment."""
    item = _item(workspace=workspace, goal=goal, milestone=milestone)
    _validate(workspace=workspace, item=item, organization=organization, raci=raci, person=person)
    on_item = RoleAssignment.objects.for_workspace(workspace).filter(
        **_item_filter(goal, milestone)
    )
    existing = on_item.filter(organization=organization).first()

    try:
        with transaction.atomic():
            if raci == Raci.ACCOUNTABLE:
                other = _other_accountable(on_item, organization)
                if other is not None:
                    if not replace_accountable:
                        raise ValidationError({"raci": accountable_message(other.organization)})
                    before = snapshot(other, FIELDS)
                    other.raci = Raci.RESPONSIBLE
                    other.save(update_fields=["raci", "updated_at"])
                    record_event(
                        workspace=workspace,
                        actor=actor,
                        action=EventAction.UPDATE,
                        target=other,
                        changes=diff(before, snapshot(other, FIELDS)),
                        partnership_id=other.partnership_id,
                    )
            if existing is None:
                assignment = RoleAssignment.objects.create(
                    workspace=workspace,
                    partnership_id=item.partnership_id,
                    goal=goal,
                    milestone=milestone,
                    organization=organization,
                    person=person,
                    raci=raci,
                )
                action, changes = EventAction.CREATE, snapshot(assignment, FIELDS)
            else:
                assignment = existing
                before = snapshot(assignment, FIELDS)
                assignment.raci = raci
                assignment.person = person
                assignment.save(update_fields=["raci", "person", "updated_at"])
                action, changes = EventAction.UPDATE, diff(before, snapshot(assignment, FIELDS))
    except IntegrityError as exc:
        raise _integrity_message(workspace=workspace, goal=goal, milestone=milestone) from exc

    if action == EventAction.CREATE or changes:
        record_event(
            workspace=workspace,
            actor=actor,
            action=action,
            target=assignment,
            changes=changes,
            partnership_id=assignment.partnership_id,
        )
    return assignment


@transaction.atomic
def role_remove(*, workspace: Workspace, actor: Actor, assignment: RoleAssignment) -> None:
    """Take the organization's letter off the item."""
    if assignment.workspace_id != workspace.pk:
        raise ValidationError("Choose a role of this workspace.")
    pk, partnership_id = assignment.pk, assignment.partnership_id
    before = snapshot(assignment, FIELDS)
    assignment.delete()
    record_event(
        workspace=workspace,
        actor=actor,
        action=EventAction.DELETE,
        target=assignment,
        changes=before,
        partnership_id=partnership_id,
        object_id=pk,
    )


def role_set_letter(
    *,
    workspace: Workspace,
    actor: Actor,
    goal: SharedGoal | None = None,
    milestone: Milestone | None = None,
    organization: Organization,
    raci: str,
) -> RoleAssignment | None:
    """One cell of the matrix: a letter assigns (keeping the named person), an empty
    letter removes the organization's role on the item. Returns the assignment left."""
    existing = (
        RoleAssignment.objects.for_workspace(workspace)
        .filter(organization=organization, **_item_filter(goal, milestone))
        .first()
    )
    if not raci:
        if existing is not None:
            role_remove(workspace=workspace, actor=actor, assignment=existing)
        return None
    if existing is not None and existing.raci == raci:
        return existing
    return role_assign(
        workspace=workspace,
        actor=actor,
        goal=goal,
        milestone=milestone,
        organization=organization,
        raci=raci,
        person=existing.person if existing is not None else None,
    )
