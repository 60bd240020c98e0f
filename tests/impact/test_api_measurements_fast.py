"""The figures list is built from plain rows (impact.api_fast) rather than by
MeasurementSerializer per row: its body and ETag must stay byte for byte what the
serializer gives, for every kind of figure, on both of its paths (date-times formatted by
PostgreSQL, or in Python in another time zone); its query count stays constant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import prefetch_related_objects
from django.test import Client
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from impact.models import Measurement, MeasurementStatus
from impact.serializers import MeasurementSerializer
from partnerhub.api.base import etag_of_bytes
from partnerhub.api.fast import decimal_text
from partnerhub.models import ApiKeyScope, User
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of
from tests.impact.test_api_indicators import api, key_client

pytestmark = pytest.mark.django_db


def _figures_of_every_kind(cast, tenant) -> list[int]:  # type: ignore[no-untyped-def]
    """Figures in every status; without people (a draft); reported by an API key; with a
    breakdown over two dimensions; with evidence, unicode notes and odd values; with
    timestamps with and without microseconds; reported by someone without a name."""
    api_key = key_client(cast, ApiKeyScope.WRITE)[1]
    nameless = User.objects.create_user(email="nameless@example.org", password="x" * 12)
    with tenant(cast.workspace):
        partnership = make_partnership(cast, members=[cast.organization, cast.other_organization])
        indicator = make_indicator(
            cast,
            partnership=partnership,
            reporters=[cast.organization, cast.other_organization],
            # Positions: Gender before Age, categories in the order given.
            dimensions={"Gender": ["Female", "Male"], "Age": ["Child", "Adult"]},
            exhaustive=False,
        )
        periods = periods_of(indicator)
        ids = []
        for n, status in enumerate(MeasurementStatus.values):
            for organization in (cast.organization, cast.other_organization):
                figure = make_measurement(
                    cast,
                    indicator=indicator,
                    period=periods[n],
                    organization=organization,
                    value=["12", "0.0001", "-3.5", "12345678901234.5678"][n],
                    status=status,
                    note="Écoles du district — 校 \u2028 line" if n % 2 else "",
                    breakdown={"Male": "5", "Adult": "1.25", "Female": "7", "Child": "0"}
                    if organization == cast.organization
                    else None,
                )
                ids.append(figure.pk)
        keyed = Measurement.objects.get(pk=ids[2])
        keyed.submitted_by = None
        keyed.submitted_by_key = api_key
        keyed.evidence_link = "https://example.org/registers?x=1&y=2"
        keyed.evidence_name = "registers 2025.pdf"
        keyed.save()
        by_nameless = Measurement.objects.get(pk=ids[3])
        by_nameless.submitted_by = nameless
        by_nameless.save()
        # A timestamp without microseconds is written without a fraction.
        Measurement.objects.filter(pk=ids[4]).update(
            created_at=datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC),
            updated_at=datetime(2025, 3, 1, 8, 0, 0, 120000, tzinfo=UTC),
        )
    return ids


def _expected(cast, tenant, ids: list[int]) -> list[Any]:  # type: ignore[no-untyped-def]
    with tenant(cast.workspace):
        figures = list(Measurement.objects.filter(pk__in=ids).order_by("id"))
        prefetch_related_objects(
            figures,
            "period",
            "organization",
            "submitted_by",
            "submitted_by_key",
            "reviewed_by",
            "breakdown",
        )
        return MeasurementSerializer(figures, many=True).data  # type: ignore[no-any-return]


def _body(results: Any) -> bytes:
    return JSONRenderer().render({"next": None, "previous": None, "results": results})


@pytest.mark.parametrize("who", ["admin", "partner", "read key"])
def test_list_body_and_etag_are_the_serializers(cast_a, tenant, who):
    ids = _figures_of_every_kind(cast_a, tenant)
    client = key_client(cast_a, ApiKeyScope.READ)[0] if who == "read key" else cast_a.client(who)
    response = client.get(api("api_measurement-list", cast_a), {"page_size": 500})
    assert response.status_code == 200, response.content
    expected = _expected(cast_a, tenant, ids)
    assert len(expected) == 8
    assert response.content == _body(expected)
    assert response["ETag"] == etag_of_bytes(_body(expected))
    # What the figures hold reached the body (so the comparison compared something).
    body = response.json()["results"]
    assert {row["status"] for row in body} == set(MeasurementStatus.values)
    assert [b["category"] for b in body[0]["breakdown"]] == [
        b["category"] for b in expected[0]["breakdown"]
    ] and len(body[0]["breakdown"]) == 4
    assert body[2]["submitted_by"] is None and body[2]["submitted_by_key"]["prefix"]
    assert body[3]["submitted_by"]["name"] == "nameless@example.org"
    assert body[4]["created_at"] == "2025-03-01T08:00:00Z"
    assert body[4]["updated_at"] == "2025-03-01T08:00:00.120000Z"
    assert body[7]["value"] == "12345678901234.5678"


def _body_data(results: Any) -> dict[str, Any]:
    return {"next": None, "previous": None, "results": results}


def test_list_in_another_time_zone_formats_as_the_serializer(cast_a, tenant):
    """The date-times come from Python then (PostgreSQL formats only UTC)."""
    ids = _figures_of_every_kind(cast_a, tenant)
    client = cast_a.client("admin")
    with timezone.override("Asia/Kolkata"):
        response = client.get(api("api_measurement-list", cast_a), {"page_size": 500})
        expected = _expected(cast_a, tenant, ids)
    assert response.status_code == 200
    assert response.content == _body(expected)
    assert response.json()["results"][4]["created_at"] == "2025-03-01T13:30:00+05:30"


def test_orm_lookups_give_the_same_body(cast_a, tenant, monkeypatch):
    """Off PostgreSQL the people, keys and breakdowns come through the ORM."""
    ids = _figures_of_every_kind(cast_a, tenant)
    monkeypatch.setattr("impact.api_fast.plain_sql", lambda: False)
    response = cast_a.client("admin").get(api("api_measurement-list", cast_a), {"page_size": 500})
    assert response.content == _body(_expected(cast_a, tenant, ids))


def test_csv_matches_the_serializer_rows(cast_a, tenant):
    from partnerhub.api.renderers import CSVRenderer

    ids = _figures_of_every_kind(cast_a, tenant)
    response = cast_a.client("admin").get(
        api("api_measurement-list", cast_a), {"format": "csv", "page_size": 500}
    )
    assert response.status_code == 200
    assert response.content == CSVRenderer().render(_body_data(_expected(cast_a, tenant, ids)))


def test_paging_by_updated_at_and_sync_follow_next_links(cast_a, tenant):
    ids = _figures_of_every_kind(cast_a, tenant)
    client = key_client(cast_a, ApiKeyScope.READ)[0]
    since = "2020-01-01T00:00:00+00:00"
    for query in ({"ordering": "-updated_at"}, {"updated_since": since}, {}):
        url: str | None = (
            api("api_measurement-list", cast_a)
            + "?"
            + "&".join(f"{k}={v}" for k, v in {**query, "page_size": 3}.items())
        )
        seen: list[int] = []
        while url:
            response = client.get(url.replace("+", "%2B"))
            assert response.status_code == 200, response.content
            seen += [row["id"] for row in response.json()["results"]]
            url = response.json()["next"]
        assert sorted(seen) == sorted(ids), query


def test_query_count_is_constant_and_large_pages_work(
    cast_a, tenant, django_assert_max_num_queries
):
    """Key and workspace (1), tenant setting (1), the page (1), what it names and its
    breakdowns (1) — with 5 figures or 120."""
    client: Client = key_client(cast_a, ApiKeyScope.READ)[0]
    url = api("api_measurement-list", cast_a)
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a, members=[cast_a.organization])

    def add(count: int) -> None:
        with tenant(cast_a.workspace):
            for _ in range(count // 8 + 1):
                indicator = make_indicator(
                    cast_a, partnership=partnership, dimensions={"Gender": ["F", "M"]}
                )
                for n, period in enumerate(periods_of(indicator)):
                    make_measurement(
                        cast_a,
                        indicator=indicator,
                        period=period,
                        value=n,
                        status=MeasurementStatus.values[n % 4],
                        breakdown={"F": n, "M": 0},
                    )

    add(4)
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url, {"page_size": 500}).status_code == 200
    add(112)
    with django_assert_max_num_queries(10) as many:
        response = client.get(url, {"page_size": 500})
    assert len(response.json()["results"]) == 128
    assert len(few.captured_queries) == len(many.captured_queries)
    with django_assert_max_num_queries(10) as hundred:
        assert len(client.get(url).json()["results"]) == 100
    assert len(hundred.captured_queries) == len(many.captured_queries)
    statements = [str(q["sql"]) for q in many.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4, statements
    assert '"partnerhub_apikey" k JOIN' in statements[0] and "set_config" in statements[1]
    assert "FROM impact_measurement WHERE" in statements[2]
    assert "impact_measurementbreakdown" in statements[3]


@pytest.mark.parametrize(
    "value",
    ["12.0000", "0.0000", "-0.0001", "1.5", "1E+3", "12345678901234.5678", "3.14159"],
)
def test_decimal_text_is_the_fields(value):
    field = MeasurementSerializer._declared_fields["value"]
    assert decimal_text(field)(Decimal(value)) == field.to_representation(Decimal(value))


def _walk(client: Client, url: str) -> list[tuple[bytes, str | None, str | None]]:
    """Every page forward along ``next``, then back along ``previous``: each page's body
    and links."""
    pages = []
    following: str | None = url
    last = None
    while following:
        response = client.get(following)
        assert response.status_code == 200, response.content
        last = response.json()
        pages.append((response.content, last["next"], last["previous"]))
        following = last["next"]
    back = last["previous"] if last else None
    while back:
        response = client.get(back)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append((response.content, body["next"], body["previous"]))
        back = body["previous"]
    return pages


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_unfiltered_pages_read_by_constant_sql_equal_the_querysets(
    cast_a, tenant, monkeypatch, fmt
):
    """A reader of the whole workspace with no filter gets its pages from one constant
    statement (WorkspaceFigures): pages, next and previous links (reverse cursors) are the
    ones the queryset gives, byte for byte."""
    from impact import api_fast, api_measurements

    ids = _figures_of_every_kind(cast_a, tenant)
    client = key_client(cast_a, ApiKeyScope.READ)[0]
    url = api("api_measurement-list", cast_a) + f"?page_size=3&format={fmt}"
    if fmt == "csv":
        # CSV has no body links: compare bodies and Link headers page by page.
        first = client.get(url)
        monkeypatch.setattr(
            api_measurements.MeasurementViewSet, "_reads_whole_workspace", lambda *a: False
        )
        assert client.get(url).content == first.content
        assert client.get(url)["Link"] == first["Link"]
        return
    used: list[int] = []
    real_getitem = api_fast.WorkspaceFigures.__getitem__

    def counting(self, window):  # type: ignore[no-untyped-def]
        used.append(1)
        return real_getitem(self, window)

    monkeypatch.setattr(api_fast.WorkspaceFigures, "__getitem__", counting)
    constant = _walk(client, url)
    assert len(used) == len(constant)  # every page came from the constant statement
    seen = [row["id"] for body, _, _ in constant[:3] for row in json.loads(body)["results"]]
    assert seen == sorted(ids)
    assert any(previous for _, _, previous in constant)  # reverse cursors were followed
    monkeypatch.setattr(
        api_measurements.MeasurementViewSet, "_reads_whole_workspace", lambda *a: False
    )
    used.clear()
    assert _walk(client, url) == constant and not used


def test_filtered_ordered_or_partner_lists_keep_the_queryset(cast_a, tenant, monkeypatch):
    from impact import api_fast

    _figures_of_every_kind(cast_a, tenant)
    used: list[int] = []
    real_getitem = api_fast.WorkspaceFigures.__getitem__
    monkeypatch.setattr(
        api_fast.WorkspaceFigures,
        "__getitem__",
        lambda self, window: used.append(1) or real_getitem(self, window),
    )
    url = api("api_measurement-list", cast_a)
    key = key_client(cast_a, ApiKeyScope.READ)[0]
    for query in ({"status": "approved"}, {"ordering": "-id"}, {"updated_since": "2020-01-01"}):
        assert key.get(url, query).status_code == 200
    assert cast_a.client("partner").get(url).status_code == 200
    assert not used
    assert key.get(url).status_code == 200 and used == [1]


@pytest.mark.parametrize(
    ("token", "status"), [("cD1hYmM=", 404), ("cD0xJnI9MQ==", 200), ("cD0xMCZvPXg=", 404)]
)
def test_cursors_are_answered_alike_by_both_paths(cast_a, tenant, monkeypatch, token, status):
    """``p=abc`` (not an id: an invalid cursor, not a failed query), a reverse cursor
    before the first figure, and an offset that is not a number."""
    from impact import api_measurements

    _figures_of_every_kind(cast_a, tenant)
    client = key_client(cast_a, ApiKeyScope.READ)[0]
    url = api("api_measurement-list", cast_a)
    constant = client.get(url, {"cursor": token})
    monkeypatch.setattr(
        api_measurements.MeasurementViewSet, "_reads_whole_workspace", lambda *a: False
    )
    orm = client.get(url, {"cursor": token})
    assert (constant.status_code, constant.content) == (orm.status_code, orm.content)
    assert constant.status_code == status


@pytest.mark.postgres
def test_the_lists_constant_statements_are_prepared_once_per_connection(cast_a, tenant):
    """The key's lookup, the page, its references and breakdowns are planned once per
    database connection (partnerhub.prepared), then only executed."""
    from django.db import connection

    _figures_of_every_kind(cast_a, tenant)
    client, api_key = key_client(cast_a, ApiKeyScope.READ)
    url = api("api_measurement-list", cast_a)
    for _ in range(3):
        assert client.get(url).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    for marker in (
        'FROM "partnerhub_apikey" k JOIN',  # the key and its workspace
        "FROM impact_measurement WHERE workspace_id",  # the page
        "FROM impact_measurementbreakdown part",  # references and breakdowns
    ):
        assert [s for s in prepared if marker in s], (marker, prepared)
    # Prepared once: three requests did not prepare the page three times.
    assert len([s for s in prepared if "FROM impact_measurement WHERE workspace_id" in s]) == 1
    # Django's query log still shows them, with their parameters.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as logged:
        assert client.get(url).status_code == 200
    key_lookup = next(q["sql"] for q in logged.captured_queries if "partnerhub_apikey" in q["sql"])
    assert f"k.prefix = '{api_key.prefix}'" in key_lookup
