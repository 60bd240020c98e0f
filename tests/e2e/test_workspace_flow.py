"""Log in, find the workspace, look after its members and settings, invite a partner."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from partnerhub.models import Invitation, Role
from tests.e2e.helpers import log_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_logs_in_manages_the_workspace_and_invites_a_partner(
    page, checks, live_server, scene
):
    log_in(page, checks, live_server.url, scene.admin.email, scene.password)

    # Two workspaces: home lists both, the switcher leads to either.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your workspaces")
    page.get_by_role("link", name="Youth Employment Collective").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Youth Employment Collective")
    expect(page.get_by_text("You are admin in this workspace")).to_be_visible()
    checks.check()

    workspace_nav = page.get_by_role("navigation", name="Workspace")
    workspace_nav.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    expect(page.get_by_role("cell", name="ada.admin@example.org")).to_be_visible()
    expect(workspace_nav.get_by_role("link", name="Members")).to_have_attribute(
        "aria-current", "page"
    )
    checks.check()

    # A member's page, and the refusal to make someone a partner without an organization.
    page.get_by_role("row", name=re.compile("Bartholomew")).get_by_role("link").click()
    checks.check()
    page.get_by_label("Organization").select_option(label="— None —")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("A partner must represent an organization.")).to_be_visible()
    expect(page.get_by_label("Organization")).to_have_attribute("aria-invalid", "true")
    checks.check()

    workspace_nav.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workspace settings")
    checks.check()
    page.get_by_label("Timezone").select_option("Africa/Nairobi")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Workspace settings saved.")
    expect(page.get_by_label("Timezone")).to_have_value("Africa/Nairobi")
    checks.check()

    workspace_nav.get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    checks.check()
    invited = "new.partner@harbour.example.org"
    page.get_by_label("Email", exact=True).fill(invited)
    page.get_by_label("Role", exact=True).select_option(label="Partner")
    page.get_by_label("Organization", exact=True).select_option(label="City Youth Services")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("cell", name=invited)).to_be_visible()
    checks.check()

    invitation = Invitation.objects.get(workspace=scene.workspace, email=invited)
    assert (invitation.role, invitation.organization_id) == (Role.PARTNER, scene.organization.pk)
    assert [message.to for message in mail.outbox] == [[invited]]


def test_switcher_and_error_pages(page, checks, live_server, scene):
    log_in(page, checks, live_server.url, scene.admin.email, scene.password)

    # The workspace switcher is a disclosure of links: it works without JavaScript.
    switcher = page.locator("details.switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name=re.compile("Regional Disaster Preparedness")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regional Disaster Preparedness")
    checks.check()

    # A viewer there: no admin links, and the admin pages answer 403 in the layout.
    nav = page.get_by_role("navigation", name="Workspace")
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    page.goto(f"{live_server.url}/w/{scene.second_workspace.slug}/members/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this here")
    checks.check()

    page.goto(f"{live_server.url}/w/not-a-workspace-of-yours/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    checks.check()
