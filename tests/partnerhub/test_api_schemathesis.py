"""schemathesis against the live OpenAPI document: every operation, with a read key and a
write key, on seeded data. No response may be a server error, and every documented
response must conform to the schema.

The document is fetched from the running application (``/api/v1/schema/`` through the
Django WSGI app), once per session. Requests go through the same WSGI app in-process, so
they share the test's transaction like Django's test client (Row-Level Security applies:
the app sets the tenant per request). Path parameters are pointed at seeded objects so
that most examples reach real rows rather than 404s; bodies and query strings are
schemathesis' own. Bounded: a few derandomized examples per operation.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from goals.services import goal_create, milestone_create
from impact.models import MeasurementStatus
from partnerhub.models import ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partnerhub.wsgi import application
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SCHEMA_PATH = "/api/v1/schema/"
MAX_EXAMPLES = 5

CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance]

# The path segment before an id parameter -> the seeded object it names.
_RESOURCE_OF_SEGMENT = {
    "organizations": "organization",
    "partnerships": "partnership",
    "partnership-members": "partnership_member",
    "goals": "goal",
    "milestones": "milestone",
    "indicators": "indicator",
    "periods": "period",
    "measurements": "measurement",
    "members": "membership",
}


@pytest.fixture
def seeded(cast_a, cast_b, settings):  # type: ignore[no-untyped-def]
    """Workspace A with a partnership, goal, milestone, indicator and figures, and its
    keys; workspace B exists so that cross-tenant leaks would show as wrong data."""
    # Hundreds of requests in a few seconds: the rate limit is tested elsewhere.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "1000000/min"},
    }
    workspace = cast_a.workspace
    with workspace_context(workspace):
        partnership = make_partnership(cast_a, members=[cast_a.organization])
        goal = goal_create(
            workspace=workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            title="Every child reads by 8",
            sdgs=[4],
        )
        milestone = milestone_create(
            workspace=workspace,
            actor=cast_a.coordinator,
            goal=goal,
            title="Reading clubs open",
            due_date=date(2026, 6, 30),
        )
        indicator = make_indicator(cast_a, partnership=partnership)
        periods = periods_of(indicator)
        approved = make_measurement(cast_a, indicator=indicator, period=periods[0], value=10)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[1],
            value=Decimal("12.5"),
            status=MeasurementStatus.SUBMITTED,
        )
        member = partnership.members.first()
        membership = cast_a.viewer.memberships.get(workspace=workspace)
        ids = {
            "organization": cast_a.organization.pk,
            "partnership": partnership.pk,
            "partnership_member": member.pk if member else 0,
            "goal": goal.pk,
            "milestone": milestone.pk,
            "indicator": indicator.pk,
            "period": periods[0].pk,
            "measurement": approved.pk,
            "membership": membership.pk,
        }
        _, read_key = api_key_create(
            workspace=workspace, actor=cast_a.admin, name="schemathesis read", scope="read"
        )
        _, write_key = api_key_create(
            workspace=workspace,
            actor=cast_a.admin,
            name="schemathesis write",
            scope=ApiKeyScope.WRITE,
        )
    return {"slug": workspace.slug, "ids": ids, "read": read_key, "write": write_key}


@pytest.fixture(autouse=True)
def _keep_test_connection():  # type: ignore[no-untyped-def]
    """The real WSGI handler closes "old" connections at each request's start and end,
    which would close the test's transaction; Django's test client disconnects the same
    receivers while it runs a request."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


def _path_parameters(path: str, seeded) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The workspace's slug, and for ``/<resource>/{id}`` the id of the seeded object."""
    fixed: dict[str, object] = {}
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments):
        match = re.fullmatch(r"\{(\w+)\}", segment)
        if not match:
            continue
        name = match.group(1)
        if name == "workspace_slug":
            fixed[name] = seeded["slug"]
            continue
        resource = _RESOURCE_OF_SEGMENT.get(segments[index - 1])
        if resource is not None:
            fixed[name] = seeded["ids"][resource]
    return fixed


BOUNDED = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _run_all(*, seeded, key: str, methods: set[str]) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """Every operation (of these methods), a few examples each; answers how many
    operations ran and one line per failing operation (with its failing example)."""
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in methods:
            continue
        ran += 1
        strategy = operation.as_strategy(path_parameters=_path_parameters(operation.path, seeded))

        @BOUNDED
        @given(case=strategy)
        def run(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every failing operation, not the first
            failures.append(f"{operation.label}: {exc}")
    return ran, failures


def test_every_read_operation_with_a_read_key(seeded):  # type: ignore[no-untyped-def]
    ran, failures = _run_all(seeded=seeded, key=seeded["read"], methods={"GET"})
    assert ran >= 40
    assert not failures, "\n\n".join(failures)


def test_every_operation_with_a_write_key(seeded):  # type: ignore[no-untyped-def]
    ran, failures = _run_all(
        seeded=seeded, key=seeded["write"], methods={"GET", "POST", "PUT", "PATCH", "DELETE"}
    )
    assert ran >= 80
    assert not failures, "\n\n".join(failures)


# --- What schemathesis found, pinned ----------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "activity/?since=3113-12-11T03:16:22.41454-23:39",
        "activity/?until=2026-01-01T00:00:00%2B23:59",
        "deletions/?since=2026-01-01T00:00:00-20:00",
        "partnerships/?updated_since=2026-01-01T00:00:00-23:00",
    ],
)
def test_offsets_postgresql_refuses_are_converted_not_a_server_error(seeded, query):  # type: ignore[no-untyped-def]
    """Python accepts UTC offsets up to 24 h, PostgreSQL only up to 16 h: the filters
    convert to UTC first (a DataError and a 500 before)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {seeded['read']}")
    response = client.get(f"/api/v1/w/{seeded['slug']}/{query}")
    assert response.status_code == 200, response.content
