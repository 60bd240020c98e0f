"""Reads of partnerships, their members, commitments, documents and status history.

Every function takes the workspace as a keyword. Functions that start from nothing but
the workspace also take ``access`` and apply DESIGN.md's rule, once, for the HTML pages
and the API alike: admins, coordinators, viewers and API keys see every partnership; a
partner sees only the partnerships their organization is a *current* member of. Objects
a caller may not see raise DoesNotExist, exactly like objects that do not exist.

Functions taking a ``partnership`` (or ``commitment``) expect it to come from one of the
access-checked getters here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partners.models import (
    IATI_ROLE_FOR_MEMBER_ROLE,
    AgreementDocument,
    CollectiveImpactCondition,
    Commitment,
    CommitmentDelivery,
    CommitmentKind,
    Condition,
    MemberRole,
    Organization,
    Partnership,
    PartnershipMember,
    PartnershipStatusChange,
)

# IATI OrganisationRole code list.
IATI_ROLE_NAMES = {1: "Funding", 2: "Accountable", 3: "Extending", 4: "Implementing"}

AMOUNT = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0.00")


class PartnershipAccess(Protocol):
    """Who is reading: ``partnerhub.access.WorkspaceAccess`` fits."""

    @property
    def organization_id(self) -> int | None: ...

    def can(self, action: Action) -> bool: ...


# --- Partnerships -----------------------------------------------------------------------


def sees_all_partnerships(access: PartnershipAccess) -> bool:
    return access.can(Action.VIEW_ALL_PARTNERSHIPS)


def _current_members(workspace: Workspace) -> QuerySet[PartnershipMember]:
    return PartnershipMember.objects.for_workspace(workspace).filter(left_on__isnull=True)


def partnerships_visible_to(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[Partnership]:
    """The workspace's partnerships this caller may see (no ordering, no extras)."""
    partnerships = Partnership.objects.for_workspace(workspace)
    if sees_all_partnerships(access):
        return partnerships
    if access.organization_id is None:
        return partnerships.none()
    return partnerships.filter(
        Exists(
            _current_members(workspace).filter(
                partnership=OuterRef("pk"), organization_id=access.organization_id
            )
        )
    )


def _member_count() -> Coalesce:
    counts = (
        PartnershipMember.objects.filter(partnership=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("partnership")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def partnership_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    status: str | None = None,
    model: str | None = None,
    organization: int | None = None,
) -> QuerySet[Partnership]:
    """Visible partnerships with their lead organization and ``member_count`` (current
    members), optionally only those with a status, a model, or a current member
    organization (id). One query, whatever the number of rows."""
    partnerships = partnerships_visible_to(workspace=workspace, access=access)
    if status:
        partnerships = partnerships.filter(status=status)
    if model:
        partnerships = partnerships.filter(model=model)
    if organization:
        partnerships = partnerships.filter(
            Exists(
                _current_members(workspace).filter(
                    partnership=OuterRef("pk"), organization_id=organization
                )
            )
        )
    return (
        partnerships.select_related("lead_organization")
        .annotate(member_count=_member_count())
        .order_by("name", "id")
    )


def partnership_get(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> Partnership:
    """The partnership, or Partnership.DoesNotExist (also when the caller may not see it)."""
    return partnership_list(workspace=workspace, access=access).get(pk=pk)


def partnership_get_bare(
    *, workspace: Workspace, access: PartnershipAccess, pk: int
) -> Partnership:
    """``partnership_get`` without the lead organization and ``member_count``, for pages
    that show neither (a lighter query); the same DoesNotExist for what the caller may not
    see."""
    return partnerships_visible_to(workspace=workspace, access=access).get(pk=pk)


# --- Members ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleView:
    code: str
    label: str
    iati_code: int
    iati_name: str


def describe_roles(roles: list[str]) -> list[RoleView]:
    """Member role codes with their labels and IATI organisation roles, in a fixed order."""
    known = [MemberRole(code) for code in MemberRole.values if code in roles]
    return [
        RoleView(
            code=role.value,
            label=str(role.label),
            iati_code=IATI_ROLE_FOR_MEMBER_ROLE[role],
            iati_name=IATI_ROLE_NAMES[IATI_ROLE_FOR_MEMBER_ROLE[role]],
        )
        for role in known
    ]


def iati_roles(roles: list[str]) -> list[int]:
    """The distinct IATI organisation role codes the member roles map to, ascending."""
    return sorted(
        {IATI_ROLE_FOR_MEMBER_ROLE[MemberRole(r)] for r in roles if r in MemberRole.values}
    )


def _ordered_members(members: QuerySet[PartnershipMember]) -> QuerySet[PartnershipMember]:
    # Current members first, then by organization name; past memberships after them.
    return members.select_related("organization").order_by(
        F("left_on").desc(nulls_first=True), "organization__name", "joined_on", "id"
    )


def member_list(
    *, workspace: Workspace, partnership: Partnership, current: bool | None = None
) -> QuerySet[PartnershipMember]:
    """A partnership's memberships, current and past (``current`` narrows to either)."""
    members = PartnershipMember.objects.for_workspace(workspace).filter(partnership=partnership)
    if current is not None:
        members = members.filter(left_on__isnull=current)
    return _ordered_members(members)


def partnership_member_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    partnership: Partnership | int | None = None,
) -> QuerySet[PartnershipMember]:
    """Memberships of the partnerships the caller may see (of one partnership if given)."""
    members = PartnershipMember.objects.for_workspace(workspace)
    if not sees_all_partnerships(access):
        visible = partnerships_visible_to(workspace=workspace, access=access)
        members = members.filter(partnership__in=visible.values("pk"))
    if partnership is not None:
        members = members.filter(partnership=partnership)
    return members.select_related("organization").order_by("id")


def partnership_member_get(
    *, workspace: Workspace, access: PartnershipAccess, pk: int
) -> PartnershipMember:
    return (
        partnership_member_list(workspace=workspace, access=access)
        .select_related("partnership")
        .get(pk=pk)
    )


def member_organizations(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[Organization]:
    """Organizations that are current members of a partnership the caller may see (the
    choices of the list's organization filter: bounded by memberships, not the directory)."""
    visible = partnerships_visible_to(workspace=workspace, access=access)
    current = _current_members(workspace).filter(partnership__in=visible.values("pk"))
    return (
        Organization.objects.for_workspace(workspace)
        .filter(pk__in=current.values("organization_id"))
        .order_by("name", "id")
    )


def organizations_not_members(
    *, workspace: Workspace, partnership: Partnership
) -> QuerySet[Organization]:
    """The workspace's organizations that are not current members of the partnership."""
    current = _current_members(workspace).filter(partnership=partnership)
    return (
        Organization.objects.for_workspace(workspace)
        .exclude(pk__in=current.values("organization_id"))
        .order_by("name", "id")
    )


# --- Commitments --------------------------------------------------------------------------


def _delivered_total() -> Coalesce:
    totals = (
        CommitmentDelivery.objects.filter(commitment=OuterRef("pk"))
        .order_by()
        .values("commitment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=AMOUNT), Value(ZERO), output_field=AMOUNT)


def commitment_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    partnership: Partnership | int | None = None,
    member: PartnershipMember | int | None = None,
    kind: str | None = None,
) -> QuerySet[Commitment]:
    """Commitments of visible partnerships, each with ``delivered`` (the sum of its
    deliveries, 0 without any), and its member's organization. One query."""
    commitments: QuerySet[Commitment] = Commitment.objects.for_workspace(workspace)
    if not sees_all_partnerships(access):
        visible = partnerships_visible_to(workspace=workspace, access=access)
        commitments = commitments.filter(partnership__in=visible.values("pk"))
    if partnership is not None:
        commitments = commitments.filter(partnership=partnership)
    if member is not None:
        commitments = commitments.filter(member=member)
    if kind:
        commitments = commitments.filter(kind=kind)
    return (
        commitments.select_related("member__organization")
        .annotate(delivered=_delivered_total())
        .order_by("pledged_on", "id")
    )


def commitment_get(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> Commitment:
    return commitment_list(workspace=workspace, access=access).get(pk=pk)


def delivery_list(*, workspace: Workspace, commitment: Commitment) -> QuerySet[CommitmentDelivery]:
    return (
        CommitmentDelivery.objects.for_workspace(workspace)
        .filter(commitment=commitment)
        .order_by("delivered_on", "id")
    )


@dataclass
class Amount:
    """Pledged and delivered of one kind and currency (hours for staff time)."""

    kind: str
    currency: str
    pledged: Decimal = ZERO
    delivered: Decimal = ZERO

    @property
    def unit(self) -> str:
        return "hours" if self.kind == CommitmentKind.STAFF_TIME else self.currency

    @property
    def kind_label(self) -> str:
        return str(CommitmentKind(self.kind).label)

    @property
    def remaining(self) -> Decimal:
        return max(self.pledged - self.delivered, ZERO)

    @property
    def over_delivered(self) -> bool:
        return self.delivered > self.pledged

    @property
    def percent_delivered(self) -> int:
        """Delivered as a whole percentage of pledged (may pass 100)."""
        if self.pledged <= 0:
            return 0
        return int((self.delivered * 100 / self.pledged).to_integral_value())


def _sort_key(amount: Amount) -> tuple[int, str]:
    return (CommitmentKind.values.index(amount.kind), amount.currency)


@dataclass
class CommitmentTotals:
    """A partnership's ledger in sums: per member, and for the whole partnership, one
    ``Amount`` per kind and currency (amounts in different currencies are never added)."""

    by_member: dict[int, list[Amount]] = field(default_factory=dict)
    totals: list[Amount] = field(default_factory=list)

    def for_member(self, member_id: int) -> list[Amount]:
        return self.by_member.get(member_id, [])


def commitment_totals(*, workspace: Workspace, partnership: Partnership) -> CommitmentTotals:
    """Sums of pledged and of delivered per member and per partnership, by kind and
    currency, computed by the database in two grouped queries (whatever the number of
    members, commitments and deliveries)."""
    pledged_rows = (
        Commitment.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .order_by()
        .values("member_id", "kind", "currency")
        .annotate(total=Sum("pledged"))
    )
    delivered_rows = (
        CommitmentDelivery.objects.for_workspace(workspace)
        .filter(commitment__partnership=partnership)
        .order_by()
        .values("commitment__member_id", "commitment__kind", "commitment__currency")
        .annotate(total=Sum("amount"))
    )
    cells: dict[tuple[int, str, str], Amount] = {}

    def cell(member_id: int, kind: str, currency: str) -> Amount:
        key = (member_id, kind, currency)
        if key not in cells:
            cells[key] = Amount(kind=kind, currency=currency)
        return cells[key]

    for row in pledged_rows:
        cell(row["member_id"], row["kind"], row["currency"]).pledged = Decimal(row["total"])
    for row in delivered_rows:
        amount = cell(
            row["commitment__member_id"], row["commitment__kind"], row["commitment__currency"]
        )
        amount.delivered = Decimal(row["total"])

    by_member: dict[int, list[Amount]] = defaultdict(list)
    totals: dict[tuple[str, str], Amount] = {}
    for (member_id, kind, currency), amount in cells.items():
        by_member[member_id].append(amount)
        total = totals.setdefault((kind, currency), Amount(kind=kind, currency=currency))
        total.pledged += amount.pledged
        total.delivered += amount.delivered
    return CommitmentTotals(
        by_member={m: sorted(a, key=_sort_key) for m, a in by_member.items()},
        totals=sorted(totals.values(), key=_sort_key),
    )


# --- Status history, conditions, documents ------------------------------------------------


def status_history(
    *, workspace: Workspace, partnership: Partnership
) -> QuerySet[PartnershipStatusChange]:
    """Every status change of the partnership, newest first, with who made it."""
    return (
        PartnershipStatusChange.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .select_related("changed_by", "changed_by_key")
        .order_by("-created_at", "-id")
    )


def condition_list(
    *, workspace: Workspace, partnership: Partnership
) -> list[CollectiveImpactCondition]:
    """The five conditions of a collective impact initiative, in their canonical order
    (a condition without a row yet appears unsaved, not in place)."""
    rows = {
        c.condition: c
        for c in CollectiveImpactCondition.objects.for_workspace(workspace).filter(
            partnership=partnership
        )
    }
    return [
        rows.get(code)
        or CollectiveImpactCondition(
            workspace=workspace, partnership=partnership, condition=code, in_place=False
        )
        for code in Condition.values
    ]


def document_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    partnership: Partnership | int | None = None,
) -> QuerySet[AgreementDocument]:
    documents = AgreementDocument.objects.for_workspace(workspace)
    if not sees_all_partnerships(access):
        visible = partnerships_visible_to(workspace=workspace, access=access)
        documents = documents.filter(partnership__in=visible.values("pk"))
    if partnership is not None:
        documents = documents.filter(partnership=partnership)
    return documents.select_related("uploaded_by").order_by("-created_at", "-id")


def document_get(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    pk: int,
    partnership: Partnership | int | None = None,
) -> AgreementDocument:
    """The document, or DoesNotExist (also when its partnership is not visible, or when it
    belongs to another partnership than the one given)."""
    return document_list(workspace=workspace, access=access, partnership=partnership).get(pk=pk)
