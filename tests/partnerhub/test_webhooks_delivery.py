"""Webhook delivery: signed POSTs to a real receiver, retries with backoff, disabling a
failing endpoint (with the admins' email), redelivery and the lease's fencing."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from partnerhub.models import DeliveryState, WebhookEndpoint
from partnerhub.services.webhooks import webhook_delivery_redeliver
from partnerhub.tenancy import workspace_context
from partnerhub.webhooks_sender import (
    Claim,
    Outcome,
    delivery_claim,
    delivery_finish,
    retry_delay,
    webhooks_send_due,
    workspaces_with_due_deliveries,
)
from tests.conftest import Cast
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
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


# --- A receiver, written as an integrator would ------------------------------------------


def verify(
    *, secret: str, header: str, body: bytes, event_id: str, seen: set[str], now: float
) -> bool:
    """The receiver's check: HMAC over "<t>.<body>", fresh timestamp, unseen event id."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, parts["v1"]):
        return False
    if abs(now - int(parts["t"])) > 300 or event_id in seen:
        return False
    seen.add(event_id)
    return True


class Receiver:
    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/partnerhub?x=1"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_a_real_receiver_gets_a_signed_delivery_it_can_verify(
    cast_a: Cast, receiver: Receiver
) -> None:
    _endpoint, secret = make_endpoint(cast_a, events=["milestone.updated"], url=receiver.url)
    milestone = make_milestone(cast_a)
    update_milestone(cast_a, milestone, percent_complete=60)

    assert webhooks_send_due(workspace=cast_a.workspace) == 1

    ((path, headers, body),) = receiver.requests
    assert path == "/hooks/partnerhub?x=1"
    assert headers["Content-Type"] == "application/json"
    (delivery,) = deliveries_of(cast_a.workspace)
    assert headers["PartnerHub-Event-Id"] == str(delivery.event_id)
    assert headers["PartnerHub-Event-Type"] == "milestone.updated"
    seen: set[str] = set()
    check = {
        "secret": secret,
        "header": headers["PartnerHub-Signature"],
        "event_id": headers["PartnerHub-Event-Id"],
        "seen": seen,
    }
    assert verify(body=body, now=time.time(), **check)
    assert json.loads(body)["data"]["percent_complete"] == 60
    # What a receiver refuses: a replay, a tampered body, a stale timestamp, another secret.
    assert not verify(body=body, now=time.time(), **check)
    assert not verify(body=body + b" ", now=time.time(), **{**check, "seen": set()})
    assert not verify(body=body, now=time.time() + 301, **{**check, "seen": set()})
    assert not verify(body=body, now=time.time(), **{**check, "secret": "x", "seen": set()})

    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (
        DeliveryState.DELIVERED,
        1,
        204,
    )
    assert delivery.last_response_ms is not None
    assert delivery.delivered_at is not None
    assert webhooks_send_due(workspace=cast_a.workspace) == 0  # nothing sent twice


def test_failures_retry_with_backoff_then_fail(cast_a: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 90
    make_endpoint(cast_a, events=["milestone.updated"])
    update_milestone(cast_a, make_milestone(cast_a), percent_complete=5)
    clock = [timezone.now()]

    def failing(claim: Claim) -> Outcome:
        return Outcome(503, 42, "HTTP 503")

    delays = []
    for attempt in range(1, 5):
        assert webhooks_send_due(workspace=cast_a.workspace, now=lambda: clock[0], sender=failing)
        (delivery,) = deliveries_of(cast_a.workspace)
        assert delivery.attempts == attempt
        assert delivery.last_status_code == 503
        assert delivery.last_response_ms == 42
        if attempt < 4:
            assert delivery.state == DeliveryState.PENDING
            delays.append((delivery.next_attempt_at - clock[0]).total_seconds())
            # Not due before its time.
            assert not webhooks_send_due(
                workspace=cast_a.workspace, now=lambda: clock[0], sender=failing
            )
            clock[0] = delivery.next_attempt_at
    assert delivery.state == DeliveryState.FAILED
    for (low, high), delay in zip([(15, 45), (30, 90), (45, 135)], delays, strict=True):
        assert low <= delay <= high


def test_the_default_schedule_spans_about_a_day() -> None:
    total = sum(retry_delay(n, rng=lambda: 0.5).total_seconds() for n in range(1, 16))
    assert 20 * 3600 <= total <= 28 * 3600  # about a day


def test_an_endpoint_failing_repeatedly_is_disabled_and_admins_emailed(
    cast_a: Cast, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    milestone = make_milestone(cast_a)
    for percent in (1, 2, 3):
        update_milestone(cast_a, milestone, percent_complete=percent)

    def refused(claim: Claim) -> Outcome:
        return Outcome(None, 3, "ConnectionRefusedError: refused")

    with django_capture_on_commit_callbacks(execute=True):
        tried = webhooks_send_due(workspace=cast_a.workspace, sender=refused)

    assert tried == 3
    with workspace_context(cast_a.workspace):
        endpoint = WebhookEndpoint.objects.for_workspace(cast_a.workspace).get(pk=endpoint.pk)
    assert not endpoint.active
    assert endpoint.disabled_at is not None
    assert endpoint.consecutive_failures == 3
    (email,) = mail.outbox
    assert email.to == [cast_a.admin.email]
    assert endpoint.url in email.subject
    # Nothing is sent to a disabled endpoint; the deliveries wait.
    assert webhooks_send_due(workspace=cast_a.workspace, sender=refused) == 0
    assert all(d.state == DeliveryState.PENDING for d in deliveries_of(cast_a.workspace))


def test_a_success_resets_the_failure_count(cast_a: Cast) -> None:
    endpoint, _ = make_endpoint(cast_a, events=["milestone.updated"])
    milestone = make_milestone(cast_a)
    update_milestone(cast_a, milestone, percent_complete=1)
    webhooks_send_due(workspace=cast_a.workspace, sender=lambda c: Outcome(500, 1, "HTTP 500"))
    update_milestone(cast_a, milestone, percent_complete=2)
    webhooks_send_due(workspace=cast_a.workspace, sender=lambda c: Outcome(200, 1, ""))
    with workspace_context(cast_a.workspace):
        endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_redelivery_sends_the_same_event_again(cast_a: Cast, receiver: Receiver) -> None:
    make_endpoint(cast_a, events=["milestone.updated"], url=receiver.url)
    update_milestone(cast_a, make_milestone(cast_a), percent_complete=9)
    webhooks_send_due(workspace=cast_a.workspace)
    (delivery,) = deliveries_of(cast_a.workspace)
    with workspace_context(cast_a.workspace):
        webhook_delivery_redeliver(
            workspace=cast_a.workspace, actor=cast_a.admin, delivery=delivery
        )
    assert webhooks_send_due(workspace=cast_a.workspace) == 1
    first, second = receiver.requests
    assert first[1]["PartnerHub-Event-Id"] == second[1]["PartnerHub-Event-Id"]
    assert json.loads(first[2]) == json.loads(second[2])


def test_an_expired_lease_is_claimed_again_and_the_old_claim_is_fenced(cast_a: Cast) -> None:
    make_endpoint(cast_a, events=["milestone.updated"])
    update_milestone(cast_a, make_milestone(cast_a), percent_complete=9)
    now = timezone.now()
    stale = delivery_claim(workspace=cast_a.workspace, now=now)
    assert stale is not None
    assert delivery_claim(workspace=cast_a.workspace, now=now) is None  # leased
    later: datetime = now + timedelta(minutes=10)
    fresh = delivery_claim(workspace=cast_a.workspace, now=later)
    assert fresh is not None and fresh.attempt == 2
    ok = Outcome(200, 5, "")
    assert not delivery_finish(workspace=cast_a.workspace, claim=stale, outcome=ok, now=later)
    assert delivery_finish(workspace=cast_a.workspace, claim=fresh, outcome=ok, now=later)


def test_the_send_time_guard_refuses_a_target_that_became_private(
    cast_a: Cast, settings, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    make_endpoint(cast_a, events=["milestone.updated"], url=receiver.url)
    update_milestone(cast_a, make_milestone(cast_a), percent_complete=9)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # production rules at send time
    webhooks_send_due(workspace=cast_a.workspace)
    (delivery,) = deliveries_of(cast_a.workspace)
    assert receiver.requests == []
    assert delivery.state == DeliveryState.PENDING
    assert "https" in delivery.last_error


def test_the_sweep_finds_workspaces_with_due_deliveries(cast_a: Cast, cast_b: Cast) -> None:
    make_endpoint(cast_a, events=["milestone.updated"])
    update_milestone(cast_a, make_milestone(cast_a), percent_complete=9)
    due, last = workspaces_with_due_deliveries(after=0, limit=500)
    assert due == [cast_a.workspace.pk]
    assert last is not None and last >= cast_b.workspace.pk
