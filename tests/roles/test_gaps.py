"""The gap rules of the RACI matrix (a pure function)."""

from __future__ import annotations

from roles.gaps import CONCENTRATION_MIN_ITEMS, Concentration, find_gaps


def test_a_complete_matrix_has_no_gaps():
    gaps = find_gaps(
        items=["g", "m"],
        members=[1, 2],
        letters={("g", 1): "A", ("g", 2): "R", ("m", 1): "R", ("m", 2): "A"},
    )
    assert not gaps
    assert gaps.count == 0


def test_items_without_accountable_or_responsible_in_item_order():
    gaps = find_gaps(
        items=["g", "m1", "m2"],
        members=[1, 2],
        letters={("g", 1): "A", ("m1", 1): "R", ("m2", 2): "C", ("g", 2): "I"},
    )
    assert gaps.without_accountable == ["m1", "m2"]
    assert gaps.without_responsible == ["g", "m2"]
    assert gaps.members_without_role == []


def test_a_member_with_no_role_at_all():
    gaps = find_gaps(items=["g"], members=[1, 2, 3], letters={("g", 2): "A", ("g", 1): "R"})
    assert gaps.members_without_role == [3]


def test_no_items_means_every_member_lacks_a_role_and_nothing_else():
    gaps = find_gaps(items=[], members=[1], letters={})
    assert gaps.without_accountable == [] and gaps.without_responsible == []
    assert gaps.members_without_role == [1]
    assert gaps.concentration is None


def test_letters_on_unknown_items_are_ignored():
    gaps = find_gaps(items=["g"], members=[1], letters={("other", 1): "A"})
    assert gaps.without_accountable == ["g"]
    assert gaps.members_without_role == [1]


def test_one_organization_accountable_for_more_than_half_of_four_items():
    items = ["a", "b", "c", "d"]
    letters = {("a", 1): "A", ("b", 1): "A", ("c", 1): "A", ("d", 2): "A"}
    letters.update({(item, 2 if org == 1 else 1): "R" for (item, org) in list(letters)})
    gaps = find_gaps(items=items, members=[1, 2], letters=letters)
    assert gaps.concentration == Concentration(organization_id=1, count=3, total=4)
    assert gaps.count == 1


def test_exactly_half_is_not_a_concentration():
    items = ["a", "b", "c", "d"]
    letters = {("a", 1): "A", ("b", 1): "A", ("c", 2): "A", ("d", 2): "A"}
    assert find_gaps(items=items, members=[1, 2], letters=letters).concentration is None


def test_fewer_than_four_items_never_count_as_concentration():
    assert CONCENTRATION_MIN_ITEMS == 4
    items = ["a", "b", "c"]
    letters = {(item, 1): "A" for item in items}
    assert find_gaps(items=items, members=[1], letters=letters).concentration is None
