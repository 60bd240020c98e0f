"""IATI activity XML (standard 2.03): every export validates against the official schema
(tests/data/iati-2.03), values come from approved figures only, disaggregation becomes
dimensions, access follows the partnership rules, queries do not grow with the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from goals.models import SharedGoal
from impact.models import (
    Aggregation,
    Direction,
    Frequency,
    MeasurementStatus,
    ReportingPeriod,
    ResultLevel,
    ValueType,
)
from impact.progress import period_actuals
from partnerhub.models import ApiKeyScope, Workspace
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, Partnership, PartnershipMember, Sector
from tests.conftest import Cast
from tests.factories import OrganizationFactory
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db

SCHEMA_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "iati-2.03" / "iati-activities-schema.xsd"
)
APPROVED, SUBMITTED = MeasurementStatus.APPROVED, MeasurementStatus.SUBMITTED


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def valid(schema: etree.XMLSchema, content: bytes) -> etree._Element:
    document = etree.fromstring(content)
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)
    return document


def page_url(cast: Cast, partnership: Partnership, slug: str | None = None) -> str:
    return reverse(
        "partnership_iati",
        kwargs={"workspace_slug": slug or cast.workspace.slug, "pk": partnership.pk},
    )


def workspace_url(cast: Cast) -> str:
    return reverse("workspace_iati", kwargs={"workspace_slug": cast.workspace.slug})


def api_client(cast: Cast) -> Client:
    _, raw_key = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name="IATI tool", scope=ApiKeyScope.READ
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")


def _goal(cast: Cast, partnership: Partnership, title: str, sdgs: list[int]) -> SharedGoal:
    return SharedGoal.objects.create(
        workspace=cast.workspace,
        partnership=partnership,
        title=title,
        description=f"{title}, described.",
        sdgs=sdgs,
    )


def build_data_set(cast: Cast) -> dict:  # type: ignore[type-arg]
    """Three partnerships: one reporting to IATI with every kind of indicator, figures
    approved and not, and disaggregation; one without identifiers the partner cannot see;
    one with no member, date or indicator."""
    with workspace_context(cast.workspace):
        lead = OrganizationFactory(
            workspace=cast.workspace,
            name="Lead Foundation",
            sector=Sector.PHILANTHROPY,
            iati_identifier="GB-CHC-202918",
        )
        main = make_partnership(cast, members=[])
        main.name = "Youth Jobs Compact"
        main.iati_identifier = "GB-CHC-202918-YJC"
        main.lead_organization = lead
        main.common_agenda = "Every young person in the valley finds decent work."
        main.start_date, main.end_date = date(2025, 1, 1), date(2027, 12, 31)
        main.save()
        for organization, roles in (
            (lead, [MemberRole.LEAD, MemberRole.FUNDER]),
            (cast.organization, [MemberRole.IMPLEMENTER]),
            (cast.other_organization, [MemberRole.ADVISOR, MemberRole.EVALUATOR]),
        ):
            PartnershipMember.objects.create(
                workspace=cast.workspace,
                partnership=main,
                organization=organization,
                roles=roles,
                joined_on=date(2025, 1, 1),
            )
        jobs_goal = _goal(cast, main, "Jobs for young people", [8, 4])
        skills_goal = _goal(cast, main, "Skills that employers need", [4])
        reporters = [cast.organization, cast.other_organization]
        placed = make_indicator(
            cast,
            partnership=main,
            goal=jobs_goal,
            name="Young people placed in jobs",
            reporters=reporters,
            dimensions={"Gender": ["Female", "Male"], "Age group": ["16-19", "20-24"]},
        )
        retention = make_indicator(
            cast,
            partnership=main,
            goal=jobs_goal,
            name="Still employed after six months",
            value_type=ValueType.PERCENTAGE,
            unit="%",
            direction=Direction.DECREASE,
            result_level=ResultLevel.OUTCOME,
            baseline_value=Decimal("90"),
            target_value=Decimal("50"),
            aggregation=Aggregation.LATEST,
            reporters=reporters,
        )
        wages = make_indicator(
            cast,
            partnership=main,
            goal=skills_goal,
            name="Wages earned",
            value_type=ValueType.CURRENCY,
            currency="EUR",
            unit="",
            result_level=ResultLevel.IMPACT,
            baseline_value=Decimal("1000.5"),
            target_value=Decimal("250000"),
            frequency=Frequency.ANNUAL,
            aggregation=Aggregation.AVERAGE,
        )
        loose = make_indicator(
            cast, partnership=main, name="Employers engaged", result_level=ResultLevel.OUTCOME
        )
        p_placed = periods_of(placed)
        make_measurement(
            cast,
            indicator=placed,
            period=p_placed[0],
            value=10,
            breakdown={"Female": 6, "Male": 4, "16-19": 3, "20-24": 7},
        )
        make_measurement(
            cast,
            indicator=placed,
            period=p_placed[0],
            value=5,
            organization=cast.other_organization,
            breakdown={"Female": 2, "Male": 3, "16-19": 5, "20-24": 0},
        )
        make_measurement(cast, indicator=placed, period=p_placed[1], value=20)
        make_measurement(
            cast,
            indicator=placed,
            period=p_placed[1],
            value=99,
            status=SUBMITTED,
            organization=cast.other_organization,
            breakdown={"Female": 99},
        )
        make_measurement(cast, indicator=placed, period=p_placed[2], value=7, status=SUBMITTED)
        p_retention = periods_of(retention)
        ReportingPeriod.objects.filter(pk=p_retention[0].pk).update(target_value=Decimal("85"))
        make_measurement(cast, indicator=retention, period=p_retention[0], value=80)
        make_measurement(
            cast,
            indicator=retention,
            period=p_retention[0],
            value=60,
            organization=cast.other_organization,
        )
        make_measurement(cast, indicator=wages, period=periods_of(wages)[0], value="12500.25")

        hidden = make_partnership(cast, members=[cast.other_organization])
        hidden.status = "completed"
        hidden.start_date, hidden.end_date = date(2024, 1, 1), date(2024, 12, 31)
        hidden.save()
        PartnershipMember.objects.filter(partnership=hidden).update(roles=[MemberRole.FUNDER])

        empty = make_partnership(cast, members=[])
        empty.status = "exploring"
        empty.save()
    return {
        "main": main,
        "hidden": hidden,
        "empty": empty,
        "placed": placed,
        "retention": retention,
        "wages": wages,
        "loose": loose,
        "lead": lead,
    }


def _text(element: etree._Element, path: str) -> str:
    return element.find(path).findtext("narrative")


def _indicator_element(activity: etree._Element, name: str) -> etree._Element:
    for indicator in activity.iter("indicator"):
        if _text(indicator, "title") == name:
            return indicator
    raise AssertionError(f"no indicator {name}")


def _periods(indicator: etree._Element) -> list[dict]:  # type: ignore[type-arg]
    answer = []
    for period in indicator.findall("period"):
        actuals = period.findall("actual")
        answer.append(
            {
                "start": period.find("period-start").get("iso-date"),
                "end": period.find("period-end").get("iso-date"),
                "target": period.find("target").get("value"),
                "actual": next(
                    (a.get("value") for a in actuals if a.find("dimension") is None), None
                ),
                "dimensions": {
                    (a.find("dimension").get("name"), a.find("dimension").get("value")): a.get(
                        "value"
                    )
                    for a in actuals
                    if a.find("dimension") is not None
                },
            }
        )
    return answer


def test_partnership_file_validates_and_carries_the_approved_figures(cast_a, schema):
    data = build_data_set(cast_a)
    response = cast_a.client("coordinator").get(page_url(cast_a, data["main"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = valid(schema, response.content)
    assert root.get("version") == "2.03"
    (activity,) = root.findall("iati-activity")

    assert activity.findtext("iati-identifier") == "GB-CHC-202918-YJC"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("GB-CHC-202918", "60")
    assert reporting.findtext("narrative") == "Lead Foundation"
    assert _text(activity, "title") == "Youth Jobs Compact"
    assert _text(activity, "description").startswith("Every young person")
    orgs = [
        (o.findtext("narrative"), o.get("role"), o.get("ref"))
        for o in activity.findall("participating-org")
    ]
    assert orgs == [
        ("Lead Foundation", "1", "GB-CHC-202918"),
        ("Lead Foundation", "2", "GB-CHC-202918"),
        (cast_a.organization.name, "4", None),  # no identifier: by name only
        (cast_a.other_organization.name, "3", None),  # advisor and evaluator: one role
    ]
    assert activity.find("activity-status").get("code") == "2"
    dates = [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")]
    assert dates == [("2", "2025-01-01"), ("3", "2027-12-31")]
    assert [t.get("code") for t in activity.findall("tag")] == ["4", "8"]

    results = [(_text(r, "title"), r.get("type")) for r in activity.findall("result")]
    assert results == [
        ("Jobs for young people", "1"),
        ("Jobs for young people", "2"),
        ("Skills that employers need", "3"),
        ("Youth Jobs Compact: indicators not linked to a goal", "2"),
    ]

    placed = _indicator_element(activity, "Young people placed in jobs")
    assert (placed.get("measure"), placed.get("ascending")) == ("1", "1")
    baseline = placed.find("baseline")
    assert (baseline.get("year"), baseline.get("iso-date"), baseline.get("value")) == (
        "2024",
        "2024-12-31",
        "0",
    )
    periods = _periods(placed)
    assert len(periods) == 8
    with workspace_context(cast_a.workspace):
        expected_targets = [
            str(p.target.normalize())
            for p in period_actuals(workspace=cast_a.workspace, indicator_id=data["placed"].pk)
        ]
    assert [p["target"] for p in periods] == expected_targets
    assert periods[0]["start"] == "2025-01-01" and periods[0]["end"] == "2025-03-31"
    assert periods[0]["actual"] == "15"
    assert periods[0]["dimensions"] == {
        ("Gender", "Female"): "8",
        ("Gender", "Male"): "7",
        ("Age group", "16-19"): "8",
        ("Age group", "20-24"): "7",
    }
    assert periods[1]["actual"] == "20"  # the submitted 99 does not count
    assert periods[1]["dimensions"] == {}
    assert periods[2]["actual"] is None  # only a submitted figure
    assert all(p["actual"] is None for p in periods[3:])

    retention = _indicator_element(activity, "Still employed after six months")
    assert (retention.get("measure"), retention.get("ascending")) == ("2", "0")
    first = _periods(retention)[0]
    assert (first["target"], first["actual"]) == ("85", "70")  # set target; mean of 80 and 60

    wages = _indicator_element(activity, "Wages earned")
    assert wages.get("measure") == "1"
    assert "EUR" in _text(wages, "description")
    assert wages.find("baseline").get("value") == "1000.5"
    assert _periods(wages)[0]["actual"] == "12500.25"


def test_workspace_file_validates_and_falls_back_for_missing_identifiers(cast_a, schema):
    data = build_data_set(cast_a)
    response = cast_a.client("viewer").get(workspace_url(cast_a))
    assert response.status_code == 200
    root = valid(schema, response.content)
    activities = {a.findtext("iati-identifier"): a for a in root.findall("iati-activity")}
    slug = cast_a.workspace.slug
    assert set(activities) == {
        "GB-CHC-202918-YJC",
        f"{slug}-PH{data['hidden'].pk}",
        f"{slug}-PH{data['empty'].pk}",
    }
    hidden = activities[f"{slug}-PH{data['hidden'].pk}"]
    # No lead organization: the first member reports, by name (ref is required, empty).
    assert hidden.find("reporting-org").get("ref") == ""
    assert hidden.find("reporting-org").findtext("narrative") == cast_a.other_organization.name
    assert hidden.find("activity-status").get("code") == "4"
    assert [d.get("type") for d in hidden.findall("activity-date")] == ["2", "4"]
    empty = activities[f"{slug}-PH{data['empty'].pk}"]
    assert [o.get("role") for o in empty.findall("participating-org")] == ["2"]
    assert empty.find("activity-status").get("code") == "1"
    assert [d.get("type") for d in empty.findall("activity-date")] == ["1"]
    assert empty.find("result") is None


def test_partner_sees_only_their_partnerships(cast_a, schema):
    data = build_data_set(cast_a)
    partner = cast_a.client("partner")
    root = valid(schema, partner.get(workspace_url(cast_a)).content)
    # The partner's organization belongs to the main partnership only.
    assert [a.findtext("iati-identifier") for a in root.findall("iati-activity")] == [
        "GB-CHC-202918-YJC"
    ]
    assert partner.get(page_url(cast_a, data["main"])).status_code == 200
    assert partner.get(page_url(cast_a, data["hidden"])).status_code == 404
    assert partner.get(page_url(cast_a, data["empty"])).status_code == 404


def test_other_workspace_gets_404_and_an_empty_workspace_no_content(cast_a, cast_b):
    data = build_data_set(cast_a)
    outsider = cast_b.client("admin")
    assert outsider.get(page_url(cast_a, data["main"])).status_code == 404
    assert outsider.get(workspace_url(cast_a)).status_code == 404
    # A's partnership under B's own slug is not found either.
    assert (
        outsider.get(page_url(cast_a, data["main"], slug=cast_b.workspace.slug)).status_code == 404
    )
    # B has no partnership: no valid file to give.
    assert outsider.get(workspace_url(cast_b)).status_code == 204
    b_key = api_client(cast_b)
    api = reverse(
        "api_partnership-iati",
        kwargs={"workspace_slug": cast_a.workspace.slug, "pk": data["main"].pk},
    )
    assert b_key.get(api).status_code == 404
    assert (
        b_key.get(
            reverse("api_iati-activities", kwargs={"workspace_slug": cast_a.workspace.slug})
        ).status_code
        == 404
    )
    anonymous = Client()
    assert anonymous.get(page_url(cast_a, data["main"])).status_code == 302


def test_api_keys_get_the_same_files(cast_a, schema):
    data = build_data_set(cast_a)
    client = api_client(cast_a)
    slug = cast_a.workspace.slug
    one = client.get(
        reverse("api_partnership-iati", kwargs={"workspace_slug": slug, "pk": data["main"].pk}),
        HTTP_ACCEPT="application/xml",
    )
    assert one.status_code == 200
    assert one["Content-Type"] == "application/xml; charset=utf-8"
    assert valid(schema, one.content).find("iati-activity/iati-identifier").text == (
        "GB-CHC-202918-YJC"
    )
    everything = client.get(reverse("api_iati-activities", kwargs={"workspace_slug": slug}))
    assert everything.status_code == 200
    assert len(valid(schema, everything.content).findall("iati-activity")) == 3
    missing = client.get(
        reverse("api_partnership-iati", kwargs={"workspace_slug": slug, "pk": 10**9}),
        HTTP_ACCEPT="application/xml",
    )
    assert missing.status_code == 404


def _grow(cast: Cast) -> None:
    """One more partnership with members, goals, indicators, periods and figures."""
    with workspace_context(cast.workspace):
        partnership = make_partnership(cast, members=[cast.organization, cast.other_organization])
        goal = _goal(cast, partnership, "Grown goal", [1])
        for n in range(3):
            indicator = make_indicator(
                cast,
                partnership=partnership,
                goal=goal if n else None,
                dimensions={"Gender": ["Female", "Male"]},
                frequency=Frequency.MONTHLY,
            )
            for period in periods_of(indicator)[:4]:
                make_measurement(
                    cast,
                    indicator=indicator,
                    period=period,
                    value=4,
                    breakdown={"Female": 1, "Male": 3},
                )


def test_queries_do_not_grow_with_partnerships_indicators_or_periods(cast_a, schema):
    build_data_set(cast_a)
    client = cast_a.client("coordinator")
    url = workspace_url(cast_a)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        valid(schema, client.get(url).content)
    _grow(cast_a)
    _grow(cast_a)
    with CaptureQueriesContext(connection) as large:
        root = valid(schema, client.get(url).content)
    assert len(root.findall("iati-activity")) == 5
    # Session and membership, the tenant setting, then partnerships, members, goals,
    # indicators, periods, categories, approved figures and approved breakdown per period.
    assert len(large.captured_queries) == len(small.captured_queries)
    data_queries = [
        q for q in large.captured_queries if '"impact_' in q["sql"] or '"goals_' in q["sql"]
    ]
    assert len(data_queries) <= 6


class _SeesAll:
    organization_id = None

    def can(self, action: object) -> bool:
        return True


def test_every_export_of_the_demo_data_validates(schema, settings, tmp_path):
    from tests.demo.seed_helpers import run_seed

    settings.MEDIA_ROOT = tmp_path  # the agreement documents the seeder uploads
    run_seed()
    from impact.iati import partnership_iati_xml, workspace_iati_xml

    checked = 0
    for workspace in Workspace.objects.order_by("slug"):
        with workspace_context(workspace):
            whole = workspace_iati_xml(workspace=workspace, access=_SeesAll())
            assert whole is not None
            root = valid(schema, whole)
            ids = list(Partnership.objects.for_workspace(workspace).values_list("pk", flat=True))
            assert len(root.findall("iati-activity")) == len(ids)
            for pk in ids:
                valid(schema, partnership_iati_xml(workspace=workspace, access=_SeesAll(), pk=pk))
                checked += 1
            assert root.findall(".//result/indicator/period/actual"), workspace.slug
    assert checked >= 2
