"""Where coordinators look, on a laptop and on a 320 px screen: the portfolio, the
missing-data board, a partnership's dashboard, its indicators, an indicator's page (chart
and table), the printable impact report, a health check's results and the CSV import.
Every page is checked for accessibility and, on both screens, never scrolls sideways
(wide tables scroll inside their own box)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from goals.models import MilestoneStatus
from goals.services import goal_create, milestone_create
from impact.models import (
    Aggregation,
    DimensionCategory,
    Direction,
    Frequency,
    ImportStatus,
    MeasurementImport,
    MeasurementStatus,
    ResultLevel,
    ValueType,
)
from impact.services_indicators import indicator_create
from impact.services_measurements import measurement_approve, measurement_save
from partnerhub.models import Role
from partnerhub.tenancy import workspace_context
from partners.models import CommitmentKind, MemberRole, PartnershipModel, PartnershipStatus
from partners.services.commitments import commitment_create
from partners.services.organizations import organization_create
from partners.services.partnerships import (
    partnership_create,
    partnership_member_add,
    workspace_today,
)
from tests.conftest import Cast
from tests.e2e.helpers import assert_no_page_overflow, log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory
from tests.impact.health_helpers import access_for, move_round, open_round, respondents
from tests.impact.helpers import make_measurement, periods_of

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTNERSHIP = "Riverside Early Years and Family Learning Partnership"
FAMILIES = "Families attending weekly learning sessions at the family hubs"
WAIT = "Average wait for a first health visitor appointment"
LONG_COMMENT = (
    "The evaluation is at https://riverside.example.org/family-hubs/evaluation-2026/"
    "summary-of-findings-for-the-partnership-board-and-the-funders.pdf"
)

SCREENS = {
    "laptop": {"width": 1280, "height": 900},
    "320px": {"width": 320, "height": 640},
}


@dataclass
class Pages:
    workspace: Any
    coordinator: Any
    partnership: Any
    families: Any
    wait: Any
    health_round: Any
    periods: int


@pytest.fixture
def pages(transactional_db: None) -> Pages:
    """A partnership measured in earnest: four indicators of every type (one broken down
    by age group and district, one monthly and better when it falls), two years of
    periods with approved, submitted, returned and missing figures, a goal with an overdue
    milestone, a pledge, two closed health check rounds, and an import on file."""
    workspace = WorkspaceFactory(name="Riverside Collective Impact", slug="riverside")
    coordinator = UserFactory(email="cam.coordinator@example.org", full_name="Cam Coordinator")
    MembershipFactory(workspace=workspace, user=coordinator, role=Role.COORDINATOR)
    admin = UserFactory(email="ari.admin@example.org")
    MembershipFactory(workspace=workspace, user=admin, role=Role.ADMIN)
    viewer = UserFactory(email="vic.viewer@example.org")
    MembershipFactory(workspace=workspace, user=viewer, role=Role.VIEWER)
    with workspace_context(workspace):
        today = workspace_today(workspace)

        def organization(name: str, sector: str) -> Any:
            return organization_create(
                workspace=workspace, actor=coordinator, name=name, sector=sector
            )

        council = organization("Riverside Metropolitan Borough Council", "government")
        trust = organization("Riverside Community Learning Trust", "nonprofit")
        pharmacies = organization("Northbank Pharmacies & Family Health Ltd", "business")
        partnership = partnership_create(
            workspace=workspace,
            actor=coordinator,
            name=PARTNERSHIP,
            model=PartnershipModel.COLLECTIVE_IMPACT,
            common_agenda="Every child in Riverside starts school ready to learn, and every "
            "family knows where to find help in the first five years.",
            lead_organization=council,
            start_date=date(today.year - 2, 9, 1),
            status=PartnershipStatus.ACTIVE,
        )
        members = {
            member.pk: partnership_member_add(
                workspace=workspace,
                actor=coordinator,
                partnership=partnership,
                organization=member,
                roles=[MemberRole.IMPLEMENTER, MemberRole.FUNDER],
            )
            for member in (trust, pharmacies)
        }
        partnership_create(
            workspace=workspace,
            actor=coordinator,
            name="Northbank Warm Homes Alliance",
            model=PartnershipModel.PUBLIC_PRIVATE,
            lead_organization=pharmacies,
        )
        commitment_create(
            workspace=workspace,
            actor=coordinator,
            member=members[trust.pk],
            kind=CommitmentKind.CASH,
            pledged=Decimal("25000"),
            currency="EUR",
            description="Session leaders for the family hubs",
        )
        goal = goal_create(
            workspace=workspace,
            actor=coordinator,
            partnership=partnership,
            title="Every child starts school ready to learn",
            target_date=date(today.year + 1, 12, 31),
            sdgs=[4],
        )
        milestone_create(
            workspace=workspace,
            actor=coordinator,
            goal=goal,
            title="Open the third family hub in the Northbank library",
            due_date=today - timedelta(days=10),
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=70,
        )
        milestone_create(
            workspace=workspace,
            actor=coordinator,
            goal=goal,
            title="Agree a shared referral form with the health visitors",
            due_date=today + timedelta(days=12),
        )
        dates = {
            "baseline_date": date(today.year - 2, 12, 31),
            "target_date": date(today.year + 1, 12, 31),
        }

        def indicator(name: str, **fields: Any) -> Any:
            return indicator_create(
                workspace=workspace,
                actor=coordinator,
                partnership=partnership,
                name=name,
                goal=goal,
                reporter_ids=[trust.pk, pharmacies.pk],
                **(dates | fields),
            )

        families = indicator(
            FAMILIES,
            definition="Families with a child under five who came to at least six sessions.",
            unit="families",
            value_type=ValueType.NUMBER,
            baseline_value=Decimal("0"),
            target_value=Decimal("1200"),
            frequency=Frequency.QUARTERLY,
            result_level=ResultLevel.OUTPUT,
            dimensions=[
                {
                    "name": "Age of the child",
                    "exhaustive": True,
                    "categories": ["0-1", "2-3", "4-5"],
                },
                {
                    "name": "District",
                    "exhaustive": False,
                    "categories": ["Northbank and Old Harbour", "Riverside Central", "Millfield"],
                },
            ],
        )
        ready = indicator(
            "Children reaching the expected level of development at 2½",
            unit="%",
            value_type=ValueType.PERCENTAGE,
            baseline_value=Decimal("61"),
            target_value=Decimal("75"),
            frequency=Frequency.HALF_YEARLY,
            aggregation=Aggregation.LATEST,
            result_level=ResultLevel.OUTCOME,
        )
        funding = indicator(
            "Funding raised for the family hubs",
            value_type=ValueType.CURRENCY,
            currency="EUR",
            baseline_value=Decimal("0"),
            target_value=Decimal("450000"),
            frequency=Frequency.ANNUAL,
        )
        wait = indicator(
            WAIT,
            unit="days",
            value_type=ValueType.NUMBER,
            direction=Direction.DECREASE,
            baseline_value=Decimal("42"),
            target_value=Decimal("14"),
            frequency=Frequency.MONTHLY,
            aggregation=Aggregation.AVERAGE,
            result_level=ResultLevel.IMPACT,
        )

        partner = UserFactory(email="tara.trust@example.org", full_name="Tara Trust")
        MembershipFactory(workspace=workspace, user=partner, role=Role.PARTNER, organization=trust)
        cast = Cast(
            workspace=workspace,
            organization=trust,
            other_organization=pharmacies,
            admin=admin,
            coordinator=coordinator,
            partner=partner,
            viewer=viewer,
        )
        closed = [p for p in periods_of(families) if p.end_date < today]
        # Through the services, so that the indicator page has a history to show.
        for number, period in enumerate(closed[:2]):
            figure = measurement_save(
                workspace=workspace,
                actor=partner,
                access=access_for(cast, partner),
                indicator=families,
                period=period,
                organization=trust,
                value=Decimal(90 + 30 * number),
                breakdown=_families_breakdown(families, 90 + 30 * number),
                note="From the hub registers; Millfield opened late.",
                submit=True,
            )
            measurement_approve(workspace=workspace, actor=coordinator, measurement=figure)
        statuses = [MeasurementStatus.APPROVED] * 3 + [
            MeasurementStatus.SUBMITTED,
            MeasurementStatus.RETURNED,
        ]
        for period, status in zip(closed[2:], statuses, strict=False):
            make_measurement(cast, indicator=families, period=period, value=150, status=status)
        for number, period in enumerate(closed):
            make_measurement(
                cast,
                indicator=families,
                period=period,
                organization=pharmacies,
                value=40 + number,
                status=MeasurementStatus.APPROVED if number % 3 else MeasurementStatus.SUBMITTED,
            )
        for number, period in enumerate(p for p in periods_of(ready) if p.end_date < today):
            make_measurement(cast, indicator=ready, period=period, value=62 + 2 * number)
        for period in [p for p in periods_of(funding) if p.end_date < today]:
            make_measurement(cast, indicator=funding, period=period, value="118500.50")
        for number, period in enumerate(p for p in periods_of(wait) if p.end_date < today):
            if number % 4 != 3:  # a month missing now and then
                make_measurement(cast, indicator=wait, period=period, value=41 - number)

        MeasurementImport.objects.create(
            workspace=workspace,
            partnership=partnership,
            file="imports/riverside.csv",
            original_name="riverside-family-hubs-figures-for-the-partnership-board-final.csv",
            status=ImportStatus.DONE,
            total_rows=42,
            processed_rows=42,
            created_count=30,
            updated_count=4,
            unchanged_count=6,
            refused_count=2,
            created_by=coordinator,
            finished_at=timezone.now(),
        )

        # Two rounds of the health check, both closed, answered by three sectors (the
        # builders set the workspace context themselves; refreshing a round needs it too).
        earlier = open_round(cast, partnership, title="Health check, spring")
        respondents(cast, earlier, "nonprofit", [4, 3, {"trust": 5}])
        respondents(cast, earlier, "business", [2, 3])
        move_round(cast, earlier, closed_days_ago=120)
        latest = open_round(cast, partnership, title="Health check, autumn")
        respondents(
            cast,
            latest,
            "nonprofit",
            [4, 5, {"resources": 2}],
            comments=[
                {"resources": LONG_COMMENT},
                {"trust": "Much better since the hubs opened."},
                {},
            ],
        )
        respondents(cast, latest, "business", [{"resources": 1, "communication": 2}, 3])
        respondents(cast, latest, "government", [4, {"leadership": 5}, 3])
        move_round(cast, latest, closed_days_ago=2)
        periods = len(periods_of(families))
    return Pages(
        workspace=workspace,
        coordinator=coordinator,
        partnership=partnership,
        families=families,
        wait=wait,
        health_round=latest,
        periods=periods,
    )


def _families_breakdown(indicator: Any, total: int) -> dict[int, Decimal]:
    """Ages add up to the total (exhaustive); the districts to less (they are not)."""
    categories = {
        c.name: c.pk for c in DimensionCategory.objects.filter(dimension__indicator=indicator)
    }
    return {
        categories["0-1"]: Decimal(total // 3),
        categories["2-3"]: Decimal(total // 3),
        categories["4-5"]: Decimal(total - 2 * (total // 3)),
        categories["Northbank and Old Harbour"]: Decimal(total // 2),
        categories["Riverside Central"]: Decimal(total // 4),
    }


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_coordinator_pages_are_accessible_and_fit_the_screen(
    page, checks, live_server, pages, screen
):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, checks, live_server.url, pages.coordinator.email, PASSWORD)
    base = f"{live_server.url}/w/{pages.workspace.slug}"
    partnership = pages.partnership.pk

    def visit(path: str, heading: str | re.Pattern[str]) -> None:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        checks.check()
        assert_no_page_overflow(page)

    visit("/portfolio/", "Portfolio")
    portfolio = page.get_by_role("table", name=re.compile(r"^Partnerships with"))
    expect(portfolio.locator("tbody tr")).to_have_count(2)
    expect(portfolio.get_by_role("link", name=PARTNERSHIP, exact=True)).to_be_visible()

    visit("/missing-data/", "Missing data")
    owed = page.get_by_role("table", name="Owed figures, oldest period first")
    expect(owed).to_contain_text(WAIT)  # the months left out
    expect(owed).to_contain_text("Returned")

    visit(f"/partnerships/{partnership}/dashboard/", f"Dashboard of {PARTNERSHIP}")
    indicators = page.get_by_role("table", name=re.compile(r"^Indicators"))
    expect(indicators.locator("tbody tr")).to_have_count(4)
    expect(page.get_by_role("heading", name=re.compile(r"^Overdue"))).to_have_text("Overdue (1)")

    visit(f"/partnerships/{partnership}/indicators/", f"Indicators of {PARTNERSHIP}")
    expect(page.locator(".indicator-list tbody tr")).to_have_count(4)

    visit(f"/indicators/{pages.families.pk}/", FAMILIES)
    chart = page.locator("figure.indicator-chart svg[role=img]")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= SCREENS[screen]["width"]
    expect(chart.locator("rect")).not_to_have_count(0)  # bars of approved figures
    expect(page.locator("table.indicator-periods tbody tr")).to_have_count(pages.periods)
    expect(page.get_by_role("table", name=re.compile(r"^Age of the child"))).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile(r"^The latest \d+ submission"))
    ).to_contain_text("Approved")

    visit(f"/indicators/{pages.wait.pk}/", WAIT)  # 36 months in one chart
    expect(page.locator("figure.indicator-chart svg[role=img]")).to_be_visible()

    visit(f"/partnerships/{partnership}/report/", f"Impact report: {PARTNERSHIP}")
    expect(page.locator("figure.indicator-chart svg[role=img]")).to_have_count(4)

    visit(f"/health/{pages.health_round.pk}/", "Health check, autumn")
    expect(page.get_by_role("table", name=re.compile(r"^Average and distribution"))).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile(r"^Average per factor and sector"))
    ).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile(r"^Average per factor in each closed round"))
    ).to_be_visible()
    expect(page.get_by_text(LONG_COMMENT)).to_be_visible()

    visit(f"/partnerships/{partnership}/figures/import/", "Import figures from a spreadsheet")
    expect(page.get_by_role("link", name=re.compile(r"^riverside-family-hubs"))).to_be_visible()
