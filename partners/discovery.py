"""Partner discovery: which organizations of the directory a partnership should invite.

A pure function over plain data (no database here; ``partners.selectors_discovery``
loads the input in a constant number of queries), so the rule can be read, tested and
explained in one place.

The rule
--------
**Gaps** — what the partnership lacks. Let *offered* be every resource a current member
offers.

- *Declared gaps*: the partnership's declared needs (``Partnership.needs``) minus
  *offered*. A declared need that a current member already offers counts as covered:
  the partnership has someone to provide it, so a suggestion for it would only add a
  second provider (such needs are still reported, as ``Gaps.declared_covered``).
- *Members' gaps*: what current members need, minus *offered*, minus the declared gaps
  (a resource both declared and needed by a member counts once, as declared, with the
  higher weight). Each remembers which members need it, for the explanation.

**Shared focus** — a candidate's SDGs that at least one current member also works on
(the partnership has no SDG field of its own; its members' SDGs are its focus).

**Score** of a candidate (an organization of the workspace that is not a current member)::

    DECLARED_NEED_POINTS (4) x declared gaps it offers
  + MEMBER_NEED_POINTS   (2) x members' gaps it offers
  + SHARED_SDG_POINTS    (1) x shared SDGs, counting at most SHARED_SDG_CAP (3) of them

The cap keeps shared focus alone (at most 3 points) below covering a single declared
need (4 points): what a partnership lacks matters more than a common theme.

A candidate that covers no gap and shares no SDG is not suggested. Suggestions are
ordered by score (highest first), then by name (case-insensitive), then by id, so the
same data always gives the same list; the first ``limit`` (10 by default) are returned.

Each suggestion explains itself in words, e.g. "Offers funding and data (needed by the
partnership), which no member offers; shares SDG 4 (Quality education) and SDG 8 (Decent
work and economic growth)."
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from partners.models import SDG_NAMES, Resource

DECLARED_NEED_POINTS = 4
MEMBER_NEED_POINTS = 2
SHARED_SDG_POINTS = 1
SHARED_SDG_CAP = 3
DEFAULT_LIMIT = 10
# Beyond this many organizations needing one resource, the explanation gives a count.
MAX_NAMED_MEMBERS = 3

_RESOURCE_ORDER = {code: position for position, code in enumerate(Resource.values)}
_RESOURCE_LABELS = dict(Resource.choices)


@dataclass(frozen=True)
class OrganizationProfile:
    """What discovery needs to know about one organization."""

    id: int
    name: str
    sector: str = ""
    offers: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    sdgs: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Gaps:
    """What the partnership lacks, and what its members share."""

    declared: tuple[str, ...] = ()  # declared needs no current member offers
    declared_covered: tuple[str, ...] = ()  # declared needs some current member offers
    # Members' needs no current member offers (and not declared): resource -> who needs it.
    members: tuple[tuple[str, tuple[str, ...]], ...] = ()
    focus_sdgs: tuple[int, ...] = ()  # every SDG of at least one current member
    has_members: bool = False

    @property
    def member_needs(self) -> dict[str, tuple[str, ...]]:
        return dict(self.members)

    # Sets for scoring thousands of candidates, computed once per Gaps.
    @cached_property
    def declared_set(self) -> frozenset[str]:
        return frozenset(self.declared)

    @cached_property
    def member_need_set(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.members)

    @cached_property
    def focus_sdg_set(self) -> frozenset[int]:
        return frozenset(self.focus_sdgs)

    @property
    def is_empty(self) -> bool:
        return not self.declared and not self.members


@dataclass(frozen=True)
class Suggestion:
    organization: OrganizationProfile
    score: int
    covers_declared: tuple[str, ...]
    covers_member_needs: tuple[str, ...]
    shared_sdgs: tuple[int, ...]
    explanation: str = field(compare=False)


# --- Words ------------------------------------------------------------------------------


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"


def resource_label(code: str) -> str:
    """The label in running text: "funding", "local knowledge", "in-kind goods"."""
    label = str(_RESOURCE_LABELS.get(code, code.replace("_", " ")))
    return label[:1].lower() + label[1:]


def sdg_phrase(number: int) -> str:
    name = SDG_NAMES.get(number)
    return f"SDG {number} ({name})" if name else f"SDG {number}"


def _ordered_resources(codes: Iterable[str]) -> tuple[str, ...]:
    """In the vocabulary's order (unknown codes last, alphabetically), without repeats."""
    return tuple(
        sorted(set(codes), key=lambda c: (_RESOURCE_ORDER.get(c, len(_RESOURCE_ORDER)), c))
    )


def _needed_by(names: Sequence[str]) -> str:
    if len(names) > MAX_NAMED_MEMBERS:
        return f"{len(names)} members"
    return join_words(list(names))


def explain(
    *,
    covers_declared: Sequence[str],
    covers_member_needs: Sequence[str],
    shared_sdgs: Sequence[int],
    gaps: Gaps,
) -> str:
    """One sentence: what the candidate offers that is lacking, and the SDGs it shares."""
    needers = gaps.member_needs
    groups: list[str] = []
    if covers_declared:
        labels = join_words([resource_label(c) for c in covers_declared])
        groups.append(f"{labels} (needed by the partnership)")
    # Resources needed by the same members are named together, in vocabulary order.
    by_needers: dict[tuple[str, ...], list[str]] = {}
    for code in covers_member_needs:
        by_needers.setdefault(needers.get(code, ()), []).append(code)
    for names, codes in by_needers.items():
        labels = join_words([resource_label(c) for c in codes])
        groups.append(f"{labels} (needed by {_needed_by(names)})" if names else labels)
    clauses: list[str] = []
    if groups:
        tail = ", which no member offers" if gaps.has_members else ""
        clauses.append(f"offers {join_words(groups)}{tail}")
    if shared_sdgs:
        clauses.append(f"shares {join_words([sdg_phrase(n) for n in shared_sdgs])}")
    if not clauses:
        return ""
    sentence = "; ".join(clauses)
    return f"{sentence[:1].upper()}{sentence[1:]}."


# --- The ranking ------------------------------------------------------------------------


def partnership_gaps(*, needs: Iterable[str], members: Sequence[OrganizationProfile]) -> Gaps:
    """What the partnership lacks (see the module's rule)."""
    offered = {code for member in members for code in member.offers}
    declared = set(needs)
    member_gaps: dict[str, list[str]] = {}
    for member in sorted(members, key=lambda m: (m.name.casefold(), m.id)):
        for code in member.needs:
            if code not in offered and code not in declared:
                member_gaps.setdefault(code, []).append(member.name)
    return Gaps(
        declared=_ordered_resources(declared - offered),
        declared_covered=_ordered_resources(declared & offered),
        members=tuple((code, tuple(member_gaps[code])) for code in _ordered_resources(member_gaps)),
        focus_sdgs=tuple(sorted({n for member in members for n in member.sdgs})),
        has_members=bool(members),
    )


def score(candidate: OrganizationProfile, gaps: Gaps) -> int:
    """The candidate's points under the module's rule (0: not to be suggested)."""
    return (
        DECLARED_NEED_POINTS * len(candidate.offers & gaps.declared_set)
        + MEMBER_NEED_POINTS * len(candidate.offers & gaps.member_need_set)
        + SHARED_SDG_POINTS * min(len(candidate.sdgs & gaps.focus_sdg_set), SHARED_SDG_CAP)
    )


def score_candidate(candidate: OrganizationProfile, gaps: Gaps) -> Suggestion | None:
    """The candidate's suggestion with its explanation, or None when it covers no gap and
    shares no SDG."""
    points = score(candidate, gaps)
    if not points:
        return None
    covers_declared = tuple(c for c in gaps.declared if c in candidate.offers)
    covers_member_needs = tuple(c for c, _ in gaps.members if c in candidate.offers)
    shared_sdgs = tuple(n for n in gaps.focus_sdgs if n in candidate.sdgs)
    return Suggestion(
        organization=candidate,
        score=points,
        covers_declared=covers_declared,
        covers_member_needs=covers_member_needs,
        shared_sdgs=shared_sdgs,
        explanation=explain(
            covers_declared=covers_declared,
            covers_member_needs=covers_member_needs,
            shared_sdgs=shared_sdgs,
            gaps=gaps,
        ),
    )


def suggest_partners(
    *,
    needs: Iterable[str],
    members: Sequence[OrganizationProfile],
    candidates: Iterable[OrganizationProfile],
    limit: int = DEFAULT_LIMIT,
    gaps: Gaps | None = None,
) -> list[Suggestion]:
    """The best ``limit`` candidates for a partnership with these declared ``needs`` and
    current ``members``, best first (see the module's rule). Candidates that are members
    are skipped. ``gaps`` may be passed when the caller computed it already."""
    if gaps is None:
        gaps = partnership_gaps(needs=needs, members=members)
    member_ids = {member.id for member in members}
    # Rank on plain keys (the position makes every key unique, so candidates themselves
    # are never compared); only the few kept are explained.
    ranked = heapq.nsmallest(
        max(limit, 0),
        (
            (-points, candidate.name.casefold(), candidate.id, position, candidate)
            for position, candidate in enumerate(candidates)
            if candidate.id not in member_ids and (points := score(candidate, gaps))
        ),
    )
    return [
        suggestion
        for *_, candidate in ranked
        if (suggestion := score_candidate(candidate, gaps)) is not None
    ]
