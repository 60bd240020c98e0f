"""Health check endpoints: rounds (filters, cursor pagination, CSV), results in aggregate
with suppression flags, no individual answer in any payload, read-only, other workspaces,
and constant query counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from impact.models import HealthCheckRound, HealthFactor
from partnerhub.models import ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import Sector
from tests.impact.health_helpers import answer, move_round, open_round, respondents
from tests.impact.helpers import make_partnership

pytestmark = pytest.mark.django_db

TRUST = HealthFactor.TRUST
LONE = "Only I would say this"


def api(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def key_client(cast, scope: str = ApiKeyScope.READ) -> Client:  # type: ignore[no-untyped-def]
    _, raw = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name=f"{scope} key", scope=scope
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- Rounds ---------------------------------------------------------------------------------


def test_read_key_lists_rounds_with_state_and_counts(cast_a):
    current = open_round(cast_a)
    answer(cast_a, current, cast_a.partner)
    past = open_round(cast_a)
    move_round(cast_a, past, closed_days_ago=3)
    client = key_client(cast_a)
    body = client.get(api("api_health_round-list", cast_a)).json()
    rows = {row["id"]: row for row in body["results"]}
    assert rows[current.pk]["state"] == "open" and rows[past.pk]["state"] == "closed"
    assert rows[current.pk]["respondent_count"] == 1
    assert rows[current.pk]["organization_count"] == 1
    assert rows[current.pk]["partnership"] == current.partnership_id
    assert set(rows[current.pk]) == {
        "id",
        "partnership",
        "title",
        "opens_on",
        "closes_on",
        "state",
        "respondent_count",
        "organization_count",
        "created_at",
        "updated_at",
    }
    detail = client.get(api("api_health_round-detail", cast_a, pk=past.pk))
    assert detail.json()["id"] == past.pk and detail.has_header("ETag")


def test_filters_partnership_state_updated_since_and_cursor(cast_a):
    first = open_round(cast_a)
    second = open_round(cast_a)
    move_round(cast_a, second, closed_days_ago=3)
    client = key_client(cast_a)
    listed = client.get(api("api_health_round-list", cast_a), {"partnership": first.partnership_id})
    assert [r["id"] for r in listed.json()["results"]] == [first.pk]
    closed = client.get(api("api_health_round-list", cast_a), {"state": "closed"})
    assert [r["id"] for r in closed.json()["results"]] == [second.pk]
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert (
        client.get(api("api_health_round-list", cast_a), {"updated_since": later}).json()["results"]
        == []
    )
    # Answering moves the round's updated_at, so incremental readers see new counts.
    answer(cast_a, first, cast_a.partner)
    with workspace_context(cast_a.workspace):
        touched = HealthCheckRound.objects.get(pk=first.pk).updated_at
    since = client.get(
        api("api_health_round-list", cast_a), {"updated_since": touched.isoformat()}
    ).json()["results"]
    assert [r["id"] for r in since] == [first.pk]
    page = client.get(api("api_health_round-list", cast_a), {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]
    rest = client.get(page["next"]).json()
    assert [r["id"] for r in page["results"] + rest["results"]] == sorted([first.pk, second.pk])
    bad = client.get(api("api_health_round-list", cast_a), {"state": "sleeping"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_rounds_as_csv(cast_a):
    health_round = open_round(cast_a, title="Spring round")
    response = key_client(cast_a).get(api("api_health_round-list", cast_a), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.splitlines()[0].startswith("id,partnership,title")
    assert f"{health_round.pk},{health_round.partnership_id},Spring round" in text


def test_partner_sees_only_their_partnerships_rounds(cast_a):
    own = open_round(cast_a)
    with workspace_context(cast_a.workspace):
        elsewhere = open_round(
            cast_a, partnership=make_partnership(cast_a, members=[cast_a.other_organization])
        )
    client = cast_a.client("partner")
    listed = client.get(api("api_health_round-list", cast_a)).json()["results"]
    assert [r["id"] for r in listed] == [own.pk]
    for name in ("api_health_round-detail", "api_health_round-results"):
        assert client.get(api(name, cast_a, pk=elsewhere.pk)).status_code == 404
        assert client.get(api(name, cast_a, pk=own.pk)).status_code == 200


def test_the_endpoints_are_read_only(cast_a):
    health_round = open_round(cast_a)
    client = key_client(cast_a, ApiKeyScope.WRITE)
    for target in (
        api("api_health_round-list", cast_a),
        api("api_health_round-detail", cast_a, pk=health_round.pk),
        api("api_health_round-results", cast_a, pk=health_round.pk),
    ):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(target, "{}", content_type="application/json")
            assert response.status_code == 405, (method, target)
    with workspace_context(cast_a.workspace):
        assert HealthCheckRound.objects.filter(pk=health_round.pk).exists()


# --- Results --------------------------------------------------------------------------------


def test_results_are_withheld_while_open_and_below_three(cast_a):
    health_round = open_round(cast_a)
    answer(cast_a, health_round, cast_a.partner, 1, {TRUST: LONE})
    client = key_client(cast_a)
    results_url = api("api_health_round-results", cast_a, pk=health_round.pk)
    body = client.get(results_url).json()
    assert body["suppressed"] is True and body["suppressed_reason"] == "not_closed"
    assert body["respondents"] == 1 and body["min_respondents"] == 3
    move_round(cast_a, health_round, closed_days_ago=1)
    response = client.get(results_url)
    body = response.json()
    assert body["suppressed_reason"] == "too_few_respondents"
    assert all(f["average"] is None and f["distribution"] is None for f in body["factors"])
    assert body["comments"] == [] and body["sectors"]["compared"] is False
    # Nothing of the lone respondent: no comment, no score, no name.
    text = response.content.decode()
    assert LONE not in text and cast_a.partner.email not in text
    assert cast_a.organization.name not in text
    assert '"score":1' not in text.replace(" ", "")


def test_results_in_aggregate(cast_a):
    health_round = open_round(cast_a)
    people = respondents(
        cast_a,
        health_round,
        Sector.BUSINESS,
        [{TRUST: 5}, {TRUST: 5}, {TRUST: 4}],
        [{TRUST: "b remark"}, {TRUST: "a remark"}, {}],
    )
    respondents(cast_a, health_round, Sector.NONPROFIT, [{TRUST: 2}, {TRUST: 3}, {TRUST: 3}])
    move_round(cast_a, health_round, closed_days_ago=1)
    response = key_client(cast_a).get(api("api_health_round-results", cast_a, pk=health_round.pk))
    body = response.json()
    assert body["suppressed"] is False and body["suppressed_reason"] is None
    assert (body["respondents"], body["organizations_responded"]) == (6, 2)
    trust = next(f for f in body["factors"] if f["factor"] == TRUST)
    assert trust["average"] == 3.67  # 22 / 6
    assert [c["count"] for c in trust["distribution"]] == [0, 1, 2, 1, 2]
    groups = {g["key"]: g for g in body["sectors"]["groups"]}
    assert set(groups) == {"business", "nonprofit"}
    assert {a["factor"]: a["average"] for a in groups["business"]["averages"]}[TRUST] == 4.67
    spread = next(s for s in body["sectors"]["spread"] if s["factor"] == TRUST)
    assert spread == {
        "factor": TRUST,
        "spread": 2.0,
        "highest": "business",
        "lowest": "nonprofit",
        "notable": True,
    }
    assert body["comments"] == [{"factor": TRUST, "comments": ["a remark", "b remark"]}]
    assert [t["round"] for t in body["trend"]] == [health_round.pk]
    text = response.content.decode()
    for user in people:
        assert user.email not in text and '"respondent"' not in text


def test_results_etag_and_not_modified(cast_a):
    health_round = open_round(cast_a)
    client = key_client(cast_a)
    target = api("api_health_round-results", cast_a, pk=health_round.pk)
    etag = client.get(target)["ETag"]
    assert client.get(target, headers={"If-None-Match": etag}).status_code == 304


# --- Other workspaces -----------------------------------------------------------------------


def test_other_workspace_gets_404_everywhere(cast_a, cast_b):
    health_round = open_round(cast_a)
    clients = [key_client(cast_b), cast_b.client("admin")]
    for client in clients:
        for slug in (cast_a.workspace.slug, cast_b.workspace.slug):
            for name in ("api_health_round-detail", "api_health_round-results"):
                target = reverse(name, kwargs={"workspace_slug": slug, "pk": health_round.pk})
                assert client.get(target).status_code == 404, (name, slug)
        assert client.get(api("api_health_round-list", cast_a)).status_code == 404
        own = client.get(
            reverse("api_health_round-list", kwargs={"workspace_slug": cast_b.workspace.slug})
        )
        assert own.json()["results"] == []


# --- Query counts ---------------------------------------------------------------------------


def _queries(client: Client, target: str) -> int:
    client.get(target)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(cast_a):
    client = key_client(cast_a)
    target = api("api_health_round-list", cast_a)
    open_round(cast_a)
    few = _queries(client, target)
    for days in range(5):
        health_round = open_round(cast_a)
        answer(cast_a, health_round, cast_a.partner)
        move_round(cast_a, health_round, closed_days_ago=days + 1)
    # key lookup, throttle, tenant set-up, the page of rounds with their counts (one query).
    assert _queries(client, target) == few


def test_results_query_count_does_not_grow(cast_a):
    client = key_client(cast_a)
    few = open_round(cast_a)
    respondents(cast_a, few, Sector.BUSINESS, [3, 3, 3])
    respondents(cast_a, few, Sector.NONPROFIT, [4, 4, 4])
    move_round(cast_a, few, closed_days_ago=1)
    many = open_round(cast_a)
    for sector in (Sector.BUSINESS, Sector.NONPROFIT, Sector.GOVERNMENT):
        respondents(cast_a, many, sector, [1, 2, 3, 4, 5], [{TRUST: "x"}] * 5)
    move_round(cast_a, many, closed_days_ago=1)
    # key and tenant set-up; the round; response rate (3); factors, sectors (2), comments;
    # trend (2).
    assert _queries(client, api("api_health_round-results", cast_a, pk=few.pk)) == _queries(
        client, api("api_health_round-results", cast_a, pk=many.pk)
    )


def test_no_endpoint_hands_out_answers(cast_a):
    """The schema has no serializer of a response or an answer."""
    client = key_client(cast_a)
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    text = (
        json.dumps(schema.json())
        if schema["Content-Type"].endswith("json")
        else schema.content.decode()
    )
    assert "/health-rounds/{id}/results/" in text
    assert "HealthCheckAnswer" not in text and 'respondent"' not in text
