"""The printable impact report: agenda, members with sectors and roles, goals with their
status and reason, each indicator with its chart and table (the same numbers), the print
stylesheet, who may see it, and a constant number of queries."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import GoalStatus, SharedGoal
from impact.models import Aggregation, Direction, Frequency, MeasurementStatus
from impact.progress import period_actuals, period_actuals_of
from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, Partnership, PartnershipMember, Sector
from tests.goals.helpers import make_goal
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


@pytest.fixture
def report(cast_a):  # type: ignore[no-untyped-def]
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        Partnership.objects.filter(pk=partnership.pk).update(
            common_agenda="Every child in the district reads by age ten."
        )
        PartnershipMember.objects.filter(
            partnership=partnership, organization=cast_a.other_organization
        ).update(roles=[MemberRole.FUNDER, MemberRole.EVALUATOR])
        goal = make_goal(cast_a, partnership=partnership, title="Every child reads")
        SharedGoal.objects.filter(pk=goal.pk).update(
            status=GoalStatus.OFF_TRACK, status_reason="indicator off track: Readers"
        )
        readers = make_indicator(
            cast_a,
            partnership=partnership,
            goal=goal,
            name="Readers",
            definition="Children reading a short text fluently.",
            unit="children",
        )
        periods = periods_of(readers)
        make_measurement(cast_a, indicator=readers, period=periods[0], value=12)
        make_measurement(cast_a, indicator=readers, period=periods[1], value=8)
        make_measurement(
            cast_a,
            indicator=readers,
            period=periods[2],
            value=99,
            status=MeasurementStatus.SUBMITTED,
        )
        make_indicator(
            cast_a,
            partnership=partnership,
            name="Dropout rate",
            value_type="percentage",
            unit="%",
            direction=Direction.DECREASE,
            baseline_value=Decimal("20"),
            target_value=Decimal("5"),
            aggregation=Aggregation.LATEST,
            frequency=Frequency.ANNUAL,
        )
    return partnership, readers, periods


def test_the_report_shows_agenda_members_goals_and_indicators(cast_a, report):
    partnership, readers, _ = report
    response = cast_a.client("viewer").get(url("impact_report", cast_a, pk=partnership.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Impact report: " + partnership.name in html
    assert "Every child in the district reads by age ten." in html
    members = html.split('id="members-heading"')[1].split('id="goals-heading"')[0]
    assert cast_a.organization.name in members and cast_a.other_organization.name in members
    assert str(Sector(cast_a.other_organization.sector).label) in members
    assert "Funder, Evaluator" in members and "Implementer" in members
    goals = html.split('id="goals-heading"')[1].split('id="indicators-heading"')[0]
    assert "Every child reads" in goals and "Off track" in goals
    assert "indicator off track: Readers" in goals
    indicators = html.split('id="indicators-heading"')[1]
    assert "Children reading a short text fluently." in indicators
    # One chart and one table per indicator, with the same numbers.
    assert indicators.count('role="img"') == 2
    assert indicators.count('class="indicator-periods"') == 2
    assert f'id="report-chart-{readers.pk}-title"' in indicators
    readers_part = indicators.split('id="report-indicator-')[1]
    assert "20 children" in readers_part  # actual to date: 12 + 8, the submitted 99 not yet
    assert "12 children" in readers_part and "8 children" in readers_part
    assert "99 children" not in readers_part
    assert "No approved figure yet" in indicators  # the dropout rate
    assert "Dropout rate" in indicators
    assert settings.SITE_URL + url("partnership_dashboard", cast_a, pk=partnership.pk) in html
    assert 'class="dash-report"' in html
    assert "style=" not in html


def test_the_set_based_actuals_match_the_per_indicator_ones(cast_a, report):
    partnership, readers, _ = report
    with workspace_context(cast_a.workspace):
        indicators = list(partnership.indicators.values_list("id", flat=True))
        together = period_actuals_of(workspace=cast_a.workspace, indicator_ids=indicators)
        for indicator_id in indicators:
            one = period_actuals(workspace=cast_a.workspace, indicator_id=indicator_id)
            assert together[indicator_id] == one
    assert [row.actual for row in together[readers.pk][:3]] == [12, 8, None]


def test_the_print_stylesheet_hides_navigation_and_keeps_tables_whole():
    css = (Path(settings.BASE_DIR) / "static/css/impact.css").read_text()
    section = css.split("/* == dashboards == */")[1].split("/* == end dashboards == */")[0]
    printed = section.split("@media print")[1]
    assert re.search(r"\.site-header[^{]*,", printed)
    assert ".dash-report__nav" in printed
    assert "break-inside: avoid" in printed
    assert 'a[href^="http"]::after' in printed


def test_partners_see_their_own_partnerships_report_only(cast_a, cast_b, report):
    partnership, _, _ = report
    assert (
        cast_a.client("partner").get(url("impact_report", cast_a, pk=partnership.pk)).status_code
        == 200
    )
    with workspace_context(cast_a.workspace):
        theirs = make_partnership(cast_a, members=[cast_a.other_organization])
    assert (
        cast_a.client("partner").get(url("impact_report", cast_a, pk=theirs.pk)).status_code == 404
    )
    client = cast_b.client("coordinator")
    assert client.get(url("impact_report", cast_a, pk=partnership.pk)).status_code == 404
    assert client.get(url("impact_report", cast_b, pk=partnership.pk)).status_code == 404


def _report_queries(cast, partnership) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("coordinator")
    client.get(url("impact_report", cast, pk=partnership.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("impact_report", cast, pk=partnership.pk))
    assert response.status_code == 200
    return len(queries)


def test_the_report_query_count_does_not_grow(cast_a):
    with workspace_context(cast_a.workspace):
        few = make_partnership(cast_a)
        make_goal(cast_a, partnership=few)
        indicator = make_indicator(cast_a, partnership=few)
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=1)

        many = make_partnership(cast_a, members=[cast_a.organization, cast_a.other_organization])
        for _ in range(3):
            make_goal(cast_a, partnership=many)
        for index in range(5):
            indicator = make_indicator(
                cast_a,
                partnership=many,
                frequency=Frequency.MONTHLY,
                baseline_date=date(2024, 12, 31),
                reporters=[cast_a.organization, cast_a.other_organization],
            )
            for period in periods_of(indicator)[: 3 + index]:
                make_measurement(cast_a, indicator=indicator, period=period, value=index)
    # session, user, membership and workspace, tenant setting, partnership, indicators,
    # owed figures, period actuals (one query for every indicator), progress (one),
    # members, goals, commitments (two), the navigation's memberships.
    assert _report_queries(cast_a, few) == _report_queries(cast_a, many)
