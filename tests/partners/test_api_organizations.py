"""The organization endpoints: /api/v1/w/<slug>/organizations/."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import Contact, Organization
from tests.partners.org_helpers import make_org, make_orgs

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _key_client(cast, scope: str = "read") -> Client:  # type: ignore[no-untyped-def]
    _, raw = api_key_create(workspace=cast.workspace, actor=cast.admin, name=scope, scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def list_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("api_organization-list", kwargs={"workspace_slug": cast.workspace.slug})


def detail_url(cast, pk: int) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "api_organization-detail", kwargs={"workspace_slug": cast.workspace.slug, "pk": pk}
    )


def _post(client: Client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


def _patch(client: Client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.patch(url, json.dumps(data), content_type="application/json")


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- Reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "coordinator", "partner", "viewer", "read key"])
def test_every_member_and_key_reads(cast_a, who):
    org = make_org(
        cast_a.workspace,
        "Green Bank",
        sector="business",
        sdgs=[13, 4],
        tags=["Finance"],
        offers=["funding"],
        needs=["data"],
        contacts=[{"name": "Ada", "email": "ada@example.org"}],
    )
    client = _key_client(cast_a) if who == "read key" else cast_a.client(who)
    listing = client.get(list_url(cast_a), {"ordering": "name"})
    assert _names(listing) == ["Green Bank", "Org A1", "Org A2"]
    row = listing.json()["results"][0]
    assert row["sdgs"] == [4, 13]
    assert (row["tags"], row["offers"], row["needs"]) == (["finance"], ["funding"], ["data"])
    assert "contacts" not in row
    detail = client.get(detail_url(cast_a, org.pk))
    assert detail.status_code == 200
    body = detail.json()
    assert body["contacts"] == [
        {"id": body["contacts"][0]["id"], "name": "Ada", "title": "", "email": "ada@example.org",
         "phone": ""}
    ]  # fmt: skip
    assert body["sector"] == "business"


def test_filters_search_ordering_and_updated_since(cast_a):
    ws = cast_a.workspace
    make_org(
        ws, "Water for Schools", mission="Clean water", country="KE", sdgs=[6, 4], offers=["data"]
    )
    make_org(
        ws, "Green Bank", sector="business", country="DE", sdgs=[13], offers=["funding", "data"]
    )
    make_org(
        ws, "Schoolhouse Fund", sector="philanthropy", sdgs=[4], offers=["funding"], needs=["data"]
    )
    client = cast_a.client("viewer")
    url = list_url(cast_a)
    params = {"ordering": "name"}
    assert _names(client.get(url, {**params, "q": "schoo"})) == [
        "Schoolhouse Fund",
        "Water for Schools",
    ]
    assert _names(client.get(url, {**params, "sector": ["business", "philanthropy"]})) == [
        "Green Bank",
        "Schoolhouse Fund",
    ]
    assert _names(client.get(url, {**params, "sdg": ["4", "6"]})) == ["Water for Schools"]
    assert _names(client.get(url, {**params, "offers": ["funding", "data"]})) == ["Green Bank"]
    assert _names(client.get(url, {**params, "needs": "data"})) == ["Schoolhouse Fund"]
    assert _names(client.get(url, {**params, "country": "ke"})) == ["Water for Schools"]
    assert _names(client.get(url, {"ordering": "-name", "offers": "funding"})) == [
        "Schoolhouse Fund",
        "Green Bank",
    ]
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert _names(client.get(url, {"updated_since": future})) == []
    bad = _problem(client.get(url, {"sector": "pirates"}), 400)
    assert "sector" in bad["errors"]


def test_cursor_pagination(cast_a):
    make_orgs(cast_a.workspace, 7)
    client = cast_a.client("viewer")
    first = client.get(list_url(cast_a), {"page_size": 4, "ordering": "name"}).json()
    assert len(first["results"]) == 4 and first["next"]
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert (len(second["results"]), len(third["results"]), third["next"]) == (4, 1, None)
    names = [r["name"] for r in first["results"] + second["results"] + third["results"]]
    assert names == sorted(names) and len(set(names)) == 9


def test_detail_etag(cast_a):
    org = make_org(cast_a.workspace, "Green Bank")
    client = cast_a.client("viewer")
    etag = client.get(detail_url(cast_a, org.pk))["ETag"]
    assert client.get(detail_url(cast_a, org.pk), HTTP_IF_NONE_MATCH=etag).status_code == 304
    _patch(cast_a.client("coordinator"), detail_url(cast_a, org.pk), {"mission": "New"})
    assert client.get(detail_url(cast_a, org.pk), HTTP_IF_NONE_MATCH=etag).status_code == 200


def _count_list_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("auth", ["session", "key"])
def test_list_query_count_does_not_grow(cast_a, auth):
    """3 organizations or 30, each with traits: the same queries (for a key: the key, its
    workspace, the page, its traits; a session adds the session, user and membership)."""
    client = _key_client(cast_a) if auth == "key" else cast_a.client("viewer")
    url = list_url(cast_a)
    make_orgs(cast_a.workspace, 3, prefix="Few")
    client.get(url)  # warm caches (the key's last-used time, the session)
    few = _count_list_queries(client, url)
    make_orgs(cast_a.workspace, 27, prefix="Many")
    assert _count_list_queries(client, url) == few
    assert len(client.get(url).json()["results"]) == 32


# --- CSV output ---------------------------------------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_by_format_parameter_and_by_accept_header(cast_a):
    make_org(cast_a.workspace, "=cmd()", sdgs=[4, 8], offers=["funding", "data"], tags=["-x"])
    client = _key_client(cast_a)
    by_param = _csv_rows(client.get(list_url(cast_a), {"format": "csv", "ordering": "name"}))
    by_header = _csv_rows(
        client.get(list_url(cast_a), {"ordering": "name"}, HTTP_ACCEPT="text/csv")
    )
    assert by_param == by_header
    first = by_param[0]
    assert first["name"] == "'=cmd()"  # never a formula in a spreadsheet
    assert first["sdgs"] == "4;8"
    assert first["offers"] == "data;funding"
    assert first["tags"] == "'-x"
    assert list(first)[:3] == ["id", "name", "sector"]
    # JSON stays the default.
    assert client.get(list_url(cast_a))["Content-Type"] == "application/json"


def test_csv_pages_link_to_the_next_and_empty_pages_keep_the_header(cast_a):
    make_orgs(cast_a.workspace, 3)
    client = cast_a.client("viewer")
    response = client.get(list_url(cast_a), {"format": "csv", "page_size": 2})
    assert len(_csv_rows(response)) == 2
    assert response["Link"].endswith('rel="next"') and "format=csv" in response["Link"]
    empty = client.get(list_url(cast_a), {"format": "csv", "q": "nothing-like-this"})
    assert empty.status_code == 200
    assert empty.content.decode().splitlines()[0].startswith("id,name,sector")


def test_csv_errors_stay_problems(cast_a):
    response = cast_a.client("viewer").get(
        list_url(cast_a), {"format": "csv", "updated_since": "yesterday"}
    )
    body = _problem(response, 400)
    assert "updated_since" in body["errors"]


def test_csv_is_offered_on_lists_only(cast_a):
    response = cast_a.client("viewer").get(
        detail_url(cast_a, cast_a.organization.pk), {"format": "csv"}
    )
    assert response.status_code == 404


# --- Writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "coordinator", "write key"])
def test_editors_and_write_keys_create_update_delete(cast_a, who):
    client = _key_client(cast_a, "write") if who == "write key" else cast_a.client(who)
    created = _post(
        client,
        list_url(cast_a),
        {
            "name": "Solar Schools",
            "sector": "nonprofit",
            "website": "solar.example.org",
            "sdgs": [7, 4],
            "tags": ["Energy"],
            "offers": ["technology"],
            "contacts": [{"name": "Ada", "email": "ada@example.org"}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == detail_url(cast_a, body["id"])
    assert created["ETag"]
    assert (body["website"], body["sdgs"], body["tags"]) == (
        "https://solar.example.org",
        [4, 7],
        ["energy"],
    )
    ada_id = body["contacts"][0]["id"]

    changed = _patch(
        client,
        detail_url(cast_a, body["id"]),
        {
            "sdgs": [13],
            "contacts": [{"id": ada_id, "name": "Ada L."}, {"name": "Grace"}],
        },
    )
    assert changed.status_code == 200, changed.content
    after = changed.json()
    assert after["sdgs"] == [13]
    assert after["offers"] == ["technology"]  # left out: kept
    assert after["name"] == "Solar Schools"
    assert [c["name"] for c in after["contacts"]] == ["Ada L.", "Grace"]
    assert after["contacts"][0]["id"] == ada_id

    kept = _patch(client, detail_url(cast_a, body["id"]), {"mission": "Light"}).json()
    assert len(kept["contacts"]) == 2  # no "contacts": the contacts stay

    assert client.delete(detail_url(cast_a, body["id"])).status_code == 204
    with workspace_context(cast_a.workspace):
        assert not Organization.objects.filter(pk=body["id"]).exists()
        assert not Contact.objects.filter(organization_id=body["id"]).exists()


@pytest.mark.parametrize("who", ["partner", "viewer", "read key"])
def test_readers_cannot_write(cast_a, who):
    client = _key_client(cast_a) if who == "read key" else cast_a.client(who)
    _problem(_post(client, list_url(cast_a), {"name": "X", "sector": "business"}), 403)
    url = detail_url(cast_a, cast_a.other_organization.pk)
    _problem(_patch(client, url, {"name": "Y"}), 403)
    _problem(client.delete(url), 403)
    with workspace_context(cast_a.workspace):
        assert Organization.objects.get(pk=cast_a.other_organization.pk).name == "Org A2"


def test_service_errors_are_400_problems_with_field_errors(cast_a):
    client = cast_a.client("coordinator")
    duplicate = _problem(
        _post(client, list_url(cast_a), {"name": "org a1", "sector": "business"}), 400
    )
    assert "already in the directory" in duplicate["errors"]["name"][0]
    bad = _problem(
        _post(client, list_url(cast_a), {"name": "New", "sector": "business", "country": "K1"}),
        400,
    )
    assert "country" in bad["errors"]
    parse = _problem(_post(client, list_url(cast_a), {"sector": "pirates", "sdgs": [18]}), 400)
    assert {"name", "sector", "sdgs"} <= parse["errors"].keys()
    foreign_contact = _problem(
        _patch(
            client,
            detail_url(cast_a, cast_a.other_organization.pk),
            {"contacts": [{"id": 999999, "name": "Who"}]},
        ),
        400,
    )
    assert "contacts" in foreign_contact["errors"]
    in_use = _problem(client.delete(detail_url(cast_a, cast_a.organization.pk)), 400)
    assert "cannot be deleted" in json.dumps(in_use["errors"])


def test_workspace_b_gets_404_on_a(cast_a, cast_b):
    pk = cast_a.organization.pk
    for client in (cast_b.client("admin"), _key_client(cast_b, "write")):
        # A's workspace in the URL: not B's.
        _problem(client.get(list_url(cast_a)), 404)
        _problem(client.get(detail_url(cast_a, pk)), 404)
        # B's own workspace, A's organization: scoped lookup, 404.
        _problem(client.get(detail_url(cast_b, pk)), 404)
        _problem(_patch(client, detail_url(cast_b, pk), {"name": "Stolen"}), 404)
        _problem(client.delete(detail_url(cast_b, pk)), 404)
        assert "Org A1" not in _names(client.get(list_url(cast_b)))
    with workspace_context(cast_a.workspace):
        assert Organization.objects.get(pk=pk).name == "Org A1"


def test_the_schema_documents_the_endpoints_without_warnings(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    listing = paths["/api/v1/w/{workspace_slug}/organizations/"]
    detail = paths["/api/v1/w/{workspace_slug}/organizations/{id}/"]
    assert set(listing) == {"get", "post"}
    assert set(detail) == {"get", "patch", "delete"}
    names = {p["name"] for p in listing["get"]["parameters"]}
    assert {"q", "sector", "sdg", "offers", "needs", "country", "updated_since", "cursor",
            "ordering", "format"} <= names  # fmt: skip
    assert "text/csv" in listing["get"]["responses"]["200"]["content"]
