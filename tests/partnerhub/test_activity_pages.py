"""The activity pages: per workspace and per partnership, newest first, filtered by a GET
form, keyset-paginated; a partner sees only their organization's partnerships."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.models import ApiKeyScope, EventAction
from partnerhub.selectors_activity import PAGE_SIZE
from partnerhub.services.activity import record_event
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import PartnershipModel
from partners.services.partnerships import partnership_create, partnership_update
from tests.conftest import Cast
from tests.partners.partnership_helpers import make_partnership

pytestmark = pytest.mark.django_db

ENTRY = 'class="activity-entry"'


def activity_url(cast: Cast, partnership_pk: int | None = None) -> str:
    if partnership_pk is None:
        return f"/w/{cast.workspace.slug}/activity/"
    return f"/w/{cast.workspace.slug}/partnerships/{partnership_pk}/activity/"


def entries(response) -> int:  # type: ignore[no-untyped-def]
    return response.content.decode().count(ENTRY)


def add_events(cast: Cast, count: int) -> None:
    with workspace_context(cast.workspace):
        for number in range(count):
            record_event(
                workspace=cast.workspace,
                actor=cast.coordinator,
                action=EventAction.UPDATE,
                target=cast.organization,
                changes={"mission": [f"m{number}", f"m{number + 1}"]},
            )


@pytest.mark.parametrize("role", ["admin", "coordinator", "partner", "viewer"])
def test_every_member_can_open_the_workspace_activity(cast_a: Cast, role: str):
    response = cast_a.client(role).get(activity_url(cast_a))
    assert response.status_code == 200
    assert b"<h1>Activity</h1>" in response.content


def test_anonymous_people_are_sent_to_log_in(cast_a: Cast, client):  # type: ignore[no-untyped-def]
    response = client.get(activity_url(cast_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_outsiders_get_404(cast_a: Cast, cast_b: Cast):
    partnership = make_partnership(cast_a)
    outsider = cast_b.client("admin")
    assert outsider.get(activity_url(cast_a)).status_code == 404
    assert outsider.get(activity_url(cast_a, partnership.pk)).status_code == 404
    # B's own slug with A's partnership: the lookup is scoped to the URL's workspace.
    assert outsider.get(activity_url(cast_b, partnership.pk)).status_code == 404


def test_an_entry_shows_time_actor_action_object_and_changes(cast_a: Cast):
    cast_a.workspace.timezone = "Europe/Berlin"
    cast_a.workspace.save(update_fields=["timezone"])
    with (
        time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False),
        workspace_context(cast_a.workspace),
    ):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Before",
            model=PartnershipModel.CROSS_SECTOR,
        )
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            name="After",
        )
    body = cast_a.client("viewer").get(activity_url(cast_a)).content.decode()
    # The UTC instant for machines, the workspace's time zone for people (CEST = UTC+2).
    assert '<time datetime="2026-06-01T12:00:00+00:00">1 Jun 2026 14:00</time>' in body
    assert "Times in Europe/Berlin" in body
    assert cast_a.coordinator.email in body
    assert "updated" in body and "created" in body
    assert f'<a href="/w/{cast_a.workspace.slug}/partnerships/{partnership.pk}/">' in body
    assert re.search(r"Name</span>: Before → After", body)
    # Newest first: the update comes before the creation.
    assert body.index("Before → After") < body.index("Cross-sector")


def test_an_api_key_is_shown_by_name(cast_a: Cast):
    key, _ = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="Funder sync", scope=ApiKeyScope.WRITE
    )
    with workspace_context(cast_a.workspace):
        partnership_create(
            workspace=cast_a.workspace,
            actor=key,
            name="Keyed",
            model=PartnershipModel.CROSS_SECTOR,
        )
    body = cast_a.client("coordinator").get(activity_url(cast_a)).content.decode()
    assert "API key Funder sync" in body


def test_a_partner_sees_only_their_partnerships(cast_a: Cast):
    mine = make_partnership(cast_a, name="Ours")
    theirs = make_partnership(cast_a, name="Not ours", with_partner_org=False)
    add_events(cast_a, 1)  # an organization event: no partnership
    partner = cast_a.client("partner")
    body = partner.get(activity_url(cast_a)).content.decode()
    assert "Ours" in body
    assert "Not ours" not in body
    assert "m0 → m1" not in body
    assert partner.get(activity_url(cast_a, mine.pk)).status_code == 200
    assert partner.get(activity_url(cast_a, theirs.pk)).status_code == 404
    # A viewer sees everything.
    body = cast_a.client("viewer").get(activity_url(cast_a)).content.decode()
    assert "Ours" in body and "Not ours" in body and "m0 → m1" in body


def test_the_partnership_page_shows_only_its_events(cast_a: Cast):
    first = make_partnership(cast_a, name="First one")
    make_partnership(cast_a, name="Second one")
    response = cast_a.client("coordinator").get(activity_url(cast_a, first.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Activity of First one" in body
    assert "Second one" not in body
    assert entries(response) == 2  # the partnership and its member


def test_filters(cast_a: Cast):
    make_partnership(cast_a, name="Filtered")
    add_events(cast_a, 2)
    client = cast_a.client("coordinator")
    url = activity_url(cast_a)
    assert entries(client.get(url)) == 4
    assert entries(client.get(url, {"action": "update"})) == 2
    assert entries(client.get(url, {"object_type": "partners.partnership"})) == 1
    assert entries(client.get(url, {"object_type": "partners.partnershipmember"})) == 1
    assert entries(client.get(url, {"actor": f"user:{cast_a.coordinator.pk}"})) == 4
    # An actor who never acted is not a choice: the form refuses it and filters nothing out.
    response = client.get(url, {"actor": f"user:{cast_a.viewer.pk}"})
    assert response.status_code == 200
    assert response.context["form"].errors
    today = datetime.now(UTC).date().isoformat()
    assert entries(client.get(url, {"since": today, "until": today})) == 4
    assert entries(client.get(url, {"until": "2000-01-01"})) == 0
    response = client.get(url, {"since": "2026-02-01", "until": "2026-01-01"})
    assert "The end date cannot be before the start date." in response.content.decode()


def test_the_filter_form_labels_every_field(cast_a: Cast):
    body = cast_a.client("viewer").get(activity_url(cast_a)).content.decode()
    for name in ("actor", "object_type", "action", "since", "until"):
        assert f'<label for="id_{name}"' in body
    assert 'method="get"' in body


def test_older_pages_follow_a_cursor(cast_a: Cast):
    add_events(cast_a, PAGE_SIZE + 5)
    client = cast_a.client("viewer")
    first = client.get(activity_url(cast_a))
    assert entries(first) == PAGE_SIZE
    older = re.search(r'href="(\?[^"]*before=[^"]+)" rel="next">Older', first.content.decode())
    assert older, "an Older link"
    second = client.get(activity_url(cast_a) + older.group(1).replace("&amp;", "&"))
    assert entries(second) == 5
    assert "Older</a>" not in second.content.decode()
    first_seen = set(re.findall(r"m(\d+) → ", first.content.decode()))
    second_seen = set(re.findall(r"m(\d+) → ", second.content.decode()))
    assert not first_seen & second_seen
    assert max(int(n) for n in second_seen) < min(int(n) for n in first_seen)


def test_a_broken_cursor_shows_the_newest_page(cast_a: Cast):
    add_events(cast_a, 2)
    response = cast_a.client("viewer").get(activity_url(cast_a), {"before": "nonsense"})
    assert response.status_code == 200
    assert entries(response) == 2


def test_navigation_and_partnership_page_link_to_the_activity(cast_a: Cast):
    partnership = make_partnership(cast_a)
    client = cast_a.client("viewer")
    body = client.get(f"/w/{cast_a.workspace.slug}/partnerships/{partnership.pk}/").content
    assert activity_url(cast_a, partnership.pk).encode() in body
    assert f'href="{activity_url(cast_a)}"'.encode() in body


def _count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("partnership_page", [False, True])
def test_query_count_does_not_grow_with_events(cast_a: Cast, partnership_page: bool):
    """Session and user, membership, workspace setting, the partnership (its page), the
    actor and type choices, the page of events with actors joined: the same for 3 or 30."""
    partnership = make_partnership(cast_a)
    client = cast_a.client("partner")
    url = activity_url(cast_a, partnership.pk if partnership_page else None)

    def more(count: int) -> None:
        with workspace_context(cast_a.workspace):
            for number in range(count):
                partnership_update(
                    workspace=cast_a.workspace,
                    actor=cast_a.coordinator if number % 2 else cast_a.admin,
                    partnership=partnership,
                    common_agenda=f"agenda {number}",
                )

    more(1)  # 3 events: the partnership, its member, one update
    few = _count_queries(client, url)
    more(27)
    many = _count_queries(client, url)
    assert few == many
