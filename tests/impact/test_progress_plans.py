"""The progress aggregates read approved figures from the partial index
``measurement_ws_approved`` alone (an index-only scan, no heap), at a realistic volume.

Transactional: VACUUM (which index-only scans need for the visibility map) cannot run in
a transaction, and only the owner role may vacuum."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from impact.models import Frequency, Measurement, MeasurementStatus
from impact.progress import indicators_progress, period_actuals
from partnerhub.db import owner_connection
from partnerhub.tenancy import workspace_context
from tests.factories import OrganizationFactory
from tests.impact.helpers import make_indicator, make_partnership, periods_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INDICATORS = 25  # x 48 monthly periods x 3 organizations = 3,600 figures, ~2,900 approved
MONTHS = 48
INDEX_ONLY = "Index Only Scan using measurement_ws_approved on impact_measurement"


def fill(cast):
    rng = random.Random(77)
    statuses = [MeasurementStatus.APPROVED] * 4 + [MeasurementStatus.SUBMITTED]
    with workspace_context(cast.workspace):
        organizations = [
            cast.organization,
            cast.other_organization,
            OrganizationFactory(workspace=cast.workspace, name="Org A3"),
        ]
        partnership = make_partnership(cast, members=organizations)
        indicators = [
            make_indicator(
                cast,
                partnership=partnership,
                reporters=organizations,
                frequency=Frequency.MONTHLY,
                baseline_date=date(2020, 12, 31),
                target_date=date(2024, 12, 31),
            )
            for _ in range(INDICATORS)
        ]
        schedules = [periods_of(indicator) for indicator in indicators]
        # Figures arrive month by month across all indicators (as partners report), so an
        # indicator's figures are spread over the whole table, not stored side by side.
        Measurement.objects.bulk_create(
            (
                Measurement(
                    workspace=cast.workspace,
                    partnership=partnership,
                    indicator=indicator,
                    period=periods[month],
                    organization=organization,
                    value=rng.randint(0, 500),
                    status=rng.choice(statuses),
                )
                for month in range(MONTHS)
                for indicator, periods in zip(indicators, schedules, strict=True)
                for organization in organizations
            ),
            batch_size=1000,
        )
        approved = Measurement.objects.filter(status=MeasurementStatus.APPROVED).count()
    assert approved > 2500
    # The owner vacuums (visibility map for index-only scans) and refreshes statistics.
    connection.close()
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE impact_measurement")
        cursor.execute("ANALYZE impact_reportingperiod")
        cursor.execute("ANALYZE impact_indicator")
    return indicators


def plan_of(call):
    """EXPLAIN ANALYZE of the one query ``call`` runs, as the application role."""
    with CaptureQueriesContext(connection) as captured:
        call()
    (query,) = [q["sql"] for q in captured.captured_queries if "impact_measurement" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {query}")
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_index_only(plan):
    assert INDEX_ONLY in plan, plan
    assert "Seq Scan on impact_measurement" not in plan, plan
    assert "Bitmap Heap Scan on impact_measurement" not in plan, plan
    fetches = [line.strip() for line in plan.splitlines() if "Heap Fetches" in line]
    assert fetches == ["Heap Fetches: 0"], plan


def test_progress_and_period_actuals_scan_only_the_approved_index(cast_a):
    indicators = fill(cast_a)
    some = [indicator.pk for indicator in indicators[:6]]
    with workspace_context(cast_a.workspace):
        progress_plan = plan_of(
            lambda: indicators_progress(workspace=cast_a.workspace, indicator_ids=some)
        )
        periods_plan = plan_of(
            lambda: period_actuals(workspace=cast_a.workspace, indicator_id=some[0])
        )
        answer = indicators_progress(workspace=cast_a.workspace, indicator_ids=some)
    assert_index_only(progress_plan)
    assert_index_only(periods_plan)
    assert len(answer) == 6
    # Nearly every month has an approved figure (all three submitted is rare).
    assert all(44 <= result.periods_with_data <= 48 for result in answer.values())
