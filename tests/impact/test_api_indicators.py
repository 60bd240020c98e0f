"""Indicator, period and progress endpoints: CRUD through the services, If-Match (428,
412), filters, derived progress (per page and per period), scopes, CSV and query counts."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import SharedGoal
from impact.models import (
    Dimension,
    Indicator,
    IndicatorReporter,
    MeasurementStatus,
    ReportingPeriod,
)
from partnerhub.models import ActivityEvent, ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def api(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def key_client(cast, scope: str = ApiKeyScope.WRITE) -> tuple[Client, Any]:  # type: ignore[no-untyped-def]
    api_key, raw = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name=f"{scope} key", scope=scope
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), api_key


def send(client: Client, method: str, url: str, data=None, **headers):  # type: ignore[no-untyped-def]
    return getattr(client, method)(
        url, json.dumps(data or {}), content_type="application/json", headers=headers
    )


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def make_goal(cast, partnership) -> SharedGoal:  # type: ignore[no-untyped-def]
    return SharedGoal.objects.create(
        workspace=cast.workspace, partnership=partnership, title="Literacy for all"
    )


NEW_INDICATOR = {
    "name": "Children reading at grade level",
    "definition": "Pupils passing the reading test.",
    "unit": "children",
    "value_type": "number",
    "baseline_value": "0",
    "baseline_date": "2024-12-31",
    "target_value": "1000",
    "target_date": "2025-12-31",
    "frequency": "quarterly",
    "dimensions": [{"name": "Gender", "exhaustive": True, "categories": ["Female", "Male"]}],
}


# --- Indicators: CRUD and preconditions ---------------------------------------------------


def test_indicator_crud_with_a_write_key(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal = make_goal(cast_a, partnership)
    client, api_key = key_client(cast_a)
    created = send(
        client,
        "post",
        api("api_indicator-list", cast_a),
        {
            **NEW_INDICATOR,
            "partnership": partnership.pk,
            "goal": goal.pk,
            "reporting_organizations": [cast_a.organization.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    detail = api("api_indicator-detail", cast_a, pk=body["id"])
    assert created["Location"] == detail and created["ETag"]
    assert (body["partnership"], body["goal"], body["reporting_organizations"]) == (
        partnership.pk,
        goal.pk,
        [cast_a.organization.pk],
    )
    assert (body["direction"], body["result_level"], body["aggregation"]) == (
        "increase",
        "output",
        "sum",
    )
    assert body["target_value"] == "1000.0000"
    [dimension] = body["dimensions"]
    assert dimension["name"] == "Gender" and dimension["exhaustive"] is True
    assert [c["name"] for c in dimension["categories"]] == ["Female", "Male"]
    assert body["progress"]["status"] == "needs_data"
    assert body["progress"]["actual"] is None
    # Four quarterly periods were generated from the dates.
    periods = client.get(api("api_period-list", cast_a), {"indicator": body["id"]}).json()
    assert [p["start_date"] for p in periods["results"]] == [
        "2025-01-01",
        "2025-04-01",
        "2025-07-01",
        "2025-10-01",
    ]

    fetched = client.get(detail)
    assert fetched.status_code == 200 and fetched["ETag"] == created["ETag"]
    assert client.get(detail, headers={"If-None-Match": fetched["ETag"]}).status_code == 304

    patched = send(client, "patch", detail, {"unit": "pupils"}, **{"If-Match": fetched["ETag"]})
    assert patched.status_code == 200, patched.content
    assert patched.json()["unit"] == "pupils"
    assert patched["ETag"] != fetched["ETag"]

    replaced = send(
        client,
        "put",
        detail,
        {**NEW_INDICATOR, "name": "Readers", "frequency": "half_yearly"},
        **{"If-Match": patched["ETag"]},
    )
    assert replaced.status_code == 200, replaced.content
    after = replaced.json()
    # PUT replaces: what was left out takes its default.
    assert (after["name"], after["goal"], after["reporting_organizations"]) == ("Readers", None, [])
    assert after["frequency"] == "half_yearly"
    with tenant(cast_a.workspace):
        assert ReportingPeriod.objects.filter(indicator_id=body["id"]).count() == 2

    assert client.delete(detail).status_code == 428
    assert client.delete(detail, headers={"If-Match": patched["ETag"]}).status_code == 412
    assert client.delete(detail, headers={"If-Match": replaced["ETag"]}).status_code == 204
    assert client.get(detail).status_code == 404
    with tenant(cast_a.workspace):
        assert not Indicator.objects.filter(pk=body["id"]).exists()
        events = list(
            ActivityEvent.objects.filter(object_type="impact.indicator")
            .order_by("id")
            .values_list("action", "actor_key")
        )
    assert events == [
        ("create", api_key.pk),
        ("update", api_key.pk),
        ("update", api_key.pk),
        ("delete", api_key.pk),
    ]


def test_indicator_writes_need_the_current_etag(cast_a, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a, name="Meals served")
    client, _ = key_client(cast_a)
    detail = api("api_indicator-detail", cast_a, pk=indicator.pk)
    etag = client.get(detail)["ETag"]

    missing = send(client, "patch", detail, {"name": "Renamed"})
    assert missing.status_code == 428 and missing["Content-Type"] == PROBLEM
    for stale in ('"stale"', "*", f"W/{etag}", f'"x", *, {etag}'):
        refused = send(client, "patch", detail, {"name": "Renamed"}, **{"If-Match": stale})
        assert refused.status_code == 412, stale
        assert refused["Content-Type"] == PROBLEM
    put = send(client, "put", detail, {**NEW_INDICATOR}, **{"If-Match": '"old"'})
    assert put.status_code == 412
    with tenant(cast_a.workspace):
        assert Indicator.objects.get(pk=indicator.pk).name == "Meals served"

    # An approved figure changes the representation (its progress), so the ETag moves.
    with tenant(cast_a.workspace):
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=5)
    assert client.get(detail)["ETag"] != etag
    assert send(client, "patch", detail, {"name": "X"}, **{"If-Match": etag}).status_code == 412


def test_indicator_validation_is_a_400_problem_by_field(cast_a, cast_b, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
        foreign_goal = make_goal(cast_a, elsewhere)
    with tenant(cast_b.workspace):
        other_workspace = make_partnership(cast_b)
    client, _ = key_client(cast_a)
    url = api("api_indicator-list", cast_a)

    missing = send(client, "post", url, NEW_INDICATOR)
    assert missing.status_code == 400 and "partnership" in missing.json()["errors"]
    outside = send(client, "post", url, {**NEW_INDICATOR, "partnership": other_workspace.pk})
    assert outside.status_code == 400 and "partnership" in outside.json()["errors"]

    refused = send(
        client,
        "post",
        url,
        {
            **NEW_INDICATOR,
            "partnership": partnership.pk,
            "goal": foreign_goal.pk,
            "reporting_organizations": [cast_a.other_organization.pk],
        },
    )
    assert refused.status_code == 400, refused.content
    assert refused["Content-Type"] == PROBLEM
    errors = refused.json()["errors"]
    assert "goal" in errors

    not_member = send(
        client,
        "post",
        url,
        {
            **NEW_INDICATOR,
            "partnership": partnership.pk,
            "reporting_organizations": [cast_a.other_organization.pk],
        },
    )
    assert not_member.status_code == 400
    assert "reporting_organizations" in not_member.json()["errors"]

    backwards = send(
        client,
        "post",
        url,
        {**NEW_INDICATOR, "partnership": partnership.pk, "target_value": "-5"},
    )
    assert backwards.status_code == 400 and "target_value" in backwards.json()["errors"]
    bad_choice = send(
        client, "post", url, {**NEW_INDICATOR, "partnership": partnership.pk, "frequency": "daily"}
    )
    assert bad_choice.status_code == 400 and "frequency" in bad_choice.json()["errors"]
    with tenant(cast_a.workspace):
        assert not Indicator.objects.filter(partnership=partnership).exists()


def test_partial_update_replaces_reporters_and_dimensions(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator = make_indicator(
            cast_a, partnership=partnership, dimensions={"Gender": ["Female", "Male"]}
        )
    client, _ = key_client(cast_a)
    detail = api("api_indicator-detail", cast_a, pk=indicator.pk)
    etag = client.get(detail)["ETag"]
    response = send(
        client,
        "patch",
        detail,
        {
            "reporting_organizations": [cast_a.organization.pk, cast_a.other_organization.pk],
            "dimensions": [
                {"name": "Gender", "exhaustive": True, "categories": ["Female", "Male", "Other"]},
                {"name": "District", "exhaustive": False, "categories": ["North", "South"]},
            ],
        },
        **{"If-Match": etag},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reporting_organizations"] == sorted(
        [cast_a.organization.pk, cast_a.other_organization.pk]
    )
    assert [(d["name"], len(d["categories"])) for d in body["dimensions"]] == [
        ("Gender", 3),
        ("District", 2),
    ]
    moved = send(client, "patch", detail, {"partnership": 999999}, **{"If-Match": response["ETag"]})
    assert moved.status_code == 400 and "partnership" in moved.json()["errors"]
    with tenant(cast_a.workspace):
        assert IndicatorReporter.objects.filter(indicator=indicator).count() == 2
        assert Dimension.objects.filter(indicator=indicator).count() == 2


# --- Indicators: lists and filters --------------------------------------------------------


def test_indicator_filters(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal = make_goal(cast_a, partnership)
        first = make_indicator(cast_a, partnership=partnership, goal=goal)
        second = make_indicator(cast_a, partnership=partnership)
        third = make_indicator(cast_a)
        Indicator.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(days=10))
    client = cast_a.client("viewer")
    url = api("api_indicator-list", cast_a)
    assert ids(client.get(url)) == [first.pk, second.pk, third.pk]
    assert ids(client.get(url, {"partnership": partnership.pk})) == [first.pk, second.pk]
    assert ids(client.get(url, {"goal": goal.pk})) == [first.pk]
    assert ids(client.get(url, {"id": f"{third.pk},{first.pk}"})) == [first.pk, third.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(client.get(url, {"updated_since": since})) == [second.pk, third.pk]
    assert ids(client.get(url, {"ordering": "-id", "page_size": 2})) == [third.pk, second.pk]
    for bad in ("partnership=0", "goal=1.5", "id=1,x", "partnership=99999999999999999999"):
        response = client.get(f"{url}?{bad}")
        assert response.status_code == 400, bad
        assert response["Content-Type"] == PROBLEM
        assert bad.split("=")[0] in response.json()["errors"]
    too_many = ",".join(str(n) for n in range(1, 502))
    assert client.get(url, {"id": too_many}).status_code == 400


def test_progress_of_the_page_and_per_period(cast_a, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a)
        periods = periods_of(indicator)
        make_measurement(cast_a, indicator=indicator, period=periods[0], value=10)
        make_measurement(cast_a, indicator=indicator, period=periods[1], value=15)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[2],
            value=90,
            status=MeasurementStatus.SUBMITTED,
        )
        ReportingPeriod.objects.filter(pk=periods[1].pk).update(target_value=Decimal("12"))
        empty = make_indicator(cast_a)
    client = cast_a.client("viewer")
    rows = client.get(api("api_indicator-list", cast_a)).json()["results"]
    progress = {row["id"]: row["progress"] for row in rows}
    assert progress[indicator.pk] == {
        "actual": "25.0000",
        "as_of": "2025-06-30",
        "periods_with_data": 2,
        "progress": "0.2500",
        "percent": 25,
        "expected": "0.2479",
        "status": "on_track",
        "reason": "25% of the way, 25% expected by now",
    }
    assert progress[empty.pk]["status"] == "needs_data"

    response = client.get(api("api_indicator-progress", cast_a, pk=indicator.pk))
    assert response.status_code == 200 and response["ETag"]
    body = response.json()
    assert body["progress"]["actual"] == "25.0000"
    assert len(body["periods"]) == 8
    first, second, third = body["periods"][:3]
    assert (first["actual"], first["figures"]) == ("10.0000", 1)
    # Without a target of its own a period gets its share of the straight line (a sum:
    # 90 of 730 days of the change from 0 to 100); with one, that one.
    assert (first["target"], first["target_is_set"]) == ("12.3288", False)
    assert (second["actual"], second["target"], second["target_is_set"]) == (
        "15.0000",
        "12.0000",
        True,
    )
    # Only approved figures count: the submitted 90 is not there.
    assert (third["actual"], third["figures"]) == (None, 0)
    not_modified = client.get(
        api("api_indicator-progress", cast_a, pk=indicator.pk),
        headers={"If-None-Match": response["ETag"]},
    )
    assert not_modified.status_code == 304


def test_progress_list_filters_by_derived_status(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
        goal = make_goal(cast_a, partnership)
        on_track = make_indicator(cast_a, partnership=partnership, goal=goal)
        make_measurement(cast_a, indicator=on_track, period=periods_of(on_track)[0], value=20)
        behind = make_indicator(cast_a, partnership=partnership)
        make_measurement(cast_a, indicator=behind, period=periods_of(behind)[3], value=1)
        achieved = make_indicator(cast_a, partnership=partnership)
        make_measurement(cast_a, indicator=achieved, period=periods_of(achieved)[0], value=150)
        waiting = make_indicator(cast_a, partnership=partnership)
        elsewhere = make_indicator(cast_a)
    client = cast_a.client("viewer")
    url = api("api_indicator_progress-list", cast_a)
    listed = client.get(url).json()["results"]
    assert [row["id"] for row in listed] == [
        on_track.pk,
        behind.pk,
        achieved.pk,
        waiting.pk,
        elsewhere.pk,
    ]
    row = listed[0]
    assert (row["partnership"], row["goal"], row["progress"]["status"]) == (
        partnership.pk,
        goal.pk,
        "on_track",
    )
    assert ids(client.get(url, {"status": "needs_data"})) == [waiting.pk, elsewhere.pk]
    assert ids(client.get(url, {"status": "needs_data", "partnership": partnership.pk})) == [
        waiting.pk
    ]
    assert ids(client.get(url, {"status": "off_track"})) == [behind.pk]
    assert ids(client.get(url, {"status": "achieved"})) == [achieved.pk]
    assert ids(client.get(url, {"status": "on_track", "goal": goal.pk})) == [on_track.pk]
    assert ids(client.get(url, {"status": "at_risk"})) == []
    # The status filter and the cursor work together.
    page = client.get(url, {"status": "needs_data", "page_size": 1}).json()
    assert [r["id"] for r in page["results"]] == [waiting.pk]
    assert [r["id"] for r in client.get(page["next"]).json()["results"]] == [elsewhere.pk]
    bad = client.get(url, {"status": "great"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


# --- Periods ------------------------------------------------------------------------------


def test_period_filters(cast_a, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a)
        other = make_indicator(cast_a, frequency="annual")
        periods = periods_of(indicator)
        ReportingPeriod.objects.filter(pk=periods[0].pk).update(locked=True)
    client = cast_a.client("viewer")
    url = api("api_period-list", cast_a)
    assert len(ids(client.get(url, {"indicator": indicator.pk}))) == 8
    assert ids(client.get(url, {"partnership": other.partnership_id})) == [
        p.pk for p in periods_of(other)
    ]
    assert ids(client.get(url, {"locked": "true"})) == [periods[0].pk]
    ranged = client.get(
        url,
        {
            "indicator": indicator.pk,
            "period_start_after": "2025-04-01",
            "period_end_before": "2025-12-31",
        },
    )
    assert ids(ranged) == [p.pk for p in periods[1:4]]
    row = client.get(url, {"locked": "true"}).json()["results"][0]
    assert (row["indicator"], row["partnership"], row["locked"], row["in_schedule"]) == (
        indicator.pk,
        indicator.partnership_id,
        True,
        True,
    )
    bad = client.get(url, {"period_start_after": "spring"})
    assert bad.status_code == 400 and "period_start_after" in bad.json()["errors"]


def test_period_lock_and_target_with_if_match(cast_a, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a)
        period = periods_of(indicator)[0]
    client = cast_a.client("coordinator")
    detail = api("api_period-detail", cast_a, pk=period.pk)
    fetched = client.get(detail)
    assert fetched.status_code == 200 and fetched.json()["locked"] is False
    assert send(client, "patch", detail, {"locked": True}).status_code == 428
    stale = send(client, "patch", detail, {"locked": True}, **{"If-Match": '"old"'})
    assert stale.status_code == 412
    locked = send(
        client,
        "patch",
        detail,
        {"locked": True, "target_value": "20"},
        **{"If-Match": fetched["ETag"]},
    )
    assert locked.status_code == 200, locked.content
    body = locked.json()
    assert (body["locked"], body["target_value"], body["locked_by"]) == (
        True,
        "20.0000",
        cast_a.coordinator.pk,
    )
    assert locked["ETag"] != fetched["ETag"]
    # The ETag read before the change is stale now.
    again = send(client, "patch", detail, {"locked": False}, **{"If-Match": fetched["ETag"]})
    assert again.status_code == 412
    cleared = send(client, "patch", detail, {"target_value": None}, **{"If-Match": locked["ETag"]})
    assert cleared.status_code == 200 and cleared.json()["target_value"] is None
    with tenant(cast_a.workspace):
        stored = ReportingPeriod.objects.get(pk=period.pk)
    assert (stored.locked, stored.target_value) == (True, None)


def test_period_target_validation(cast_a, tenant):
    with tenant(cast_a.workspace):
        period = periods_of(make_indicator(cast_a, value_type="percentage", unit="%"))[0]
    client, _ = key_client(cast_a)
    detail = api("api_period-detail", cast_a, pk=period.pk)
    etag = client.get(detail)["ETag"]
    response = send(client, "patch", detail, {"target_value": "120"}, **{"If-Match": etag})
    assert response.status_code == 400 and "target_value" in response.json()["errors"]


# --- Scopes -------------------------------------------------------------------------------


def test_another_workspace_gets_404(cast_a, cast_b, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a)
        period = periods_of(indicator)[0]
    key, _ = key_client(cast_b)
    member = cast_b.client("admin")
    for client in (key, member):
        for slug_cast in (cast_a, cast_b):
            for url in (
                api("api_indicator-detail", slug_cast, pk=indicator.pk),
                api("api_indicator-progress", slug_cast, pk=indicator.pk),
                api("api_period-detail", slug_cast, pk=period.pk),
            ):
                assert client.get(url).status_code == 404, url
                assert send(client, "patch", url, {"name": "x"}).status_code in (404, 405)
        listed = member.get(api("api_indicator-list", cast_b)).json()["results"]
        assert listed == []


def test_partner_sees_only_their_partnerships(cast_a, tenant):
    with tenant(cast_a.workspace):
        mine = make_indicator(cast_a)
        hidden_partnership = make_partnership(cast_a, members=[cast_a.other_organization])
        hidden = make_indicator(
            cast_a, partnership=hidden_partnership, reporters=[cast_a.other_organization]
        )
    client = cast_a.client("partner")
    assert ids(client.get(api("api_indicator-list", cast_a))) == [mine.pk]
    assert ids(client.get(api("api_indicator_progress-list", cast_a))) == [mine.pk]
    assert ids(client.get(api("api_period-list", cast_a))) == [p.pk for p in periods_of(mine)]
    assert client.get(api("api_indicator-detail", cast_a, pk=mine.pk)).status_code == 200
    for url in (
        api("api_indicator-detail", cast_a, pk=hidden.pk),
        api("api_indicator-progress", cast_a, pk=hidden.pk),
        api("api_period-detail", cast_a, pk=periods_of(hidden)[0].pk),
    ):
        assert client.get(url).status_code == 404
    # A partner reads but does not define indicators or lock periods.
    created = send(
        client,
        "post",
        api("api_indicator-list", cast_a),
        {**NEW_INDICATOR, "partnership": mine.partnership_id},
    )
    assert created.status_code == 403 and created["Content-Type"] == PROBLEM
    detail = api("api_period-detail", cast_a, pk=periods_of(mine)[0].pk)
    etag = client.get(detail)["ETag"]
    assert send(client, "patch", detail, {"locked": True}, **{"If-Match": etag}).status_code == 403


@pytest.mark.parametrize("who", ["viewer", "read key"])
def test_readers_cannot_write(cast_a, tenant, who):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a)
    client = key_client(cast_a, ApiKeyScope.READ)[0] if who == "read key" else cast_a.client(who)
    detail = api("api_indicator-detail", cast_a, pk=indicator.pk)
    etag = client.get(detail)["ETag"]
    period = api("api_period-detail", cast_a, pk=periods_of(indicator)[0].pk)
    period_etag = client.get(period)["ETag"]
    for method, url, headers in (
        ("post", api("api_indicator-list", cast_a), {}),
        ("patch", detail, {"If-Match": etag}),
        ("delete", detail, {"If-Match": etag}),
        ("patch", period, {"If-Match": period_etag}),
    ):
        response = send(client, method, url, {"name": "x"}, **headers)
        assert response.status_code == 403, (method, url)
        assert response["Content-Type"] == PROBLEM
    with tenant(cast_a.workspace):
        assert Indicator.objects.filter(pk=indicator.pk).exists()


# --- CSV ----------------------------------------------------------------------------------


def test_indicator_list_as_csv(cast_a, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(
            cast_a, name="=HYPERLINK(1)", dimensions={"Gender": ["Female", "Male"]}
        )
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=10)
    client, _ = key_client(cast_a, ApiKeyScope.READ)
    response = client.get(api("api_indicator-list", cast_a), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["id"] == str(indicator.pk)
    assert row["name"] == "'=HYPERLINK(1)"  # never run as a formula
    assert (row["progress.actual"], row["progress.status"]) == ("10.0000", "on_track")
    assert row["reporting_organizations"] == str(cast_a.organization.pk)
    progress = client.get(
        api("api_indicator_progress-list", cast_a), headers={"Accept": "text/csv"}
    )
    [line] = list(csv.DictReader(io.StringIO(progress.content.decode())))
    assert (line["id"], line["progress.percent"]) == (str(indicator.pk), "10")
    periods = client.get(api("api_period-list", cast_a), {"format": "csv", "page_size": 3})
    assert len(list(csv.DictReader(io.StringIO(periods.content.decode())))) == 3
    assert 'rel="next"' in periods["Link"]
    # Details stay JSON.
    detail = client.get(api("api_indicator-detail", cast_a, pk=indicator.pk), {"format": "csv"})
    assert detail.status_code == 404


# --- Query counts -------------------------------------------------------------------------


def _queries(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries)


def _build(cast, tenant, count: int) -> None:  # type: ignore[no-untyped-def]
    with tenant(cast.workspace):
        partnership = make_partnership(cast, members=[cast.organization, cast.other_organization])
        goal = make_goal(cast, partnership)
        for n in range(count):
            indicator = make_indicator(
                cast,
                partnership=partnership,
                goal=goal if n % 2 else None,
                reporters=[cast.organization, cast.other_organization],
                dimensions={"Gender": ["Female", "Male"], "Age": ["Young", "Old"]},
            )
            make_measurement(
                cast, indicator=indicator, period=periods_of(indicator)[0], value=n + 1
            )


def test_list_query_counts_do_not_grow(cast_a, tenant):
    """A key's list request: the key and its workspace (authentication, 2 queries), the
    tenant setting (1), then per list: indicators -- page, reporters, dimensions,
    categories, progress (5); progress -- page and progress (2), with ?status= the matching
    ids and their progress before the page (3); periods -- page with indicator (1)."""
    client, _ = key_client(cast_a, ApiKeyScope.READ)
    lists = [
        (api("api_indicator-list", cast_a), {}),
        (api("api_indicator_progress-list", cast_a), {}),
        (api("api_indicator_progress-list", cast_a), {"status": "at_risk"}),
        (api("api_period-list", cast_a), {}),
    ]
    _build(cast_a, tenant, 1)
    few = [_queries(client, url, params) for url, params in lists]
    _build(cast_a, tenant, 30)
    many = [_queries(client, url, params) for url, params in lists]
    assert few == many
    assert many[0] - many[1] == 3  # reporters, dimensions, categories: one query each


def test_session_list_query_counts_do_not_grow(cast_a, tenant):
    client = cast_a.client("partner")
    url = api("api_indicator-list", cast_a)
    _build(cast_a, tenant, 1)
    few = _queries(client, url)
    _build(cast_a, tenant, 30)
    assert _queries(client, url) == few
    assert len(client.get(url, {"page_size": 500}).json()["results"]) == 31


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_documents_the_impact_endpoints(tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(target),
    )
    paths = json.loads(target.read_text())["paths"]
    prefix = "/api/v1/w/{workspace_slug}/"
    operations = {
        operation["operationId"]
        for path, methods in paths.items()
        if path.startswith(prefix)
        for operation in methods.values()
    }
    assert {
        "indicators_list",
        "indicators_create",
        "indicators_retrieve",
        "indicators_partial_update",
        "indicators_update",
        "indicators_destroy",
        "indicators_progress_retrieve",
        "indicator_progress_list",
        "periods_list",
        "periods_retrieve",
        "periods_partial_update",
        "measurements_list",
        "measurements_create",
        "measurements_retrieve",
        "measurements_partial_update",
        "measurements_submit_create",
        "measurements_approve_create",
        "measurements_return_create",
        "measurements_review_create",
    } <= operations
    approve = paths[prefix + "measurements/{id}/approve/"]["post"]
    assert "403" in approve["responses"]
