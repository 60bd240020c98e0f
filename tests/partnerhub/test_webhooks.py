"""Webhooks: which changes fan out to which endpoints, the payload, the SSRF guard and
the admin's pages."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from impact.services_measurements import measurement_approve, measurement_return, measurement_save
from partnerhub.access import WorkspaceAccess
from partnerhub.models import DeliveryState, Role, WebhookDelivery, WebhookEndpoint
from partnerhub.tenancy import workspace_context
from partnerhub.webhooks import EVENT_TYPES, checked_target, event_type_for
from partners.models import MemberRole
from partners.services.partnerships import partnership_change_status, partnership_member_add
from tests.conftest import Cast
from tests.impact.helpers import make_indicator, periods_of
from tests.partnerhub.webhook_helpers import (
    deliveries_of,
    make_endpoint,
    make_milestone,
    update_milestone,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):  # type: ignore[no-untyped-def]
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


# --- Fan-out -----------------------------------------------------------------------------


def test_a_change_fans_out_to_subscribed_active_endpoints_of_its_workspace_only(
    cast_a: Cast, cast_b: Cast
) -> None:
    subscribed, _ = make_endpoint(cast_a, events=["milestone.updated"])
    also, _ = make_endpoint(cast_a, events=["milestone.updated", "goal.created"])
    other_event, _ = make_endpoint(cast_a, events=["progress_update.posted"])
    inactive, _ = make_endpoint(cast_a, events=["milestone.updated"])
    with workspace_context(cast_a.workspace):
        WebhookEndpoint.objects.for_workspace(cast_a.workspace).filter(pk=inactive.pk).update(
            active=False
        )
    _in_b, _ = make_endpoint(cast_b, events=["milestone.updated"])
    milestone = make_milestone(cast_a)

    update_milestone(cast_a, milestone, status="in_progress", percent_complete=20)

    updates = deliveries_of(cast_a.workspace, event_type="milestone.updated")
    assert {d.endpoint_id for d in updates} == {subscribed.pk, also.pk}
    assert len({d.event_id for d in updates}) == 1  # one event, one id for every endpoint
    assert all(d.state == DeliveryState.PENDING for d in updates)
    assert not deliveries_of(cast_a.workspace, endpoint=other_event)
    assert not deliveries_of(cast_b.workspace)
    assert [d.event_type for d in deliveries_of(cast_a.workspace, endpoint=also)] == [
        "goal.created",
        "milestone.updated",
    ]


def test_no_endpoint_no_delivery(cast_a: Cast) -> None:
    milestone = make_milestone(cast_a)
    update_milestone(cast_a, milestone, percent_complete=40)
    assert not deliveries_of(cast_a.workspace)


def test_a_rolled_back_change_leaves_no_delivery(cast_a: Cast) -> None:
    make_endpoint(cast_a, events=["milestone.updated"])
    milestone = make_milestone(cast_a)

    with pytest.raises(RuntimeError), workspace_context(cast_a.workspace), transaction.atomic():
        update_milestone(cast_a, milestone, percent_complete=50)
        assert deliveries_of(cast_a.workspace)  # written with the change ...
        raise RuntimeError("the request fails after the change")

    assert not deliveries_of(cast_a.workspace)  # ... and gone with it


def test_payload_carries_the_resource_as_the_api_returns_it(cast_a: Cast) -> None:
    make_endpoint(cast_a, events=["milestone.updated"])
    milestone = make_milestone(cast_a)
    update_milestone(cast_a, milestone, status="at_risk", percent_complete=30)
    (delivery,) = deliveries_of(cast_a.workspace)

    response = cast_a.client("admin").get(
        reverse(
            "api_milestone-detail",
            kwargs={"workspace_slug": cast_a.workspace.slug, "pk": milestone.pk},
        ),
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    payload = delivery.payload
    assert set(payload) == {"id", "type", "created_at", "workspace", "data"}
    assert payload["id"] == str(delivery.event_id)
    assert payload["type"] == "milestone.updated"
    assert payload["workspace"] == cast_a.workspace.slug
    assert payload["created_at"].endswith("Z")
    assert payload["data"] == response.json()


def test_measurement_submitted_approved_returned(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(
        cast_a,
        events=["measurement.submitted", "measurement.approved", "measurement.returned"],
    )
    access = WorkspaceAccess(workspace=cast_a.workspace, role=Role.COORDINATOR)
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        periods = periods_of(indicator)
        first = measurement_save(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            access=access,
            indicator=indicator,
            period=periods[0],
            organization=cast_a.organization,
            value=12,
        )
        measurement_approve(workspace=cast_a.workspace, actor=cast_a.admin, measurement=first)
        second = measurement_save(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            access=access,
            indicator=indicator,
            period=periods[1],
            organization=cast_a.organization,
            value=7,
        )
        measurement_return(
            workspace=cast_a.workspace, actor=cast_a.admin, measurement=second, note="Source?"
        )

    deliveries = deliveries_of(cast_a.workspace, endpoint=endpoint)
    assert [(d.event_type, d.payload["data"]["id"]) for d in deliveries] == [
        ("measurement.submitted", first.pk),
        ("measurement.approved", first.pk),
        ("measurement.submitted", second.pk),
        ("measurement.returned", second.pk),
    ]
    assert deliveries[1].payload["data"]["status"] == "approved"


def test_partnership_status_change_and_member_added(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["partnership.status_changed", "member.added"])
    milestone = make_milestone(cast_a)
    with workspace_context(cast_a.workspace):
        partnership = milestone.partnership
        partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=cast_a.organization,
            roles=[MemberRole.IMPLEMENTER],
        )
        partnership_change_status(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            status="forming",
        )
    types = [d.event_type for d in deliveries_of(cast_a.workspace, endpoint=endpoint)]
    assert types == ["member.added", "partnership.status_changed"]


@pytest.mark.parametrize(
    ("object_type", "action", "changes", "expected"),
    [
        ("goals.milestone", "update", {"title": ["a", "b"]}, "milestone.updated"),
        ("goals.progressupdate", "create", {}, "progress_update.posted"),
        ("impact.measurement", "create", {"status": "submitted"}, "measurement.submitted"),
        ("impact.measurement", "create", {"status": "draft"}, "measurement.created"),
        ("partners.partnership", "update", {"name": ["a", "b"]}, "partnership.updated"),
        (
            "partners.partnershipmember",
            "update",
            {"left_on": [None, "2026-01-01"]},
            "member.removed",
        ),
        ("partners.partnershipmember", "delete", {}, "member.removed"),
        ("roles.roleassignment", "create", {}, None),
    ],
)
def test_event_types(object_type: str, action: str, changes: dict, expected: str | None) -> None:
    assert event_type_for(object_type=object_type, action=action, changes=changes) == expected
    assert expected is None or expected in EVENT_TYPES


# --- The SSRF guard ------------------------------------------------------------------------


def _resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    def resolver(host, port, **kwargs):  # type: ignore[no-untyped-def]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolver


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("http://hooks.example.org/x", ["93.184.216.34"]),  # not https
        ("https://127.0.0.1/x", ["127.0.0.1"]),  # loopback
        ("https://localhost/x", ["127.0.0.1", "::1"]),
        ("https://10.1.2.3/x", ["10.1.2.3"]),  # private
        ("https://192.168.0.10/x", ["192.168.0.10"]),
        ("https://169.254.169.254/latest/meta-data", ["169.254.169.254"]),  # link-local
        ("https://[::ffff:10.0.0.1]/x", ["::ffff:10.0.0.1"]),  # mapped private
        ("https://0.0.0.0/x", ["0.0.0.0"]),  # unspecified
        ("https://rebind.example.org/x", ["93.184.216.34", "10.0.0.1"]),  # one bad address
        ("https://user:pw@hooks.example.org/x", ["93.184.216.34"]),
    ],
)
def test_production_refuses_private_targets_and_plain_http(
    settings, url: str, addresses: list[str]
) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError):
        checked_target(url, resolver=_resolving_to(*addresses))


def test_production_allows_https_to_public_addresses(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    scheme, host, port, addresses = checked_target(
        "https://hooks.example.org:8443/in", resolver=_resolving_to("93.184.216.34")
    )
    assert (scheme, host, port, addresses) == (
        "https",
        "hooks.example.org",
        8443,
        ["93.184.216.34"],
    )


def test_the_setting_allows_loopback_and_http_for_development(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert checked_target("http://127.0.0.1:8000/hook")[3] == ["127.0.0.1"]


def test_registration_in_production_refuses_loopback(cast_a: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = cast_a.client("admin").post(
        reverse("workspace_webhooks", kwargs={"workspace_slug": cast_a.workspace.slug}),
        {"url": "https://127.0.0.1/hook", "events": ["milestone.updated"]},
    )
    assert response.status_code == 200
    assert "private, loopback or reserved" in response.content.decode()
    with workspace_context(cast_a.workspace):
        assert not WebhookEndpoint.objects.for_workspace(cast_a.workspace).exists()


# --- The admin's pages ---------------------------------------------------------------------


def test_admin_adds_an_endpoint_and_sees_the_secret_once(cast_a: Cast) -> None:
    client = cast_a.client("admin")
    url = reverse("workspace_webhooks", kwargs={"workspace_slug": cast_a.workspace.slug})
    response = client.post(
        url,
        {"url": "http://127.0.0.1:9/in", "events": ["milestone.updated", "member.added"]},
    )
    assert response.status_code == 200
    with workspace_context(cast_a.workspace):
        endpoint = WebhookEndpoint.objects.for_workspace(cast_a.workspace).get()
    assert endpoint.events == ["member.added", "milestone.updated"]
    assert endpoint.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert endpoint.secret not in client.get(url).content.decode()
    detail = reverse(
        "workspace_webhook_detail",
        kwargs={"workspace_slug": cast_a.workspace.slug, "pk": endpoint.pk},
    )
    assert endpoint.secret not in client.get(detail).content.decode()


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_only_admins_manage_webhooks(cast_a: Cast, role: str) -> None:
    url = reverse("workspace_webhooks", kwargs={"workspace_slug": cast_a.workspace.slug})
    assert cast_a.client(role).get(url).status_code == 403


def test_another_workspace_gets_404(cast_a: Cast, cast_b: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    for name in ("workspace_webhook_detail", "workspace_webhook_test"):
        for slug in (cast_a.workspace.slug, cast_b.workspace.slug):
            url = reverse(name, kwargs={"workspace_slug": slug, "pk": endpoint.pk})
            assert cast_b.client("admin").post(url).status_code == 404


def test_rotate_secret_shows_the_new_one_once(cast_a: Cast) -> None:
    endpoint, old = make_endpoint(cast_a, events=["milestone.updated"])
    response = cast_a.client("admin").post(
        reverse(
            "workspace_webhook_rotate",
            kwargs={"workspace_slug": cast_a.workspace.slug, "pk": endpoint.pk},
        )
    )
    assert response.status_code == 200
    with workspace_context(cast_a.workspace):
        endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


def test_edit_events_and_turn_off(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    response = cast_a.client("admin").post(
        reverse(
            "workspace_webhook_detail",
            kwargs={"workspace_slug": cast_a.workspace.slug, "pk": endpoint.pk},
        ),
        {"url": endpoint.url, "events": ["goal.created"]},
    )
    assert response.status_code == 302
    with workspace_context(cast_a.workspace):
        endpoint.refresh_from_db()
    assert endpoint.events == ["goal.created"]
    assert not endpoint.active
    assert endpoint.disabled_reason == "Turned off by an admin."


def test_test_send_queues_a_ping_and_redeliver_resets(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    client = cast_a.client("admin")
    kwargs = {"workspace_slug": cast_a.workspace.slug, "pk": endpoint.pk}
    assert client.post(reverse("workspace_webhook_test", kwargs=kwargs)).status_code == 302
    (ping,) = deliveries_of(cast_a.workspace, endpoint=endpoint)
    assert ping.event_type == "ping"
    assert ping.payload["data"]["endpoint"] == endpoint.pk
    with workspace_context(cast_a.workspace):
        WebhookDelivery.objects.for_workspace(cast_a.workspace).filter(pk=ping.pk).update(
            state=DeliveryState.FAILED, attempts=12
        )
    response = client.post(
        reverse("workspace_webhook_redeliver", kwargs={**kwargs, "delivery_pk": ping.pk})
    )
    assert response.status_code == 302
    (again,) = deliveries_of(cast_a.workspace, endpoint=endpoint)
    assert (again.state, again.attempts, again.event_id) == (
        DeliveryState.PENDING,
        0,
        ping.event_id,
    )


def _log_queries(cast: Cast, endpoint: WebhookEndpoint) -> tuple[int, str]:
    client = cast.client("admin")
    url = reverse(
        "workspace_webhook_detail",
        kwargs={"workspace_slug": cast.workspace.slug, "pk": endpoint.pk},
    )
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_delivery_log_query_count_is_constant(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    milestone = make_milestone(cast_a)
    update_milestone(cast_a, milestone, percent_complete=1)
    few, _ = _log_queries(cast_a, endpoint)
    for percent in range(2, 30):
        update_milestone(cast_a, milestone, percent_complete=percent)
    many, page = _log_queries(cast_a, endpoint)
    # session, user, membership+workspace, set_config, endpoint, one page of deliveries
    assert many == few
    assert page.count("milestone.updated") >= 29


def test_delivery_log_pages_newest_first_by_keyset(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    milestone = make_milestone(cast_a)
    for percent in range(1, 56):
        update_milestone(cast_a, milestone, percent_complete=percent)
    deliveries = deliveries_of(cast_a.workspace, endpoint=endpoint)
    client = cast_a.client("admin")
    url = reverse(
        "workspace_webhook_detail",
        kwargs={"workspace_slug": cast_a.workspace.slug, "pk": endpoint.pk},
    )
    first = client.get(url).context["deliveries"]
    assert [d.pk for d in first] == [d.pk for d in reversed(deliveries)][:50]
    second = client.get(url, {"before": first[-1].pk}).context
    assert [d.pk for d in second["deliveries"]] == [d.pk for d in reversed(deliveries)][50:]
    assert second["next_before"] is None
