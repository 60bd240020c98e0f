"""The shared cast: an admin, a coordinator, a partner and a viewer in workspace A, and
the same cast in workspace B; plus the PostgreSQL set-up with the owner role."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from partnerhub.db import owner_connection
from partnerhub.models import Membership, Role, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    WorkspaceFactory,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
_skipped_service_tests: list[str] = []


# --- Service-backed tests: skipped without the service, failed when it is required ----


def _service_missing(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and not settings.IS_POSTGRES:
        return "PostgreSQL (set DATABASE_URL)"
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "Redis (set REDIS_URL)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = _service_missing(item)
    if missing is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but this test needs {missing}", pytrace=False)
    _skipped_service_tests.append(f"{item.nodeid} (needs {missing})")
    pytest.skip(f"needs {missing}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if _skipped_service_tests:
        terminalreporter.section("service-backed tests skipped")
        for line in _skipped_service_tests:
            terminalreporter.write_line(line)


# --- Database set-up: create and migrate the test database as the owner role ----------


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):  # type: ignore[no-untyped-def]
    """Like pytest-django's, but the owner role creates and migrates the test database,
    so the tests themselves run as the application role under Row-Level Security."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock(), owner_connection():
        db_cfg = setup_databases(verbosity=request.config.option.verbose, interactive=False)
    yield
    with django_db_blocker.unblock(), owner_connection():
        try:
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)
        except Exception as exc:  # a lingering live-server connection; report, don't mask results
            print(f"warning: test database teardown: {exc}")  # noqa: T201


# --- The cast -------------------------------------------------------------------------


@dataclass
class Cast:
    workspace: Workspace
    organization: Organization
    other_organization: Organization
    admin: User
    coordinator: User
    partner: User
    viewer: User

    def user(self, role: str) -> User:
        return getattr(self, role)

    def client(self, role: str) -> Client:
        client = Client()
        client.force_login(self.user(role))
        return client


def _make_cast(label: str) -> Cast:
    workspace = WorkspaceFactory(name=f"Workspace {label}", slug=f"ws-{label.lower()}")
    with workspace_context(workspace):
        organization = OrganizationFactory(workspace=workspace, name=f"Org {label}1")
        other = OrganizationFactory(workspace=workspace, name=f"Org {label}2")
    users = {}
    for role in (Role.ADMIN, Role.COORDINATOR, Role.PARTNER, Role.VIEWER):
        user = UserFactory(email=f"{role}.{label.lower()}@example.org")
        MembershipFactory(
            user=user,
            workspace=workspace,
            role=role,
            organization=organization if role == Role.PARTNER else None,
        )
        users[str(role)] = user
    return Cast(workspace=workspace, organization=organization, other_organization=other, **users)


@pytest.fixture
def cast_a(db) -> Cast:  # type: ignore[no-untyped-def]
    return _make_cast("A")


@pytest.fixture
def cast_b(db) -> Cast:  # type: ignore[no-untyped-def]
    return _make_cast("B")


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def tenant(db):  # type: ignore[no-untyped-def]
    """``with tenant(workspace):`` — run ORM code inside that workspace's RLS context."""
    return workspace_context


__all__ = ["Cast", "Membership"]


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Rate-limit counters and cached values never leak from one test into the next.

    With REDIS_URL set this flushes that Redis database: point tests at a database of
    their own (CI uses /15)."""
    from django.core.cache import cache

    cache.clear()
    yield
