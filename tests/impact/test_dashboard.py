"""The partnership dashboard: the numbers match the data (goals, milestones overdue and
due soon, indicators with progress and needs-data, commitments, figures waiting and
owed, activity), who may see it, and a constant number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import GoalStatus, MilestoneStatus, SharedGoal
from impact.models import Frequency, MeasurementStatus
from partnerhub.tenancy import workspace_context
from partners.models import CommitmentKind, PartnershipMember
from partners.services.commitments import commitment_create, delivery_record
from tests.goals.helpers import make_goal, make_milestone
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def annual(cast, partnership, **fields):  # type: ignore[no-untyped-def]
    """0 -> 100 people over four annual periods: two closed, this year's, next year's."""
    year = timezone.localdate().year
    values = {
        "frequency": Frequency.ANNUAL,
        "baseline_date": date(year - 3, 12, 31),
        "target_date": date(year + 1, 12, 31),
    } | fields
    indicator = make_indicator(cast, partnership=partnership, **values)
    return indicator, periods_of(indicator)


def set_status(goal: SharedGoal, status: str, reason: str) -> None:
    SharedGoal.objects.filter(pk=goal.pk).update(status=status, status_reason=reason)


@pytest.fixture
def board(cast_a):  # type: ignore[no-untyped-def]
    """A partnership with two goals, four milestones, two indicators, figures in every
    state that matters, and a commitment."""
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        reading = make_goal(cast_a, partnership=partnership, title="Every child reads")
        water = make_goal(cast_a, partnership=partnership, title="Clean water for all")
        set_status(reading, GoalStatus.AT_RISK, "1 milestone overdue")
        set_status(water, GoalStatus.ON_TRACK, "on schedule")
        make_milestone(cast_a, reading, days=-3, title="Baseline survey")
        make_milestone(cast_a, reading, days=10, title="Reading clubs open")
        make_milestone(cast_a, water, days=45, title="Wells dug")  # beyond 30 days
        make_milestone(
            cast_a,
            water,
            days=-9,
            title="Permits granted",
            status=MilestoneStatus.DONE,
            percent_complete=100,
        )  # done: not overdue
        enrolled, enrolled_periods = annual(cast_a, partnership, name="Children enrolled")
        make_measurement(cast_a, indicator=enrolled, period=enrolled_periods[0], value=30)
        make_measurement(cast_a, indicator=enrolled, period=enrolled_periods[1], value=20)
        wells, wells_periods = annual(cast_a, partnership, name="Wells working", unit="wells")
        make_measurement(
            cast_a,
            indicator=wells,
            period=wells_periods[0],
            value=4,
            status=MeasurementStatus.SUBMITTED,
        )
        member = PartnershipMember.objects.get(partnership=partnership)
        commitment = commitment_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=member,
            kind=CommitmentKind.CASH,
            pledged="1000",
            currency="EUR",
        )
        delivery_record(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            commitment=commitment,
            amount="250",
        )
    return partnership


def test_the_dashboard_numbers_match_the_data(cast_a, board):
    response = cast_a.client("coordinator").get(url("partnership_dashboard", cast_a, pk=board.pk))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [g.title for g in dashboard.goals] == ["Every child reads", "Clean water for all"]
    assert dashboard.goal_counts == [("On track", 1), ("At risk", 1)]
    assert [m.title for m in dashboard.overdue_milestones] == ["Baseline survey"]
    assert [m.title for m in dashboard.upcoming_milestones] == ["Reading clubs open"]
    rows = {row.indicator.name: row for row in dashboard.indicators}
    enrolled, wells = rows["Children enrolled"], rows["Wells working"]
    assert (enrolled.progress.actual, enrolled.progress.percent) == (50, 50)
    assert enrolled.progress.status == "on_track" and enrolled.owed == 0
    assert not enrolled.needs_data
    # The submitted figure does not count yet: no approved figure, and the second closed
    # year is still owed (the first is submitted, so no longer owed).
    assert wells.progress.status == "needs_data" and wells.owed == 1 and wells.needs_data
    assert dashboard.indicators_needing_data == 1
    assert dashboard.waiting == 1
    assert dashboard.owed == 1
    assert [(a.pledged, a.delivered) for a in dashboard.commitments.totals] == [(1000, 250)]

    html = response.content.decode()
    assert "1 milestone overdue" in html  # the goal's reason
    assert "<dd>2 (1 on track, 1 at risk)</dd>" in html
    assert "1 of 2" in html  # indicators needing data
    assert "50 people" in html and "100 people" in html and "50%" in html
    assert 'value="50"' in html  # the progress bar, next to its number
    assert "Needs data" in html and "No approved figure yet" in html
    assert "Cash: 1,000.00 EUR pledged, 250.00 EUR delivered (25%)." in html
    review = url("measurement_review_queue", cast_a)
    assert f'href="{review}?partnership={board.pk}"' in html
    assert f'href="{url("missing_data", cast_a)}?partnership={board.pk}"' in html
    assert url("impact_report", cast_a, pk=board.pk) in html
    assert url("goal_list", cast_a, pk=board.pk) in html
    assert f'href="{url("partnership_activity", cast_a, pk=board.pk)}">All activity' in html
    assert f'href="{url("partnership_detail", cast_a, pk=board.pk)}#commitments"' in html
    assert "Enter your figures" not in html
    assert "Every child reads" in html.split('id="activity-heading"')[1]  # latest activity
    milestones = html.split('id="milestones-heading"')[1].split('id="indicators-heading"')[0]
    assert "Baseline survey" in milestones and "Reading clubs open" in milestones
    assert "Wells dug" not in milestones and "Permits granted" not in milestones
    assert "style=" not in html


def test_partners_of_members_see_it_with_their_own_owed_figures(cast_a, board):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, partnership=board, reporters=[cast_a.other_organization])
    response = cast_a.client("partner").get(url("partnership_dashboard", cast_a, pk=board.pk))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    # The whole partnership owes more, the partner's organization one figure.
    assert sum(row.owed for row in dashboard.indicators) > 1
    assert dashboard.owed == 1
    html = response.content.decode()
    assert "Figures your organization owes" in html
    assert url("measurement_review_queue", cast_a) not in html  # partners do not review
    assert url("missing_data", cast_a) not in html
    assert f'<a href="{url("my_figures", cast_a)}">Enter your figures</a>' in html
    assert f'<a href="{url("partnership_list", cast_a)}">Partnerships</a>' in html
    assert indicator.name in html


def test_viewers_read_but_are_not_sent_to_review(cast_a, board):
    response = cast_a.client("viewer").get(url("partnership_dashboard", cast_a, pk=board.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Every child reads" in html
    assert url("measurement_review_queue", cast_a) not in html
    assert url("missing_data", cast_a) not in html and "Enter your figures" not in html
    assert f'<a href="{url("impact_portfolio", cast_a)}">Portfolio</a>' in html


def test_partners_of_other_organizations_and_other_workspaces_get_404(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        theirs = make_partnership(cast_a, members=[cast_a.other_organization])
    assert (
        cast_a.client("partner").get(url("partnership_dashboard", cast_a, pk=theirs.pk)).status_code
        == 404
    )
    client = cast_b.client("coordinator")
    assert client.get(url("partnership_dashboard", cast_a, pk=theirs.pk)).status_code == 404
    assert client.get(url("partnership_dashboard", cast_b, pk=theirs.pk)).status_code == 404


def test_an_empty_partnership_has_a_dashboard(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
    html = (
        cast_a.client("admin")
        .get(url("partnership_dashboard", cast_a, pk=partnership.pk))
        .content.decode()
    )
    assert "No shared goals yet." in html
    assert "No indicators yet." in html
    assert "No commitments recorded yet." in html
    assert "No milestone is overdue." in html


def _dashboard_queries(cast, partnership, role: str) -> int:  # type: ignore[no-untyped-def]
    client = cast.client(role)
    client.get(url("partnership_dashboard", cast, pk=partnership.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("partnership_dashboard", cast, pk=partnership.pk))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_the_dashboard_query_count_does_not_grow(cast_a, role):
    with workspace_context(cast_a.workspace):
        few = make_partnership(cast_a)
        goal = make_goal(cast_a, partnership=few)
        make_milestone(cast_a, goal, days=-1)
        indicator, periods = annual(cast_a, few)
        make_measurement(cast_a, indicator=indicator, period=periods[0], value=1)

        many = make_partnership(cast_a, members=[cast_a.organization, cast_a.other_organization])
        for index in range(4):
            goal = make_goal(cast_a, partnership=many)
            make_milestone(cast_a, goal, days=-1 - index)
            make_milestone(cast_a, goal, days=5 + index)
        for member in PartnershipMember.objects.filter(partnership=many):
            commitment_create(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                member=member,
                kind=CommitmentKind.STAFF_TIME,
                pledged="40",
            )
        for index in range(5):
            indicator, periods = annual(
                cast_a,
                many,
                reporters=[cast_a.organization, cast_a.other_organization],
                name=f"Indicator {index}",
            )
            make_measurement(cast_a, indicator=indicator, period=periods[0], value=index)
            make_measurement(
                cast_a,
                indicator=indicator,
                period=periods[1],
                value=index,
                status=MeasurementStatus.SUBMITTED,
            )
    # user (the session comes from the cache), the memberships with their workspaces (the
    # page's and the navigation's switcher's), tenant setting, the page's reads in one
    # round trip (partnership, goals, milestones, indicators, commitment totals, activity,
    # unread notifications), the two aggregates in one (progress; owed and waiting
    # figures, the partner's own owed figures included).
    # tests/impact/test_dashboard_reads.py pins the number.
    assert _dashboard_queries(cast_a, few, role) == _dashboard_queries(cast_a, many, role)
