"""The core endpoints: /api/v1/me/, the workspace, and its members."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerhub.models import Membership, Role, Workspace
from partnerhub.services.api_keys import api_key_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _key(cast, scope: str = "read") -> str:  # type: ignore[no-untyped-def]
    _, raw = api_key_create(workspace=cast.workspace, actor=cast.admin, name=scope, scope=scope)
    return raw


def _key_client(raw_key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")


def _patch(client: Client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.patch(url, json.dumps(data), content_type="application/json")


def _workspace_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("api_workspace", kwargs={"workspace_slug": cast.workspace.slug})


def _members_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("api_member-list", kwargs={"workspace_slug": cast.workspace.slug})


def _member_url(cast, membership: Membership) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "api_member-detail", kwargs={"workspace_slug": cast.workspace.slug, "pk": membership.pk}
    )


def _membership(cast, role: str) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(workspace=cast.workspace, user=cast.user(role))


def _assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


# --- /api/v1/me/ ------------------------------------------------------------------------


def test_me_for_a_person_lists_their_workspaces(cast_a):
    MembershipFactory(user=cast_a.partner, workspace=Workspace.objects.create(name="Z", slug="z"))
    response = cast_a.client("partner").get(reverse("api_me"))
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "user"
    assert (body["id"], body["email"], body["full_name"]) == (
        cast_a.partner.pk,
        cast_a.partner.email,
        cast_a.partner.full_name,
    )
    assert body["workspaces"] == [
        {
            "slug": "ws-a",
            "name": "Workspace A",
            "role": "partner",
            "organization": cast_a.organization.pk,
        },
        {"slug": "z", "name": "Z", "role": "viewer", "organization": None},
    ]


def test_me_for_an_api_key(cast_a):
    raw = _key(cast_a, "write")
    body = _key_client(raw).get(reverse("api_me")).json()
    assert body == {
        "kind": "api_key",
        "prefix": raw.split("_")[1],
        "scope": "write",
        "workspace": "ws-a",
    }


# --- /api/v1/w/<slug>/ ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator", "partner", "viewer"])
def test_every_member_reads_the_workspace(cast_a, role):
    response = cast_a.client(role).get(_workspace_url(cast_a))
    assert response.status_code == 200
    body = response.json()
    workspace = cast_a.workspace
    assert body["id"] == workspace.pk
    assert (body["name"], body["slug"], body["timezone"], body["require_mfa"]) == (
        "Workspace A",
        "ws-a",
        workspace.timezone,
        False,
    )
    assert {"created_at", "updated_at"} <= body.keys()
    assert response["ETag"]


@pytest.mark.parametrize("scope", ["read", "write"])
def test_keys_read_the_workspace(cast_a, scope):
    assert _key_client(_key(cast_a, scope)).get(_workspace_url(cast_a)).status_code == 200


def test_admin_changes_the_workspace(cast_a):
    response = _patch(
        cast_a.client("admin"),
        _workspace_url(cast_a),
        {"name": "Youth jobs", "timezone": "America/Chicago"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Youth jobs"
    assert response["ETag"]
    workspace = Workspace.objects.get(pk=cast_a.workspace.pk)
    assert (workspace.name, workspace.timezone, workspace.require_mfa, workspace.slug) == (
        "Youth jobs",
        "America/Chicago",
        False,
        "ws-a",
    )


def test_workspace_patch_validates_fields(cast_a):
    response = _patch(
        cast_a.client("admin"), _workspace_url(cast_a), {"name": "", "timezone": "Mars/Olympus"}
    )
    body = _assert_problem(response, 400)
    assert set(body["errors"]) == {"name", "timezone"}
    assert Workspace.objects.get(pk=cast_a.workspace.pk).name == "Workspace A"


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_only_admins_change_the_workspace(cast_a, role):
    response = _patch(cast_a.client(role), _workspace_url(cast_a), {"name": "Hijacked"})
    _assert_problem(response, 403)
    assert Workspace.objects.get(pk=cast_a.workspace.pk).name == "Workspace A"


@pytest.mark.parametrize("scope", ["read", "write"])
def test_keys_never_manage_the_workspace(cast_a, scope):
    response = _patch(_key_client(_key(cast_a, scope)), _workspace_url(cast_a), {"name": "Key"})
    _assert_problem(response, 403)
    assert Workspace.objects.get(pk=cast_a.workspace.pk).name == "Workspace A"


def test_workspace_b_gets_404_on_workspace_a(cast_a, cast_b):
    url = _workspace_url(cast_a)
    _assert_problem(cast_b.client("admin").get(url), 404)
    _assert_problem(_patch(cast_b.client("admin"), url, {"name": "Mine now"}), 404)
    _assert_problem(_key_client(_key(cast_b, "write")).get(url), 404)
    _assert_problem(Client().get(url), 401)
    _assert_problem(cast_a.client("admin").get("/api/v1/w/no-such-workspace/"), 404)


def test_mfa_required_workspace_refuses_people_without_mfa_but_not_keys(cast_a):
    Workspace.objects.filter(pk=cast_a.workspace.pk).update(require_mfa=True)
    _assert_problem(cast_a.client("viewer").get(_workspace_url(cast_a)), 403)
    assert _key_client(_key(cast_a)).get(_workspace_url(cast_a)).status_code == 200


# --- Members: reading -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator", "partner", "viewer"])
def test_every_member_lists_members(cast_a, cast_b, role):
    response = cast_a.client(role).get(_members_url(cast_a))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    emails = {row["user"]["email"] for row in body["results"]}
    assert emails == {cast_a.user(r).email for r in ("admin", "coordinator", "partner", "viewer")}
    partner = next(row for row in body["results"] if row["role"] == "partner")
    membership = _membership(cast_a, "partner")
    assert partner == {
        "id": membership.pk,
        "user": {
            "id": cast_a.partner.pk,
            "email": cast_a.partner.email,
            "full_name": cast_a.partner.full_name,
        },
        "role": "partner",
        "organization": cast_a.organization.pk,
        "created_at": partner["created_at"],
        "updated_at": partner["updated_at"],
    }


@pytest.mark.parametrize("scope", ["read", "write"])
def test_keys_list_and_read_members(cast_a, scope):
    client = _key_client(_key(cast_a, scope))
    assert len(client.get(_members_url(cast_a)).json()["results"]) == 4
    viewer = _membership(cast_a, "viewer")
    response = client.get(_member_url(cast_a, viewer))
    assert response.status_code == 200
    assert response.json()["user"]["email"] == cast_a.viewer.email


def test_member_detail_has_an_etag(cast_a):
    client = cast_a.client("viewer")
    url = _member_url(cast_a, _membership(cast_a, "partner"))
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_members_filter_by_role_and_organization(cast_a):
    client = cast_a.client("viewer")
    rows = client.get(_members_url(cast_a), {"role": "partner"}).json()["results"]
    assert [row["user"]["email"] for row in rows] == [cast_a.partner.email]
    rows = client.get(_members_url(cast_a), {"organization": cast_a.organization.pk}).json()[
        "results"
    ]
    assert [row["user"]["email"] for row in rows] == [cast_a.partner.email]
    rows = client.get(_members_url(cast_a), {"organization": cast_a.other_organization.pk}).json()
    assert rows["results"] == []
    body = _assert_problem(client.get(_members_url(cast_a), {"role": "owner"}), 400)
    assert "role" in body["errors"]


def test_members_ordering(cast_a):
    client = cast_a.client("viewer")
    ids = [row["id"] for row in client.get(_members_url(cast_a)).json()["results"]]
    assert ids == sorted(ids)
    ids_desc = [
        row["id"] for row in client.get(_members_url(cast_a), {"ordering": "-id"}).json()["results"]
    ]
    assert ids_desc == sorted(ids, reverse=True)


def test_members_updated_since(cast_a):
    client = cast_a.client("viewer")
    viewer = _membership(cast_a, "viewer")
    past = timezone.now() - timedelta(days=3)
    Membership.objects.filter(workspace=cast_a.workspace).update(updated_at=past)
    Membership.objects.filter(pk=viewer.pk).update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    rows = client.get(_members_url(cast_a), {"updated_since": since}).json()["results"]
    assert [row["id"] for row in rows] == [viewer.pk]
    # A date alone and a naive date-time (read as UTC) work too.
    day = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert len(client.get(_members_url(cast_a), {"updated_since": day}).json()["results"]) == 1
    naive = (timezone.now() - timedelta(days=5)).replace(tzinfo=None).isoformat()
    assert len(client.get(_members_url(cast_a), {"updated_since": naive}).json()["results"]) == 4
    body = _assert_problem(client.get(_members_url(cast_a), {"updated_since": "yesterday"}), 400)
    assert list(body["errors"]) == ["updated_since"]


def test_members_cursor_pagination(cast_a):
    client = cast_a.client("viewer")
    first = client.get(_members_url(cast_a), {"page_size": 3}).json()
    assert len(first["results"]) == 3
    assert first["previous"] is None and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(seen)) == 4
    _assert_problem(client.get(_members_url(cast_a), {"cursor": "garbage"}), 404)


def test_page_size_is_clamped_to_500(cast_a):
    users = UserFactory._meta.model.objects.bulk_create(
        [UserFactory._meta.model(email=f"bulk{n}@example.org") for n in range(505)]
    )
    Membership.objects.bulk_create(
        [Membership(user=user, workspace=cast_a.workspace, role=Role.VIEWER) for user in users]
    )
    client = cast_a.client("viewer")
    body = client.get(_members_url(cast_a), {"page_size": 1000}).json()
    assert len(body["results"]) == 500
    assert body["next"]
    assert len(client.get(body["next"]).json()["results"]) == 509 - 500
    assert len(client.get(_members_url(cast_a)).json()["results"]) == 100  # the default


def test_member_list_query_count_does_not_grow_with_members(cast_a, django_assert_num_queries):
    client = _key_client(_key(cast_a))
    url = _members_url(cast_a)
    client.get(url)  # records the key's first use (one UPDATE) outside the measurement
    # 1. SAVEPOINT (the request's transaction inside the test's)
    # 2. the API key with its workspace
    # 3. [PostgreSQL only] set_config of the workspace for Row-Level Security
    # 4. one page of memberships joined with their users and organizations
    # 5. RELEASE SAVEPOINT
    # No COUNT (cursor pagination) and nothing per row.
    expected = 5 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(expected):
        assert len(client.get(url).json()["results"]) == 4
    for _ in range(26):
        MembershipFactory(workspace=cast_a.workspace, user=UserFactory(), role=Role.VIEWER)
    with django_assert_num_queries(expected):
        assert len(client.get(url).json()["results"]) == 30


def test_workspace_b_gets_404_on_workspace_a_members(cast_a, cast_b):
    viewer_a = _membership(cast_a, "viewer")
    for client in (cast_b.client("admin"), _key_client(_key(cast_b, "write"))):
        _assert_problem(client.get(_members_url(cast_a)), 404)
        _assert_problem(client.get(_member_url(cast_a, viewer_a)), 404)
        _assert_problem(_patch(client, _member_url(cast_a, viewer_a), {"role": "admin"}), 404)
        _assert_problem(client.delete(_member_url(cast_a, viewer_a)), 404)
    # A's admin naming B's member under A's own URL: not found either.
    viewer_b = _membership(cast_b, "viewer")
    url = reverse("api_member-detail", kwargs={"workspace_slug": "ws-a", "pk": viewer_b.pk})
    client = cast_a.client("admin")
    _assert_problem(client.get(url), 404)
    _assert_problem(_patch(client, url, {"role": "admin"}), 404)
    _assert_problem(client.delete(url), 404)
    assert Membership.objects.get(pk=viewer_b.pk).role == Role.VIEWER
    assert Membership.objects.get(pk=viewer_a.pk).role == Role.VIEWER


# --- Members: writing -------------------------------------------------------------------


def test_admin_changes_a_members_role(cast_a):
    viewer = _membership(cast_a, "viewer")
    response = _patch(cast_a.client("admin"), _member_url(cast_a, viewer), {"role": "coordinator"})
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "coordinator"
    assert response["ETag"]
    assert Membership.objects.get(pk=viewer.pk).role == Role.COORDINATOR


def test_admin_makes_someone_a_partner_of_an_organization(cast_a):
    viewer = _membership(cast_a, "viewer")
    url = _member_url(cast_a, viewer)
    org = cast_a.other_organization
    response = _patch(cast_a.client("admin"), url, {"role": "partner", "organization": org.pk})
    assert response.status_code == 200, response.content
    assert response.json()["organization"] == org.pk
    viewer.refresh_from_db()
    assert (viewer.role, viewer.organization_id) == (Role.PARTNER, org.pk)
    # Back to viewer: the organization goes with the partner role.
    response = _patch(cast_a.client("admin"), url, {"role": "viewer"})
    assert response.json()["organization"] is None


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_non_admins_cannot_change_or_remove_members(cast_a, role):
    viewer = _membership(cast_a, "viewer")
    client = cast_a.client(role)
    _assert_problem(_patch(client, _member_url(cast_a, viewer), {"role": "admin"}), 403)
    _assert_problem(client.delete(_member_url(cast_a, viewer)), 403)
    assert Membership.objects.get(pk=viewer.pk).role == Role.VIEWER


@pytest.mark.parametrize("scope", ["read", "write"])
def test_keys_cannot_change_or_remove_members(cast_a, scope):
    viewer = _membership(cast_a, "viewer")
    client = _key_client(_key(cast_a, scope))
    _assert_problem(_patch(client, _member_url(cast_a, viewer), {"role": "admin"}), 403)
    _assert_problem(client.delete(_member_url(cast_a, viewer)), 403)
    assert Membership.objects.filter(pk=viewer.pk, role=Role.VIEWER).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"role": "partner"}, "organization"),  # a partner needs an organization
        ({"organization": "abc"}, "organization"),
        ({"role": "partner", "organization": 999999}, "organization"),
    ],
)
def test_member_patch_errors_are_problems_with_field_errors(cast_a, data, field):
    viewer = _membership(cast_a, "viewer")
    body = _assert_problem(_patch(cast_a.client("admin"), _member_url(cast_a, viewer), data), 400)
    assert body["title"] == "Bad Request"
    assert body["type"].endswith("/invalid")
    assert field in body["errors"]
    assert isinstance(body["errors"][field], list)
    assert Membership.objects.get(pk=viewer.pk).role == Role.VIEWER


def test_member_cannot_represent_another_workspaces_organization(cast_a, cast_b):
    viewer = _membership(cast_a, "viewer")
    data = {"role": "partner", "organization": cast_b.organization.pk}
    body = _assert_problem(_patch(cast_a.client("admin"), _member_url(cast_a, viewer), data), 400)
    assert body["errors"] == {"organization": ["Choose an organization of this workspace."]}
    viewer.refresh_from_db()
    assert (viewer.role, viewer.organization_id) == (Role.VIEWER, None)


def test_the_last_admin_cannot_be_demoted_or_removed(cast_a):
    admin = _membership(cast_a, "admin")
    client = cast_a.client("admin")
    body = _assert_problem(_patch(client, _member_url(cast_a, admin), {"role": "viewer"}), 400)
    assert "role" in body["errors"]
    body = _assert_problem(client.delete(_member_url(cast_a, admin)), 400)
    assert body["errors"]["non_field_errors"] == ["The workspace needs at least one admin."]
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN


def test_admin_removes_a_member(cast_a):
    viewer = _membership(cast_a, "viewer")
    response = cast_a.client("admin").delete(_member_url(cast_a, viewer))
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    _assert_problem(cast_a.client("admin").get(_member_url(cast_a, viewer)), 404)
