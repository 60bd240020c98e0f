"""The portfolio: every partnership in one table with counts that match the data,
filters and sorting, who may see it, and a number of queries that does not grow with the
number of partnerships."""

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
from partners.models import Partnership, PartnershipModel, PartnershipStatus
from tests.goals.helpers import make_goal, make_milestone
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def annual(cast, partnership, **fields):  # type: ignore[no-untyped-def]
    """Four annual periods: two closed, this year's, next year's."""
    year = timezone.localdate().year
    values = {
        "frequency": Frequency.ANNUAL,
        "baseline_date": date(year - 3, 12, 31),
        "target_date": date(year + 1, 12, 31),
    } | fields
    indicator = make_indicator(cast, partnership=partnership, **values)
    return indicator, periods_of(indicator)


def goal_with(cast, partnership, status: str):  # type: ignore[no-untyped-def]
    goal = make_goal(cast, partnership=partnership)
    SharedGoal.objects.filter(pk=goal.pk).update(status=status)
    return goal


def rename(partnership: Partnership, name: str, **fields) -> Partnership:  # type: ignore[no-untyped-def]
    Partnership.objects.filter(pk=partnership.pk).update(name=name, **fields)
    partnership.refresh_from_db()
    return partnership


@pytest.fixture
def two(cast_a):  # type: ignore[no-untyped-def]
    """ "Alpha" with goals in every state, a late milestone, indicators with and without
    data and a figure waiting; "Beta", a collective impact initiative that is paused."""
    with workspace_context(cast_a.workspace):
        alpha = rename(make_partnership(cast_a), "Alpha")
        beta = rename(
            make_partnership(cast_a),
            "Beta",
            model=PartnershipModel.COLLECTIVE_IMPACT,
            status=PartnershipStatus.PAUSED,
        )
        for status in (GoalStatus.ON_TRACK, GoalStatus.ON_TRACK, GoalStatus.AT_RISK):
            goal_with(cast_a, alpha, status)
        late = goal_with(cast_a, alpha, GoalStatus.OFF_TRACK)
        make_milestone(cast_a, late, days=-2)
        make_milestone(cast_a, late, days=-20)
        make_milestone(cast_a, late, days=-5, status=MilestoneStatus.DONE, percent_complete=100)
        make_milestone(cast_a, late, days=3)
        # Complete: both closed years approved -> does not need data.
        complete, periods = annual(cast_a, alpha)
        make_measurement(cast_a, indicator=complete, period=periods[0], value=10)
        make_measurement(cast_a, indicator=complete, period=periods[1], value=10)
        # Approved data but the second closed year only submitted: waiting, not owed;
        # the first year returned: still owed -> needs data.
        owing, periods = annual(cast_a, alpha)
        make_measurement(
            cast_a, indicator=owing, period=periods[0], value=5, status=MeasurementStatus.RETURNED
        )
        make_measurement(
            cast_a,
            indicator=owing,
            period=periods[1],
            value=5,
            status=MeasurementStatus.SUBMITTED,
        )
        make_measurement(cast_a, indicator=owing, period=periods[2], value=5)  # this year
        # Nothing closed yet and nothing approved: needs data (no figure at all).
        year = timezone.localdate().year
        make_indicator(
            cast_a,
            partnership=alpha,
            frequency=Frequency.ANNUAL,
            baseline_date=date(year - 1, 12, 31),
            target_date=date(year + 2, 12, 31),
        )
        goal_with(cast_a, beta, GoalStatus.ACHIEVED)
    return alpha, beta


def test_the_portfolio_counts_match_the_data(cast_a, two):
    alpha, _ = two
    response = cast_a.client("coordinator").get(url("impact_portfolio", cast_a))
    assert response.status_code == 200
    rows = {row.partnership.name: row for row in response.context["portfolio"].rows}
    a, b = rows["Alpha"], rows["Beta"]
    assert (a.goals_on_track, a.goals_at_risk, a.goals_off_track) == (2, 1, 1)
    assert (a.indicator_count, a.indicators_needing_data) == (3, 2)
    assert (a.overdue_milestones, a.figures_waiting) == (2, 1)
    assert (b.goals_on_track, b.goals_at_risk, b.goals_off_track) == (0, 0, 0)
    assert (b.indicator_count, b.indicators_needing_data, b.overdue_milestones) == (0, 0, 0)
    totals = response.context["portfolio"].totals
    assert totals["overdue_milestones"] == 2 and totals["indicators_needing_data"] == 2
    html = response.content.decode()
    assert f'href="{url("partnership_dashboard", cast_a, pk=alpha.pk)}"' in html
    assert "Collective impact initiative" in html and "Paused" in html
    assert f'href="{url("missing_data", cast_a)}?partnership={alpha.pk}"' in html
    review = url("measurement_review_queue", cast_a)
    assert f'href="{review}?partnership={alpha.pk}"' in html
    assert "style=" not in html


def test_filters_by_status_and_model(cast_a, two):
    client = cast_a.client("coordinator")
    response = client.get(url("impact_portfolio", cast_a), {"status": "paused"})
    assert [r.partnership.name for r in response.context["portfolio"].rows] == ["Beta"]
    response = client.get(url("impact_portfolio", cast_a), {"model": "cross_sector"})
    assert [r.partnership.name for r in response.context["portfolio"].rows] == ["Alpha"]
    response = client.get(url("impact_portfolio", cast_a), {"status": "completed"})
    assert "No partnership matches these filters." in response.content.decode()


def test_sortable_by_a_query_parameter(cast_a, two):
    client = cast_a.client("viewer")
    names = lambda response: [r.partnership.name for r in response.context["portfolio"].rows]  # noqa: E731
    assert names(client.get(url("impact_portfolio", cast_a))) == ["Alpha", "Beta"]
    assert names(client.get(url("impact_portfolio", cast_a), {"sort": "-name"})) == [
        "Beta",
        "Alpha",
    ]
    assert names(client.get(url("impact_portfolio", cast_a), {"sort": "status"})) == [
        "Alpha",  # Active
        "Beta",  # Paused
    ]
    overdue_first = client.get(url("impact_portfolio", cast_a), {"sort": "-overdue_milestones"})
    assert names(overdue_first) == ["Alpha", "Beta"]
    assert names(client.get(url("impact_portfolio", cast_a), {"sort": "overdue_milestones"})) == [
        "Beta",
        "Alpha",
    ]
    # Unknown sorts fall back to the name; the sorted column says so to screen readers.
    assert names(client.get(url("impact_portfolio", cast_a), {"sort": "password"})) == [
        "Alpha",
        "Beta",
    ]
    html = overdue_first.content.decode()
    assert 'aria-sort="descending"' in html
    assert "?sort=overdue_milestones" in html  # a second click turns the order around


def test_partners_get_403_other_workspaces_404(cast_a, cast_b, two):
    assert cast_a.client("partner").get(url("impact_portfolio", cast_a)).status_code == 403
    assert cast_b.client("admin").get(url("impact_portfolio", cast_a)).status_code == 404
    html = cast_b.client("admin").get(url("impact_portfolio", cast_b)).content.decode()
    assert "Alpha" not in html and "There are no partnerships yet." in html


def _portfolio_queries(cast) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("coordinator")
    client.get(url("impact_portfolio", cast))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("impact_portfolio", cast))
    assert response.status_code == 200
    return len(queries)


def test_the_portfolio_query_count_does_not_grow_with_partnerships(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal_with(cast_a, partnership, GoalStatus.AT_RISK)
        annual(cast_a, partnership)
    few = _portfolio_queries(cast_a)
    with workspace_context(cast_a.workspace):
        for _ in range(6):
            partnership = make_partnership(cast_a)
            goal = goal_with(cast_a, partnership, GoalStatus.OFF_TRACK)
            make_milestone(cast_a, goal, days=-4)
            for _ in range(2):
                indicator, periods = annual(cast_a, partnership)
                make_measurement(cast_a, indicator=indicator, period=periods[0], value=2)
                make_measurement(
                    cast_a,
                    indicator=indicator,
                    period=periods[1],
                    value=2,
                    status=MeasurementStatus.SUBMITTED,
                )
    # session, user, membership and workspace, tenant setting, partnerships with their
    # counts (one query), indicator ids, progress (one query), owed figures (one), the
    # navigation's memberships, the filter's organization choices.
    assert _portfolio_queries(cast_a) == few
