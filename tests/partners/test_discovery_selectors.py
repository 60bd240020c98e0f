"""Loading partner discovery's input: workspace scoping, members versus candidates, and a
number of queries that does not depend on the size of the directory."""

from __future__ import annotations

from datetime import date

import pytest

from partnerhub.tenancy import workspace_context
from partners.discovery import OrganizationProfile, suggest_partners
from partners.models import MemberRole, OrganizationTrait
from partners.selectors import organization_list
from partners.selectors_discovery import discovery_input, partner_suggestions
from partners.services.partnerships import (
    partnership_create,
    partnership_member_add,
    partnership_member_remove,
)
from tests.partners.org_helpers import make_org

pytestmark = pytest.mark.django_db


def _partnership(cast, **kwargs):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return partnership_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            name="Learning Partnership",
            model="cross_sector",
            **kwargs,
        )


def _join(cast, partnership, organization):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return partnership_member_add(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            organization=organization,
            roles=[MemberRole.IMPLEMENTER],
            joined_on=date(2026, 1, 5),
        )


def test_members_and_candidates_with_their_traits(cast_a, cast_b):
    school = make_org(
        cast_a.workspace,
        "School Network",
        offers=["expertise"],
        needs=["volunteers"],
        sdgs=[4, 8],
        tags=["schools"],
    )
    bank = make_org(
        cast_a.workspace, "Bank", sector="business", offers=["funding"], needs=["data"], sdgs=[8]
    )
    left = make_org(
        cast_a.workspace,
        "Former Member",
        offers=["data", "volunteers"],
        needs=["training"],
        sdgs=[4, 17],
    )
    make_org(cast_a.workspace, "Unrelated", offers=["advocacy"], needs=["funding"], sdgs=[15])
    make_org(cast_b.workspace, "Elsewhere", offers=["funding"], sdgs=[4])
    partnership = _partnership(cast_a, needs=["funding"])
    _join(cast_a, partnership, school)
    former = _join(cast_a, partnership, left)
    with workspace_context(cast_a.workspace):
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=former
        )
        data = discovery_input(workspace=cast_a.workspace, partnership=partnership)

    [member] = data.members
    assert (member.id, member.name, member.sector) == (school.pk, "School Network", "nonprofit")
    assert member.offers == {"expertise"}
    assert member.needs == {"volunteers"}
    assert member.sdgs == {4, 8}
    assert data.gaps.declared == ("funding",)
    assert data.gaps.member_needs == {"volunteers": ("School Network",)}
    assert data.gaps.focus_sdgs == (4, 8)
    # Candidates come with what can count for them: offers among the gaps, SDGs among the
    # members'. Workspace B's organization is not there; one that left the partnership is;
    # organizations with nothing relevant (Unrelated, the cast's two) are only counted.
    by_name = {c.name: c for c in data.candidates}
    assert set(by_name) == {"Bank", "Former Member"}
    assert by_name["Bank"].id == bank.pk
    assert by_name["Bank"].sector == "business"
    assert by_name["Bank"].offers == {"funding"}
    assert by_name["Bank"].sdgs == {8}
    assert by_name["Bank"].needs == frozenset()  # candidates' needs do not matter
    assert by_name["Former Member"].id == left.pk
    assert by_name["Former Member"].offers == {"volunteers"}
    assert by_name["Former Member"].sdgs == {4}
    assert data.candidate_count == 5  # Bank, Former Member, Unrelated, Org A1, Org A2


def test_partner_suggestions_ranks_the_workspace_directory(cast_a, cast_b):
    school = make_org(cast_a.workspace, "School Network", needs=["volunteers"], sdgs=[4])
    make_org(cast_a.workspace, "Bank", offers=["funding"])
    make_org(cast_a.workspace, "Volunteer Corps", offers=["volunteers"], sdgs=[4])
    make_org(cast_a.workspace, "Unrelated", offers=["advocacy"], sdgs=[15])
    make_org(cast_b.workspace, "Better Elsewhere", offers=["funding", "volunteers"], sdgs=[4])
    partnership = _partnership(cast_a, needs=["funding"])
    _join(cast_a, partnership, school)
    with workspace_context(cast_a.workspace):
        result = partner_suggestions(workspace=cast_a.workspace, partnership=partnership)
    assert result.gaps.declared == ("funding",)
    assert result.gaps.member_needs == {"volunteers": ("School Network",)}
    assert [(s.organization.name, s.score) for s in result.suggestions] == [
        ("Bank", 4),
        ("Volunteer Corps", 3),
    ]
    assert result.candidate_count == 5  # Org A1, Org A2, Bank, Volunteer Corps, Unrelated


def _directory(cast, count: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + count):
        make_org(
            cast.workspace,
            f"Directory {i:03d}",
            offers=["funding", "data"] if i % 2 else ["volunteers"],
            needs=["training"],
            sdgs=[4, (i % 17) + 1],
        )


def test_discovery_loads_in_three_queries_for_10_or_100_organizations(
    cast_a, django_assert_num_queries
):
    # 1. the workspace's organizations, each marked as a current member or not;
    # 2. the members' offers, needs and SDGs;
    # 3. the other organizations' offers among the gaps and SDGs among the members'.
    partnership = _partnership(cast_a, needs=["funding"])
    _directory(cast_a, 10)
    with workspace_context(cast_a.workspace):
        for organization_name in ("Directory 000", "Directory 001"):
            organization = organization_list(workspace=cast_a.workspace).get(name=organization_name)
            _join(cast_a, partnership, organization)
        with django_assert_num_queries(3):
            few = partner_suggestions(workspace=cast_a.workspace, partnership=partnership)
    _directory(cast_a, 90, start=10)
    with workspace_context(cast_a.workspace), django_assert_num_queries(3):
        many = partner_suggestions(workspace=cast_a.workspace, partnership=partnership)
    assert few.candidate_count == 10  # 8 of the directory and the cast's two
    assert many.candidate_count == 100
    assert len(many.suggestions) == 10


def test_pruned_candidates_rank_exactly_like_full_profiles(cast_a):
    """The selector loads only the traits that can count; ranking every organization
    with its complete profile gives the same suggestions, scores and explanations."""
    _directory(cast_a, 40)
    partnership = _partnership(cast_a, needs=["funding", "technology"])
    with workspace_context(cast_a.workspace):
        for name in ("Directory 003", "Directory 010"):
            _join(cast_a, partnership, organization_list(workspace=cast_a.workspace).get(name=name))
        result = partner_suggestions(workspace=cast_a.workspace, partnership=partnership, limit=50)
        full: dict[int, dict[str, set[str]]] = {}
        for trait in OrganizationTrait.objects.filter(workspace=cast_a.workspace):
            full.setdefault(trait.organization_id, {}).setdefault(trait.kind, set()).add(
                trait.value
            )
        member_ids = {m.id for m in result.members}
        profiles = [
            OrganizationProfile(
                id=o.pk,
                name=o.name,
                sector=o.sector,
                offers=frozenset(full.get(o.pk, {}).get("offers", set())),
                needs=frozenset(full.get(o.pk, {}).get("needs", set())),
                sdgs=frozenset(int(v) for v in full.get(o.pk, {}).get("sdg", set())),
            )
            for o in organization_list(workspace=cast_a.workspace)
        ]
    members = [p for p in profiles if p.id in member_ids]
    expected = suggest_partners(
        needs=partnership.needs, members=members, candidates=profiles, limit=50
    )
    assert len(expected) > 10
    assert [(s.organization.id, s.score, s.explanation) for s in result.suggestions] == [
        (s.organization.id, s.score, s.explanation) for s in expected
    ]
