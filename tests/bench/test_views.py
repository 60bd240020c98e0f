"""The benchmark's reference views answer what the real endpoints answer (E1-ref the
measurements list's page, E3-ref the dashboard's progress numbers), E0 reads nothing,
and the query-count header counts what the request ran."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from bench.middleware import HEADER
from impact.models import (
    Aggregation,
    DimensionCategory,
    Measurement,
    MeasurementStatus,
    ValueType,
)
from impact.progress import indicators_progress
from impact.selectors_dashboard import indicator_needs
from partnerhub.models import ApiKeyScope
from partnerhub.services.api_keys import api_key_revoke
from partners.services.partnerships import workspace_today
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of
from tests.impact.test_api_indicators import api, key_client, send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BENCH = override_settings(
    ROOT_URLCONF="tests.bench.urls",
    MIDDLEWARE=["bench.middleware.QueryCountHeaderMiddleware", *settings.MIDDLEWARE],
)


@pytest.fixture(autouse=True)
def _bench_endpoints():  # type: ignore[no-untyped-def]
    with BENCH:
        yield


def _forget_workspace() -> None:
    """The tests run in one transaction: drop the tenant setting the set-up left, so a view
    that forgot its own ``set_config`` would see no tenant row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.workspace_id', '', true)")


def _figures(cast, tenant) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """112 figures in every state: breakdowns, returned, approved, drafts, one reported
    through a write key (the API), a reviewer without a full name."""
    cast.coordinator.full_name = ""
    cast.coordinator.save(update_fields=["full_name"])
    with tenant(cast.workspace):
        partnership = make_partnership(cast, members=[cast.organization, cast.other_organization])
        reporters = [cast.organization, cast.other_organization]
        indicators = [
            make_indicator(
                cast,
                partnership=partnership,
                reporters=reporters,
                dimensions={"Gender": ["Female", "Male"], "Age": ["Young", "Old"]},
                exhaustive=False,
            )
            for _ in range(6)
        ]
        states = [
            MeasurementStatus.APPROVED,
            MeasurementStatus.RETURNED,
            MeasurementStatus.SUBMITTED,
            MeasurementStatus.DRAFT,
        ]
        n = 0
        for indicator in indicators:
            for period in periods_of(indicator):
                for organization in reporters:
                    make_measurement(
                        cast,
                        indicator=indicator,
                        period=period,
                        organization=organization,
                        value=Decimal("12.5") + n,
                        status=states[n % 4],
                        breakdown={"Old": 2, "Female": 3, "Male": n} if n % 3 == 0 else None,
                        note=f'Note {n} with "quotes" and ünïcode' if n % 5 == 0 else "",
                    )
                    n += 1
        whole_second = timezone.now().replace(microsecond=0) - timedelta(days=3)
        first = Measurement.objects.filter(workspace=cast.workspace).order_by("id")
        first.filter(pk__in=list(first.values_list("id", flat=True)[:6])).update(
            reviewed_at=whole_second
        )
        percent = make_indicator(
            cast,
            partnership=partnership,
            reporters=reporters,
            value_type=ValueType.PERCENTAGE,
            unit="%",
            aggregation=Aggregation.LATEST,
        )
        average = make_indicator(
            cast, partnership=partnership, reporters=reporters, aggregation=Aggregation.AVERAGE
        )
        empty = make_indicator(cast, partnership=partnership, reporters=reporters)
        for index, period in enumerate(periods_of(percent)[:3]):
            for organization, value in ((cast.organization, 40), (cast.other_organization, 75)):
                make_measurement(
                    cast,
                    indicator=percent,
                    period=period,
                    organization=organization,
                    value=value + index,
                )
                make_measurement(
                    cast,
                    indicator=average,
                    period=period,
                    organization=organization,
                    value=Decimal("1.3333") * (index + 1),
                )
        period = periods_of(percent)[4]
    writer = key_client(cast, ApiKeyScope.WRITE)[0]
    posted = send(
        writer,
        "post",
        api("api_measurement-list", cast),
        {
            "indicator": percent.pk,
            "period": period.pk,
            "organization": cast.organization.pk,
            "value": "55.25",
            "note": "Sent by the reporting tool",
        },
    )
    assert posted.status_code == 201, posted.content
    return {
        "partnership": partnership,
        "indicators": [*indicators, percent, average, empty],
        "by_key": posted.json()["id"],
    }


def _bench(client: Client, name: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    _forget_workspace()
    return client.get(reverse(name, kwargs=kwargs))


# --- E0 --------------------------------------------------------------------------------


def test_e0_answers_json_without_any_query(client):
    client.get(reverse("bench_e0"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("bench_e0"))
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert len(queries) == 0
    assert response[HEADER] == "0"


# --- E1-ref ----------------------------------------------------------------------------


def test_e1_ref_is_the_measurements_list_page(cast_a, cast_b, tenant):
    data = _figures(cast_a, tenant)
    reader = key_client(cast_a, ApiKeyScope.READ)[0]
    real = reader.get(api("api_measurement-list", cast_a))
    assert real.status_code == 200, real.content
    response = _bench(reader, "bench_measurements", workspace_slug=cast_a.workspace.slug)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    expected = real.json()
    assert len(body["results"]) == 100
    assert body["results"] == expected["results"]
    # The same next cursor as DRF's, and the page after it holds the API-key figure.
    assert parse_qs(urlparse(body["next"]).query) == parse_qs(urlparse(expected["next"]).query)
    assert body["previous"] is None
    second = reader.get(expected["next"]).json()["results"]
    by_key = next(row for row in second if row["id"] == data["by_key"])
    assert by_key["submitted_by_key"]["prefix"] and by_key["submitted_by"] is None
    # Every shape of a row is on the first page: breakdowns, returned notes, people.
    rows = body["results"]
    assert any(len(row["breakdown"]) == 3 for row in rows)
    assert any(row["status"] == "returned" and row["review_note"] for row in rows)
    assert any(row["reviewed_by"] and "@" in row["reviewed_by"]["name"] for row in rows)
    assert any(row["reviewed_at"] and "." not in row["reviewed_at"] for row in rows)
    assert any(row["submitted_at"] is None for row in rows)


def test_e1_ref_last_page_has_no_next(cast_a, tenant):
    with tenant(cast_a.workspace):
        indicator = make_indicator(cast_a, dimensions={"Gender": ["Female", "Male"]})
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=10,
            breakdown={"Male": 6, "Female": 4},
        )
    reader = key_client(cast_a, ApiKeyScope.READ)[0]
    real = reader.get(api("api_measurement-list", cast_a)).json()
    body = _bench(reader, "bench_measurements", workspace_slug=cast_a.workspace.slug).json()
    assert body == {"next": None, "previous": None, "results": real["results"]}
    # Breakdown in the dimension's category order, not the insertion order.
    female = DimensionCategory.objects.get(workspace=cast_a.workspace, name="Female")
    assert body["results"][0]["breakdown"][0] == {"category": female.pk, "value": "4.0000"}


def test_e1_ref_empty_workspace(cast_a):
    reader = key_client(cast_a, ApiKeyScope.READ)[0]
    body = _bench(reader, "bench_measurements", workspace_slug=cast_a.workspace.slug).json()
    assert body == {"next": None, "previous": None, "results": []}


def test_e1_ref_needs_a_valid_key_of_that_workspace(cast_a, cast_b, tenant):
    with tenant(cast_b.workspace):
        indicator = make_indicator(cast_b)
        make_measurement(cast_b, indicator=indicator, period=periods_of(indicator)[0], value=1)
    reader, key = key_client(cast_a, ApiKeyScope.READ)
    slug_a, slug_b = cast_a.workspace.slug, cast_b.workspace.slug
    assert _bench(reader, "bench_measurements", workspace_slug=slug_b).status_code == 404
    assert _bench(reader, "bench_measurements", workspace_slug="nowhere").status_code == 404
    assert _bench(Client(), "bench_measurements", workspace_slug=slug_a).status_code == 401
    forged = Client(HTTP_AUTHORIZATION=f"Bearer phk_{key.prefix}_not-the-secret")
    assert _bench(forged, "bench_measurements", workspace_slug=slug_a).status_code == 401
    api_key_revoke(workspace=cast_a.workspace, actor=cast_a.admin, api_key=key)
    assert _bench(reader, "bench_measurements", workspace_slug=slug_a).status_code == 401


def test_e1_ref_runs_three_queries(cast_a, tenant):
    """The key, the tenant setting, the page: whatever the number of figures."""
    _figures(cast_a, tenant)
    reader = key_client(cast_a, ApiKeyScope.READ)[0]
    url = reverse("bench_measurements", kwargs={"workspace_slug": cast_a.workspace.slug})
    reader.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(url)
    # pytest-django's transaction makes the request's atomic block a savepoint (2 more).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3, statements
    assert response[HEADER] == str(len(queries))


# --- E3-ref ----------------------------------------------------------------------------


def test_e3_ref_numbers_are_the_progress_numbers(cast_a, tenant):
    data = _figures(cast_a, tenant)
    partnership = data["partnership"]
    response = _bench(
        cast_a.client("viewer"),
        "bench_dashboard",
        workspace_slug=cast_a.workspace.slug,
        pk=partnership.pk,
    )
    assert response.status_code == 200, response.content
    body = json.loads(response.content, parse_float=Decimal, parse_int=Decimal)
    rows = body["progress"]
    with tenant(cast_a.workspace):
        progress = indicators_progress(
            workspace=cast_a.workspace, indicator_ids=[i.pk for i in data["indicators"]]
        )
        needs = indicator_needs(
            workspace=cast_a.workspace,
            partnership_ids=[partnership.pk],
            today=workspace_today(cast_a.workspace),
        )
    # The owed and waiting figures the dashboard shows, from the same SQL's rows.
    terms: dict[str, dict[int, int]] = {}
    for row in body["needs"]:
        terms.setdefault(row["term"], {})[int(row["key"])] = int(row["n"])
    assert set(terms) <= {"closed", "reporters", "settled", "waiting"}
    assert any(need.owed for need in needs.indicators.values())
    for indicator_id, need in needs.indicators.items():
        closed = terms.get("closed", {}).get(indicator_id, 0)
        reporters = terms.get("reporters", {}).get(indicator_id, 0)
        settled = terms.get("settled", {}).get(indicator_id, 0)
        assert closed * reporters - settled == need.owed
    assert sum(terms.get("waiting", {}).values()) == sum(needs.waiting.values())
    assert [row["id"] for row in rows] == sorted(i.pk for i in data["indicators"])
    assert len(rows) == 9
    for row in rows:
        expected = progress[int(row["id"])]
        actual = row["actual"]
        assert (actual is None) == (expected.actual is None)
        if actual is not None:
            assert actual == expected.actual
        assert row["as_of"] == (expected.as_of.isoformat() if expected.as_of else None)
        assert row["periods_with_data"] == expected.periods_with_data
    assert any(row["periods_with_data"] == 0 and row["actual"] is None for row in rows)
    assert any(row["actual"] not in (None, Decimal(0)) for row in rows)


def test_e3_ref_unknown_or_foreign_partnerships_are_404(cast_a, cast_b, tenant):
    with tenant(cast_b.workspace):
        foreign = make_partnership(cast_b)
    with tenant(cast_a.workspace):
        empty = make_partnership(cast_a)
    client = Client()
    slug = cast_a.workspace.slug
    assert _bench(client, "bench_dashboard", workspace_slug=slug, pk=foreign.pk).status_code == 404
    assert _bench(client, "bench_dashboard", workspace_slug="nowhere", pk=1).status_code == 404
    answer = _bench(client, "bench_dashboard", workspace_slug=slug, pk=empty.pk)
    assert answer.status_code == 200 and answer.json() == {"progress": [], "needs": []}


# --- The query-count header -------------------------------------------------------------


@pytest.mark.parametrize("page", ["api", "dashboard"])
def test_the_header_counts_the_queries_of_the_request(cast_a, tenant, page):
    data = _figures(cast_a, tenant)
    if page == "api":
        client = key_client(cast_a, ApiKeyScope.READ)[0]
        url = api("api_measurement-list", cast_a)
    else:
        client = cast_a.client("coordinator")
        url = reverse(
            "partnership_dashboard",
            kwargs={"workspace_slug": cast_a.workspace.slug, "pk": data["partnership"].pk},
        )
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) > 3
    assert response[HEADER] == str(len(queries))
