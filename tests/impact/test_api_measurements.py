"""Figure endpoints: reporting (partners for their own organization, write keys for any),
disaggregation, the review workflow (people only), preconditions (428, 412, 409),
filters, scopes, CSV and query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from impact.models import (
    DimensionCategory,
    Measurement,
    MeasurementEvent,
    MeasurementStatus,
    ReportingPeriod,
)
from partnerhub.models import ApiKeyScope
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of
from tests.impact.test_api_indicators import PROBLEM, api, ids, key_client, make_goal, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def gendered(cast_a, tenant):  # type: ignore[no-untyped-def]
    """An indicator reported by the partner's organization, with an exhaustive gender
    dimension; its periods; and its categories by name."""
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a, dimensions={"Gender": ["Female", "Male", "Another"]})
        periods = periods_of(indicator)
        categories = {
            c.name: c.pk for c in DimensionCategory.objects.filter(dimension__indicator=indicator)
        }
    return indicator, periods, categories


def _figure(indicator, period, **values) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"indicator": indicator.pk, "period": period.pk, "value": "12", **values}


# --- Reporting ----------------------------------------------------------------------------


def test_partner_submits_a_disaggregated_figure(cast_a, gendered, tenant):
    indicator, periods, categories = gendered
    client = cast_a.client("partner")
    response = send(
        client,
        "post",
        api("api_measurement-list", cast_a),
        _figure(
            indicator,
            periods[0],
            breakdown=[
                {"category": categories["Female"], "value": "7"},
                {"category": categories["Male"], "value": "5"},
            ],
            note="From the school registers.",
            evidence_link="https://example.org/registers",
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == api("api_measurement-detail", cast_a, pk=body["id"])
    assert response["ETag"] == f'"measurement-{body["id"]}-v1"'
    assert (body["status"], body["value"], body["version"]) == ("submitted", "12.0000", 1)
    assert body["organization"] == {"id": cast_a.organization.pk, "name": "Org A1"}
    assert body["period"]["start_date"] == "2025-01-01"
    assert body["submitted_by"]["id"] == cast_a.partner.pk and body["submitted_by_key"] is None
    assert sorted((b["category"], b["value"]) for b in body["breakdown"]) == sorted(
        [(categories["Female"], "7.0000"), (categories["Male"], "5.0000")]
    )
    assert body["evidence_link"] == "https://example.org/registers"
    with tenant(cast_a.workspace):
        assert MeasurementEvent.objects.filter(measurement_id=body["id"]).count() == 1

    # The parts of an exhaustive dimension add up to the total.
    refused = send(
        client,
        "post",
        api("api_measurement-list", cast_a),
        _figure(
            indicator,
            periods[1],
            breakdown=[{"category": categories["Female"], "value": "3"}],
        ),
    )
    assert refused.status_code == 400 and refused["Content-Type"] == PROBLEM
    assert "breakdown" in refused.json()["errors"]
    twice = send(
        client,
        "post",
        api("api_measurement-list", cast_a),
        _figure(
            indicator,
            periods[1],
            breakdown=[
                {"category": categories["Female"], "value": "6"},
                {"category": categories["Female"], "value": "6"},
            ],
        ),
    )
    assert twice.status_code == 400 and "breakdown" in twice.json()["errors"]
    with tenant(cast_a.workspace):
        assert not Measurement.objects.filter(period=periods[1]).exists()


def test_partner_reports_only_for_their_own_organization(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator = make_indicator(
            cast_a,
            partnership=partnership,
            reporters=[cast_a.organization, cast_a.other_organization],
        )
        period = periods_of(indicator)[0]
        hidden = make_indicator(
            cast_a,
            partnership=make_partnership(cast_a, members=[cast_a.other_organization]),
            reporters=[cast_a.other_organization],
        )
    client = cast_a.client("partner")
    url = api("api_measurement-list", cast_a)
    other = send(
        client, "post", url, _figure(indicator, period, organization=cast_a.other_organization.pk)
    )
    assert other.status_code == 403 and other["Content-Type"] == PROBLEM
    invisible = send(client, "post", url, _figure(hidden, periods_of(hidden)[0]))
    assert invisible.status_code == 400 and "indicator" in invisible.json()["errors"]
    # Without an organization a partner reports for their own.
    own = send(client, "post", url, _figure(indicator, period))
    assert own.status_code == 201
    assert own.json()["organization"]["id"] == cast_a.organization.pk
    # A coordinator must name it.
    coordinator = send(cast_a.client("coordinator"), "post", url, _figure(indicator, period))
    assert coordinator.status_code == 400 and "organization" in coordinator.json()["errors"]
    # Nor may a partner change or submit the figure another organization reported.
    with tenant(cast_a.workspace):
        theirs = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[1],
            value=4,
            organization=cast_a.other_organization,
            status="draft",
        )
    changed = send(
        client,
        "patch",
        api("api_measurement-detail", cast_a, pk=theirs.pk),
        {"value": "40", "expected_version": 1},
    )
    assert changed.status_code == 403
    submitted = send(client, "post", api("api_measurement-submit", cast_a, pk=theirs.pk))
    assert submitted.status_code == 403
    with tenant(cast_a.workspace):
        assert Measurement.objects.filter(indicator=indicator).count() == 2
        stored = Measurement.objects.get(pk=theirs.pk)
    assert (stored.value, stored.status) == (Decimal("4"), "draft")


def test_write_key_submits_but_never_reviews(cast_a, gendered, tenant):
    indicator, periods, _ = gendered
    client, api_key = key_client(cast_a)
    created = send(
        client,
        "post",
        api("api_measurement-list", cast_a),
        _figure(indicator, periods[0], organization=cast_a.organization.pk, submit=False),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["submitted_by_key"]) == ("draft", None)
    submitted = send(client, "post", api("api_measurement-submit", cast_a, pk=body["id"]))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by_key"]["id"] == api_key.pk
    for name, data in (
        ("api_measurement-approve", {}),
        ("api_measurement-return", {"note": "Check it"}),
    ):
        refused = send(client, "post", api(name, cast_a, pk=body["id"]), data)
        assert refused.status_code == 403, name
        assert refused["Content-Type"] == PROBLEM
        assert "Approval stays with people" in refused.json()["detail"]
    bulk = send(
        client,
        "post",
        api("api_measurement-review", cast_a),
        {"ids": [body["id"]], "decision": "approve"},
    )
    assert bulk.status_code == 403
    with tenant(cast_a.workspace):
        assert Measurement.objects.get(pk=body["id"]).status == MeasurementStatus.SUBMITTED


def test_review_workflow_moves_progress(cast_a, gendered, tenant):
    indicator, periods, _ = gendered
    with tenant(cast_a.workspace):
        figure = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[0],
            value=30,
            status=MeasurementStatus.SUBMITTED,
        )
    coordinator = cast_a.client("coordinator")
    partner = cast_a.client("partner")
    detail = api("api_indicator-detail", cast_a, pk=indicator.pk)
    assert coordinator.get(detail).json()["progress"]["status"] == "needs_data"

    # A partner does not review.
    assert (
        send(partner, "post", api("api_measurement-approve", cast_a, pk=figure.pk)).status_code
        == 403
    )

    no_note = send(coordinator, "post", api("api_measurement-return", cast_a, pk=figure.pk), {})
    assert no_note.status_code == 400 and "note" in no_note.json()["errors"]
    returned = send(
        coordinator,
        "post",
        api("api_measurement-return", cast_a, pk=figure.pk),
        {"note": "Please add the evidence."},
    )
    assert returned.status_code == 200, returned.content
    assert (returned.json()["status"], returned.json()["review_note"]) == (
        "returned",
        "Please add the evidence.",
    )
    # The partner corrects it and resubmits in one change.
    fixed = send(
        partner,
        "patch",
        api("api_measurement-detail", cast_a, pk=figure.pk),
        {"evidence_link": "https://example.org/list", "submit": True},
        **{"If-Match": returned["ETag"]},
    )
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["status"] == "submitted"
    # Approving a stale version is refused; the current one goes through.
    stale = send(
        coordinator,
        "post",
        api("api_measurement-approve", cast_a, pk=figure.pk),
        {},
        **{"If-Match": returned["ETag"]},
    )
    assert stale.status_code == 412
    approved = send(
        coordinator,
        "post",
        api("api_measurement-approve", cast_a, pk=figure.pk),
        {"note": "Thanks"},
        **{"If-Match": fixed["ETag"]},
    )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert (body["status"], body["reviewed_by"]["id"]) == ("approved", cast_a.coordinator.pk)
    progress = coordinator.get(detail).json()["progress"]
    assert (progress["actual"], progress["status"]) == ("30.0000", "on_track")
    # An approved figure is not changed; approving twice is refused.
    changed = send(
        partner,
        "patch",
        api("api_measurement-detail", cast_a, pk=figure.pk),
        {"value": "31"},
        **{"If-Match": approved["ETag"]},
    )
    assert changed.status_code == 400
    again = send(coordinator, "post", api("api_measurement-approve", cast_a, pk=figure.pk))
    assert again.status_code == 400
    with tenant(cast_a.workspace):
        kinds = list(
            MeasurementEvent.objects.filter(measurement=figure)
            .order_by("id")
            .values_list("kind", flat=True)
        )
    assert kinds == ["returned", "submitted", "approved"]


def test_bulk_review_by_a_coordinator(cast_a, gendered, tenant):
    indicator, periods, _ = gendered
    with tenant(cast_a.workspace):
        first, second = (
            make_measurement(
                cast_a,
                indicator=indicator,
                period=period,
                value=5,
                status=MeasurementStatus.SUBMITTED,
            )
            for period in periods[:2]
        )
        draft = make_measurement(
            cast_a, indicator=indicator, period=periods[2], value=5, status="draft"
        )
    client = cast_a.client("coordinator")
    url = api("api_measurement-review", cast_a)
    response = send(
        client,
        "post",
        url,
        {"ids": [second.pk, first.pk, draft.pk, 987654321], "decision": "approve"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["done"] == [first.pk, second.pk]
    assert {row["id"] for row in body["skipped"]} == {draft.pk, 987654321}
    returning = send(client, "post", url, {"ids": [first.pk], "decision": "return"})
    assert returning.status_code == 400 and "note" in returning.json()["errors"]
    assert send(client, "post", url, {"ids": [], "decision": "approve"}).status_code == 400


# --- Changes and preconditions --------------------------------------------------------------


def test_changes_need_a_precondition(cast_a, gendered, tenant):
    indicator, periods, categories = gendered
    with tenant(cast_a.workspace):
        figure = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[0],
            value=10,
            status="draft",
            breakdown={"Female": 4, "Male": 6},
        )
    client, _ = key_client(cast_a)
    detail = api("api_measurement-detail", cast_a, pk=figure.pk)
    etag = client.get(detail)["ETag"]
    assert etag == f'"measurement-{figure.pk}-v1"'

    missing = send(client, "patch", detail, {"note": "x"})
    assert missing.status_code == 428 and missing["Content-Type"] == PROBLEM
    for header in ('"measurement-0-v1"', "*", f"W/{etag}"):
        refused = send(client, "patch", detail, {"note": "x"}, **{"If-Match": header})
        assert refused.status_code == 412, header

    # Changing the note keeps the breakdown and the draft state.
    noted = send(client, "patch", detail, {"note": "Checked"}, **{"If-Match": etag})
    assert noted.status_code == 200, noted.content
    body = noted.json()
    assert (body["note"], body["status"], body["version"]) == ("Checked", "draft", 2)
    assert len(body["breakdown"]) == 2
    assert noted["ETag"] == f'"measurement-{figure.pk}-v2"'

    # expected_version instead of If-Match: a stale one is a 409 with the current figure.
    conflict = send(client, "patch", detail, {"note": "Again", "expected_version": 1})
    assert conflict.status_code == 409 and conflict["Content-Type"] == PROBLEM
    problem = conflict.json()
    assert problem["type"].endswith("/conflict") and problem["current"]["version"] == 2
    changed = send(
        client,
        "patch",
        detail,
        {
            "value": "11",
            "expected_version": 2,
            "breakdown": [
                {"category": categories["Female"], "value": "5"},
                {"category": categories["Male"], "value": "6"},
            ],
        },
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["value"], changed.json()["version"]) == ("11.0000", 3)
    # The breakdown must still add up when only the value changes.
    refused = send(client, "patch", detail, {"value": "12", "expected_version": 3})
    assert refused.status_code == 400 and "breakdown" in refused.json()["errors"]
    moved = send(client, "patch", detail, {"period": periods[1].pk, "expected_version": 3})
    assert moved.status_code == 400 and "period" in moved.json()["errors"]
    with tenant(cast_a.workspace):
        stored = Measurement.objects.get(pk=figure.pk)
    assert (stored.value, stored.version) == (Decimal("11"), 3)


def test_posting_again_changes_the_figure_or_conflicts(cast_a, gendered, tenant):
    indicator, periods, _ = gendered
    client = cast_a.client("partner")
    url = api("api_measurement-list", cast_a)
    first = send(client, "post", url, _figure(indicator, periods[0], submit=False))
    assert first.status_code == 201
    again = send(client, "post", url, _figure(indicator, periods[0], value="13"))
    assert again.status_code == 200, again.content
    assert (again.json()["id"], again.json()["value"], again.json()["status"]) == (
        first.json()["id"],
        "13.0000",
        "submitted",
    )
    create_only = send(client, "post", url, _figure(indicator, periods[0], expected_version=0))
    assert create_only.status_code == 409
    assert create_only.json()["current"]["id"] == first.json()["id"]


def test_a_locked_period_refuses_figures(cast_a, gendered, tenant):
    indicator, periods, _ = gendered
    with tenant(cast_a.workspace):
        ReportingPeriod.objects.filter(pk=periods[0].pk).update(locked=True)
    response = send(
        cast_a.client("partner"),
        "post",
        api("api_measurement-list", cast_a),
        _figure(indicator, periods[0]),
    )
    assert response.status_code == 400 and "period" in response.json()["errors"]
    wrong_period = send(
        cast_a.client("partner"),
        "post",
        api("api_measurement-list", cast_a),
        _figure(indicator, periods_of(make_other_indicator(cast_a, tenant))[0]),
    )
    assert wrong_period.status_code == 400 and "period" in wrong_period.json()["errors"]


def make_other_indicator(cast, tenant):  # type: ignore[no-untyped-def]
    with tenant(cast.workspace):
        return make_indicator(cast)


# --- Filters --------------------------------------------------------------------------------


def test_measurement_filters(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        goal = make_goal(cast_a, partnership)
        indicator = make_indicator(
            cast_a,
            partnership=partnership,
            goal=goal,
            reporters=[cast_a.organization, cast_a.other_organization],
        )
        periods = periods_of(indicator)
        a = make_measurement(cast_a, indicator=indicator, period=periods[0], value=1)
        b = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[0],
            value=2,
            organization=cast_a.other_organization,
            status=MeasurementStatus.SUBMITTED,
        )
        c = make_measurement(
            cast_a, indicator=indicator, period=periods[5], value=3, status="returned"
        )
        other = make_indicator(cast_a)
        d = make_measurement(cast_a, indicator=other, period=periods_of(other)[1], value=4)
        Measurement.objects.filter(pk=a.pk).update(updated_at=timezone.now() - timedelta(days=5))
    client = cast_a.client("viewer")
    url = api("api_measurement-list", cast_a)

    def listed(**params):  # type: ignore[no-untyped-def]
        return ids(client.get(url, params))

    assert listed() == [a.pk, b.pk, c.pk, d.pk]
    assert listed(partnership=partnership.pk) == [a.pk, b.pk, c.pk]
    assert listed(goal=goal.pk) == [a.pk, b.pk, c.pk]
    assert listed(indicator=other.pk) == [d.pk]
    assert listed(period=periods[0].pk) == [a.pk, b.pk]
    assert listed(organization=cast_a.other_organization.pk) == [b.pk]
    assert listed(status="submitted") == [b.pk]
    assert listed(status="returned", indicator=indicator.pk) == [c.pk]
    assert listed(period_start_after="2026-01-01") == [c.pk]
    assert listed(period_end_before="2025-06-30") == [a.pk, b.pk, d.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert listed(updated_since=since) == [b.pk, c.pk, d.pk]
    assert listed(ordering="-id", page_size=2) == [d.pk, c.pk]
    for bad in ("status=lost", "period=0", "organization=x", "goal=1e30", "period_end_before=x"):
        response = client.get(f"{url}?{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.json()["errors"]


# --- Scopes -------------------------------------------------------------------------------


def test_another_workspace_gets_404(cast_a, cast_b, gendered, tenant):
    indicator, periods, _ = gendered
    with tenant(cast_a.workspace):
        figure = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[0],
            value=5,
            status=MeasurementStatus.SUBMITTED,
        )
    key, _ = key_client(cast_b)
    member = cast_b.client("admin")
    for client in (key, member):
        for slug_cast in (cast_a, cast_b):
            detail = api("api_measurement-detail", slug_cast, pk=figure.pk)
            assert client.get(detail).status_code == 404
            patched = send(client, "patch", detail, {"value": "1"}, **{"If-Match": "*"})
            assert patched.status_code == 404
            assert (
                send(
                    client, "post", api("api_measurement-submit", slug_cast, pk=figure.pk)
                ).status_code
                == 404
            )
        assert ids(key.get(api("api_measurement-list", cast_b))) == []
    approve = send(member, "post", api("api_measurement-approve", cast_b, pk=figure.pk))
    assert approve.status_code == 404
    # A figure of another workspace in a body is a 400.
    posted = send(
        key,
        "post",
        api("api_measurement-list", cast_b),
        _figure(indicator, periods[0], organization=cast_b.organization.pk),
    )
    assert posted.status_code == 400 and "indicator" in posted.json()["errors"]
    with tenant(cast_a.workspace):
        assert Measurement.objects.get(pk=figure.pk).status == MeasurementStatus.SUBMITTED


def test_partner_sees_only_their_partnerships_figures(cast_a, gendered, tenant):
    indicator, periods, _ = gendered
    with tenant(cast_a.workspace):
        mine = make_measurement(cast_a, indicator=indicator, period=periods[0], value=5)
        hidden_indicator = make_indicator(
            cast_a,
            partnership=make_partnership(cast_a, members=[cast_a.other_organization]),
            reporters=[cast_a.other_organization],
        )
        hidden = make_measurement(
            cast_a,
            indicator=hidden_indicator,
            period=periods_of(hidden_indicator)[0],
            value=9,
            organization=cast_a.other_organization,
        )
    client = cast_a.client("partner")
    assert ids(client.get(api("api_measurement-list", cast_a))) == [mine.pk]
    assert client.get(api("api_measurement-detail", cast_a, pk=hidden.pk)).status_code == 404
    submit = send(client, "post", api("api_measurement-submit", cast_a, pk=hidden.pk))
    assert submit.status_code == 404


@pytest.mark.parametrize("who", ["viewer", "read key"])
def test_readers_cannot_report(cast_a, gendered, tenant, who):
    indicator, periods, _ = gendered
    with tenant(cast_a.workspace):
        figure = make_measurement(cast_a, indicator=indicator, period=periods[0], value=5)
    client = key_client(cast_a, ApiKeyScope.READ)[0] if who == "read key" else cast_a.client(who)
    assert client.get(api("api_measurement-list", cast_a)).status_code == 200
    for url in (
        api("api_measurement-list", cast_a),
        api("api_measurement-submit", cast_a, pk=figure.pk),
        api("api_measurement-approve", cast_a, pk=figure.pk),
    ):
        response = send(client, "post", url, _figure(indicator, periods[1]))
        assert response.status_code == 403, url
        assert response["Content-Type"] == PROBLEM
    with tenant(cast_a.workspace):
        assert Measurement.objects.filter(indicator=indicator).count() == 1


# --- CSV ----------------------------------------------------------------------------------


def test_measurement_list_as_csv(cast_a, gendered, tenant):
    indicator, periods, categories = gendered
    with tenant(cast_a.workspace):
        figure = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[0],
            value=10,
            note="=cmd|' /C calc'!A0",
            breakdown={"Female": 4, "Male": 6},
        )
    client, _ = key_client(cast_a, ApiKeyScope.READ)
    response = client.get(api("api_measurement-list", cast_a), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (row["id"], row["value"], row["status"]) == (str(figure.pk), "10.0000", "approved")
    assert (row["period.start_date"], row["organization.name"]) == ("2025-01-01", "Org A1")
    assert row["note"].startswith("'=")  # never run as a formula
    assert row["breakdown"] == (
        f"category={categories['Female']},value=4.0000;category={categories['Male']},value=6.0000"
    )
    empty = client.get(api("api_measurement-list", cast_a), {"format": "csv", "status": "draft"})
    header = empty.content.decode().splitlines()[0].split(",")
    assert {"id", "indicator", "value", "status", "period.start_date"} <= set(header)
    bad = client.get(api("api_measurement-list", cast_a), {"format": "csv", "period": "x"})
    assert bad.status_code == 400 and bad["Content-Type"] == PROBLEM


# --- Query counts -------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def _figures(cast, tenant, count: int) -> None:  # type: ignore[no-untyped-def]
    with tenant(cast.workspace):
        partnership = make_partnership(cast, members=[cast.organization, cast.other_organization])
        for n in range(count):
            indicator = make_indicator(
                cast,
                partnership=partnership,
                reporters=[cast.organization, cast.other_organization],
                dimensions={"Gender": ["Female", "Male"]},
            )
            make_measurement(
                cast,
                indicator=indicator,
                period=periods_of(indicator)[n % 8],
                value=10,
                organization=cast.organization if n % 2 else cast.other_organization,
                status=[MeasurementStatus.APPROVED, MeasurementStatus.RETURNED][n % 2],
                breakdown={"Female": 4, "Male": 6},
            )


@pytest.mark.parametrize("who", ["key", "partner"])
def test_list_query_counts_do_not_grow(cast_a, tenant, who):
    """The list reads the page with its period, organization and people in one query and
    the breakdowns in one more, after authentication and the tenant setting (a key: the
    key and its workspace; a session: session, user, membership)."""
    client = key_client(cast_a, ApiKeyScope.READ)[0] if who == "key" else cast_a.client(who)
    url = api("api_measurement-list", cast_a)
    _figures(cast_a, tenant, 1)
    few = _queries(client, url)
    _figures(cast_a, tenant, 30)
    many = _queries(client, url)
    assert few == many
    assert len(client.get(url, {"page_size": 500}).json()["results"]) == 31
    csv_url = url + "?format=csv"
    assert _queries(client, csv_url) == many
