"""CSV export of a partnership's indicators with per-period targets and actuals: the same
numbers as impact.progress, safe cells, constant queries, access."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import SharedGoal
from impact.csv_export import EXPORT_COLUMNS, indicator_period_rows
from impact.models import Aggregation, Indicator, MeasurementStatus, ReportingPeriod
from impact.progress import indicators_progress, period_actuals
from partnerhub.tenancy import workspace_context
from partners.models import Partnership
from tests.conftest import Cast
from tests.factories import OrganizationFactory
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db

APPROVED, SUBMITTED = MeasurementStatus.APPROVED, MeasurementStatus.SUBMITTED


def export_url(cast: Cast, partnership: Partnership, slug: str | None = None) -> str:
    return reverse(
        "indicator_export_csv",
        kwargs={"workspace_slug": slug or cast.workspace.slug, "pk": partnership.pk},
    )


def read(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:]))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    return list(reader)


def shown(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.quantize(Decimal("0.0001")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def build(cast: Cast) -> tuple[Partnership, list[Indicator]]:
    """Indicators of every kind, with figures in every state from three organizations."""
    third = OrganizationFactory(workspace=cast.workspace, name="Org A3")
    orgs = [cast.organization, cast.other_organization, third]
    partnership = make_partnership(cast, members=orgs)
    goal = SharedGoal.objects.create(
        workspace=cast.workspace, partnership=partnership, title="Everyone learns"
    )
    people = make_indicator(cast, partnership=partnership, name="People", reporters=orgs, goal=goal)
    share = make_indicator(
        cast,
        partnership=partnership,
        name="Share",
        reporters=orgs,
        value_type="percentage",
        aggregation=Aggregation.LATEST,
        target_value=Decimal("80"),
        baseline_value=Decimal("20"),
    )
    money = make_indicator(
        cast,
        partnership=partnership,
        name="Money",
        reporters=orgs,
        value_type="currency",
        currency="EUR",
        frequency="annual",
        aggregation=Aggregation.AVERAGE,
        direction="decrease",
        baseline_value=Decimal("1000"),
        target_value=Decimal("400"),
    )
    make_indicator(cast, partnership=partnership, name="Empty", reporters=orgs)
    make_indicator(cast, name="Another partnership's")  # must not appear
    plan = {
        people: [(0, [(10, APPROVED), (5, APPROVED), (7, SUBMITTED)]), (2, [(3, APPROVED)])],
        share: [(0, [(40, APPROVED), (45, APPROVED), (50, APPROVED)]), (1, [(55, SUBMITTED)])],
        money: [(0, [(900.5, APPROVED), (100, "returned"), (3, "draft")])],
    }
    for indicator, periods in plan.items():
        for index, values in periods:
            period = periods_of(indicator)[index]
            for org, (value, status) in zip(orgs, values, strict=False):
                make_measurement(
                    cast,
                    indicator=indicator,
                    period=period,
                    value=str(value),
                    status=status,
                    organization=org,
                )
    ReportingPeriod.objects.filter(pk=periods_of(people)[3].pk).update(target_value=Decimal("33.3"))
    return partnership, [people, share, money]


def test_the_numbers_are_those_of_impact_progress(cast_a):
    with workspace_context(cast_a.workspace):
        partnership, indicators = build(cast_a)
        rows = list(indicator_period_rows(workspace=cast_a.workspace, partnership=partnership))
        expected = {
            indicator.pk: period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
            for indicator in Indicator.objects.for_workspace(cast_a.workspace).filter(
                partnership=partnership
            )
        }
    by_indicator: dict[int, list] = {}
    for row in rows:
        by_indicator.setdefault(row.indicator_id, []).append(row)
    assert set(by_indicator) == set(expected)
    compared = 0
    for indicator_id, periods in expected.items():
        mine = by_indicator[indicator_id]
        assert [r.period_id for r in mine] == [p.period_id for p in periods]
        for row, reference in zip(mine, periods, strict=True):
            assert row.actual == reference.actual
            assert row.approved == reference.figures
            assert row.target == reference.target
            assert (row.set_target is not None) == reference.target_is_set
            compared += reference.actual is not None
    assert compared == 4  # people x2, share, money: the periods with approved figures
    people, share, money = (by_indicator[i.pk] for i in indicators)
    assert (people[0].actual, people[0].approved, people[0].waiting) == (Decimal(15), 2, 1)
    assert (share[0].actual, share[1].actual, share[1].waiting) == (Decimal(45), None, 1)
    assert (money[0].actual, money[0].approved, money[0].waiting) == (Decimal("900.5"), 1, 0)


def test_the_csv_file(cast_a):
    with workspace_context(cast_a.workspace):
        partnership, (people, share, money) = build(cast_a)
        reference = {
            i.pk: period_actuals(workspace=cast_a.workspace, indicator_id=i.pk)
            for i in (people, share, money)
        }
        progress = indicators_progress(
            workspace=cast_a.workspace, indicator_ids=[people.pk, share.pk, money.pk]
        )
    rows = read(cast_a.client("viewer").get(export_url(cast_a, partnership)))
    assert [r["indicator"] for r in rows] == ["Empty"] * 8 + ["Money"] * 2 + ["People"] * 8 + [
        "Share"
    ] * 8
    assert {r["partnership"] for r in rows} == {partnership.name}
    first = next(r for r in rows if r["indicator"] == "People")
    assert first == {
        "partnership": partnership.name,
        "indicator_id": str(people.pk),
        "indicator": "People",
        "unit": "people",
        "value_type": "number",
        "currency": "",
        "direction": "increase",
        "result_level": "output",
        "goal": "Everyone learns",
        "baseline_value": "0",
        "baseline_date": "2024-12-31",
        "target_value": "100",
        "target_date": "2026-12-31",
        "frequency": "quarterly",
        "aggregation": "sum",
        "period": "2025-Q1",
        "period_start": "2025-01-01",
        "period_end": "2025-03-31",
        "period_in_schedule": "true",
        "period_locked": "false",
        "period_target": shown(reference[people.pk][0].target),
        "period_target_source": "straight line",
        "actual": "15",
        "actual_to_date": "15",
        "figures_approved": "2",
        "figures_waiting": "1",
    }
    people_rows = [r for r in rows if r["indicator"] == "People"]
    assert [r["actual"] for r in people_rows] == ["15", "", "3", "", "", "", "", ""]
    assert [r["actual_to_date"] for r in people_rows] == ["15", "15", "18"] + ["18"] * 5
    assert people_rows[3]["period_target"] == "33.3"
    assert people_rows[3]["period_target_source"] == "set"
    for indicator, csv_rows in (
        (people, people_rows),
        (share, [r for r in rows if r["indicator"] == "Share"]),
        (money, [r for r in rows if r["indicator"] == "Money"]),
    ):
        assert [r["actual"] for r in csv_rows] == [shown(p.actual) for p in reference[indicator.pk]]
        assert [r["period_target"] for r in csv_rows] == [
            shown(p.target) for p in reference[indicator.pk]
        ]
        # The last period's actual to date is the indicator's actual to date.
        assert csv_rows[-1]["actual_to_date"] == shown(progress[indicator.pk].actual)
    money_rows = [r for r in rows if r["indicator"] == "Money"]
    assert (money_rows[0]["value_type"], money_rows[0]["currency"]) == ("currency", "EUR")
    assert (money_rows[0]["direction"], money_rows[0]["period"]) == ("decrease", "2025")
    assert (money_rows[0]["figures_approved"], money_rows[0]["figures_waiting"]) == ("1", "0")


def test_cells_that_look_like_formulas_are_defused(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        Partnership.objects.filter(pk=partnership.pk).update(name="@SUM(A1)")
        goal = SharedGoal.objects.create(
            workspace=cast_a.workspace, partnership=partnership, title="-1+2"
        )
        make_indicator(
            cast_a,
            partnership=partnership,
            name='=HYPERLINK("http://example.org","x")',
            unit="+people",
            goal=goal,
        )
        partnership.refresh_from_db()
    rows = read(cast_a.client("coordinator").get(export_url(cast_a, partnership)))
    assert rows[0]["partnership"] == "'@SUM(A1)"
    assert rows[0]["indicator"] == '\'=HYPERLINK("http://example.org","x")'
    assert rows[0]["unit"] == "'+people"
    assert rows[0]["goal"] == "'-1+2"


def _export_queries(cast: Cast, partnership: Partnership) -> tuple[int, int]:
    client = cast.client("coordinator")
    with CaptureQueriesContext(connection) as captured:
        rows = read(client.get(export_url(cast, partnership)))
    return len(captured), len(rows)


def test_the_export_runs_a_constant_number_of_queries(cast_a):
    """Thirteen queries whatever the number of indicators, periods and figures. The view
    (a savepoint of the request): session, user, membership with its workspace, the
    workspace setting, the partnership (access checked). The stream, in a transaction of
    its own: the workspace setting, then the indicators, every period's actual
    (``progress.period_actuals_of``) and the figures waiting per period."""
    with workspace_context(cast_a.workspace):
        small = make_partnership(cast_a)
        make_indicator(cast_a, partnership=small)
        large, _ = build(cast_a)
        for index in range(5):
            indicator = make_indicator(
                cast_a, partnership=large, name=f"Monthly {index}", frequency="monthly"
            )
            for period in periods_of(indicator)[:6]:
                make_measurement(cast_a, indicator=indicator, period=period, value=index + 1)
    few, few_rows = _export_queries(cast_a, small)
    many, many_rows = _export_queries(cast_a, large)
    assert (few_rows, many_rows) == (8, 26 + 5 * 24)
    assert few == many


def test_who_may_export(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        mine = make_partnership(cast_a)
        make_indicator(cast_a, partnership=mine)
        theirs = make_partnership(cast_a, members=[cast_a.other_organization])
    # A partner exports the partnerships their organization belongs to, no others.
    assert len(read(cast_a.client("partner").get(export_url(cast_a, mine)))) == 8
    assert cast_a.client("partner").get(export_url(cast_a, theirs)).status_code == 404
    # Another workspace: 404 with A's slug and with its own.
    outsider = cast_b.client("admin")
    assert outsider.get(export_url(cast_a, mine)).status_code == 404
    assert outsider.get(export_url(cast_a, mine, slug=cast_b.workspace.slug)).status_code == 404


def test_an_indicator_without_periods_still_has_a_row(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        indicator = make_indicator(cast_a, partnership=partnership, name="Unscheduled")
        ReportingPeriod.objects.filter(indicator=indicator).delete()
    rows = read(cast_a.client("coordinator").get(export_url(cast_a, partnership)))
    assert len(rows) == 1
    assert (rows[0]["indicator"], rows[0]["period_start"], rows[0]["actual"]) == (
        "Unscheduled",
        "",
        "",
    )
    assert rows[0]["baseline_date"] == date(2024, 12, 31).isoformat()
