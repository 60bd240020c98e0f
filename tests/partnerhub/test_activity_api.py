"""GET /api/v1/w/<slug>/activity/: the trail for external tools, oldest first with cursor
pagination, filterable; read-only for everyone; a partner sees only their partnerships."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.models import ApiKeyScope, EventAction
from partnerhub.services.activity import record_event
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import PartnershipModel
from partners.services.partnerships import partnership_create, partnership_update
from tests.conftest import Cast
from tests.partners.partnership_helpers import make_partnership

pytestmark = pytest.mark.django_db


def url(cast: Cast) -> str:
    return f"/api/v1/w/{cast.workspace.slug}/activity/"


def key_client(cast: Cast, scope: str = ApiKeyScope.READ, name: str = "reader") -> Client:
    _, raw = api_key_create(workspace=cast.workspace, actor=cast.admin, name=name, scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def results(response) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "partner", "viewer"])
def test_every_member_reads(cast_a: Cast, role: str):
    assert cast_a.client(role).get(url(cast_a)).status_code == 200


@pytest.mark.parametrize("scope", [ApiKeyScope.READ, ApiKeyScope.WRITE])
def test_keys_read_but_nobody_writes(cast_a: Cast, scope: str):
    client = key_client(cast_a, scope)
    assert client.get(url(cast_a)).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(url(cast_a), {}, content_type="application/json")
        assert response.status_code == 405, method
    admin = cast_a.client("admin")
    assert admin.post(url(cast_a), {}, content_type="application/json").status_code == 405


def test_outsiders_get_404(cast_a: Cast, cast_b: Cast):
    assert cast_b.client("admin").get(url(cast_a)).status_code == 404
    assert key_client(cast_b).get(url(cast_a)).status_code == 404
    assert cast_b.client("admin").post(url(cast_a), {}).status_code == 404
    assert Client().get(url(cast_a)).status_code in (401, 403)


def test_the_payload(cast_a: Cast):
    key, _ = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="CRM", scope=ApiKeyScope.WRITE
    )
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=key,
            name="Before",
            model=PartnershipModel.CROSS_SECTOR,
        )
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            name="After",
        )
    created, updated = results(cast_a.client("viewer").get(url(cast_a)))
    assert created["action"] == "create"
    assert created["actor"] == {
        "type": "api_key",
        "user": None,
        "api_key": key.pk,
        "label": "API key CRM",
    }
    assert created["object_type"] == "partners.partnership"
    assert created["object_id"] == partnership.pk
    assert created["partnership"] == partnership.pk
    assert created["changes"]["name"] == "Before"
    assert updated["actor"]["type"] == "user"
    assert updated["actor"]["user"] == cast_a.coordinator.pk
    assert updated["changes"] == {"name": ["Before", "After"]}
    assert updated["object_repr"] == "After"
    assert created["created_at"].endswith("Z") or created["created_at"].endswith("+00:00")


def test_a_partner_sees_only_their_partnerships(cast_a: Cast):
    mine = make_partnership(cast_a, name="Ours")
    theirs = make_partnership(cast_a, name="Not ours", with_partner_org=False)
    with workspace_context(cast_a.workspace):
        record_event(
            workspace=cast_a.workspace,
            actor=cast_a.admin,
            action=EventAction.UPDATE,
            target=cast_a.organization,
            changes={"mission": ["a", "b"]},
        )
    seen = {row["partnership"] for row in results(cast_a.client("partner").get(url(cast_a)))}
    assert seen == {mine.pk}
    everything = results(key_client(cast_a).get(url(cast_a)))
    assert {row["partnership"] for row in everything} == {mine.pk, theirs.pk, None}
    # Asking for another partnership's events gives nothing, not an error that tells.
    response = cast_a.client("partner").get(url(cast_a), {"partnership": theirs.pk})
    assert results(response) == []


def test_filters(cast_a: Cast):
    first = make_partnership(cast_a, name="First")
    make_partnership(cast_a, name="Second", with_partner_org=False)
    with workspace_context(cast_a.workspace):
        partnership_update(
            workspace=cast_a.workspace, actor=cast_a.admin, partnership=first, name="First!"
        )
    client = cast_a.client("coordinator")

    def count(**params: object) -> int:
        return len(results(client.get(url(cast_a), params)))

    assert count() == 4
    assert count(partnership=first.pk) == 3
    assert count(object_type="partners.partnership") == 3
    assert count(action="update") == 1
    assert count(actor_user=cast_a.admin.pk) == 1
    assert count(actor_user=cast_a.coordinator.pk) == 3
    assert client.get(url(cast_a), {"action": "edit"}).status_code == 400


def test_time_filters_and_updated_since(cast_a: Cast):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for days in range(3):
        with time_machine.travel(start + timedelta(days=days), tick=False):
            make_partnership(cast_a, name=f"Day {days}", with_partner_org=False)
    client = cast_a.client("viewer")

    def names(**params: str) -> list[str]:
        return [row["object_repr"] for row in results(client.get(url(cast_a), params))]

    assert names(since="2026-03-02T00:00:00Z") == ["Day 1", "Day 2"]
    assert names(until="2026-03-02T00:00:00Z") == ["Day 0"]
    assert names(updated_since="2026-03-03T09:00:00Z") == ["Day 2"]
    assert client.get(url(cast_a), {"since": "not a date"}).status_code == 400


def test_cursor_pagination_is_oldest_first_and_complete(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        for number in range(7):
            record_event(
                workspace=cast_a.workspace,
                actor=cast_a.admin,
                action=EventAction.UPDATE,
                target=cast_a.organization,
                changes={"mission": [str(number), str(number + 1)]},
            )
    client = cast_a.client("viewer")
    seen: list[int] = []
    next_url: str | None = url(cast_a) + "?page_size=3"
    while next_url:
        body = client.get(next_url).json()
        seen += [row["id"] for row in body["results"]]
        next_url = body["next"]
    assert len(seen) == 7
    assert seen == sorted(seen)


def test_query_count_does_not_grow_with_events(cast_a: Cast):
    """Authentication, the membership, the workspace setting, and one page of events:
    the same for 3 events or 30."""
    partnership = make_partnership(cast_a)
    client = cast_a.client("partner")

    def more(count: int) -> None:
        with workspace_context(cast_a.workspace):
            for number in range(count):
                partnership_update(
                    workspace=cast_a.workspace,
                    actor=cast_a.coordinator,
                    partnership=partnership,
                    common_agenda=f"agenda {number}",
                )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(results(client.get(url(cast_a)))) >= 3
        return len(captured.captured_queries)

    more(1)
    few = queries()
    more(27)
    assert queries() == few


def test_the_endpoint_is_in_the_openapi_document(cast_a: Cast):
    schema = cast_a.client("viewer").get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/w/{workspace_slug}/activity/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"partnership", "object_type", "action", "actor_user", "since", "until"} <= names
    assert {"updated_since", "cursor"} <= names
