"""The impact contract in one pass: periods, figures, the progress aggregate."""

from decimal import Decimal

import pytest

from impact.models import MeasurementStatus
from impact.progress import IndicatorStatus, indicators_progress, period_actuals
from partnerhub.tenancy import workspace_context
from tests.impact.helpers import make_indicator, make_measurement, periods_of

pytestmark = pytest.mark.django_db


def test_approved_figures_sum_into_progress(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        periods = periods_of(indicator)
        assert len(periods) == 8
        make_measurement(cast_a, indicator=indicator, period=periods[0], value=10)
        make_measurement(cast_a, indicator=indicator, period=periods[1], value=15)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[2],
            value=99,
            status=MeasurementStatus.SUBMITTED,
        )
        result = indicators_progress(workspace=cast_a.workspace, indicator_ids=[indicator.pk])
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
    progress = result[indicator.pk]
    assert progress.actual == Decimal("25")
    assert progress.as_of == periods[1].end_date
    assert progress.periods_with_data == 2
    assert progress.percent == 25
    assert progress.status == IndicatorStatus.ON_TRACK
    assert [r.actual for r in rows[:3]] == [Decimal("10"), Decimal("15"), None]
