"""Reads for partner discovery: a partnership's current members with what they offer,
need and work on, and the organizations of the workspace that could fill its gaps.

At most three queries, whatever the size of the directory:

1. every organization of the workspace (id, name, sector), marked as a current member
   of the partnership or not;
2. the members' offers, needs and SDGs (skipped without members);
3. the other organizations' traits that can count for the ranking (an offer among the
   gaps, an SDG among the members' SDGs) — computed after the gaps, so a directory of
   thousands sends back only the rows that matter (skipped when there is neither a gap
   nor a member SDG). It joins no other table: the plan stays an index scan of
   ``trait_ws_kind_value`` even on fresh statistics, and names come from query 1.

Candidates are therefore profiled with their *relevant* offers and SDGs only. That gives
``partners.discovery.suggest_partners`` exactly the result it would give with full
profiles: other offers and SDGs score nothing and appear in no explanation, and an
organization without any relevant trait is never suggested.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from partnerhub.models import Workspace
from partners.discovery import (
    DEFAULT_LIMIT,
    Gaps,
    OrganizationProfile,
    Suggestion,
    partnership_gaps,
    suggest_partners,
)
from partners.models import (
    Organization,
    OrganizationTrait,
    Partnership,
    PartnershipMember,
    TraitKind,
)

_MEMBER_KINDS = (TraitKind.OFFERS, TraitKind.NEEDS, TraitKind.SDG)


@dataclass(frozen=True)
class DiscoveryInput:
    members: list[OrganizationProfile]
    gaps: Gaps
    candidates: list[OrganizationProfile]  # only those with a relevant trait
    candidate_count: int  # organizations of the workspace that are not current members


@dataclass(frozen=True)
class PartnerSuggestions:
    gaps: Gaps
    members: list[OrganizationProfile]
    suggestions: list[Suggestion]
    candidate_count: int  # organizations of the workspace that are not current members


@dataclass(frozen=True)
class _Directory:
    members: list[tuple[int, str, str]]
    others: dict[int, tuple[str, str]]  # id -> (name, sector)


def _directory(*, workspace: Workspace, partnership: Partnership) -> _Directory:
    current = PartnershipMember.objects.for_workspace(workspace).filter(
        partnership_id=partnership.pk, left_on__isnull=True, organization_id=OuterRef("pk")
    )
    rows = (
        Organization.objects.for_workspace(workspace)
        .annotate(is_member=Exists(current))
        .order_by("name", "id")
        .values_list("pk", "name", "sector", "is_member")
    )
    members: list[tuple[int, str, str]] = []
    others: dict[int, tuple[str, str]] = {}
    for pk, name, sector, is_member in rows:
        if is_member:
            members.append((pk, name, sector))
        else:
            others[pk] = (name, sector)
    return _Directory(members=members, others=others)


def _sdgs(values: set[str]) -> frozenset[int]:
    return frozenset(int(v) for v in values if v.isdigit())


def _member_profiles(
    *, workspace: Workspace, members: list[tuple[int, str, str]]
) -> list[OrganizationProfile]:
    if not members:
        return []
    traits: defaultdict[int, dict[str, set[str]]] = defaultdict(
        lambda: {kind: set() for kind in _MEMBER_KINDS}
    )
    for organization_id, kind, value in (
        OrganizationTrait.objects.for_workspace(workspace)
        .filter(organization_id__in=[pk for pk, _, _ in members], kind__in=_MEMBER_KINDS)
        .order_by()
        .values_list("organization_id", "kind", "value")
    ):
        traits[organization_id][kind].add(value)
    return [
        OrganizationProfile(
            id=pk,
            name=name,
            sector=sector,
            offers=frozenset(traits[pk][TraitKind.OFFERS]),
            needs=frozenset(traits[pk][TraitKind.NEEDS]),
            sdgs=_sdgs(traits[pk][TraitKind.SDG]),
        )
        for pk, name, sector in members
    ]


def _candidate_profiles(
    *, workspace: Workspace, directory: _Directory, gaps: Gaps
) -> list[OrganizationProfile]:
    relevant = Q()
    gap_codes = [*gaps.declared, *(code for code, _ in gaps.members)]
    if gap_codes:
        relevant |= Q(kind=TraitKind.OFFERS, value__in=gap_codes)
    if gaps.focus_sdgs:
        relevant |= Q(kind=TraitKind.SDG, value__in=[str(n) for n in gaps.focus_sdgs])
    if not relevant:
        return []
    traits: defaultdict[int, dict[str, set[str]]] = defaultdict(
        lambda: {TraitKind.OFFERS: set(), TraitKind.SDG: set()}
    )
    for organization_id, kind, value in (
        OrganizationTrait.objects.for_workspace(workspace)
        .filter(relevant)
        .exclude(organization_id__in=[pk for pk, _, _ in directory.members])
        .order_by()
        .values_list("organization_id", "kind", "value")
    ):
        traits[organization_id][kind].add(value)
    return [
        OrganizationProfile(
            id=pk,
            name=directory.others[pk][0],
            sector=directory.others[pk][1],
            offers=frozenset(own[TraitKind.OFFERS]),
            sdgs=_sdgs(own[TraitKind.SDG]),
        )
        for pk, own in traits.items()
        if pk in directory.others
    ]


def discovery_input(*, workspace: Workspace, partnership: Partnership) -> DiscoveryInput:
    """The ranking's input for this partnership: its current members (offers, needs,
    SDGs), its gaps, and the other organizations with their relevant traits."""
    directory = _directory(workspace=workspace, partnership=partnership)
    members = _member_profiles(workspace=workspace, members=directory.members)
    gaps = partnership_gaps(needs=list(partnership.needs or []), members=members)
    return DiscoveryInput(
        members=members,
        gaps=gaps,
        candidates=_candidate_profiles(workspace=workspace, directory=directory, gaps=gaps),
        candidate_count=len(directory.others),
    )


def partner_suggestions(
    *, workspace: Workspace, partnership: Partnership, limit: int = DEFAULT_LIMIT
) -> PartnerSuggestions:
    """The partnership's gaps and its ranked suggestions (at most three queries)."""
    data = discovery_input(workspace=workspace, partnership=partnership)
    suggestions = suggest_partners(
        needs=list(partnership.needs or []),
        members=data.members,
        candidates=data.candidates,
        limit=limit,
        gaps=data.gaps,
    )
    return PartnerSuggestions(
        gaps=data.gaps,
        members=data.members,
        suggestions=suggestions,
        candidate_count=data.candidate_count,
    )
