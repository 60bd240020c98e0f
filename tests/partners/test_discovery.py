"""The partner discovery ranking (partners.discovery), on hand-made cases: no database."""

from __future__ import annotations

from collections.abc import Iterable

from partners.discovery import (
    DECLARED_NEED_POINTS,
    MEMBER_NEED_POINTS,
    SHARED_SDG_CAP,
    OrganizationProfile,
    join_words,
    partnership_gaps,
    suggest_partners,
)

_ids = iter(range(1, 10_000))


def org(
    name: str,
    *,
    offers: Iterable[str] = (),
    needs: Iterable[str] = (),
    sdgs: Iterable[int] = (),
    id: int | None = None,
) -> OrganizationProfile:
    return OrganizationProfile(
        id=id if id is not None else next(_ids),
        name=name,
        sector="nonprofit",
        offers=frozenset(offers),
        needs=frozenset(needs),
        sdgs=frozenset(sdgs),
    )


def names(suggestions) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.organization.name for s in suggestions]


# --- Words ------------------------------------------------------------------------------


def test_join_words_joins_lists_naturally():
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert join_words(["a", "b", "c", "d"]) == "a, b, c and d"


# --- Gaps ---------------------------------------------------------------------------------


def test_gaps_declared_needs_a_member_offers_count_as_covered():
    members = [
        org("School Network", offers={"funding"}, needs={"data", "volunteers"}, sdgs={4}),
        org("Data Lab", offers={"data"}, needs={"training"}, sdgs={9, 4}),
    ]
    gaps = partnership_gaps(needs=["funding", "technology", "expertise"], members=members)
    # Vocabulary order: expertise before technology.
    assert gaps.declared == ("expertise", "technology")
    assert gaps.declared_covered == ("funding",)
    # data is offered by Data Lab: not a gap; volunteers and training are.
    assert gaps.member_needs == {"volunteers": ("School Network",), "training": ("Data Lab",)}
    assert gaps.focus_sdgs == (4, 9)
    assert gaps.has_members


def test_a_need_both_declared_and_needed_by_a_member_counts_once_as_declared():
    members = [org("School Network", needs={"funding"})]
    gaps = partnership_gaps(needs=["funding"], members=members)
    assert gaps.declared == ("funding",)
    assert gaps.member_needs == {}
    [suggestion] = suggest_partners(
        needs=["funding"], members=members, candidates=[org("Bank", offers={"funding"})]
    )
    assert suggestion.score == DECLARED_NEED_POINTS
    assert suggestion.covers_member_needs == ()


# --- Ranking ------------------------------------------------------------------------------


def test_without_members_only_declared_needs_count():
    candidates = [
        org("Bank", offers={"funding", "data", "volunteers"}, sdgs={4}),
        org("Choir", offers={"advocacy"}, sdgs={4}),  # nothing lacking, no member to share with
    ]
    suggestions = suggest_partners(needs=["funding", "data"], members=[], candidates=candidates)
    assert names(suggestions) == ["Bank"]
    [bank] = suggestions
    assert bank.covers_declared == ("funding", "data")
    assert bank.shared_sdgs == ()
    assert bank.score == 2 * DECLARED_NEED_POINTS
    assert bank.explanation == "Offers funding and data (needed by the partnership)."


def test_no_needs_and_no_members_suggests_nobody():
    candidates = [org("Bank", offers={"funding"}, sdgs={1, 4})]
    assert suggest_partners(needs=[], members=[], candidates=candidates) == []


def test_members_covering_everything_leave_only_shared_focus():
    members = [
        org("Fund", offers={"funding", "data"}, needs={"data"}, sdgs={6}),
        org("Lab", offers={"volunteers"}, needs={"funding"}, sdgs={13}),
    ]
    candidates = [
        org("Another Fund", offers={"funding", "data", "volunteers"}),  # offers only what is there
        org("Water Org", offers={"funding"}, sdgs={6, 2}),
    ]
    gaps = partnership_gaps(needs=["funding"], members=members)
    assert gaps.is_empty
    suggestions = suggest_partners(needs=["funding"], members=members, candidates=candidates)
    assert names(suggestions) == ["Water Org"]
    assert suggestions[0].covers_declared == suggestions[0].covers_member_needs == ()
    assert suggestions[0].explanation == "Shares SDG 6 (Clean water and sanitation)."


def test_declared_needs_weigh_more_than_members_needs():
    members = [org("School Network", needs={"volunteers"})]
    candidates = [
        org("A Volunteer Corps", offers={"volunteers"}),
        org("Bank", offers={"funding"}),
        org("Both", offers={"funding", "volunteers"}),
    ]
    suggestions = suggest_partners(needs=["funding"], members=members, candidates=candidates)
    assert names(suggestions) == ["Both", "Bank", "A Volunteer Corps"]
    assert [s.score for s in suggestions] == [
        DECLARED_NEED_POINTS + MEMBER_NEED_POINTS,
        DECLARED_NEED_POINTS,
        MEMBER_NEED_POINTS,
    ]


def test_shared_focus_alone_never_outranks_a_declared_need():
    members = [org("Member", sdgs=set(range(1, 18)))]
    candidates = [
        org("All Goals", sdgs=set(range(1, 18))),
        org("Bank", offers={"funding"}),
        org("One Goal", sdgs={5}),
    ]
    suggestions = suggest_partners(needs=["funding"], members=members, candidates=candidates)
    assert names(suggestions) == ["Bank", "All Goals", "One Goal"]
    assert suggestions[1].score == SHARED_SDG_CAP
    assert suggestions[1].shared_sdgs == tuple(range(1, 18))  # all are named, a few count
    assert suggestions[2].score == 1


def test_sdg_only_matches_are_suggested_and_explained():
    members = [org("School Network", sdgs={4, 8})]
    candidates = [org("Jobs Now", sdgs={8, 4, 1}), org("Forest Trust", sdgs={15})]
    suggestions = suggest_partners(needs=[], members=members, candidates=candidates)
    assert names(suggestions) == ["Jobs Now"]
    assert suggestions[0].shared_sdgs == (4, 8)
    assert suggestions[0].explanation == (
        "Shares SDG 4 (Quality education) and SDG 8 (Decent work and economic growth)."
    )


def test_ties_are_broken_by_name_then_id_whatever_the_input_order():
    members = [org("Member", sdgs={4})]
    same = [
        org("beta", sdgs={4}, id=7),
        org("Alpha", sdgs={4}, id=9),
        org("Gamma", sdgs={4}, id=3),
        org("Gamma", sdgs={4}, id=2),
    ]
    for candidates in (same, list(reversed(same))):
        suggestions = suggest_partners(needs=[], members=members, candidates=candidates)
        assert [(s.organization.name, s.organization.id) for s in suggestions] == [
            ("Alpha", 9),
            ("beta", 7),
            ("Gamma", 2),
            ("Gamma", 3),
        ]


def test_members_are_never_suggested():
    member = org("Member", offers={"data"}, needs={"funding"}, sdgs={4})
    candidates = [member, org("Bank", offers={"funding"})]
    assert names(suggest_partners(needs=[], members=[member], candidates=candidates)) == ["Bank"]


def test_the_explanation_names_what_is_lacking_and_who_needs_it():
    members = [
        org("City Youth Services", offers={"expertise"}, needs={"volunteers"}, sdgs={4, 8}),
        org(
            "Harbour Logistics", offers={"distribution"}, needs={"volunteers", "training"}, sdgs={8}
        ),
    ]
    candidate = org(
        "Northern Foundation",
        offers={"training", "data", "funding", "volunteers", "expertise"},
        sdgs={13, 8, 4},
    )
    [suggestion] = suggest_partners(
        needs=["funding", "data", "distribution"], members=members, candidates=[candidate]
    )
    assert suggestion.explanation == (
        "Offers funding and data (needed by the partnership), volunteers (needed by City Youth "
        "Services and Harbour Logistics) and training (needed by Harbour Logistics), which no "
        "member offers; shares SDG 4 (Quality education) and SDG 8 (Decent work and economic "
        "growth)."
    )
    assert suggestion.score == 2 * DECLARED_NEED_POINTS + 2 * MEMBER_NEED_POINTS + 2


def test_the_explanation_of_declared_needs_with_members():
    members = [org("School Network", offers={"expertise"}, sdgs={4, 8})]
    candidate = org("Bank", offers={"funding", "data"}, sdgs={4, 8})
    [suggestion] = suggest_partners(
        needs=["data", "funding"], members=members, candidates=[candidate]
    )
    assert suggestion.explanation == (
        "Offers funding and data (needed by the partnership), which no member offers; "
        "shares SDG 4 (Quality education) and SDG 8 (Decent work and economic growth)."
    )


def test_many_members_needing_one_resource_are_counted_not_listed():
    members = [org(f"Member {i}", needs={"local_knowledge"}) for i in range(4)]
    [suggestion] = suggest_partners(
        needs=[], members=members, candidates=[org("Villagers", offers={"local_knowledge"})]
    )
    assert suggestion.explanation == (
        "Offers local knowledge (needed by 4 members), which no member offers."
    )


def test_top_n():
    members = [org("Member", needs={"data"}, sdgs={3})]
    candidates = [org(f"Candidate {i:02d}", sdgs={3}) for i in range(15)]
    candidates.append(org("Zeta Data", offers={"data"}))
    default = suggest_partners(needs=[], members=members, candidates=candidates)
    assert len(default) == 10
    assert default[0].organization.name == "Zeta Data"  # the best, despite its name
    assert names(default[1:]) == [f"Candidate {i:02d}" for i in range(9)]
    assert len(suggest_partners(needs=[], members=members, candidates=candidates, limit=3)) == 3
    assert len(suggest_partners(needs=[], members=members, candidates=candidates, limit=50)) == 16
    assert suggest_partners(needs=[], members=members, candidates=candidates, limit=0) == []
