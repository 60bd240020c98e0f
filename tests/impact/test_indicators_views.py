"""The indicator pages: list, create, edit, delete, the indicator page (progress, chart
and table, breakdown, history) and the period actions; who may do what; query counts."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import SharedGoal
from impact.chart import build_chart, format_number, nice_step, period_label, value_scale
from impact.forms_indicators import parse_dimensions
from impact.models import (
    Dimension,
    Direction,
    Frequency,
    Indicator,
    IndicatorReporter,
    MeasurementEvent,
    MeasurementEventKind,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.progress import period_actuals
from partnerhub.models import ActivityEvent
from partnerhub.tenancy import workspace_context
from partners.models import PartnershipMember
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def form_data(cast, **overrides) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": "Meals served",
        "definition": "Hot meals handed out",
        "goal": "",
        "value_type": "number",
        "unit": "meals",
        "currency": "",
        "direction": "increase",
        "result_level": "output",
        "baseline_value": "0",
        "baseline_date": "2024-12-31",
        "target_value": "1000",
        "target_date": "2025-12-31",
        "frequency": "quarterly",
        "aggregation": "sum",
        "reporter_ids": [str(cast.organization.pk)],
        "dimensions": "Gender: Female, Male, Another\nDistrict: North, South (partial)",
    } | overrides


class Cells(HTMLParser):
    """Rows of the table with the given class, as lists of cell texts."""

    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class, self.inside, self.depth = table_class, False, 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "table" and self.table_class in (dict(attrs).get("class") or ""):
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_class: str) -> list[list[str]]:
    parser = Cells(table_class)
    parser.feed(html)
    return parser.rows[1:]  # without the header


@pytest.fixture
def indicator(cast_a):  # type: ignore[no-untyped-def]
    with workspace_context(cast_a.workspace):
        return make_indicator(cast_a, dimensions={"Gender": ["Female", "Male"]})


# --- The list ---------------------------------------------------------------------------


def test_list_shows_progress_status_and_actual_against_target(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        periods = periods_of(indicator)
        make_measurement(cast_a, indicator=indicator, period=periods[0], value=10)
        make_measurement(cast_a, indicator=indicator, period=periods[1], value=15)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[2],
            value=500,
            status=MeasurementStatus.SUBMITTED,
        )
    response = cast_a.client("viewer").get(
        url("indicator_list", cast_a, pk=indicator.partnership_id)
    )
    assert response.status_code == 200
    rows = table_rows(response.content.decode(), "indicator-list")
    assert len(rows) == 1
    name, status, progress, actual, span, frequency, _goal = rows[0]
    assert indicator.name in name and "people" in name
    assert status.startswith("On track")
    assert progress == "25%"  # only approved figures count
    assert actual.startswith("25 people")
    assert span.startswith("0 people → 100 people")
    assert frequency == "Quarterly"
    assert b'value="25"' in response.content  # the progress bar
    assert b"New indicator" not in response.content  # viewers read only


def test_list_links_and_create_button_for_coordinators(cast_a, indicator):
    response = cast_a.client("coordinator").get(
        url("indicator_list", cast_a, pk=indicator.partnership_id)
    )
    html = response.content.decode()
    assert url("indicator_create", cast_a, pk=indicator.partnership_id) in html
    assert url("indicator_detail", cast_a, pk=indicator.pk) in html


def _list_queries(cast, partnership_id: int) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("partner")
    client.get(url("indicator_list", cast, pk=partnership_id))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("indicator_list", cast, pk=partnership_id))
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(cast_a):
    with workspace_context(cast_a.workspace):
        one = make_indicator(cast_a)
        many = make_partnership(cast_a)
        goal = SharedGoal.objects.create(workspace=cast_a.workspace, partnership=many, title="G")
        for index in range(6):
            more = make_indicator(cast_a, partnership=many, goal=goal if index % 2 else None)
            make_measurement(cast_a, indicator=more, period=periods_of(more)[0], value=index)
    # Session, user, membership and workspace; the partnership (access-checked); the
    # indicators with their goals; their progress (one aggregate) -- the same for 1 or 6.
    assert _list_queries(cast_a, one.partnership_id) == _list_queries(cast_a, many.pk)


def test_list_is_404_to_outsiders_and_to_partners_of_other_partnerships(cast_a, cast_b, indicator):
    path = url("indicator_list", cast_a, pk=indicator.partnership_id)
    assert cast_b.client("coordinator").get(path).status_code == 404
    with workspace_context(cast_a.workspace):
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
    assert (
        cast_a.client("partner").get(url("indicator_list", cast_a, pk=elsewhere.pk)).status_code
        == 404
    )
    assert cast_a.client("partner").get(path).status_code == 200


# --- Creating ---------------------------------------------------------------------------


def test_create_form_offers_current_members_as_checkboxes(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a, members=[cast_a.organization])
        PartnershipMember.objects.create(
            workspace=cast_a.workspace,
            partnership=partnership,
            organization=cast_a.other_organization,
            joined_on=date(2024, 1, 1),
            left_on=date(2024, 12, 31),
        )
    response = cast_a.client("coordinator").get(url("indicator_create", cast_a, pk=partnership.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'type="checkbox" name="reporter_ids" value="{cast_a.organization.pk}"', html)
    assert f'value="{cast_a.other_organization.pk}"' not in html  # left the partnership
    assert '<label for="id_dimensions">' in html
    assert "(partial)" in html  # the convention is explained


def test_create_flow(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal = SharedGoal.objects.create(
            workspace=cast_a.workspace, partnership=partnership, title="Fed"
        )
    response = cast_a.client("coordinator").post(
        url("indicator_create", cast_a, pk=partnership.pk), form_data(cast_a, goal=str(goal.pk))
    )
    with workspace_context(cast_a.workspace):
        indicator = Indicator.objects.get(partnership=partnership)
        dimensions = [
            (d.name, d.exhaustive, [c.name for c in d.categories.order_by("position")])
            for d in Dimension.objects.filter(indicator=indicator).order_by("position")
        ]
        reporters = list(
            IndicatorReporter.objects.filter(indicator=indicator).values_list(
                "organization_id", flat=True
            )
        )
        periods = ReportingPeriod.objects.filter(indicator=indicator).count()
    assert response.status_code == 302
    assert response.url == url("indicator_detail", cast_a, pk=indicator.pk)
    assert (indicator.name, indicator.goal_id, indicator.target_value) == (
        "Meals served",
        goal.pk,
        Decimal("1000"),
    )
    assert dimensions == [
        ("Gender", True, ["Female", "Male", "Another"]),
        ("District", False, ["North", "South"]),
    ]
    assert reporters == [cast_a.organization.pk]
    assert periods == 4


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_value": "-10"}, "target_value", "cannot be below the baseline"),
        ({"value_type": "currency"}, "currency", "Give the currency"),
        ({"dimensions": "Gender Female Male"}, "dimensions", "Line 1"),
        ({"dimensions": "Gender: Female"}, "dimensions", "at least two categories"),
        ({"value_type": "percentage", "target_value": "150"}, "target_value", "between 0 and 100"),
    ],
)
def test_create_shows_errors_on_the_fields(cast_a, overrides, field, message):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
    response = cast_a.client("coordinator").post(
        url("indicator_create", cast_a, pk=partnership.pk), form_data(cast_a, **overrides)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in text for text in form.errors[field])
    assert message in response.content.decode()
    with workspace_context(cast_a.workspace):
        assert not Indicator.objects.filter(partnership=partnership).exists()


def test_duplicate_name_is_a_form_error(cast_a, indicator):
    response = cast_a.client("admin").post(
        url("indicator_create", cast_a, pk=indicator.partnership_id),
        form_data(cast_a, name=indicator.name.lower()),
    )
    assert response.status_code == 200
    assert "already has an indicator" in response.context["form"].errors["name"][0]


@pytest.mark.parametrize("role", ["partner", "viewer"])
def test_partners_and_viewers_may_not_create_edit_or_delete(cast_a, indicator, role):
    client = cast_a.client(role)
    assert (
        client.get(url("indicator_create", cast_a, pk=indicator.partnership_id)).status_code == 403
    )
    assert (
        client.post(
            url("indicator_create", cast_a, pk=indicator.partnership_id), form_data(cast_a)
        ).status_code
        == 403
    )
    assert client.get(url("indicator_edit", cast_a, pk=indicator.pk)).status_code == 403
    assert client.post(url("indicator_delete", cast_a, pk=indicator.pk)).status_code == 403
    period = periods_in(cast_a, indicator)[0]
    assert client.post(url("period_lock", cast_a, pk=period.pk), {"locked": "1"}).status_code == 403
    assert client.get(url("period_target", cast_a, pk=period.pk)).status_code == 403
    with workspace_context(cast_a.workspace):
        assert Indicator.objects.filter(pk=indicator.pk).exists()
        assert not ReportingPeriod.objects.get(pk=period.pk).locked


def periods_in(cast, indicator) -> list[ReportingPeriod]:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return periods_of(indicator)


def test_other_workspace_gets_404_everywhere(cast_a, cast_b, indicator):
    client = cast_b.client("admin")
    period = periods_in(cast_a, indicator)[0]
    paths = [
        url("indicator_list", cast_b, pk=indicator.partnership_id),
        url("indicator_create", cast_b, pk=indicator.partnership_id),
        url("indicator_detail", cast_b, pk=indicator.pk),
        url("indicator_edit", cast_b, pk=indicator.pk),
        url("indicator_delete", cast_b, pk=indicator.pk),
        url("period_target", cast_b, pk=period.pk),
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert client.post(url("indicator_delete", cast_b, pk=indicator.pk)).status_code == 404
    assert client.post(url("period_lock", cast_b, pk=period.pk), {"locked": "1"}).status_code == 404
    # And through workspace A's URLs, a member of B only is not a member: 404.
    assert client.get(url("indicator_detail", cast_a, pk=indicator.pk)).status_code == 404
    with workspace_context(cast_a.workspace):
        assert Indicator.objects.filter(pk=indicator.pk).exists()
        assert not ReportingPeriod.objects.get(pk=period.pk).locked


def test_partner_of_another_partnership_gets_404(cast_a):
    with workspace_context(cast_a.workspace):
        elsewhere = make_indicator(
            cast_a,
            partnership=make_partnership(cast_a, members=[cast_a.other_organization]),
            reporters=[cast_a.other_organization],
        )
    client = cast_a.client("partner")
    assert client.get(url("indicator_detail", cast_a, pk=elsewhere.pk)).status_code == 404


# --- Editing and deleting ---------------------------------------------------------------


def test_edit_form_shows_the_indicator_and_saves_changes(cast_a, indicator):
    client = cast_a.client("coordinator")
    response = client.get(url("indicator_edit", cast_a, pk=indicator.pk))
    assert response.status_code == 200
    assert response.context["form"].initial["dimensions"] == "Gender: Female, Male"
    data = form_data(
        cast_a,
        name="Renamed",
        baseline_date="2024-12-31",
        target_date="2026-12-31",
        target_value="100",
        frequency="annual",
        dimensions="Gender: Female, Male, Another (partial)",
    )
    response = client.post(url("indicator_edit", cast_a, pk=indicator.pk), data)
    assert response.status_code == 302
    with workspace_context(cast_a.workspace):
        indicator.refresh_from_db()
        dimension = Dimension.objects.get(indicator=indicator)
        periods = periods_of(indicator)
        logged = ActivityEvent.objects.filter(
            object_type="impact.indicator", object_id=indicator.pk, action="update"
        ).exists()
    assert (indicator.name, indicator.frequency) == ("Renamed", Frequency.ANNUAL)
    assert dimension.exhaustive is False
    assert [c for c in dimension.categories.values_list("name", flat=True)]  # kept
    assert len(periods) == 2
    assert logged


def test_edit_refusing_to_drop_a_reporter_with_figures_keeps_the_form(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=1)
    response = cast_a.client("coordinator").post(
        url("indicator_edit", cast_a, pk=indicator.pk),
        form_data(
            cast_a,
            name=indicator.name,
            target_value="100",
            target_date="2026-12-31",
            reporter_ids=[],
            dimensions="Gender: Female, Male",
        ),
    )
    assert response.status_code == 200
    assert "already reported figures" in response.context["form"].errors["reporter_ids"][0]
    with workspace_context(cast_a.workspace):
        assert IndicatorReporter.objects.filter(indicator=indicator).count() == 1


def test_edit_keeps_a_reporter_that_left_as_a_choice(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        PartnershipMember.objects.filter(partnership=indicator.partnership).update(
            left_on=date(2025, 3, 1)
        )
    response = cast_a.client("coordinator").get(url("indicator_edit", cast_a, pk=indicator.pk))
    assert f'value="{cast_a.organization.pk}"' in response.content.decode()


def test_delete_confirms_then_deletes(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=1)
    client = cast_a.client("coordinator")
    page = client.get(url("indicator_delete", cast_a, pk=indicator.pk))
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert "8 reporting periods" in text
    assert "1 figure, 1 of them approved" in text
    with workspace_context(cast_a.workspace):
        assert Indicator.objects.filter(pk=indicator.pk).exists()  # GET deletes nothing
    response = client.post(url("indicator_delete", cast_a, pk=indicator.pk))
    assert response.status_code == 302
    assert response.url == url("indicator_list", cast_a, pk=indicator.partnership_id)
    with workspace_context(cast_a.workspace):
        assert not Indicator.objects.filter(pk=indicator.pk).exists()


# --- The indicator page -----------------------------------------------------------------


def _fill(cast, indicator) -> None:  # type: ignore[no-untyped-def]
    periods = periods_of(indicator)
    first = make_measurement(
        cast,
        indicator=indicator,
        period=periods[0],
        value=10,
        breakdown={"Female": 6, "Male": 4},
        note="First quarter",
    )
    make_measurement(
        cast,
        indicator=indicator,
        period=periods[1],
        value=20,
        breakdown={"Female": 12, "Male": 8},
    )
    make_measurement(  # submitted: counts nowhere yet
        cast,
        indicator=indicator,
        period=periods[2],
        value=99,
        breakdown={"Female": 90, "Male": 9},
        status=MeasurementStatus.SUBMITTED,
    )
    MeasurementEvent.objects.create(
        workspace=cast.workspace,
        measurement=first,
        indicator=indicator,
        kind=MeasurementEventKind.SUBMITTED,
        actor=cast.partner,
        value=Decimal("10"),
        note="First quarter",
    )
    MeasurementEvent.objects.create(
        workspace=cast.workspace,
        measurement=first,
        indicator=indicator,
        kind=MeasurementEventKind.APPROVED,
        actor=cast.coordinator,
        value=Decimal("10"),
        note="Checked the lists",
    )
    MeasurementEvent.objects.create(
        workspace=cast.workspace,
        measurement=first,
        indicator=indicator,
        kind=MeasurementEventKind.SAVED,
        actor=cast.partner,
        value=Decimal("9"),
        note="draft thoughts",
    )


def test_indicator_page_shows_facts_progress_breakdown_and_history(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        _fill(cast_a, indicator)
        Indicator.objects.filter(pk=indicator.pk).update(definition="People who finished")
    response = cast_a.client("viewer").get(url("indicator_detail", cast_a, pk=indicator.pk))
    assert response.status_code == 200
    html = response.content.decode()
    text = " ".join(html.split())
    assert "People who finished" in text
    assert "Increase is better" in text and "Quarterly" in text and "Sum of the periods" in text
    assert cast_a.organization.name in text
    assert "30% of the way" in text  # 10 + 20 approved of 0 -> 100
    breakdown = table_rows(html, "indicator-breakdown")
    assert breakdown[0] == ["Female", "18 people", "60%", "2"]  # the submitted 90 is left out
    assert breakdown[1] == ["Male", "12 people", "40%", "2"]
    assert "Checked the lists" in text and "First quarter" in text
    assert "draft thoughts" not in text  # drafts are the reporter's own business
    assert cast_a.coordinator.display_name in text
    assert "Lock" not in re.sub(r"Locked", "", text.split("Submissions and reviews")[0])
    assert "Report figure" not in text  # viewers do not report


def test_chart_and_table_show_the_same_numbers(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        _fill(cast_a, indicator)
        period = periods_of(indicator)[3]
        period.target_value = Decimal("55")
        period.save()
        chart = build_chart(
            indicator=indicator,
            actuals=period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk),
        )
    response = cast_a.client("coordinator").get(url("indicator_detail", cast_a, pk=indicator.pk))
    html = response.content.decode()
    rows = table_rows(html, "indicator-periods")
    assert len(rows) == len(chart.rows) == 8
    for cells, row in zip(rows, chart.rows, strict=True):
        label, _start, _end, target, actual, figures, _locked, _actions = cells
        assert label == row.label
        assert target.startswith(row.target_text)
        assert actual == row.actual_text
        assert figures == str(row.figures)
    assert [r[4] for r in rows[:3]] == ["10 people", "20 people", "—"]
    assert [r[5] for r in rows[:3]] == ["1", "1", "0"]  # approved figures only
    assert rows[3][3] == "55 people"  # the period's own target
    # Summed: each quarter should add its share of 0 -> 100 over two years (by days).
    assert rows[0][3] == "12.33 people (straight line)"
    # The drawing: one bar per period with an approved actual, heights in proportion.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 2
    assert heights[1] == pytest.approx(2 * heights[0], rel=0.02)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert "Q1 2025: actual 10 people, target 12.33 people" in desc
    assert "Q4 2025: actual none, target 55 people" in desc


def test_coordinators_lock_and_reporters_report(cast_a, indicator):
    with workspace_context(cast_a.workspace):
        period = periods_of(indicator)[0]
        period.locked = True
        period.save()
    report = url("measurement_report", cast_a, indicator_pk=indicator.pk, period_pk=period.pk)
    coordinator = cast_a.client("coordinator").get(url("indicator_detail", cast_a, pk=indicator.pk))
    html = coordinator.content.decode()
    assert url("period_lock", cast_a, pk=period.pk) in html
    assert url("period_target", cast_a, pk=period.pk) in html
    assert 'name="locked" value="0"' in html  # the locked period offers unlocking
    assert report not in html  # locked: no new figures
    second = periods_in(cast_a, indicator)[1]
    assert url("measurement_report", cast_a, indicator_pk=indicator.pk, period_pk=second.pk) in html
    partner = cast_a.client("partner").get(url("indicator_detail", cast_a, pk=indicator.pk))
    page = partner.content.decode()
    assert url("measurement_report", cast_a, indicator_pk=indicator.pk, period_pk=second.pk) in page
    assert url("period_lock", cast_a, pk=period.pk) not in page


def test_partner_whose_organization_does_not_report_sees_no_report_link(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator = make_indicator(
            cast_a, partnership=partnership, reporters=[cast_a.other_organization]
        )
    page = cast_a.client("partner").get(url("indicator_detail", cast_a, pk=indicator.pk))
    assert page.status_code == 200
    assert b"Report figure" not in page.content


def _detail_queries(cast, indicator) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("coordinator")
    client.get(url("indicator_detail", cast, pk=indicator.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("indicator_detail", cast, pk=indicator.pk))
    assert response.status_code == 200
    return len(queries)


def test_indicator_page_query_count_does_not_grow(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        small = make_indicator(
            cast_a,
            partnership=partnership,
            frequency=Frequency.ANNUAL,
            baseline_date=date(2024, 12, 31),
            target_date=date(2025, 12, 31),
            dimensions={"Gender": ["Female", "Male"]},
        )
        _fill_one(cast_a, small)
        large = make_indicator(
            cast_a,
            partnership=partnership,
            frequency=Frequency.MONTHLY,
            reporters=[cast_a.organization, cast_a.other_organization],
            dimensions={"Gender": ["Female", "Male"], "Age": ["Young", "Old", "Older"]},
        )
        for period in periods_of(large)[:10]:
            for organization in (cast_a.organization, cast_a.other_organization):
                figure = make_measurement(
                    cast_a,
                    indicator=large,
                    period=period,
                    value=5,
                    organization=organization,
                    breakdown={"Female": 2, "Male": 3, "Young": 5},
                )
                _event(cast_a, figure)
    # Session, user, membership and workspace; the indicator with partnership and goal;
    # reporters with organizations; dimensions and their categories (prefetch); progress;
    # the period actuals; the breakdown to date; the history with people and periods --
    # the same for 1 period and 1 figure as for 24 periods and 20 figures.
    assert _detail_queries(cast_a, small) == _detail_queries(cast_a, large)


def _fill_one(cast, indicator) -> None:  # type: ignore[no-untyped-def]
    figure = make_measurement(
        cast,
        indicator=indicator,
        period=periods_of(indicator)[0],
        value=4,
        breakdown={"Female": 1, "Male": 3},
    )
    _event(cast, figure)


def _event(cast, figure) -> None:  # type: ignore[no-untyped-def]
    MeasurementEvent.objects.create(
        workspace=cast.workspace,
        measurement=figure,
        indicator_id=figure.indicator_id,
        kind=MeasurementEventKind.APPROVED,
        actor=cast.coordinator,
        value=figure.value,
    )


def test_indicator_page_without_periods_data(cast_a):
    """A fresh indicator: needs data, the chart says so and still has its table."""
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
    response = cast_a.client("partner").get(url("indicator_detail", cast_a, pk=indicator.pk))
    text = " ".join(response.content.decode().split())
    assert "Needs data" in text
    assert "No approved figure yet" in text
    assert len(table_rows(response.content.decode(), "indicator-periods")) == 8


# --- Period actions ---------------------------------------------------------------------


def test_lock_and_unlock_a_period(cast_a, indicator):
    period = periods_in(cast_a, indicator)[0]
    client = cast_a.client("coordinator")
    response = client.post(url("period_lock", cast_a, pk=period.pk), {"locked": "1"})
    assert response.status_code == 302
    assert response.url == url("indicator_detail", cast_a, pk=indicator.pk) + "#periods"
    with workspace_context(cast_a.workspace):
        period.refresh_from_db()
    assert period.locked and period.locked_by_id == cast_a.coordinator.pk
    client.post(url("period_lock", cast_a, pk=period.pk), {"locked": "0"})
    with workspace_context(cast_a.workspace):
        period.refresh_from_db()
    assert not period.locked
    client.post(url("period_lock", cast_a, pk=period.pk), {"locked": "maybe"})
    with workspace_context(cast_a.workspace):
        period.refresh_from_db()
    assert not period.locked
    assert client.get(url("period_lock", cast_a, pk=period.pk)).status_code == 405


def test_period_target_form(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a,
            value_type=ValueType.PERCENTAGE,
            unit="",
            target_value=Decimal("80"),
            aggregation="latest",
        )
        period = periods_of(indicator)[1]
    client = cast_a.client("coordinator")
    page = client.get(url("period_target", cast_a, pk=period.pk))
    assert page.status_code == 200
    # The straight line at the end of Q2 2025: 181 of 730 days from 0 toward 80.
    assert "19.84% by 30 Jun 2025" in page.content.decode()
    refused = client.post(url("period_target", cast_a, pk=period.pk), {"target_value": "120"})
    assert refused.status_code == 200
    assert "between 0 and 100" in refused.context["form"].errors["target_value"][0]
    saved = client.post(url("period_target", cast_a, pk=period.pk), {"target_value": "25.5"})
    assert saved.status_code == 302
    with workspace_context(cast_a.workspace):
        period.refresh_from_db()
    assert period.target_value == Decimal("25.5")
    page = client.get(url("period_target", cast_a, pk=period.pk))
    assert page.context["form"].initial["target_value"] == "25.5"
    client.post(url("period_target", cast_a, pk=period.pk), {"target_value": ""})
    with workspace_context(cast_a.workspace):
        period.refresh_from_db()
    assert period.target_value is None


# --- The pieces -------------------------------------------------------------------------


def test_parse_dimensions():
    assert parse_dimensions(" Gender : Female, Male ,Another\n\nAge (partial): 0-5, 6-10\n") == [
        {"name": "Gender", "exhaustive": True, "categories": ["Female", "Male", "Another"]},
        {"name": "Age", "exhaustive": False, "categories": ["0-5", "6-10"]},
    ]
    assert parse_dimensions("District: North, South (Partial)")[0]["exhaustive"] is False
    with pytest.raises(Exception, match="Line 2"):
        parse_dimensions("Gender: F, M\nno colon here")


def test_scale_holds_zero_negative_values_and_round_steps():
    assert nice_step(100) == 20
    assert nice_step(7) == 2
    low, high, step = value_scale([Decimal("-35"), Decimal("12")])
    assert low <= -35 and high >= 12 and low < 0 < high
    assert (low / step).is_integer() and (high / step).is_integer()
    assert value_scale([Decimal("0")])[:2] == (0.0, 1.0)
    low, high, _ = value_scale([Decimal("500"), Decimal("520")])
    assert low == 0 and high >= 520


def test_chart_of_a_decrease_with_negative_values(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a,
            direction=Direction.DECREASE,
            baseline_value=Decimal("10"),
            target_value=Decimal("-30"),
            aggregation="latest",
        )
        periods = periods_of(indicator)
        make_measurement(cast_a, indicator=indicator, period=periods[0], value=-5)
        make_measurement(cast_a, indicator=indicator, period=periods[1], value=0)
        chart = build_chart(
            indicator=indicator,
            actuals=period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk),
        )
    first, second = chart.rows[0], chart.rows[1]
    assert chart.better == "lower" and "Lower is better" in chart.description
    assert first.bar_y == chart.zero_y  # a negative bar hangs below zero
    assert first.bar_height > 0
    assert second.bar_height == 1.0  # zero is a hairline, not nothing
    assert chart.rows[-1].target_y > chart.zero_y  # the -30 target lies below zero
    assert chart.baseline_y is not None and chart.baseline_y < chart.zero_y
    assert all(chart.top <= r.target_y <= chart.bottom_edge for r in chart.rows)


def test_labels_and_numbers():
    assert period_label(date(2025, 4, 1), date(2025, 6, 30)) == "Q2 2025"
    assert period_label(date(2025, 7, 1), date(2025, 12, 31)) == "H2 2025"
    assert period_label(date(2025, 2, 1), date(2025, 2, 28)) == "Feb 2025"
    assert period_label(date(2025, 1, 1), date(2025, 12, 31)) == "2025"
    assert format_number(Decimal("1234.5000")) == "1,234.5"
    assert format_number(Decimal("-0.0001"), Decimal("0.01")) == "0"
    assert format_number(Decimal("33.3333333"), Decimal("0.01")) == "33.33"


# --- Django admin (platform staff) ------------------------------------------------------


def test_admin_inspects_a_chosen_workspaces_indicators(cast_a, cast_b, indicator):
    from django.test import Client

    from tests.factories import UserFactory

    with workspace_context(cast_a.workspace):
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=2)
    with workspace_context(cast_b.workspace):
        make_indicator(cast_b)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    chosen = {"workspace__id__exact": cast_a.workspace.pk}
    page = client.get(reverse("admin:impact_indicator_changelist"), chosen)
    assert page.status_code == 200
    assert [i.pk for i in page.context["cl"].result_list] == [indicator.pk]
    for name in ("reportingperiod", "measurement", "dimension", "measurementevent"):
        listing = client.get(reverse(f"admin:impact_{name}_changelist"))
        assert listing.status_code == 200, name
    change = client.get(reverse("admin:impact_indicator_change", args=[indicator.pk]))
    assert change.status_code == 200
    assert b"Gender" in change.content  # the dimensions inline
    # Figures are read-only there: their values change through the review workflow.
    with workspace_context(cast_a.workspace):
        figure_pk = indicator.measurements.get().pk
    figure_url = reverse("admin:impact_measurement_change", args=[figure_pk])
    assert client.get(figure_url).status_code == 200
    assert client.post(figure_url, {"value": "999"}).status_code == 403
