"""``manage.py bench_prepare``: its JSON holds working credentials and the right ids.

A tiny bench-shaped data set (workspace bench-00, its coordinator, partners with role
assignments, indicators with an open period) built with the test builders; every key and
cookie the command prints is then used through the test client.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from bench.scale import ANCHOR_DATE, LARGE_WORKSPACE_SLUG, coordinator_email, partner_email
from goals.models import MilestoneStatus
from impact.models import Frequency, ReportingPeriod
from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from roles.models import Raci, RoleAssignment
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, WorkspaceFactory
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of
from tests.roles.helpers import make_goal, make_milestone

pytestmark = pytest.mark.django_db


def _bench_cast() -> tuple[Cast, dict[str, Any]]:
    workspace = WorkspaceFactory(name="Bench 00", slug=LARGE_WORKSPACE_SLUG)
    with workspace_context(workspace):
        orgs = [OrganizationFactory(workspace=workspace, name=f"Bench org {i}") for i in range(3)]
    users = {}
    for role, email, org in (
        (Role.ADMIN, "admin-00@bench.example", None),
        (Role.COORDINATOR, coordinator_email(0), None),
        (Role.PARTNER, partner_email(0, 0), orgs[0]),
        (Role.VIEWER, "viewer-00@bench.example", None),
    ):
        users[str(role)] = UserFactory(email=email)
        MembershipFactory(user=users[str(role)], workspace=workspace, role=role, organization=org)
    # The busiest partner: organization 1 (two open milestones), organization 0 has one.
    busy = UserFactory(email=partner_email(0, 1))
    MembershipFactory(user=busy, workspace=workspace, role=Role.PARTNER, organization=orgs[1])
    cast = Cast(workspace=workspace, organization=orgs[0], other_organization=orgs[1], **users)
    return cast, {"orgs": orgs, "busy": busy}


@pytest.fixture
def bench_data() -> dict[str, Any]:
    cast, extra = _bench_cast()
    orgs = extra["orgs"]
    with workspace_context(cast.workspace):
        small = make_partnership(cast, members=orgs[:1])
        large = make_partnership(cast, members=orgs)
        monthly = {
            "frequency": Frequency.MONTHLY,
            "baseline_date": date(2024, 12, 31),
            "target_date": date(2026, 12, 31),
        }
        make_indicator(cast, partnership=small, reporters=orgs[:1], **monthly)
        indicators = [
            make_indicator(cast, partnership=large, reporters=orgs, **monthly) for _ in range(2)
        ]
        first_period = periods_of(indicators[0])[0]
        make_measurement(cast, indicator=indicators[0], period=first_period, value=5)
    goal = make_goal(cast, large)
    milestones = [make_milestone(cast, goal, title=f"Milestone {i}") for i in range(3)]
    done = make_milestone(cast, goal, title="Done", status=MilestoneStatus.DONE)
    with workspace_context(cast.workspace):
        for milestone, org, letter in (
            (milestones[0], orgs[0], Raci.RESPONSIBLE),
            (milestones[1], orgs[1], Raci.RESPONSIBLE),
            (milestones[2], orgs[1], Raci.ACCOUNTABLE),
            # Done milestones and Consulted letters do not count.
            (done, orgs[0], Raci.RESPONSIBLE),
            (milestones[1], orgs[0], Raci.CONSULTED),
            (milestones[2], orgs[0], Raci.CONSULTED),
        ):
            RoleAssignment.objects.create(
                workspace=cast.workspace,
                partnership=large,
                milestone=milestone,
                organization=org,
                raci=letter,
            )
    return {
        "cast": cast,
        "large": large,
        "indicators": indicators,
        "orgs": orgs,
        "busy": extra["busy"],
        "milestones": milestones,
    }


def prepare() -> dict[str, Any]:
    out = io.StringIO()
    call_command("bench_prepare", "--scale", "small", stdout=out)
    return json.loads(out.getvalue())


def client_with(cookie: str) -> Client:
    cookies = dict(part.split("=", 1) for part in cookie.split("; "))
    assert list(cookies) == [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]
    client = Client()
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def test_ids_pick_the_busiest_partnership_partner_and_the_open_period(bench_data):
    document = prepare()

    assert document["workspace"] == LARGE_WORKSPACE_SLUG
    assert document["dashboard_partnership"] == bench_data["large"].pk
    assert document["dashboard_indicators"] == 2
    partner = document["sessions"]["partner"]
    assert partner["email"] == bench_data["busy"].email
    assert partner["organization"] == bench_data["orgs"][1].pk
    assert partner["assignments"] == 2
    assert document["counts"] == {"measurements": 1}
    # Every reporter of every indicator (1 + 3 + 3), each in its indicator's open period.
    assert len(document["post_targets"]) == 7
    with workspace_context(bench_data["cast"].workspace):
        for target in document["post_targets"]:
            period = ReportingPeriod.objects.get(pk=target["period"])
            assert period.indicator_id == target["indicator"]
            assert period.start_date <= ANCHOR_DATE <= period.end_date
    assert document["open_period"] == "2026-11-01"
    # The indicators in turn: concurrent writes go to different indicators and periods.
    first = [target["indicator"] for target in document["post_targets"][:3]]
    assert len(set(first)) == 3


def test_sessions_open_the_measured_pages(bench_data):
    document = prepare()
    slug = document["workspace"]

    coordinator = client_with(document["sessions"]["coordinator"]["cookie"])
    dashboard = coordinator.get(
        f"/w/{slug}/partnerships/{document['dashboard_partnership']}/dashboard/"
    )
    assert dashboard.status_code == 200
    assert bench_data["large"].name in dashboard.content.decode()
    # A signed-in browser's request: its CSRF secret is kept (sent back to renew it), not
    # replaced by a new one.
    sent = dict(
        part.split("=", 1) for part in document["sessions"]["coordinator"]["cookie"].split("; ")
    )
    assert dashboard.cookies[settings.CSRF_COOKIE_NAME].value == sent[settings.CSRF_COOKIE_NAME]
    assert coordinator.get(f"/w/{slug}/portfolio/").status_code == 200

    partner = client_with(document["sessions"]["partner"]["cookie"])
    my_work = partner.get(f"/w/{slug}/my-work/")
    assert my_work.status_code == 200
    page = my_work.content.decode()
    assert "Milestone 1" in page
    assert "Milestone 2" in page
    assert "Milestone 0" not in page  # organization 0's, not the busy partner's
    assert my_work.context["user"] == bench_data["busy"]

    # Without a cookie the same page sends to the login page.
    assert Client().get(f"/w/{slug}/my-work/").status_code == 302


def test_keys_read_and_write_through_the_api(bench_data):
    document = prepare()
    slug = document["workspace"]
    read = {"HTTP_AUTHORIZATION": f"Bearer {document['keys']['read']}"}
    write = {"HTTP_AUTHORIZATION": f"Bearer {document['keys']['write']}"}
    client = Client()

    listed = client.get(f"/api/v1/w/{slug}/measurements/", **read)
    assert listed.status_code == 200
    assert len(listed.json()["results"]) == 1

    target = document["post_targets"][0]
    body = json.dumps({**target, "value": "3", "submit": True})
    refused = client.post(
        f"/api/v1/w/{slug}/measurements/", body, content_type="application/json", **read
    )
    assert refused.status_code == 403
    created = client.post(
        f"/api/v1/w/{slug}/measurements/", body, content_type="application/json", **write
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "submitted"
    again = json.dumps({**target, "value": "4", "submit": True})
    changed = client.post(
        f"/api/v1/w/{slug}/measurements/", again, content_type="application/json", **write
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2


def test_a_new_run_revokes_the_previous_keys(bench_data):
    first = prepare()
    second = prepare()
    slug = first["workspace"]
    client = Client()

    old = client.get(
        f"/api/v1/w/{slug}/measurements/", HTTP_AUTHORIZATION=f"Bearer {first['keys']['read']}"
    )
    new = client.get(
        f"/api/v1/w/{slug}/measurements/", HTTP_AUTHORIZATION=f"Bearer {second['keys']['read']}"
    )
    assert old.status_code == 401
    assert new.status_code == 200


def test_refuses_a_database_without_bench_data(db):
    with pytest.raises(CommandError, match="bench_seed"):
        prepare()
