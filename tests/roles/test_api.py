"""Role assignment endpoints: reads, writes through the services, scope and workspace
checks, filters, pagination, ETags and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.models import ActivityEvent, ApiKeyScope
from partnerhub.tenancy import workspace_context
from roles.models import RoleAssignment
from roles.services import role_assign
from tests.partners.partnership_helpers import api_key
from tests.roles.helpers import add_member, make_milestone, setup_matrix

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def list_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("api_role_assignment-list", kwargs={"workspace_slug": cast.workspace.slug})


def detail_url(cast, pk: int) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "api_role_assignment-detail", kwargs={"workspace_slug": cast.workspace.slug, "pk": pk}
    )


def key_client(cast, scope: str = ApiKeyScope.READ) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(cast, scope)}")


def assign(cast, **kwargs):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return role_assign(workspace=cast.workspace, actor=cast.coordinator, **kwargs)


def test_a_write_key_creates_changes_and_deletes_roles(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    client = key_client(cast_a, ApiKeyScope.WRITE)
    response = client.post(
        list_url(cast_a),
        {"milestone": milestone.pk, "organization": cast_a.organization.pk, "raci": "R"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["raci"] == "R" and body["partnership"] == partnership.pk
    assert body["organization_name"] == cast_a.organization.name
    assert response["Location"] == detail_url(cast_a, body["id"])

    response = client.patch(
        detail_url(cast_a, body["id"]), {"raci": "A"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["raci"] == "A"
    assert response["ETag"]

    assert client.delete(detail_url(cast_a, body["id"])).status_code == 204
    with workspace_context(cast_a.workspace):
        assert not RoleAssignment.objects.for_workspace(cast_a.workspace).exists()
        events = ActivityEvent.objects.for_workspace(cast_a.workspace).filter(
            object_type="roles.roleassignment"
        )
        assert sorted(events.values_list("action", flat=True)) == ["create", "delete", "update"]
        assert all(e.actor_key_id is not None for e in events)


def test_the_one_accountable_rule_is_a_400_problem(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    assign(cast_a, goal=goal, organization=cast_a.organization, raci="A")
    client = cast_a.client("coordinator")
    payload = {"goal": goal.pk, "organization": cast_a.other_organization.pk, "raci": "A"}
    response = client.post(list_url(cast_a), payload, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "is already Accountable" in response.json()["errors"]["raci"][0]
    response = client.post(
        list_url(cast_a), {**payload, "replace_accountable": True}, content_type="application/json"
    )
    assert response.status_code == 201
    with workspace_context(cast_a.workspace):
        letters = dict(
            RoleAssignment.objects.for_workspace(cast_a.workspace).values_list(
                "organization_id", "raci"
            )
        )
    assert letters == {cast_a.organization.pk: "R", cast_a.other_organization.pk: "A"}


def test_invalid_bodies_are_400_not_404_or_500(cast_a, cast_b):
    _, goal, milestone = setup_matrix(cast_a)
    client = cast_a.client("admin")
    bad = [
        {"organization": cast_a.organization.pk, "raci": "R"},  # no item
        {"goal": goal.pk, "milestone": milestone.pk, "organization": 1, "raci": "R"},
        {"goal": goal.pk, "organization": cast_b.organization.pk, "raci": "R"},
        {"goal": 999999, "organization": cast_a.organization.pk, "raci": "R"},
        {"goal": goal.pk, "organization": cast_a.organization.pk, "raci": "Q"},
        {"goal": goal.pk, "organization": cast_a.organization.pk, "raci": "R", "person": 99999},
    ]
    for payload in bad:
        response = client.post(list_url(cast_a), payload, content_type="application/json")
        assert response.status_code == 400, payload
        assert response["Content-Type"] == PROBLEM


def test_a_read_key_may_not_write(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    assignment = assign(cast_a, goal=goal, organization=cast_a.organization, raci="R")
    client = key_client(cast_a, ApiKeyScope.READ)
    assert client.get(list_url(cast_a)).status_code == 200
    payload = {"goal": goal.pk, "organization": cast_a.other_organization.pk, "raci": "C"}
    assert (
        client.post(list_url(cast_a), payload, content_type="application/json").status_code == 403
    )
    assert client.delete(detail_url(cast_a, assignment.pk)).status_code == 403


def test_partners_read_only_their_partnerships_and_cannot_write(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    mine = assign(cast_a, goal=goal, organization=cast_a.organization, raci="R")
    other, other_goal, _ = setup_matrix(cast_a, name="Not theirs")
    with workspace_context(cast_a.workspace):
        other.members.filter(organization=cast_a.organization).delete()
    hidden = assign(cast_a, goal=other_goal, organization=cast_a.other_organization, raci="A")
    client = cast_a.client("partner")
    ids = [row["id"] for row in client.get(list_url(cast_a)).json()["results"]]
    assert ids == [mine.pk]
    assert client.get(detail_url(cast_a, hidden.pk)).status_code == 404
    assert client.delete(detail_url(cast_a, mine.pk)).status_code == 403


def test_workspace_b_gets_404(cast_a, cast_b):
    _, goal, _ = setup_matrix(cast_a)
    assignment = assign(cast_a, goal=goal, organization=cast_a.organization, raci="R")
    b_key = key_client(cast_b, ApiKeyScope.WRITE)
    assert b_key.get(detail_url(cast_a, assignment.pk)).status_code == 404
    assert b_key.get(detail_url(cast_b, assignment.pk)).status_code == 404
    assert b_key.delete(detail_url(cast_b, assignment.pk)).status_code == 404
    assert b_key.get(list_url(cast_a)).status_code == 404
    assert b_key.get(list_url(cast_b)).json()["results"] == []
    payload = {"goal": goal.pk, "organization": cast_a.organization.pk, "raci": "A"}
    response = b_key.post(list_url(cast_b), payload, content_type="application/json")
    assert response.status_code == 400  # A's goal is no goal of B's
    with workspace_context(cast_a.workspace):
        assert RoleAssignment.objects.for_workspace(cast_a.workspace).count() == 1


def test_filters_ordering_and_updated_since(cast_a):
    partnership, goal, milestone = setup_matrix(cast_a)
    on_goal = assign(cast_a, goal=goal, organization=cast_a.organization, raci="A")
    on_milestone = assign(
        cast_a, milestone=milestone, organization=cast_a.other_organization, raci="R"
    )
    client = cast_a.client("viewer")

    def ids(**params: object) -> list[int]:
        response = client.get(list_url(cast_a), params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [on_goal.pk, on_milestone.pk]
    assert ids(goal=goal.pk) == [on_goal.pk]
    assert ids(milestone=milestone.pk) == [on_milestone.pk]
    assert ids(organization=cast_a.other_organization.pk) == [on_milestone.pk]
    assert ids(raci="A") == [on_goal.pk]
    assert ids(partnership=partnership.pk) == [on_goal.pk, on_milestone.pk]
    assert ids(partnership=partnership.pk + 1000) == []
    assert ids(ordering="-id") == [on_milestone.pk, on_goal.pk]
    assert ids(updated_since="2999-01-01T00:00:00Z") == []
    assert client.get(list_url(cast_a), {"updated_since": "nope"}).status_code == 400


def test_cursor_pagination(cast_a):
    partnership, goal, _ = setup_matrix(cast_a)
    for i in range(3):
        milestone = make_milestone(cast_a, goal, title=f"Step {i}")
        assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="R")
    client = cast_a.client("coordinator")
    first = client.get(list_url(cast_a), {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert partnership.pk == second["results"][0]["partnership"]


def test_detail_has_an_etag_and_answers_304(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    assignment = assign(cast_a, goal=goal, organization=cast_a.organization, raci="R")
    client = cast_a.client("viewer")
    response = client.get(detail_url(cast_a, assignment.pk))
    assert response.status_code == 200 and response.json()["id"] == assignment.pk
    again = client.get(detail_url(cast_a, assignment.pk), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_list_query_count_does_not_grow(cast_a, cast_b):
    def fill(cast, count: int) -> None:  # type: ignore[no-untyped-def]
        partnership, goal, _ = setup_matrix(cast)
        for _ in range(count):
            organization = add_member(cast, partnership)
            milestone = make_milestone(cast, goal)
            assign(cast, milestone=milestone, organization=organization, raci="R")

    fill(cast_a, 2)
    fill(cast_b, 20)

    def count(cast) -> int:  # type: ignore[no-untyped-def]
        client = cast.client("partner")
        client.get(list_url(cast))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(list_url(cast)).status_code == 200
        return len(captured.captured_queries)

    assert count(cast_a) == count(cast_b)
