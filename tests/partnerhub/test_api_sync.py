"""Incremental sync: keyset pages for ``updated_since``, ETags on lists, and the
deletions endpoint (tombstones read from the activity trail)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from goals.models import SharedGoal
from goals.services import goal_delete, goal_update, milestone_delete
from partnerhub.models import ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from tests.conftest import Cast
from tests.goals.helpers import make_goal, make_milestone, make_partnership

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def key_client(cast: Cast, scope: str = ApiKeyScope.READ) -> Client:
    _, raw = api_key_create(workspace=cast.workspace, actor=cast.admin, name="sync", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def goals_url(cast: Cast) -> str:
    return f"/api/v1/w/{cast.workspace.slug}/goals/"


def deletions_url(cast: Cast) -> str:
    return f"/api/v1/w/{cast.workspace.slug}/deletions/"


def tied_goals(cast: Cast, count: int) -> list[int]:
    """``count`` goals all updated at exactly T0: ties the cursor must break by id."""
    with workspace_context(cast.workspace):
        partnership = make_partnership(cast)
        ids = [make_goal(cast, partnership).pk for _ in range(count)]
        SharedGoal.objects.for_workspace(cast.workspace).filter(pk__in=ids).update(updated_at=T0)
    return ids


def touch(cast: Cast, pk: int) -> None:
    """Another writer: the row moves to now (committed before the next page is read)."""
    with workspace_context(cast.workspace):
        SharedGoal.objects.for_workspace(cast.workspace).filter(pk=pk).update(
            updated_at=timezone.now()
        )


def test_updated_since_pages_are_keyset_on_updated_at_and_id(cast_a: Cast):
    ids = tied_goals(cast_a, 6)
    client = key_client(cast_a)
    # A client-chosen ordering is overridden: a sync pass needs (updated_at, id).
    url = f"{goals_url(cast_a)}?updated_since=2025-12-31T00:00:00Z&page_size=2&ordering=-id"
    seen: list[int] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["previous"] is None
        page = [item["id"] for item in body["results"]]
        seen += page
        pages += 1
        if pages == 1:
            # A row already served and tied with unseen ones is updated meanwhile: an
            # offset cursor would now jump over one unseen row; a keyset cannot.
            touch(cast_a, page[0])
        if pages == 2:
            touch(cast_a, ids[-1])  # a row not yet served moves to the end: served once
        url = body["next"]
    assert set(seen) == set(ids)
    assert seen[:5] == ids[:5]
    assert seen.count(ids[0]) == 2  # updated after it was served: served again
    assert seen.count(ids[-1]) == 1


def test_every_row_updated_during_a_pass_is_seen(cast_a: Cast):
    """Writes interleaved with the pages (each committed before the next read): every
    row updated after the pass began appears at least once."""
    ids = tied_goals(cast_a, 12)
    start = timezone.now()
    client = key_client(cast_a)
    url = f"{goals_url(cast_a)}?updated_since={start.isoformat()}&page_size=3"
    updated: set[int] = set()
    seen: set[int] = set()
    order = [ids[3], ids[0], ids[7], ids[11], ids[5], ids[9], ids[1]]
    while url:
        if order:
            pk = order.pop(0)
            touch(cast_a, pk)
            updated.add(pk)
        body = client.get(url.replace("+", "%2B")).json()
        seen |= {item["id"] for item in body["results"]}
        url = body["next"]
    assert updated
    assert updated <= seen


def test_a_broken_cursor_is_404(cast_a: Cast):
    tied_goals(cast_a, 1)
    response = key_client(cast_a).get(f"{goals_url(cast_a)}?updated_since=2025-01-01&cursor=!!")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "raw",
    [
        "2026-01-01T00:00:00-23:59|1",  # an offset PostgreSQL refuses: read as UTC
        "9999-12-31T23:59:00-23:59|1",  # past the last representable instant in UTC
        "2026-01-01T00:00:00+00:00|99999999999999999999",  # beyond a bigint
    ],
)
def test_a_tampered_cursor_is_a_clean_answer_never_a_server_error(cast_a: Cast, raw: str):
    tied_goals(cast_a, 1)
    token = base64.urlsafe_b64encode(raw.encode()).decode()
    response = key_client(cast_a).get(
        f"{goals_url(cast_a)}?updated_since=2025-01-01&cursor={token}"
    )
    assert response.status_code in (200, 404)
    if raw.endswith("|1") and raw.startswith("2026"):
        assert response.status_code == 200  # a valid instant, merely written oddly


def test_updated_since_lists_do_not_grow_in_queries(cast_a: Cast):
    client = key_client(cast_a)
    url = f"{goals_url(cast_a)}?updated_since=2025-01-01"
    tied_goals(cast_a, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    tied_goals(cast_a, 10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_lists_answer_if_none_match_with_304(cast_a: Cast):
    ids = tied_goals(cast_a, 3)
    client = key_client(cast_a)
    first = client.get(goals_url(cast_a))
    etag = first.headers["ETag"]
    again = client.get(goals_url(cast_a), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.content == b""
    assert client.get(goals_url(cast_a), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    with workspace_context(cast_a.workspace):
        goal = SharedGoal.objects.for_workspace(cast_a.workspace).get(pk=ids[1])
        goal_update(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=goal, title="New")
    changed = client.get(goals_url(cast_a), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    # Another page or filter of the same list has its own tag.
    other = client.get(f"{goals_url(cast_a)}?page_size=1")
    assert other.headers["ETag"] != changed.headers["ETag"]


def test_deletions_list_tombstones_oldest_first(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal = make_goal(cast_a, partnership)
        other = make_goal(cast_a, partnership)
        milestone = make_milestone(cast_a, other)
        milestone_id, goal_id = milestone.pk, goal.pk
        milestone_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, milestone=milestone)
        goal_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=goal)
        goal_update(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=other, title="x")
    client = key_client(cast_a)
    response = client.get(deletions_url(cast_a))
    assert response.status_code == 200, response.content
    items = response.json()["results"]
    assert [(item["type"], item["id"]) for item in items] == [
        ("milestone", milestone_id),
        ("goal", goal_id),
    ]
    deleted_at = datetime.fromisoformat(items[1]["deleted_at"].replace("Z", "+00:00"))
    assert timezone.now() - deleted_at < timedelta(minutes=1)
    later = (deleted_at + timedelta(seconds=1)).isoformat()
    assert client.get(deletions_url(cast_a), {"since": later}).json()["results"] == []
    assert client.get(deletions_url(cast_a), {"since": "nonsense"}).status_code == 400
    paged = client.get(deletions_url(cast_a), {"page_size": 1}).json()
    assert [item["id"] for item in paged["results"]] == [milestone_id]
    assert client.get(paged["next"]).json()["results"][0]["id"] == goal_id
    etag = response.headers["ETag"]
    assert client.get(deletions_url(cast_a), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_deletions_are_read_only_and_hidden_from_outsiders(cast_a: Cast, cast_b: Cast):
    url = deletions_url(cast_a)
    assert cast_b.client("admin").get(url).status_code == 404
    assert key_client(cast_b).get(url).status_code == 404
    assert Client().get(url).status_code in (401, 403)
    writer = key_client(cast_a, ApiKeyScope.WRITE)
    assert writer.post(url, {}, content_type="application/json").status_code == 405
    for role in ("admin", "coordinator", "partner", "viewer"):
        assert cast_a.client(role).get(url).status_code == 200


def test_a_partner_sees_only_deletions_in_their_partnerships(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        theirs = make_goal(cast_a, make_partnership(cast_a))
        others = make_goal(cast_a, make_partnership(cast_a, members=[]))
        theirs_id = theirs.pk
        for goal in (theirs, others):
            goal_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=goal)
    items = cast_a.client("partner").get(deletions_url(cast_a)).json()["results"]
    assert [item["id"] for item in items] == [theirs_id]
    assert len(cast_a.client("admin").get(deletions_url(cast_a)).json()["results"]) == 2


def test_deletions_query_count_does_not_grow(cast_a: Cast):
    client = key_client(cast_a)

    def delete_goals(count: int) -> None:
        with workspace_context(cast_a.workspace):
            partnership = make_partnership(cast_a)
            for _ in range(count):
                goal = make_goal(cast_a, partnership)
                goal_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=goal)

    delete_goals(1)
    client.get(deletions_url(cast_a))
    with CaptureQueriesContext(connection) as few:
        client.get(deletions_url(cast_a))
    delete_goals(8)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(deletions_url(cast_a)).json()["results"]) == 9
    # Queries: the key and its workspace, the tenant setting, the page of events.
    assert len(many) == len(few)
