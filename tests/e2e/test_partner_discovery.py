"""On a phone: a coordinator finds a suggested partner, adds it as a member and records
its commitment; every page on the way is checked for accessibility."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from partners.models import Commitment, MemberRole, PartnershipMember, PartnershipModel
from partners.services.organizations import organization_create
from partners.services.partnerships import partnership_create
from tests.e2e.helpers import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A phone: 375 x 740 CSS pixels, a mobile viewport, a touch screen."""
    return {**browser_context_args, **PHONE}


@dataclass
class Discovery:
    workspace: Any
    partnership: Any
    coordinator: Any


@pytest.fixture
def discovery(transactional_db: None) -> Discovery:
    """A literacy partnership that needs funding and data, led by a school network that
    needs volunteers; a directory where one foundation covers most of that."""
    workspace = WorkspaceFactory(name="Literacy Alliance", slug="literacy")
    coordinator = UserFactory(email="cora.coordinator@example.org", full_name="Cora Coordinator")
    MembershipFactory(workspace=workspace, user=coordinator, role=Role.COORDINATOR)

    def organization(name: str, sector: str, **traits: Any) -> Any:
        return organization_create(
            workspace=workspace, actor=coordinator, name=name, sector=sector, **traits
        )

    with workspace_context(workspace):
        schools = organization(
            "City School Network",
            "nonprofit",
            offers=["expertise"],
            needs=["volunteers"],
            sdgs=[4, 10],
        )
        organization(
            "Northern Learning Foundation",
            "philanthropy",
            offers=["funding", "data"],
            sdgs=[4, 8],
        )
        organization("Reading Volunteers", "community", offers=["volunteers"], sdgs=[4])
        organization("Coastal Shipping", "business", offers=["distribution"], sdgs=[14])
        partnership = partnership_create(
            workspace=workspace,
            actor=coordinator,
            name="Every Child Reads",
            model=PartnershipModel.COLLECTIVE_IMPACT,
            needs=["funding", "data"],
            lead_organization=schools,
            start_date=date(2026, 1, 1),
        )
    return Discovery(workspace=workspace, partnership=partnership, coordinator=coordinator)


def test_coordinator_adds_a_suggested_partner_and_records_its_commitment_on_a_phone(
    page, checks, live_server, discovery
):
    assert page.viewport_size == PHONE["viewport"]
    assert page.evaluate("() => navigator.maxTouchPoints") > 0
    log_in(page, checks, live_server.url, discovery.coordinator.email, PASSWORD)

    page.goto(f"{live_server.url}/w/{discovery.workspace.slug}/")
    checks.check()
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Partnerships").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerships")
    checks.check()

    page.get_by_role("link", name="Every Child Reads").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Every Child Reads")
    checks.check()

    page.get_by_role("link", name="Suggested partners").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggested partners")
    checks.check()
    suggestions = page.get_by_role("region", name="Suggestions").get_by_role("listitem")
    expect(suggestions).to_have_count(2)  # the shipping company offers nothing lacking
    top = suggestions.first
    expect(top.get_by_role("heading", level=3)).to_have_text("Northern Learning Foundation")
    expect(top).to_contain_text(
        "Offers funding and data (needed by the partnership), which no member offers; "
        "shares SDG 4 (Quality education)."
    )
    top.get_by_label(re.compile(r"^Role")).select_option(label="Funder")
    top.get_by_role("button", name=re.compile(r"^Add as member")).tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Every Child Reads")
    expect(page.get_by_role("status").first).to_have_text(
        "Northern Learning Foundation joined the partnership as a funder."
    )
    members = page.get_by_role("region", name=re.compile("^Current members"))
    expect(
        members.get_by_role("row", name=re.compile("Northern Learning Foundation"))
    ).to_contain_text("Funder")
    checks.check()

    page.get_by_role("link", name="Record a commitment").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a commitment")
    checks.check()
    page.get_by_label("Member").select_option(label="Northern Learning Foundation")
    page.get_by_label("Cash").check()
    page.get_by_label("Amount pledged").fill("25000")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Description").fill("Reading books for year one")
    page.get_by_role("button", name="Record commitment").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Every Child Reads")
    expect(page.get_by_role("status").first).to_have_text(
        "Commitment of Northern Learning Foundation recorded."
    )
    ledger = page.get_by_role("region", name="Commitments of Northern Learning Foundation")
    expect(ledger).to_contain_text("Reading books for year one")
    expect(ledger).to_contain_text("25,000.00 EUR")
    checks.check()

    with workspace_context(discovery.workspace):
        member = PartnershipMember.objects.get(
            partnership=discovery.partnership,
            organization__name="Northern Learning Foundation",
            left_on__isnull=True,
        )
        commitment = Commitment.objects.get(member=member)
    assert member.roles == [MemberRole.FUNDER]
    assert (commitment.kind, commitment.pledged, commitment.currency) == (
        "cash",
        Decimal("25000"),
        "EUR",
    )
