"""Health check rules: rounds (dates, overlap, closing), who answers, one response per
person, the activity trail without scores, and the results' arithmetic and suppression."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from impact.models import (
    HealthCheckAnswer,
    HealthCheckResponse,
    HealthCheckRound,
    HealthFactor,
)
from impact.selectors_health import RoundState, health_round_get
from impact.selectors_health_results import (
    OTHER_SECTORS,
    SuppressedReason,
    health_results,
    sector_groups_for,
)
from impact.services_health import (
    health_round_close,
    health_round_create,
    health_round_update,
)
from partnerhub.access import WorkspaceAccess
from partnerhub.models import ActivityEvent, ApiKeyScope, Role
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import Organization, Sector
from tests.impact.health_helpers import (
    access_for,
    answer,
    move_round,
    open_round,
    organization,
    person,
    respondents,
    today,
)
from tests.impact.helpers import make_partnership

pytestmark = pytest.mark.django_db

TRUST = HealthFactor.TRUST
DAY = timedelta(days=1)


def results_of(cast, health_round):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        fresh = HealthCheckRound.objects.get(pk=health_round.pk)
        return health_results(workspace=cast.workspace, health_round=fresh, today=today(cast))


def factor(results, code):  # type: ignore[no-untyped-def]
    return next(f for f in results.factors if f.factor == code)


# --- Rounds ---------------------------------------------------------------------------------


def test_round_opens_today_by_default_and_records_an_event(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        health_round = health_round_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            title="  Spring check  ",
            closes_on=today(cast_a) + 14 * DAY,
        )
        event = ActivityEvent.objects.get(object_type="impact.healthcheckround")
    assert health_round.title == "Spring check"
    assert health_round.opens_on == today(cast_a)
    assert health_round.created_by == cast_a.coordinator
    assert event.partnership_id == partnership.pk and event.actor_user == cast_a.coordinator


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        (0, -1, "closes_on"),  # closes before it opens
        (-1, 5, "opens_on"),  # opens in the past
        (0, None, "closes_on"),  # no closing date
    ],
)
def test_round_dates_are_checked(cast_a, opens, closes, field):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        with pytest.raises(ValidationError) as caught:
            health_round_create(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership,
                title="Check",
                opens_on=today(cast_a) + opens * DAY,
                closes_on=None if closes is None else today(cast_a) + closes * DAY,
            )
        assert not HealthCheckRound.objects.filter(partnership=partnership).exists()
    assert field in caught.value.message_dict


def test_rounds_of_a_partnership_never_overlap(cast_a):
    first = open_round(cast_a)  # today - 7 .. today + 7
    with workspace_context(cast_a.workspace):
        common = {
            "workspace": cast_a.workspace,
            "actor": cast_a.coordinator,
            "partnership": first.partnership,
            "title": "Next",
        }
        with pytest.raises(ValidationError, match="may not overlap"):
            health_round_create(
                **common, opens_on=today(cast_a) + 7 * DAY, closes_on=today(cast_a) + 20 * DAY
            )
        # The day after the first closes is free, and so is another partnership.
        health_round_create(
            **common, opens_on=today(cast_a) + 8 * DAY, closes_on=today(cast_a) + 20 * DAY
        )
        health_round_create(
            **(common | {"partnership": make_partnership(cast_a)}),
            opens_on=today(cast_a),
            closes_on=today(cast_a) + 3 * DAY,
        )
        # Moving a round onto another is refused as well.
        upcoming = HealthCheckRound.objects.get(partnership=first.partnership, title="Next")
        with pytest.raises(ValidationError, match="may not overlap"):
            health_round_update(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                health_round=upcoming,
                opens_on=today(cast_a) + 2 * DAY,
            )


def test_what_may_change_depends_on_the_state(cast_a):
    health_round = open_round(cast_a)
    with workspace_context(cast_a.workspace):
        common = {"workspace": cast_a.workspace, "actor": cast_a.coordinator}
        with pytest.raises(ValidationError, match="has opened"):
            health_round_update(**common, health_round=health_round, opens_on=today(cast_a))
        with pytest.raises(ValidationError, match="past"):
            health_round_update(**common, health_round=health_round, closes_on=today(cast_a) - DAY)
        health_round_update(**common, health_round=health_round, closes_on=today(cast_a) + 30 * DAY)
        assert (
            HealthCheckRound.objects.get(pk=health_round.pk).closes_on == today(cast_a) + 30 * DAY
        )
    move_round(cast_a, health_round, closed_days_ago=2)
    with workspace_context(cast_a.workspace):
        with pytest.raises(ValidationError, match="has closed"):
            health_round_update(**common, health_round=health_round, closes_on=today(cast_a) + DAY)
        health_round_update(**common, health_round=health_round, title="Renamed")  # a title may
        assert HealthCheckRound.objects.get(pk=health_round.pk).title == "Renamed"


def test_close_now_ends_an_open_round_but_not_one_opened_today(cast_a):
    health_round = open_round(cast_a)
    fresh = open_round(cast_a, opens_on=today(cast_a))
    with workspace_context(cast_a.workspace):
        common = {"workspace": cast_a.workspace, "actor": cast_a.coordinator}
        health_round_close(**common, health_round=health_round)
        closed = HealthCheckRound.objects.get(pk=health_round.pk)
        assert closed.closes_on == today(cast_a) - DAY
        with pytest.raises(ValidationError, match="already closed"):
            health_round_close(**common, health_round=closed)
        with pytest.raises(ValidationError, match="opened today"):
            health_round_close(**common, health_round=fresh)
        event = ActivityEvent.objects.filter(object_type="impact.healthcheckround").latest("id")
    assert event.changes["closes_on"][1] == (today(cast_a) - DAY).isoformat()


def test_state_is_annotated_by_the_selector(cast_a):
    health_round = open_round(cast_a)
    access = access_for(cast_a, cast_a.viewer)
    with workspace_context(cast_a.workspace):

        def state_on(day):  # type: ignore[no-untyped-def]
            return health_round_get(
                workspace=cast_a.workspace, access=access, pk=health_round.pk, today=day
            ).state

        assert state_on(health_round.opens_on - DAY) == RoundState.UPCOMING
        assert state_on(health_round.opens_on) == RoundState.OPEN
        assert state_on(health_round.closes_on) == RoundState.OPEN
        assert state_on(health_round.closes_on + DAY) == RoundState.CLOSED


# --- Answering ------------------------------------------------------------------------------


def test_one_response_per_person_changing_it_replaces_the_answers(cast_a):
    health_round = open_round(cast_a)
    _, created = answer(cast_a, health_round, cast_a.partner, 2, {TRUST: "First thoughts"})
    assert created
    _, created = answer(cast_a, health_round, cast_a.partner, {TRUST: 5}, {TRUST: "Second"})
    assert not created
    with workspace_context(cast_a.workspace):
        (response,) = HealthCheckResponse.objects.filter(round=health_round)
        answers = {a.factor: a for a in HealthCheckAnswer.objects.filter(response=response)}
    assert len(answers) == len(HealthFactor.values)
    assert answers[TRUST].score == 5 and answers[TRUST].comment == "Second"
    assert answers[HealthFactor.RESOURCES].score == 4
    assert response.respondent == cast_a.partner
    assert response.organization == cast_a.organization
    assert response.sector == cast_a.organization.sector


def test_the_response_keeps_the_sector_it_was_given_with(cast_a):
    health_round = open_round(cast_a)
    answer(cast_a, health_round, cast_a.partner)
    with workspace_context(cast_a.workspace):
        Organization.objects.filter(pk=cast_a.organization.pk).update(sector=Sector.BUSINESS)
        response = HealthCheckResponse.objects.get(round=health_round)
    assert response.sector == Sector.NONPROFIT


def test_who_may_answer(cast_a):
    health_round = open_round(cast_a)  # cast_a.organization is the only member
    outsider = person(cast_a, cast_a.other_organization)  # partner of a non-member org
    member_coordinator = person(cast_a, cast_a.organization, role=Role.COORDINATOR)
    member_viewer = person(cast_a, cast_a.organization, role=Role.VIEWER)
    for user in (outsider, cast_a.coordinator, member_viewer):
        with pytest.raises(PermissionDenied):
            answer(cast_a, health_round, user)
    _, created = answer(cast_a, health_round, member_coordinator)
    assert created
    api_key, _ = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="k", scope=ApiKeyScope.WRITE
    )
    key_access = WorkspaceAccess(workspace=cast_a.workspace, role=Role.COORDINATOR, api_key=api_key)
    with workspace_context(cast_a.workspace), pytest.raises(PermissionDenied):
        from impact.services_health import health_response_submit

        health_response_submit(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            access=key_access,
            health_round=health_round,
            answers={f: (3, "") for f in HealthFactor.values},
        )
    with workspace_context(cast_a.workspace):
        assert HealthCheckResponse.objects.filter(round=health_round).count() == 1


def test_a_former_member_organization_can_no_longer_answer(cast_a):
    health_round = open_round(cast_a)
    with workspace_context(cast_a.workspace):
        health_round.partnership.members.update(left_on=today(cast_a))
    with pytest.raises(PermissionDenied):
        answer(cast_a, health_round, cast_a.partner)


@pytest.mark.parametrize("moment", ["closed", "upcoming"])
def test_only_an_open_round_takes_answers(cast_a, moment):
    health_round = open_round(cast_a)
    if moment == "closed":
        answer(cast_a, health_round, cast_a.partner, 2)
        move_round(cast_a, health_round, closed_days_ago=1)
        expected = "closed on"
    else:
        with workspace_context(cast_a.workspace):
            HealthCheckRound.objects.filter(pk=health_round.pk).update(
                opens_on=today(cast_a) + DAY, closes_on=today(cast_a) + 9 * DAY
            )
        health_round.refresh_from_db()
        expected = "opens on"
    with pytest.raises(ValidationError, match=expected):
        answer(cast_a, health_round, cast_a.partner, 5)
    with workspace_context(cast_a.workspace):
        kept = list(
            HealthCheckAnswer.objects.filter(round=health_round).values_list("score", flat=True)
        )
    assert kept == ([2] * 10 if moment == "closed" else [])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({TRUST: (0, "")}, f"score_{TRUST}"),
        ({TRUST: (6, "")}, f"score_{TRUST}"),
        ({TRUST: (None, "")}, f"score_{TRUST}"),
        ({TRUST: (3, "x" * 2001)}, f"comment_{TRUST}"),
    ],
)
def test_bad_answers_are_refused_whole(cast_a, changes, field):
    from impact.services_health import health_response_submit

    health_round = open_round(cast_a)
    answers = {f: (3, "") for f in HealthFactor.values} | changes
    with workspace_context(cast_a.workspace):
        with pytest.raises(ValidationError) as caught:
            health_response_submit(
                workspace=cast_a.workspace,
                actor=cast_a.partner,
                access=access_for(cast_a, cast_a.partner),
                health_round=health_round,
                answers=answers,
            )
        assert not HealthCheckResponse.objects.filter(round=health_round).exists()
    assert field in caught.value.message_dict


def test_the_trail_records_who_answered_never_what(cast_a):
    health_round = open_round(cast_a)
    answer(cast_a, health_round, cast_a.partner, 1, {TRUST: "Confidential remark"})
    answer(cast_a, health_round, cast_a.partner, 5, {TRUST: "Changed remark"})
    with workspace_context(cast_a.workspace):
        events = list(ActivityEvent.objects.filter(object_type="impact.healthcheckresponse"))
    assert [e.action for e in sorted(events, key=lambda e: e.pk)] == ["create", "update"]
    for event in events:
        assert event.actor_user == cast_a.partner
        assert event.partnership_id == health_round.partnership_id
        assert event.changes == {"round": health_round.pk}
        dumped = json.dumps(event.changes) + event.object_repr
        assert "remark" not in dumped and "score" not in dumped


# --- Results: suppression -----------------------------------------------------------------


def test_results_wait_for_the_round_to_close(cast_a):
    health_round = open_round(cast_a)
    respondents(cast_a, health_round, Sector.BUSINESS, [5, 4, 3], [{TRUST: "a"}] * 3)
    results = results_of(cast_a, health_round)
    assert results.suppressed_reason == SuppressedReason.NOT_CLOSED
    assert results.rate.respondents == 3  # the count is shown while open
    assert all(f.average is None and f.distribution is None for f in results.factors)
    assert results.comments == [] and not results.sectors.compared


def test_results_need_three_respondents(cast_a):
    health_round = open_round(cast_a)
    respondents(cast_a, health_round, Sector.BUSINESS, [5, 1], [{TRUST: "lone"}, {}])
    move_round(cast_a, health_round, closed_days_ago=1)
    results = results_of(cast_a, health_round)
    assert results.suppressed_reason == SuppressedReason.TOO_FEW
    assert results.rate.respondents == 2 and results.rate.organizations == 1
    assert all(f.average is None for f in results.factors)
    assert results.comments == [] and results.sectors.groups == []


def test_averages_distribution_and_comments_from_three_respondents(cast_a):
    health_round = open_round(cast_a)
    respondents(
        cast_a,
        health_round,
        Sector.BUSINESS,
        [{TRUST: 5}, {TRUST: 5}, {TRUST: 4}],
        [{TRUST: "Zebra crossing"}, {TRUST: "apples and pears"}, {}],
    )
    move_round(cast_a, health_round, closed_days_ago=1)
    results = results_of(cast_a, health_round)
    assert not results.suppressed
    trust = factor(results, TRUST)
    assert trust.average == Decimal("4.67") and trust.answered == 3
    assert [(c.score, c.count) for c in trust.distribution] == [
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 1),
        (5, 2),
    ]
    assert [c.percent for c in trust.distribution] == [0, 0, 0, 33, 67]
    assert factor(results, HealthFactor.RESOURCES).average == Decimal("4.00")
    (comments,) = results.comments
    assert comments.factor == TRUST
    # Ordered by text (case-aware collation aside, both orders put them by text, not author).
    assert sorted(comments.comments, key=str.lower) == ["apples and pears", "Zebra crossing"]


def test_comments_are_ordered_by_text_not_by_who_or_when(cast_a):
    health_round = open_round(cast_a)
    texts = ["c third", "a first", "b second"]
    respondents(cast_a, health_round, Sector.BUSINESS, [4, 4, 4], [{TRUST: t} for t in texts])
    move_round(cast_a, health_round, closed_days_ago=1)
    (comments,) = results_of(cast_a, health_round).comments
    assert comments.comments == ["a first", "b second", "c third"]


# --- Results: sectors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "groups", "mentions"),
    [
        # Every sector large enough: each stands alone, nothing merged.
        ({"business": 3, "nonprofit": 4}, [("nonprofit", 4), ("business", 3)], ""),
        # Small sectors reaching three together: merged into "other".
        (
            {"business": 4, "nonprofit": 1, "government": 1, "academic": 1},
            [("business", 4), (OTHER_SECTORS, 3)],
            "Academic, Government, Nonprofit",
        ),
        # One left over: the smallest standing sector joins it, so nobody is left out.
        (
            {"business": 3, "nonprofit": 3, "government": 1},
            [("business", 3), (OTHER_SECTORS, 4)],
            "Nonprofit is counted there too",
        ),
        # Two groups cannot be formed: nothing compared.
        ({"business": 5, "government": 1}, [], "not have enough"),
        ({"business": 2, "government": 2}, [], "not have enough"),
        ({"business": 6}, [], "one sector"),
    ],
)
def test_sector_groups(counts, groups, mentions):
    formed, note = sector_groups_for(counts)
    assert [(key, n) for key, _, n in formed] == groups
    assert mentions in note
    for key, codes, n in formed:
        assert n >= 3 and sum(counts[c] for c in codes) == n
    if formed:  # nobody is left out of a comparison that is shown
        assert sum(n for _, _, n in formed) == sum(counts.values())


def test_sector_averages_and_spread(cast_a):
    health_round = open_round(cast_a)
    respondents(cast_a, health_round, Sector.BUSINESS, [{TRUST: 5}, {TRUST: 5}, {TRUST: 4}])
    respondents(cast_a, health_round, Sector.NONPROFIT, [{TRUST: 2}, {TRUST: 3}, {TRUST: 3}])
    respondents(cast_a, health_round, Sector.GOVERNMENT, [{TRUST: 4}, {TRUST: 4}, {TRUST: 4}])
    move_round(cast_a, health_round, closed_days_ago=1)
    sectors = results_of(cast_a, health_round).sectors
    assert sectors.compared
    assert {g.key: g.average_of(TRUST) for g in sectors.groups} == {
        "business": Decimal("4.67"),
        "nonprofit": Decimal("2.67"),
        "government": Decimal("4.00"),
    }
    spreads = {s.factor: s for s in sectors.spreads}
    trust = spreads[TRUST]
    assert trust.spread == Decimal("2.00") and trust.notable
    assert (trust.highest.key, trust.lowest.key) == ("business", "nonprofit")
    assert spreads[HealthFactor.RESOURCES].spread == Decimal("0.00")
    assert not spreads[HealthFactor.RESOURCES].notable
    assert [s.factor for s in sectors.notable] == [TRUST]


def test_small_sectors_are_merged_and_averaged_together(cast_a):
    health_round = open_round(cast_a)
    respondents(cast_a, health_round, Sector.BUSINESS, [{TRUST: 5}] * 3)
    respondents(cast_a, health_round, Sector.NONPROFIT, [{TRUST: 2}, {TRUST: 3}, {TRUST: 3}])
    respondents(cast_a, health_round, Sector.GOVERNMENT, [{TRUST: 1}])
    move_round(cast_a, health_round, closed_days_ago=1)
    results = results_of(cast_a, health_round)
    business, other = results.sectors.groups
    assert (business.key, business.respondents) == ("business", 3)
    assert (other.key, other.respondents, other.sectors) == (
        OTHER_SECTORS,
        4,
        ["government", "nonprofit"],
    )
    # (2 + 3 + 3 + 1) / 4, computed over the merged people, not from sector averages.
    assert other.average_of(TRUST) == Decimal("2.25")
    assert factor(results, TRUST).average == Decimal("3.43")  # (15 + 9) / 7
    assert {s.factor: s.spread for s in results.sectors.spreads}[TRUST] == Decimal("2.75")


# --- Results: trend -------------------------------------------------------------------------


def test_trend_across_rounds_with_enough_respondents(cast_a):
    first = open_round(cast_a)
    people = respondents(cast_a, first, Sector.BUSINESS, [{TRUST: 2}, {TRUST: 3}, {TRUST: 3}])
    move_round(cast_a, first, closed_days_ago=60)
    thin = open_round(cast_a, partnership=first.partnership)
    answer(cast_a, thin, people[0], 5)
    move_round(cast_a, thin, closed_days_ago=30)  # closed with one respondent: left out
    second = open_round(cast_a, partnership=first.partnership)
    for user, score in zip(people, (4, 5, 5), strict=True):
        answer(cast_a, second, user, {TRUST: score})
    move_round(cast_a, second, closed_days_ago=1)
    trend = results_of(cast_a, second).trend
    assert [r.round_id for r in trend.rounds] == [first.pk, second.pk]
    assert [r.respondents for r in trend.rounds] == [3, 3]
    trust = next(row for row in trend.rows if row.factor == TRUST)
    assert trust.averages == [Decimal("2.67"), Decimal("4.67")]
    assert trust.change == Decimal("2.00")
    # The thin round shows the same trend, and its own results stay withheld.
    thin_results = results_of(cast_a, thin)
    assert thin_results.suppressed and len(thin_results.trend.rounds) == 2


def test_an_open_round_is_not_in_the_trend(cast_a):
    health_round = open_round(cast_a)
    respondents(cast_a, health_round, Sector.BUSINESS, [3, 3, 3])
    assert results_of(cast_a, health_round).trend.rounds == []


def test_response_rate_counts_people_and_organizations(cast_a):
    health_round = open_round(cast_a)
    business = respondents(cast_a, health_round, Sector.BUSINESS, [3, 3])
    person(cast_a, organization(cast_a, Sector.BUSINESS))  # not a member: not counted
    rate = results_of(cast_a, health_round).rate
    # Members: cast_a.organization (partner) + the business; people who may answer: the
    # cast's partner and the two business people (admins and coordinators have no org).
    assert (rate.respondents, rate.organizations) == (len(business), 1)
    assert (rate.member_organizations, rate.eligible_people) == (2, 3)
    assert rate.organization_percent == 50
