"""On a phone: a partner reports a figure broken down by gender from "My figures" (and is
told, without anything being saved, when the parts do not add up); a coordinator, on
their own phone, approves it from "Review figures" and finds it counted on the
partnership's dashboard. Every page on the way is checked for accessibility."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from impact.models import (
    Frequency,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    MeasurementEventKind,
    MeasurementStatus,
    ValueType,
)
from impact.periods import window_containing
from impact.services_indicators import indicator_create
from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, PartnershipModel, PartnershipStatus
from partners.services.organizations import organization_create
from partners.services.partnerships import (
    partnership_create,
    partnership_member_add,
    workspace_today,
)
from tests.e2e.conftest import PageChecks
from tests.e2e.helpers import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTNERSHIP = "Youth Into Work"
INDICATOR = "Young people placed in a first job"
BREAKDOWN = (("Female", 64), ("Male", 50), ("Another", 6))
NOTE = "Counted from the placement register on the last day of the quarter."


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A phone: 375 x 740 CSS pixels, a mobile viewport, a touch screen."""
    return {**browser_context_args, **PHONE}


@dataclass
class Reporting:
    workspace: Any
    partnership: Any
    indicator: Any
    reporter: Any
    partner: Any
    coordinator: Any
    closed_period: Any


@pytest.fixture
def reporting(transactional_db: None) -> Reporting:
    """A quarterly indicator, 0 -> 200 people, broken down by gender (exhaustive), that
    the training college reports: one quarter has ended (the figure is owed), the next is
    under way. The partner user represents the college."""
    workspace = WorkspaceFactory(name="Skills Coalition", slug="skills")
    coordinator = UserFactory(email="cora.coordinator@example.org", full_name="Cora Coordinator")
    MembershipFactory(workspace=workspace, user=coordinator, role=Role.COORDINATOR)
    partner = UserFactory(email="pat.partner@example.org", full_name="Pat Partner")
    with workspace_context(workspace):
        today = workspace_today(workspace)
        current_start, current_end = window_containing(today, Frequency.QUARTERLY)
        closed_start, _ = window_containing(current_start - timedelta(days=1), Frequency.QUARTERLY)

        def organization(name: str, sector: str) -> Any:
            return organization_create(
                workspace=workspace, actor=coordinator, name=name, sector=sector
            )

        council = organization("Northfield Council", "government")
        college = organization("Northfield Training College", "nonprofit")
        employer = organization("Harbourside Employers Forum", "business")
        partnership = partnership_create(
            workspace=workspace,
            actor=coordinator,
            name=PARTNERSHIP,
            model=PartnershipModel.CROSS_SECTOR,
            lead_organization=council,
            start_date=closed_start - timedelta(days=30),
            status=PartnershipStatus.ACTIVE,
        )
        for member in (college, employer):  # the lead joins as it is created
            partnership_member_add(
                workspace=workspace,
                actor=coordinator,
                partnership=partnership,
                organization=member,
                roles=[MemberRole.IMPLEMENTER],
            )
        indicator = indicator_create(
            workspace=workspace,
            actor=coordinator,
            partnership=partnership,
            name=INDICATOR,
            definition="People aged 16 to 24 who started a paid job of at least 3 months.",
            unit="people",
            value_type=ValueType.NUMBER,
            baseline_value=Decimal("0"),
            baseline_date=closed_start - timedelta(days=1),
            target_value=Decimal("200"),
            target_date=current_end,
            frequency=Frequency.QUARTERLY,
            reporter_ids=[college.pk],
            dimensions=[
                {"name": "Gender", "exhaustive": True, "categories": ["Female", "Male", "Another"]}
            ],
        )
        closed_period = indicator.periods.get(start_date=closed_start)
    MembershipFactory(workspace=workspace, user=partner, role=Role.PARTNER, organization=college)
    return Reporting(
        workspace=workspace,
        partnership=partnership,
        indicator=indicator,
        reporter=college,
        partner=partner,
        coordinator=coordinator,
        closed_period=closed_period,
    )


def figures_of(reporting: Reporting) -> list[Measurement]:
    with workspace_context(reporting.workspace):
        return list(Measurement.objects.filter(indicator=reporting.indicator))


def test_partner_reports_a_broken_down_figure_and_the_coordinator_approves_it_on_a_phone(
    page, checks, new_context, live_server, reporting
):
    assert page.viewport_size == PHONE["viewport"]
    log_in(page, checks, live_server.url, reporting.partner.email, PASSWORD)

    # The partner's way in: "My figures", then the ended quarter's "Report".
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="My figures").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("My figures")
    checks.check()
    owed = page.locator(".figure-table tbody tr")
    expect(owed).to_have_count(2)  # the ended quarter and the one under way
    late = owed.filter(has_text=re.compile(r"\d+ days? late"))
    expect(late).to_have_count(1)
    expect(late).to_contain_text(INDICATOR)
    expect(late).to_contain_text("Not reported")
    late.get_by_role("link", name=re.compile(r"^Report")).tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report a figure")
    expect(page.locator(".lead")).to_contain_text("for Northfield Training College")
    checks.check()
    gender = page.get_by_role("group", name="Gender")

    # The parts do not add up to the total: told so, nothing saved.
    page.get_by_label("Value (people)").fill("120")
    gender.get_by_label(re.compile(r"^Female\b")).fill("64")
    gender.get_by_label(re.compile(r"^Male\b")).fill("50")
    gender.get_by_label(re.compile(r"^Another\b")).fill("2")
    page.get_by_label("Note").fill(NOTE)
    page.get_by_role("button", name="Submit for review").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a figure")
    error = page.get_by_role("alert").filter(has_text="Gender")
    expect(error).to_contain_text("the parts add up to 116")
    expect(error).to_contain_text("the total, 120")
    # Named, taken into focus (a screen reader and a keyboard land on it), and tied to the
    # breakdown it is about.
    expect(error).to_have_accessible_name(re.compile(r"not saved", re.IGNORECASE))
    expect(error).to_be_focused()
    error_id = error.get_attribute("id")
    assert error_id and error_id in (gender.get_attribute("aria-describedby") or "").split()
    checks.check()
    assert figures_of(reporting) == []
    # What was typed is still there, to be corrected rather than retyped.
    expect(page.get_by_label("Value (people)")).to_have_value("120")
    expect(page.get_by_label("Note")).to_have_value(NOTE)

    gender.get_by_label(re.compile(r"^Another\b")).fill("6")
    page.get_by_role("button", name="Submit for review").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(INDICATOR)
    expect(page.get_by_text("Figure submitted for review.")).to_be_visible()
    figure = page.get_by_role("region", name="The figure")
    expect(figure.locator(".figure-status")).to_have_text("Submitted")
    breakdown = figure.get_by_role("table", name="By gender")
    expect(breakdown.locator("tbody tr")).to_have_text(
        [re.compile(rf"^\s*{name}\s*{value}\s*$") for name, value in BREAKDOWN]
    )
    expect(breakdown.locator("tfoot tr")).to_have_text(re.compile(r"^\s*Sum\s*120\s*$"))
    checks.check()

    (submitted,) = figures_of(reporting)
    assert (submitted.status, submitted.value, submitted.note) == (
        MeasurementStatus.SUBMITTED,
        Decimal("120"),
        NOTE,
    )
    assert (submitted.period_id, submitted.organization_id) == (
        reporting.closed_period.pk,
        reporting.reporter.pk,
    )
    assert submitted.submitted_by_id == reporting.partner.pk

    # A coordinator, on their own phone, reviews it.
    phone = new_context()
    coordinator_page = phone.new_page()
    assert coordinator_page.viewport_size == PHONE["viewport"]
    coordinator_checks = PageChecks(coordinator_page)
    log_in(
        coordinator_page, coordinator_checks, live_server.url, reporting.coordinator.email, PASSWORD
    )
    nav = coordinator_page.get_by_role("navigation", name="Workspace")

    # The dashboard says one figure waits and nothing counts yet.
    nav.get_by_role("link", name="Portfolio").tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text("Portfolio")
    coordinator_checks.check()
    coordinator_page.get_by_role("link", name=PARTNERSHIP, exact=True).tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(
        f"Dashboard of {PARTNERSHIP}"
    )
    coordinator_checks.check()
    waiting = coordinator_page.locator(".dash-glance > div").filter(
        has_text="Figures waiting for review"
    )
    expect(waiting.locator("dd")).to_contain_text("1")
    row = coordinator_page.get_by_role("table", name=re.compile(r"^Indicators")).get_by_role(
        "row", name=re.compile(INDICATOR)
    )
    expect(row.locator("td").nth(0)).to_have_text(re.compile(r"^\s*—"))

    nav.get_by_role("link", name="Review figures").tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text("Review figures")
    coordinator_checks.check()
    queue = coordinator_page.get_by_role("table", name=re.compile(r"waiting"))
    expect(queue.locator("tbody tr")).to_have_count(1)
    expect(queue).to_contain_text("120 people")
    expect(queue).to_contain_text("Northfield Training College")
    coordinator_page.get_by_label(re.compile(rf"^Select {INDICATOR}")).check()
    coordinator_page.get_by_role("button", name="Approve ticked").tap()
    expect(coordinator_page.get_by_text("Approved 1 figure.")).to_be_visible()
    expect(coordinator_page.get_by_text("Nothing waiting for review")).to_be_visible()
    coordinator_checks.check()

    # The dashboard now counts it: 120 of 200 people, 60% of the way, nothing waiting.
    nav.get_by_role("link", name="Portfolio").tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text("Portfolio")
    coordinator_checks.check()
    coordinator_page.get_by_role("link", name=PARTNERSHIP, exact=True).tap()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(
        f"Dashboard of {PARTNERSHIP}"
    )
    coordinator_checks.check()
    expect(waiting.locator("dd")).to_have_text(re.compile(r"^\s*0\s*$"))
    cells = row.locator("td")
    expect(cells.nth(0)).to_contain_text("120 people")
    expect(cells.nth(1)).to_contain_text("200 people")
    expect(cells.nth(2)).to_contain_text("60%")
    expect(cells.nth(3)).not_to_contain_text("Needs data")
    coordinator_checks.assert_all_checked()

    with workspace_context(reporting.workspace):
        approved = Measurement.objects.get(pk=submitted.pk)
        parts = dict(
            MeasurementBreakdown.objects.filter(measurement=approved).values_list(
                "category__name", "value"
            )
        )
        history = list(
            MeasurementEvent.objects.filter(measurement=approved)
            .order_by("created_at", "id")
            .values_list("kind", "actor_id", "value")
        )
    assert approved.status == MeasurementStatus.APPROVED
    assert approved.reviewed_by_id == reporting.coordinator.pk
    assert approved.reviewed_at is not None
    assert parts == {"Female": Decimal("64"), "Male": Decimal("50"), "Another": Decimal("6")}
    assert history == [
        (MeasurementEventKind.SUBMITTED, reporting.partner.pk, Decimal("120")),
        (MeasurementEventKind.APPROVED, reporting.coordinator.pk, Decimal("120")),
    ]
