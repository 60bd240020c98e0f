"""``IsoDateTimeUTC`` (PostgreSQL formats a date-time as the API's text) gives exactly what
DRF's DateTimeField gives, on every edge: whole seconds, one microsecond, the last one,
dates far from now, NULL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from partnerhub.api.fast import IsoDateTimeUTC, datetime_text

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

EDGES = [
    datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC),
    datetime(2025, 3, 1, 8, 0, 0, 1, tzinfo=UTC),
    datetime(2025, 3, 1, 8, 0, 0, 120000, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 30, 0, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(1900, 1, 1, tzinfo=UTC),
    datetime(2199, 6, 30, 1, 2, 3, 4, tzinfo=UTC),
]


def _formatted(values: list[datetime | None]) -> list[str | None]:
    sql = IsoDateTimeUTC.template % {"expressions": "v"}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql} FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
            [values],
        )
        return [row[0] for row in cursor.fetchall()]


def test_postgresql_text_equals_the_fields_text():
    moments = random.Random(20261127)
    values: list[datetime | None] = [*EDGES, None]
    start = datetime(2000, 1, 1, tzinfo=UTC)
    for _ in range(300):
        value = start + timedelta(
            days=moments.randrange(0, 40_000),
            seconds=moments.randrange(0, 86_400),
            microseconds=moments.choice([0, 0, moments.randrange(0, 1_000_000)]),
        )
        values.append(value)
    expected = [datetime_text()(value) for value in values]
    assert _formatted(values) == expected
    assert expected[0] == "2025-03-01T08:00:00Z"
    assert expected[1] == "2025-03-01T08:00:00.000001Z"
    assert expected[-301] is None  # NULL stays NULL


def test_an_expression_with_parameters_is_refused():
    from django.db.models import Value

    from partnerhub.models import Workspace

    with pytest.raises(ValueError, match="takes a column"):
        list(Workspace.objects.annotate(t=IsoDateTimeUTC(Value(EDGES[0]))).values("t"))
