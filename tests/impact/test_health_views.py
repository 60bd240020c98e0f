"""Health check pages: who may answer (404 outside the partnership, 403 for viewers and
people without a member organization, 403 on a closed round), the survey form, rounds
for coordinators, results without any individual answer, other workspaces, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from impact.models import HealthCheckAnswer, HealthCheckResponse, HealthCheckRound, HealthFactor
from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from partners.models import Sector
from tests.impact.health_helpers import (
    answer,
    move_round,
    open_round,
    person,
    respondents,
    today,
)
from tests.impact.helpers import make_partnership

pytestmark = pytest.mark.django_db

TRUST = HealthFactor.TRUST
LONE = "A remark only one person made"


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def survey(score: int = 4, **overrides: str) -> dict[str, str]:
    data = {f"score_{f}": str(score) for f in HealthFactor.values}
    data |= {f"comment_{f}": "" for f in HealthFactor.values}
    return data | overrides


def saved_scores(cast, health_round, user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return dict(
            HealthCheckAnswer.objects.filter(
                round=health_round, response__respondent=user
            ).values_list("factor", "score")
        )


# --- Answering ------------------------------------------------------------------------------


def test_partner_of_a_member_answers_on_a_phone_friendly_form_and_changes_it(cast_a):
    health_round = open_round(cast_a)
    client = cast_a.client("partner")
    listing = client.get(url("health_round_list", cast_a, pk=health_round.partnership_id))
    answer_url = url("health_round_answer", cast_a, pk=health_round.pk)
    assert answer_url in listing.content.decode()

    page = client.get(answer_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<fieldset") == len(HealthFactor.values)
    number = '<span class="health-question__number">1.</span>'
    assert f"<legend>{number} {HealthFactor.TRUST.label}</legend>" in html
    assert "Strongly disagree" in html and "Strongly agree" in html
    assert html.count('type="radio"') == 5 * len(HealthFactor.values)
    # Every radio button and comment box has its own label.
    for f in HealthFactor.values:
        assert f'for="id_comment_{f}"' in html
        for index in range(5):
            assert f'for="id_score_{f}_{index}"' in html
    assert "style=" not in html and "<script>" not in html

    response = client.post(answer_url, survey(2, **{f"comment_{TRUST}": "Slow replies"}))
    assert response.status_code == 302
    assert set(saved_scores(cast_a, health_round, cast_a.partner).values()) == {2}

    # Back on the form, their own answers are filled in; changing them replaces them.
    again = client.get(answer_url).content.decode()
    assert re.search(rf'<input[^>]*value="2"[^>]*id="id_score_{TRUST}_1"[^>]*checked', again)
    assert "Slow replies" in again and "Save my changes" in again
    client.post(answer_url, survey(5))
    assert set(saved_scores(cast_a, health_round, cast_a.partner).values()) == {5}
    with workspace_context(cast_a.workspace):
        assert HealthCheckResponse.objects.filter(round=health_round).count() == 1


def test_a_missing_answer_is_a_form_error_and_nothing_is_saved(cast_a):
    health_round = open_round(cast_a)
    data = survey(3)
    del data[f"score_{HealthFactor.LEADERSHIP}"]
    response = cast_a.client("partner").post(
        url("health_round_answer", cast_a, pk=health_round.pk), data
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose an answer from 1 to 5." in html and "Nothing was saved" in html
    # The answers already chosen are kept on the page.
    assert html.count("checked") == len(HealthFactor.values) - 1
    assert saved_scores(cast_a, health_round, cast_a.partner) == {}


def test_partner_of_a_non_member_organization_gets_404(cast_a):
    health_round = open_round(cast_a)
    outsider = person(cast_a, cast_a.other_organization)
    from django.test import Client

    client = Client()
    client.force_login(outsider)
    for name, pk in (
        ("health_round_answer", health_round.pk),
        ("health_round_results", health_round.pk),
        ("health_round_list", health_round.partnership_id),
    ):
        assert client.get(url(name, cast_a, pk=pk)).status_code == 404
    assert (
        client.post(url("health_round_answer", cast_a, pk=health_round.pk), survey()).status_code
        == 404
    )
    assert saved_scores(cast_a, health_round, outsider) == {}


def test_viewer_cannot_answer(cast_a):
    health_round = open_round(cast_a)
    client = cast_a.client("viewer")
    answer_url = url("health_round_answer", cast_a, pk=health_round.pk)
    assert client.get(answer_url).status_code == 403
    assert client.post(answer_url, survey()).status_code == 403
    listing = client.get(url("health_round_list", cast_a, pk=health_round.partnership_id))
    assert listing.status_code == 200 and answer_url not in listing.content.decode()
    assert saved_scores(cast_a, health_round, cast_a.viewer) == {}


def test_coordinator_without_a_member_organization_is_told_why(cast_a):
    health_round = open_round(cast_a)
    response = cast_a.client("coordinator").get(
        url("health_round_answer", cast_a, pk=health_round.pk)
    )
    assert response.status_code == 403
    assert "names no such organization" in response.content.decode()


def test_coordinator_of_a_member_organization_may_answer(cast_a):
    health_round = open_round(cast_a)
    user = person(cast_a, cast_a.organization, role=Role.COORDINATOR)
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.post(url("health_round_answer", cast_a, pk=health_round.pk), survey(3))
    assert response.status_code == 302
    assert set(saved_scores(cast_a, health_round, user).values()) == {3}


def test_a_closed_round_refuses_answers(cast_a):
    health_round = open_round(cast_a)
    answer(cast_a, health_round, cast_a.partner, 2)
    move_round(cast_a, health_round, closed_days_ago=1)
    client = cast_a.client("partner")
    answer_url = url("health_round_answer", cast_a, pk=health_round.pk)
    page = client.get(answer_url)
    assert page.status_code == 403 and "answers can no longer be given" in page.content.decode()
    assert client.post(answer_url, survey(5)).status_code == 403
    assert set(saved_scores(cast_a, health_round, cast_a.partner).values()) == {2}
    listing = client.get(url("health_round_list", cast_a, pk=health_round.partnership_id))
    assert answer_url not in listing.content.decode()


# --- Rounds for coordinators ------------------------------------------------------------------


def test_coordinator_opens_a_round_with_today_as_default(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    create_url = url("health_round_create", cast_a, pk=partnership.pk)
    listing = client.get(url("health_round_list", cast_a, pk=partnership.pk)).content.decode()
    assert create_url in listing
    form = client.get(create_url).content.decode()
    assert f'value="{today(cast_a).isoformat()}"' in form
    bad = client.post(
        create_url,
        {
            "title": "Q1",
            "opens_on": today(cast_a).isoformat(),
            "closes_on": (today(cast_a) - timedelta(days=1)).isoformat(),
        },
    )
    assert (
        bad.status_code == 200 and "can&#x27;t be before the opening date" in bad.content.decode()
    )
    good = client.post(
        create_url,
        {
            "title": "Q1",
            "opens_on": today(cast_a).isoformat(),
            "closes_on": (today(cast_a) + timedelta(days=10)).isoformat(),
        },
    )
    assert good.status_code == 302
    overlapping = client.post(
        create_url,
        {
            "title": "Q1 bis",
            "opens_on": (today(cast_a) + timedelta(days=3)).isoformat(),
            "closes_on": (today(cast_a) + timedelta(days=20)).isoformat(),
        },
    )
    assert "may not overlap" in overlapping.content.decode()
    with workspace_context(cast_a.workspace):
        assert list(
            HealthCheckRound.objects.filter(partnership=partnership).values_list("title", flat=True)
        ) == ["Q1"]


def test_partners_and_viewers_cannot_open_or_edit_rounds(cast_a):
    health_round = open_round(cast_a)
    for role in ("partner", "viewer"):
        client = cast_a.client(role)
        assert (
            client.get(
                url("health_round_create", cast_a, pk=health_round.partnership_id)
            ).status_code
            == 403
        )
        assert client.get(url("health_round_edit", cast_a, pk=health_round.pk)).status_code == 403
        assert (
            client.post(
                url("health_round_edit", cast_a, pk=health_round.pk), {"action": "close"}
            ).status_code
            == 403
        )
    health_round.refresh_from_db()
    assert health_round.closes_on > today(cast_a)


def test_coordinator_edits_the_closing_date_and_closes_early(cast_a):
    health_round = open_round(cast_a)
    client = cast_a.client("coordinator")
    edit_url = url("health_round_edit", cast_a, pk=health_round.pk)
    form = client.get(edit_url).content.decode()
    assert 'name="opens_on"' not in form  # it has opened: the opening date stays
    assert "Close now" in form
    later = (today(cast_a) + timedelta(days=20)).isoformat()
    assert client.post(edit_url, {"title": "Renamed", "closes_on": later}).status_code == 302
    health_round.refresh_from_db()
    assert (health_round.title, health_round.closes_on.isoformat()) == ("Renamed", later)
    closed = client.post(edit_url, {"action": "close"})
    assert closed.status_code == 302
    assert closed["Location"] == url("health_round_results", cast_a, pk=health_round.pk)
    health_round.refresh_from_db()
    assert health_round.closes_on == today(cast_a) - timedelta(days=1)
    form = client.get(edit_url).content.decode()
    assert 'name="closes_on"' not in form and "Close now" not in form


# --- Results --------------------------------------------------------------------------------


def test_no_individual_answer_reaches_the_results_page(cast_a):
    """One respondent: their comment appears nowhere, not even to an admin, not even after
    the round closed; two more respondents later make the comments visible, without names."""
    health_round = open_round(cast_a)
    answer(cast_a, health_round, cast_a.partner, 1, {TRUST: LONE})
    results_url = url("health_round_results", cast_a, pk=health_round.pk)
    for role in ("admin", "coordinator", "partner", "viewer"):
        html = cast_a.client(role).get(results_url).content.decode()
        assert LONE not in html
        assert "1 of" in html  # the count is shown
    move_round(cast_a, health_round, closed_days_ago=1)
    html = cast_a.client("admin").get(results_url).content.decode()
    assert LONE not in html and "Only 1 person answered" in html
    assert "<meter" not in html


def test_results_page_with_enough_respondents(cast_a):
    health_round = open_round(cast_a)
    business = respondents(
        cast_a,
        health_round,
        Sector.BUSINESS,
        [{TRUST: 5}, {TRUST: 5}, {TRUST: 4}],
        [{TRUST: "Zulu remark"}, {TRUST: "alpha remark"}, {}],
    )
    respondents(cast_a, health_round, Sector.GOVERNMENT, [{TRUST: 2}, {TRUST: 2}, {TRUST: 3}])
    move_round(cast_a, health_round, closed_days_ago=1)
    html = (
        cast_a.client("viewer")
        .get(url("health_round_results", cast_a, pk=health_round.pk))
        .content.decode()
    )
    assert "4.67" in html and "2.33" in html  # the two sectors' trust averages
    assert "Sectors differ" in html and "2.34" in html  # 4.67 - 2.33
    assert "alpha remark" in html and "Zulu remark" in html
    for user in business:  # nobody is named
        assert user.email not in html and user.full_name not in html
    assert '<caption id="factors-caption">' in html and '<caption id="sectors-caption">' in html
    assert "style=" not in html


# --- Other workspaces -----------------------------------------------------------------------


def test_every_page_is_404_to_another_workspace(cast_a, cast_b):
    health_round = open_round(cast_a)
    pages = [
        ("health_round_list", health_round.partnership_id),
        ("health_round_create", health_round.partnership_id),
        ("health_round_results", health_round.pk),
        ("health_round_edit", health_round.pk),
        ("health_round_answer", health_round.pk),
    ]
    for role in ("admin", "partner"):
        client = cast_b.client(role)
        for name, pk in pages:
            for slug in (cast_a.workspace.slug, cast_b.workspace.slug):
                # A role lacking the page's action is refused before any lookup (no oracle).
                refused_by_role = (
                    role == "partner"
                    and slug == cast_b.workspace.slug
                    and name.endswith(("create", "edit"))
                )
                expected = {403} if refused_by_role else {404}
                target = reverse(name, kwargs={"workspace_slug": slug, "pk": pk})
                assert client.get(target).status_code in expected, (role, name, slug)
                if name != "health_round_results":  # the others take forms
                    posted = client.post(target, survey() | {"action": "close"})
                    assert posted.status_code in expected, (role, name, slug)
    health_round.refresh_from_db()
    assert health_round.closes_on > today(cast_a)


# --- Query counts ---------------------------------------------------------------------------


def _queries(client, target: str) -> int:  # type: ignore[no-untyped-def]
    client.get(target)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


def test_round_list_query_count_does_not_grow(cast_a):
    few = open_round(cast_a)
    many = open_round(cast_a)
    for days in range(5):
        past = open_round(cast_a, partnership=many.partnership)
        answer(cast_a, past, cast_a.partner, 3)
        move_round(cast_a, past, closed_days_ago=20 + 10 * days)
    client = cast_a.client("partner")
    # session, user, membership, MFA check, tenant set-up; the partnership with its member
    # count; the rounds with their counts and "answered"; the partner's membership of it.
    assert _queries(client, url("health_round_list", cast_a, pk=few.partnership_id)) == _queries(
        client, url("health_round_list", cast_a, pk=many.partnership_id)
    )


def test_results_query_count_does_not_grow(cast_a):
    few = open_round(cast_a)
    respondents(cast_a, few, Sector.BUSINESS, [3, 4, 5], [{TRUST: "one"}] * 3)
    respondents(cast_a, few, Sector.NONPROFIT, [3, 3, 3])
    move_round(cast_a, few, closed_days_ago=1)
    many = open_round(cast_a)
    for sector in (Sector.BUSINESS, Sector.NONPROFIT, Sector.GOVERNMENT, Sector.ACADEMIC):
        respondents(
            cast_a, many, sector, [2, 3, 4, 5], [{f: "note" for f in HealthFactor.values}] * 4
        )
    move_round(cast_a, many, closed_days_ago=1)
    client = cast_a.client("viewer")
    # request set-up; the round; response rate (3); factors (1); sectors (2); comments (1);
    # trend (2).
    assert _queries(client, url("health_round_results", cast_a, pk=few.pk)) == _queries(
        client, url("health_round_results", cast_a, pk=many.pk)
    )
