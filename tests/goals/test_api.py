"""Goal endpoints: CRUD, filters, milestone preconditions (If-Match: 428, 412, 200),
progress updates with version conflicts (409), comments, scopes and query counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Milestone, ProgressUpdate, SharedGoal
from partnerhub.models import ActivityEvent, ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from tests.goals.helpers import make_goal, make_milestone, make_partnership

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def api(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def key_client(cast, scope: str = ApiKeyScope.WRITE) -> tuple[Client, object]:  # type: ignore[no-untyped-def]
    api_key, raw = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name=f"{scope} key", scope=scope
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), api_key


def send(client: Client, method: str, url: str, data=None, **headers):  # type: ignore[no-untyped-def]
    return getattr(client, method)(
        url, json.dumps(data or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def milestone(cast_a, tenant) -> Milestone:  # type: ignore[no-untyped-def]
    with tenant(cast_a.workspace):
        return make_milestone(cast_a, make_goal(cast_a), title="Survey done")


# --- Goals --------------------------------------------------------------------------------


def test_goal_crud_with_a_write_key(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
    client, api_key = key_client(cast_a)
    created = send(
        client,
        "post",
        api("api_goal-list", cast_a),
        {"partnership": partnership.pk, "title": "Literacy", "sdgs": [4]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["milestone_count"], body["sdgs"]) == ("not_started", 0, [4])
    detail = api("api_goal-detail", cast_a, pk=body["id"])
    assert created["Location"] == detail
    fetched = client.get(detail)
    assert fetched.status_code == 200 and fetched["ETag"]
    assert client.get(detail, headers={"If-None-Match": fetched["ETag"]}).status_code == 304
    patched = send(client, "patch", detail, {"title": "Literacy for all"})
    assert patched.json()["title"] == "Literacy for all"
    assert client.delete(detail).status_code == 204
    with tenant(cast_a.workspace):
        assert not SharedGoal.objects.filter(pk=body["id"]).exists()
        events = list(
            ActivityEvent.objects.filter(object_type="goals.sharedgoal")
            .order_by("id")
            .values_list("action", "actor_key")
        )
    assert events == [("create", api_key.pk), ("update", api_key.pk), ("delete", api_key.pk)]


def test_read_key_reads_but_does_not_write(cast_a, milestone):
    client, _ = key_client(cast_a, ApiKeyScope.READ)
    assert client.get(api("api_goal-list", cast_a)).status_code == 200
    response = send(
        client,
        "post",
        api("api_milestone-progress-updates", cast_a, milestone_pk=milestone.pk),
        {"expected_version": 1, "status": "in_progress", "percent_complete": 5, "narrative": "x"},
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_goal_in_invisible_partnership_is_a_400(cast_a, cast_b, tenant):
    with tenant(cast_b.workspace):
        other = make_partnership(cast_b, members=[])
    client, _ = key_client(cast_a)
    response = send(
        client, "post", api("api_goal-list", cast_a), {"partnership": other.pk, "title": "X"}
    )
    assert response.status_code == 400
    assert "partnership" in response.json()["errors"]


# --- Milestones: filters and preconditions ----------------------------------------------------


def test_milestone_filters(cast_a, tenant, responsible):
    today = timezone.localdate()
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a)
        late = make_milestone(cast_a, goal, due_date=today - timedelta(days=3))
        soon = make_milestone(cast_a, goal, due_date=today + timedelta(days=3))
        later = make_milestone(cast_a, goal, due_date=today + timedelta(days=30))
        other_goal = make_goal(cast_a)
        elsewhere = make_milestone(cast_a, other_goal, due_date=today + timedelta(days=1))
    responsible({soon.pk: {cast_a.organization.pk}, later.pk: {cast_a.other_organization.pk}})
    client = cast_a.client("viewer")

    def ids(**params):  # type: ignore[no-untyped-def]
        response = client.get(api("api_milestone-list", cast_a), params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, soon.pk, later.pk, elsewhere.pk]
    assert ids(goal=goal.pk) == [late.pk, soon.pk, later.pk]
    assert ids(partnership=other_goal.partnership_id) == [elsewhere.pk]
    assert ids(overdue="true") == [late.pk]
    assert ids(overdue="false", goal=goal.pk) == [soon.pk, later.pk]
    assert ids(due_before=(today + timedelta(days=3)).isoformat()) == [
        late.pk,
        soon.pk,
        elsewhere.pk,
    ]
    assert ids(due_after=today.isoformat(), ordering="due_date") == [
        elsewhere.pk,
        soon.pk,
        later.pk,
    ]
    assert ids(responsible_organization=cast_a.organization.pk) == [soon.pk]
    assert ids(status="done") == []
    assert client.get(api("api_milestone-list", cast_a), {"status": "bogus"}).status_code == 400


def test_milestone_etag_is_derived_from_the_version(cast_a, milestone):
    client = cast_a.client("viewer")
    response = client.get(api("api_milestone-detail", cast_a, pk=milestone.pk))
    assert response["ETag"] == f'"milestone-{milestone.pk}-v1"'
    again = client.get(api("api_milestone-detail", cast_a, pk=milestone.pk))
    assert again["ETag"] == response["ETag"]
    not_modified = client.get(
        api("api_milestone-detail", cast_a, pk=milestone.pk),
        headers={"If-None-Match": response["ETag"]},
    )
    assert not_modified.status_code == 304


def test_milestone_writes_require_if_match(cast_a, milestone, tenant):
    client, _ = key_client(cast_a)
    detail = api("api_milestone-detail", cast_a, pk=milestone.pk)
    etag = client.get(detail)["ETag"]

    missing = send(client, "patch", detail, {"title": "Renamed"})
    assert missing.status_code == 428
    assert missing["Content-Type"] == PROBLEM
    stale = send(client, "patch", detail, {"title": "Renamed"}, **{"If-Match": '"milestone-x-v0"'})
    assert stale.status_code == 412
    assert stale["Content-Type"] == PROBLEM

    ok = send(client, "patch", detail, {"title": "Renamed"}, **{"If-Match": etag})
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2
    assert ok["ETag"] == f'"milestone-{milestone.pk}-v2"'

    # The old ETag is stale now: PUT and DELETE are refused, nothing changes.
    replaced = send(
        client,
        "put",
        detail,
        {"title": "Again", "due_date": milestone.due_date.isoformat()},
        **{"If-Match": etag},
    )
    assert replaced.status_code == 412
    assert client.delete(detail).status_code == 428
    assert client.delete(detail, headers={"If-Match": etag}).status_code == 412
    assert client.delete(detail, headers={"If-Match": ok["ETag"]}).status_code == 204
    with tenant(cast_a.workspace):
        assert not Milestone.objects.filter(pk=milestone.pk).exists()


@pytest.mark.parametrize(
    "header",
    [
        '"stale", *',
        "*, {etag}",
        "W/{etag}",
        '"other", W/{etag}',
    ],
)
def test_if_match_refuses_star_in_a_list_and_weak_tags(cast_a, milestone, tenant, header):
    """If-Match on a milestone write compares strongly and never accepts ``*``: the writer
    must name the version it read."""
    client, _ = key_client(cast_a)
    detail = api("api_milestone-detail", cast_a, pk=milestone.pk)
    etag = client.get(detail)["ETag"]
    sent = header.format(etag=etag)
    patched = send(client, "patch", detail, {"title": "Renamed"}, **{"If-Match": sent})
    assert patched.status_code == 412, sent
    assert patched["Content-Type"] == PROBLEM
    assert client.delete(detail, headers={"If-Match": sent}).status_code == 412
    with tenant(cast_a.workspace):
        stored = Milestone.objects.get(pk=milestone.pk)
    assert (stored.title, stored.version) == ("Survey done", 1)
    # A list naming the current (strong) ETag among others is fine.
    ok = send(client, "patch", detail, {"title": "Renamed"}, **{"If-Match": f'"x", {etag}'})
    assert ok.status_code == 200, ok.content


def test_put_without_if_match_is_a_428(cast_a, milestone):
    client, _ = key_client(cast_a)
    detail = api("api_milestone-detail", cast_a, pk=milestone.pk)
    data = {"title": "Again", "due_date": milestone.due_date.isoformat()}
    response = send(client, "put", detail, data)
    assert response.status_code == 428
    assert response["Content-Type"] == PROBLEM


def test_if_none_match_on_get_stays_weak(cast_a, milestone):
    client, _ = key_client(cast_a)
    detail = api("api_milestone-detail", cast_a, pk=milestone.pk)
    etag = client.get(detail)["ETag"]
    assert client.get(detail, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(detail, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "partnership=99999999999999999999",
        "goal=1e30",
        "goal=1.5",
        "partnership=0",
        "partnership=-3",
        "responsible_organization=abc",
        "goal=9223372036854775808",
    ],
)
def test_bad_id_filters_are_a_400_problem(cast_a, milestone, query):
    client, _ = key_client(cast_a, ApiKeyScope.READ)
    response = client.get(api("api_milestone-list", cast_a) + "?" + query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert query.split("=", 1)[0] in response.json()["errors"]


@pytest.mark.parametrize(
    ("name", "filters"),
    [
        ("api_goal-list", ["partnership"]),
        ("api_progress_update-list", ["milestone", "goal", "partnership"]),
        ("api_comment-list", ["milestone", "goal"]),
    ],
)
def test_bad_id_filters_on_the_other_goal_lists(cast_a, milestone, name, filters):
    client, _ = key_client(cast_a, ApiKeyScope.READ)
    for field in filters:
        for value in ("1e30", "99999999999999999999", "2.5", "0"):
            response = client.get(api(name, cast_a) + f"?{field}={value}")
            assert response.status_code == 400, (name, field, value)
            assert field in response.json()["errors"]
        largest = client.get(api(name, cast_a) + f"?{field}=9223372036854775807")
        assert largest.status_code == 200
        assert largest.json()["results"] == []


def test_milestone_deleted_mid_request_is_a_404(cast_a, milestone, monkeypatch, tenant):
    """The milestone disappears between the access check and the write: 404, not 500."""
    from goals import api as goals_api

    client, _ = key_client(cast_a)
    detail = api("api_milestone-detail", cast_a, pk=milestone.pk)
    etag = client.get(detail)["ETag"]
    original = goals_api.milestone_get

    def get_then_vanish(**kwargs):  # type: ignore[no-untyped-def]
        found = original(**kwargs)
        Milestone.objects.filter(pk=found.pk).delete()
        return found

    monkeypatch.setattr(goals_api, "milestone_get", get_then_vanish)
    patched = send(client, "patch", detail, {"title": "Renamed"}, **{"If-Match": etag})
    assert patched.status_code == 404
    assert patched["Content-Type"] == PROBLEM
    posted = send(
        client,
        "post",
        api("api_progress_update-list", cast_a),
        {
            "milestone": milestone.pk,
            "expected_version": 1,
            "status": "in_progress",
            "percent_complete": 10,
            "narrative": "Step",
        },
    )
    assert posted.status_code == 404


def test_another_workspace_gets_404_before_any_precondition(cast_a, cast_b, milestone):
    client, _ = key_client(cast_b)
    for slug_cast in (cast_a, cast_b):
        detail = api("api_milestone-detail", slug_cast, pk=milestone.pk)
        assert send(client, "patch", detail, {"title": "x"}).status_code == 404
        assert client.get(detail).status_code == 404


def test_partner_reads_only_its_partnerships(cast_a, milestone, tenant):
    with tenant(cast_a.workspace):
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
        hidden = make_milestone(cast_a, make_goal(cast_a, partnership=elsewhere))
    client = cast_a.client("partner")
    listed = [r["id"] for r in client.get(api("api_milestone-list", cast_a)).json()["results"]]
    assert listed == [milestone.pk]
    assert client.get(api("api_milestone-detail", cast_a, pk=milestone.pk)).status_code == 200
    assert client.get(api("api_milestone-detail", cast_a, pk=hidden.pk)).status_code == 404
    nested = api("api_milestone-progress-updates", cast_a, milestone_pk=hidden.pk)
    assert client.get(nested).status_code == 404


# --- Progress updates -----------------------------------------------------------------------


def _update(version: int, **values):  # type: ignore[no-untyped-def]
    return {
        "expected_version": version,
        "status": "in_progress",
        "percent_complete": 20,
        "narrative": "Half the forms are back.",
        **values,
    }


def test_write_key_posts_update_recorded_as_author_key(cast_a, milestone, tenant):
    client, api_key = key_client(cast_a)
    response = send(
        client,
        "post",
        api("api_milestone-progress-updates", cast_a, milestone_pk=milestone.pk),
        _update(1, blockers="Rain."),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["author"] is None and body["author_key"]["id"] == api_key.pk
    assert (body["status_before"], body["status_after"], body["version_after"]) == (
        "not_started",
        "in_progress",
        2,
    )
    listed = client.get(api("api_progress_update-list", cast_a), {"milestone": milestone.pk})
    assert [r["id"] for r in listed.json()["results"]] == [body["id"]]
    detail = client.get(api("api_progress_update-detail", cast_a, pk=body["id"]))
    assert detail.status_code == 200


def test_stale_update_is_a_409_problem_with_what_changed(cast_a, milestone, tenant):
    client, _ = key_client(cast_a)
    flat = api("api_progress_update-list", cast_a)
    first = send(client, "post", flat, _update(1, milestone=milestone.pk))
    assert first.status_code == 201, first.content
    conflict = send(client, "post", flat, _update(1, milestone=milestone.pk, percent_complete=70))
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == PROBLEM
    body = conflict.json()
    assert body["status"] == 409 and body["type"].endswith("/conflict")
    assert body["current"]["version"] == 2
    assert [u["id"] for u in body["updates_since"]] == [first.json()["id"]]
    with tenant(cast_a.workspace):
        assert ProgressUpdate.objects.filter(milestone=milestone).count() == 1


def test_partner_posts_only_where_responsible(cast_a, milestone, responsible):
    client = cast_a.client("partner")
    nested = api("api_milestone-progress-updates", cast_a, milestone_pk=milestone.pk)
    assert send(client, "post", nested, _update(1)).status_code == 403
    responsible({milestone.pk: {cast_a.organization.pk}})
    response = send(client, "post", nested, _update(1))
    assert response.status_code == 201
    assert response.json()["organization"]["id"] == cast_a.organization.pk


def test_done_and_hundred_percent_go_together(cast_a, milestone):
    client, _ = key_client(cast_a)
    nested = api("api_milestone-progress-updates", cast_a, milestone_pk=milestone.pk)
    refused = send(client, "post", nested, _update(1, percent_complete=100))
    assert refused.status_code == 400
    assert "percent_complete" in refused.json()["errors"]
    done = send(client, "post", nested, _update(1, status="done", percent_complete=60))
    assert done.json()["percent_after"] == 100


# --- Comments -----------------------------------------------------------------------------


def test_comments_list_and_create(cast_a, milestone):
    partner = cast_a.client("partner")
    nested = api("api_milestone-comments", cast_a, milestone_pk=milestone.pk)
    created = send(partner, "post", nested, {"body": "We will join."})
    assert created.status_code == 201, created.content
    assert created.json()["author"]["id"] == cast_a.partner.pk
    flat = send(
        cast_a.client("coordinator"),
        "post",
        api("api_comment-list", cast_a),
        {"milestone": milestone.pk, "body": "Thanks."},
    )
    assert flat.status_code == 201
    listed = cast_a.client("viewer").get(nested).json()["results"]
    assert [c["body"] for c in listed] == ["We will join.", "Thanks."]
    assert send(cast_a.client("viewer"), "post", nested, {"body": "x"}).status_code == 403


# --- Query counts -------------------------------------------------------------------------


def _list_queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_counts_do_not_grow(cast_a, tenant):
    client, _ = key_client(cast_a)
    urls = [
        api("api_milestone-list", cast_a),
        api("api_goal-list", cast_a),
        api("api_progress_update-list", cast_a),
        api("api_comment-list", cast_a),
    ]
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a)
        make_milestone(cast_a, goal)
    few = [_list_queries(client, u) for u in urls]
    with tenant(cast_a.workspace):
        created = []
        for _ in range(3):
            goal = make_goal(cast_a)
            for days in range(4):
                created.append(make_milestone(cast_a, goal, days=days))
    for milestone in created[:3]:
        pk = milestone.pk
        posted = send(
            client,
            "post",
            api("api_milestone-progress-updates", cast_a, milestone_pk=pk),
            _update(1),
        )
        assert posted.status_code == 201
        send(client, "post", api("api_milestone-comments", cast_a, milestone_pk=pk), {"body": "x"})
    many = [_list_queries(client, u) for u in urls]
    assert few == many
