"""Gaps of a RACI matrix, as a pure function of its letters (no database, no Django).

The rules (DESIGN.md: "flags gaps"):

- every item (a goal or a milestone) needs exactly one Accountable: an item with none is a
  gap;
- every item needs at least one Responsible: an item with none is a gap;
- every current member organization should hold at least one letter somewhere in the
  partnership: a member with no role at all is a gap;
- when the partnership has at least ``CONCENTRATION_MIN_ITEMS`` items, one organization
  Accountable for more than half of them carries too much of the work: that is a gap too
  (a backbone organization often is Accountable for a lot; more than half is the signal).

Letters held by organizations that are not (or no longer) members still count for the
items: the database holds them, and they block a second Accountable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

ACCOUNTABLE = "A"
RESPONSIBLE = "R"
CONCENTRATION_MIN_ITEMS = 4

Item = TypeVar("Item", bound=Hashable)
OrgId = int


@dataclass(frozen=True)
class Concentration:
    """One organization Accountable for ``count`` of ``total`` items."""

    organization_id: OrgId
    count: int
    total: int


@dataclass(frozen=True)
class Gaps(Generic[Item]):
    without_accountable: list[Item] = field(default_factory=list)
    without_responsible: list[Item] = field(default_factory=list)
    members_without_role: list[OrgId] = field(default_factory=list)
    concentration: Concentration | None = None

    @property
    def count(self) -> int:
        return (
            len(self.without_accountable)
            + len(self.without_responsible)
            + len(self.members_without_role)
            + (1 if self.concentration else 0)
        )

    def __bool__(self) -> bool:
        return self.count > 0


def find_gaps(
    *,
    items: Sequence[Item],
    members: Iterable[OrgId],
    letters: Mapping[tuple[Item, OrgId], str],
) -> Gaps[Item]:
    """The gaps of a matrix.

    ``items`` are the rows in display order (any hashable keys), ``members`` the current
    member organizations (the columns), ``letters`` maps (item, organization) to one of
    "R", "A", "C", "I". Lists come back in the order of ``items`` and ``members``.
    """
    accountable: Counter[Item] = Counter()
    responsible: set[Item] = set()
    holders: set[OrgId] = set()
    accountable_per_org: Counter[OrgId] = Counter()
    known = set(items)
    for (item, org), letter in letters.items():
        if item not in known:
            continue
        holders.add(org)
        if letter == ACCOUNTABLE:
            accountable[item] += 1
            accountable_per_org[org] += 1
        elif letter == RESPONSIBLE:
            responsible.add(item)

    concentration = None
    if len(items) >= CONCENTRATION_MIN_ITEMS and accountable_per_org:
        org, count = min(accountable_per_org.items(), key=lambda pair: (-pair[1], pair[0]))
        if count * 2 > len(items):
            concentration = Concentration(organization_id=org, count=count, total=len(items))

    return Gaps(
        without_accountable=[item for item in items if not accountable[item]],
        without_responsible=[item for item in items if item not in responsible],
        members_without_role=[org for org in members if org not in holders],
        concentration=concentration,
    )
