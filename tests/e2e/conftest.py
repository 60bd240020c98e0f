"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's
live server, with an accessibility check (axe-core, WCAG 2.x A/AA) of every page.

Run them with ``.venv/bin/python -m pytest tests/e2e -m e2e``. Other runs leave them out
with ``-m "not e2e"`` or ``-p no:playwright``; without the plugin (or without Chromium)
they are skipped here instead of failing at collection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.axe import assert_accessible


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():  # type: ignore[no-untyped-def]
    """Playwright's sync API runs an event loop in this thread; Django's ORM refuses to
    run where a loop is running unless told that this is safe (it is: the loop is
    Playwright's). Set only while browser tests run, so it never leaks elsewhere."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
CSP_ERROR = re.compile(r"Content.Security.Policy|Refused to")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's own base_url fixture trips a pytest deprecation; not ours to fix.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here ``e2e``; skip them when the browser or plugin is missing."""
    reason = None
    if not config.pluginmanager.hasplugin("playwright"):
        reason = "the playwright plugin is disabled (-p no:playwright)"
    elif not CHROMIUM.exists() and os.environ.get("REQUIRE_SERVICES") != "1":
        # With REQUIRE_SERVICES=1 the tests run and fail loudly instead.
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (a downloaded browser is never used)."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "UTC"}


# --- Every page a test visits is checked ------------------------------------------------


@dataclass
class PageChecks:
    """Watches one page: failed assets, CSP violations, script errors, and which URLs it
    showed. ``check()`` runs axe on the current page; at the end of the test every URL
    the page showed must have been checked."""

    page: Any
    problems: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("framenavigated", self._on_navigated)

    def _on_response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} for {response.url}")

    def _on_console(self, message: Any) -> None:
        if message.type == "error" and CSP_ERROR.search(message.text):
            self.problems.append(f"console: {message.text}")

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.shown.append(frame.url)

    def check(self) -> None:
        """The current page: accessible, styled by our CSS, no failed asset, no CSP error."""
        self.page.wait_for_load_state("load")
        self.checked.append(self.page.url)
        assert_accessible(self.page)
        styled, scripted = self.page.evaluate(
            """() => {
                const link = document.querySelector('.skip-link');
                return [
                    !!link && getComputedStyle(link).position === 'absolute',
                    typeof window.htmx !== 'undefined',
                ];
            }"""
        )
        assert styled, f"our stylesheet did not apply on {self.page.url}"
        assert scripted, f"the vendored htmx did not load on {self.page.url}"
        assert not self.problems, f"on {self.page.url}: " + "; ".join(self.problems)

    def assert_all_checked(self) -> None:
        missed = [url for url in self.shown if url not in self.checked and url != "about:blank"]
        assert not missed, f"pages shown but never checked for accessibility: {missed}"


@pytest.fixture
def checks(page: Any) -> Iterator[PageChecks]:
    watcher = PageChecks(page)
    yield watcher
    watcher.assert_all_checked()


# --- Data and logging in -------------------------------------------------------------


@dataclass
class Scene:
    workspace: Any
    second_workspace: Any
    organization: Any
    admin: Any
    password: str


@pytest.fixture
def scene(transactional_db: None) -> Scene:
    """An admin of two workspaces, a few members and organizations, committed for real
    (the live server's thread reads them through its own connection)."""
    from partnerhub.models import Role
    from partnerhub.tenancy import workspace_context
    from tests.factories import (
        PASSWORD,
        MembershipFactory,
        OrganizationFactory,
        UserFactory,
        WorkspaceFactory,
    )

    workspace = WorkspaceFactory(name="Youth Employment Collective", slug="youth-jobs")
    second = WorkspaceFactory(name="Regional Disaster Preparedness", slug="preparedness")
    with workspace_context(workspace):
        organization = OrganizationFactory(workspace=workspace, name="City Youth Services")
        OrganizationFactory(workspace=workspace, name="Harbour Logistics Ltd")
    admin = UserFactory(email="ada.admin@example.org", full_name="Ada Admin")
    MembershipFactory(workspace=workspace, user=admin, role=Role.ADMIN)
    MembershipFactory(workspace=second, user=admin, role=Role.VIEWER)
    MembershipFactory(
        workspace=workspace,
        user=UserFactory(
            email="a.person.with.a.rather.long.address@partner-organization.example.org",
            full_name="Bartholomew Featherstonehaugh-Montgomery",
        ),
        role=Role.PARTNER,
        organization=organization,
    )
    MembershipFactory(workspace=workspace, role=Role.COORDINATOR)
    MembershipFactory(workspace=workspace, role=Role.VIEWER)
    return Scene(
        workspace=workspace,
        second_workspace=second,
        organization=organization,
        admin=admin,
        password=PASSWORD,
    )
