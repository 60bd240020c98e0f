"""On a phone: a partner posts a progress update from "My work"; a coordinator then finds
it in the partnership's activity. Every page on the way is checked for accessibility."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from goals.models import Milestone, MilestoneStatus, ProgressUpdate
from goals.services import goal_create, milestone_create
from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, PartnershipModel
from partners.services.organizations import organization_create
from partners.services.partnerships import (
    partnership_create,
    partnership_member_add,
    workspace_today,
)
from roles.models import Raci
from roles.services import role_assign
from tests.e2e.conftest import PageChecks
from tests.e2e.helpers import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OURS = "Pre-position water at the island shelters"
THEIRS = "Shelter opening drill"
NARRATIVE = "Four of the six island shelters are stocked; the ferry takes the rest on Monday."
BLOCKERS = "A second ferry slot before the storm season."


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A phone: 375 x 740 CSS pixels, a mobile viewport, a touch screen."""
    return {**browser_context_args, **PHONE}


@dataclass
class Work:
    workspace: Any
    partnership: Any
    partner: Any
    coordinator: Any
    milestone: Any


@pytest.fixture
def work(transactional_db: None) -> Work:
    """A partnership where the grocers are Responsible for an overdue milestone and the
    city for another; the partner user represents the grocers."""
    workspace = WorkspaceFactory(name="Coastal Preparedness", slug="coastal")
    coordinator = UserFactory(email="sam.coordinator@example.org", full_name="Sam Coordinator")
    MembershipFactory(workspace=workspace, user=coordinator, role=Role.COORDINATOR)
    partner = UserFactory(email="priya.partner@example.org", full_name="Priya Partner")
    with workspace_context(workspace):
        today = workspace_today(workspace)

        def organization(name: str, sector: str) -> Any:
            return organization_create(
                workspace=workspace, actor=coordinator, name=name, sector=sector
            )

        relief = organization("Coastal Relief Network", "nonprofit")
        grocers = organization("Tidewater Grocers", "business")
        city = organization("City of Port Alder", "government")
        partnership = partnership_create(
            workspace=workspace,
            actor=coordinator,
            name="Hurricane Readiness",
            model=PartnershipModel.CROSS_SECTOR,
            lead_organization=relief,
            start_date=today - timedelta(days=200),
        )
        for member in (grocers, city):
            partnership_member_add(
                workspace=workspace,
                actor=coordinator,
                partnership=partnership,
                organization=member,
                roles=[MemberRole.IMPLEMENTER],
            )
        goal = goal_create(
            workspace=workspace,
            actor=coordinator,
            partnership=partnership,
            title="Every shelter opens within six hours",
            target_date=today + timedelta(days=180),
            sdgs=[11, 13],
        )
        ours = milestone_create(
            workspace=workspace,
            actor=coordinator,
            goal=goal,
            title=OURS,
            due_date=today - timedelta(days=3),
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=20,
        )
        theirs = milestone_create(
            workspace=workspace, actor=coordinator, goal=goal, title=THEIRS, due_date=today
        )
        roles = (
            (ours, relief, Raci.ACCOUNTABLE),
            (ours, grocers, Raci.RESPONSIBLE),
            (theirs, relief, Raci.ACCOUNTABLE),
            (theirs, city, Raci.RESPONSIBLE),
        )
        for milestone, holder, letter in roles:
            role_assign(
                workspace=workspace,
                actor=coordinator,
                milestone=milestone,
                organization=holder,
                raci=letter,
            )
    MembershipFactory(workspace=workspace, user=partner, role=Role.PARTNER, organization=grocers)
    return Work(
        workspace=workspace,
        partnership=partnership,
        partner=partner,
        coordinator=coordinator,
        milestone=ours,
    )


def test_partner_posts_an_update_from_my_work_and_the_coordinator_sees_it_on_a_phone(
    page, checks, new_context, live_server, work
):
    assert page.viewport_size == PHONE["viewport"]
    assert page.evaluate("() => navigator.maxTouchPoints") > 0
    log_in(page, checks, live_server.url, work.partner.email, PASSWORD)

    # The partner's way in: the workspace navigation's "My work".
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="My work").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    checks.check()
    items = page.locator(".work-list > li")
    expect(items).to_have_count(1)  # the city's milestone is not the grocers' work
    item = items.first
    expect(item.get_by_role("heading", level=2)).to_have_text(OURS)
    expect(item).to_contain_text("overdue by 3 days")
    item.get_by_role("link", name=re.compile(r"^Post an update")).tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Post an update")
    checks.check()
    page.get_by_label("New status").select_option(label="At risk")
    page.get_by_label("Percent complete").fill("65")
    page.get_by_label("What happened").fill(NARRATIVE)
    page.get_by_label("Blockers or help needed").fill(BLOCKERS)
    page.get_by_role("button", name="Post update").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text(OURS)
    expect(page.get_by_text("Update posted.")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("At risk")
    expect(page.locator(".lead")).to_contain_text("65% complete")
    updates = page.get_by_role("region", name="Progress updates")
    expect(updates).to_contain_text(NARRATIVE)
    expect(updates).to_contain_text(BLOCKERS)
    checks.check()

    with workspace_context(work.workspace):
        milestone = Milestone.objects.get(pk=work.milestone.pk)
        update = ProgressUpdate.objects.get(milestone=milestone)
    assert (milestone.status, milestone.percent_complete, milestone.version) == (
        MilestoneStatus.AT_RISK,
        65,
        work.milestone.version + 1,
    )
    assert update.author_id == work.partner.pk
    assert (update.status_before, update.status_after) == (MilestoneStatus.IN_PROGRESS, "at_risk")
    assert (update.percent_before, update.percent_after) == (20, 65)
    assert update.blockers == BLOCKERS

    # A coordinator, on their own phone, finds it in the partnership's activity.
    coordinator_page = new_context().new_page()
    coordinator_checks = PageChecks(coordinator_page)
    log_in(coordinator_page, coordinator_checks, live_server.url, work.coordinator.email, PASSWORD)
    nav = coordinator_page.get_by_role("navigation", name="Workspace")
    nav.get_by_role("link", name="Partnerships").tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text("Partnerships")
    coordinator_checks.check()
    coordinator_page.get_by_role("link", name="Hurricane Readiness").tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text("Hurricane Readiness")
    coordinator_checks.check()
    coordinator_page.get_by_role("link", name="Activity of this partnership").tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(
        "Activity of Hurricane Readiness"
    )
    coordinator_checks.check()
    entries = coordinator_page.locator(".activity-entry")
    posted = entries.filter(has_text=f"Update on {OURS}")
    expect(posted).to_have_count(1)
    expect(posted).to_contain_text(NARRATIVE)
    expect(posted).to_contain_text(BLOCKERS)
    # Newest first: the update and the change it made to the milestone lead the trail.
    expect(entries.nth(0)).to_contain_text(OURS)
    expect(entries.nth(1)).to_contain_text(OURS)
    coordinator_checks.assert_all_checked()
