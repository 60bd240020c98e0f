"""The dashboards' counted figures (``indicator_needs``): owed figures counted by grouped
aggregates must agree with the missing-data board's figure-by-figure rule
(``impact.selectors_missing``) in every edge case; "has an approved figure" must agree with
the progress verdict; and the dashboard, the portfolio and the report read a number of
queries that does not grow with the data."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from impact.models import Frequency, IndicatorReporter, MeasurementStatus, ReportingPeriod
from impact.progress import IndicatorStatus, indicators_progress
from impact.selectors_dashboard import indicator_needs
from impact.selectors_missing import owed_count, owed_counts_by_indicator
from partnerhub.tenancy import workspace_context
from partners.services.partnerships import workspace_today
from tests.factories import OrganizationFactory
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


def edge_cases(cast):  # type: ignore[no-untyped-def]
    """Two partnerships whose indicators cover every case of the owed rule: figures in each
    state, a locked and an out-of-schedule period, open periods, a figure of an
    organization that no longer reports, a reporter added later, an indicator without
    reporters and one without figures."""
    other = cast.other_organization
    third = OrganizationFactory(workspace=cast.workspace)
    first = make_partnership(cast, members=[cast.organization, other, third])
    second = make_partnership(cast, members=[cast.organization, other])
    mixed, periods = annual(cast, first)
    IndicatorReporter.objects.create(workspace=cast.workspace, indicator=mixed, organization=other)
    for period, org, status in (
        (periods[0], cast.organization, MeasurementStatus.APPROVED),
        (periods[0], other, MeasurementStatus.SUBMITTED),
        (periods[1], cast.organization, MeasurementStatus.DRAFT),
        (periods[1], other, MeasurementStatus.RETURNED),
        (periods[2], cast.organization, MeasurementStatus.APPROVED),  # open period
    ):
        make_measurement(
            cast, indicator=mixed, period=period, value=3, organization=org, status=status
        )
    # A figure of an organization that is not (or no longer) a reporter settles nothing.
    stray, periods = annual(cast, first)
    make_measurement(cast, indicator=stray, period=periods[0], value=1, organization=third)
    # Locked and out-of-schedule closed periods are not owed, whatever their figures.
    closed_off, periods = annual(cast, first, reporters=[cast.organization, third])
    ReportingPeriod.objects.filter(pk=periods[0].pk).update(locked=True)
    ReportingPeriod.objects.filter(pk=periods[1].pk).update(in_schedule=False)
    make_measurement(cast, indicator=closed_off, period=periods[1], value=2)
    # No reporters at all: nothing owed, and no approved figure.
    annual(cast, first, reporters=[])
    # The second partnership: one indicator fully reported, one with no figure at all.
    complete, periods = annual(cast, second, reporters=[cast.organization, other])
    for period in periods[:2]:
        for org in (cast.organization, other):
            make_measurement(cast, indicator=complete, period=period, value=4, organization=org)
    annual(cast, second, reporters=[other])
    return first, second, third


def test_owed_counts_agree_with_the_figure_by_figure_rule(cast_a):
    with workspace_context(cast_a.workspace):
        first, second, third = edge_cases(cast_a)
        workspace, today = cast_a.workspace, workspace_today(cast_a.workspace)
        ids = [first.pk, second.pk]
        expected = owed_counts_by_indicator(workspace=workspace, partnership_ids=ids, today=today)
        needs = indicator_needs(workspace=workspace, partnership_ids=ids, today=today)
        assert {i: n.owed for i, n in needs.indicators.items() if n.owed} == expected
        assert sum(expected.values()) > 0  # the data owes something: the test can fail
        for partnership in (first, second):
            for org in (cast_a.organization, cast_a.other_organization, third):
                mine = indicator_needs(
                    workspace=workspace,
                    partnership_ids=[partnership.pk],
                    today=today,
                    organization_id=org.pk,
                )
                assert sum(n.owed_by_organization for n in mine.indicators.values()) == owed_count(
                    workspace=workspace,
                    partnership_id=partnership.pk,
                    organization_id=org.pk,
                    today=today,
                )


def test_has_approved_agrees_with_the_progress_verdict(cast_a):
    with workspace_context(cast_a.workspace):
        first, second, _ = edge_cases(cast_a)
        workspace = cast_a.workspace
        needs = indicator_needs(
            workspace=workspace,
            partnership_ids=[first.pk, second.pk],
            today=workspace_today(workspace),
        )
        progress = indicators_progress(workspace=workspace, indicator_ids=needs.indicators)
    answers = {i: progress[i].status != IndicatorStatus.NEEDS_DATA for i in needs.indicators}
    assert answers == {i: n.has_approved for i, n in needs.indicators.items()}
    assert set(answers.values()) == {True, False}


def test_waiting_counts_submitted_figures_per_partnership(cast_a):
    with workspace_context(cast_a.workspace):
        first, second, _ = edge_cases(cast_a)
        needs = indicator_needs(
            workspace=cast_a.workspace,
            partnership_ids=[first.pk, second.pk],
            today=workspace_today(cast_a.workspace),
        )
    assert needs.waiting == {first.pk: 1}


def test_the_dashboard_shows_the_same_owed_and_waiting_figures(cast_a):
    with workspace_context(cast_a.workspace):
        first, _, _ = edge_cases(cast_a)
        owed = sum(
            owed_counts_by_indicator(
                workspace=cast_a.workspace,
                partnership_ids=[first.pk],
                today=workspace_today(cast_a.workspace),
            ).values()
        )
    response = cast_a.client("coordinator").get(url("partnership_dashboard", cast_a, pk=first.pk))
    dashboard = response.context["dashboard"]
    assert dashboard.owed == owed > 0
    assert dashboard.waiting == 1


# --- Query counts -----------------------------------------------------------------------------


def _count(client, path: str) -> int:  # type: ignore[no-untyped-def]
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def _grow(cast, partnership, n: int) -> None:  # type: ignore[no-untyped-def]
    """More of everything a dashboard or the portfolio counts."""
    extra = [OrganizationFactory(workspace=cast.workspace) for _ in range(2)]
    for index in range(n):
        goal = make_goal(cast, partnership=partnership)
        make_milestone(cast, goal, days=-3 - index)
        make_milestone(cast, goal, days=5 + index)
        indicator, periods = annual(cast, partnership, reporters=[cast.organization, *extra])
        make_measurement(cast, indicator=indicator, period=periods[0], value=index)
        make_measurement(
            cast,
            indicator=indicator,
            period=periods[1],
            value=index,
            organization=extra[0],
            status=MeasurementStatus.SUBMITTED,
        )


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_the_dashboard_reads_five_queries_whatever_the_data(cast_a, role):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        _grow(cast_a, partnership, 1)
    path = url("partnership_dashboard", cast_a, pk=partnership.pk)
    few = _count(cast_a.client(role), path)
    with workspace_context(cast_a.workspace):
        _grow(cast_a, partnership, 6)
    many = _count(cast_a.client(role), path)
    assert few == many
    # user, memberships, tenant setting, the page's reads, the two aggregates (one round
    # trip each); + the test's savepoint and its release (ATOMIC_REQUESTS inside the test
    # transaction).
    assert many == 5 + 2


def test_the_portfolio_reads_at_most_15_queries_whatever_the_data(cast_a):
    with workspace_context(cast_a.workspace):
        _grow(cast_a, make_partnership(cast_a), 1)
    path = url("impact_portfolio", cast_a)
    few = _count(cast_a.client("coordinator"), path)
    with workspace_context(cast_a.workspace):
        for _ in range(4):
            _grow(cast_a, make_partnership(cast_a), 3)
    many = _count(cast_a.client("coordinator"), path)
    assert few == many
    assert many <= 15 + 2
