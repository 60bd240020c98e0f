"""The indicator and period services: validation, reporters and dimensions replaced
without losing figures, periods kept in step with the schedule, and the trail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from goals.models import SharedGoal
from impact.models import (
    Dimension,
    DimensionCategory,
    Direction,
    Frequency,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.services_indicators import (
    indicator_create,
    indicator_delete,
    indicator_update,
    period_lock,
    period_set_target,
)
from partnerhub.models import ActivityEvent, ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import PartnershipMember
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


def fields(**overrides: Any) -> dict[str, Any]:
    """A quarterly number indicator over 2025-2026 (8 periods)."""
    return {
        "name": "People trained",
        "value_type": ValueType.NUMBER,
        "unit": "people",
        "baseline_value": Decimal("0"),
        "baseline_date": date(2024, 12, 31),
        "target_value": Decimal("400"),
        "target_date": date(2026, 12, 31),
        "frequency": Frequency.QUARTERLY,
    } | overrides


def create(cast, partnership, **overrides: Any) -> Indicator:  # type: ignore[no-untyped-def]
    return indicator_create(
        workspace=cast.workspace,
        actor=cast.coordinator,
        partnership=partnership,
        **fields(**overrides),
    )


def refused(cast, call, *args: Any, **kwargs: Any) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The field errors of a refused call (the call must raise ValidationError)."""
    with workspace_context(cast.workspace), pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


def events(cast, indicator_or_period) -> list[ActivityEvent]:  # type: ignore[no-untyped-def]
    return list(
        ActivityEvent.objects.filter(
            workspace=cast.workspace,
            object_type=indicator_or_period._meta.label_lower,
            object_id=indicator_or_period.pk,
        ).order_by("id")
    )


@pytest.fixture
def partnership(cast_a):  # type: ignore[no-untyped-def]
    with workspace_context(cast_a.workspace):
        return make_partnership(cast_a, members=[cast_a.organization, cast_a.other_organization])


# --- Creating ----------------------------------------------------------------------------


def test_create_builds_reporters_dimensions_periods_and_trail(cast_a, partnership):
    with workspace_context(cast_a.workspace):
        goal = SharedGoal.objects.create(
            workspace=cast_a.workspace, partnership=partnership, title="Skills"
        )
        indicator = create(
            cast_a,
            partnership,
            goal=goal,
            reporter_ids=[cast_a.organization.pk, cast_a.other_organization.pk],
            dimensions=[
                {"name": "Gender", "exhaustive": True, "categories": ["Female", "Male", "Another"]},
                {"name": " District ", "exhaustive": False, "categories": ["North", "South"]},
            ],
        )
        reporters = set(
            IndicatorReporter.objects.filter(indicator=indicator).values_list(
                "organization_id", flat=True
            )
        )
        dimensions = list(Dimension.objects.filter(indicator=indicator).order_by("position"))
        categories = list(
            DimensionCategory.objects.filter(dimension=dimensions[0])
            .order_by("position")
            .values_list("name", flat=True)
        )
        periods = periods_of(indicator)
        trail = events(cast_a, indicator)
    assert indicator.goal_id == goal.pk
    assert reporters == {cast_a.organization.pk, cast_a.other_organization.pk}
    assert [(d.name, d.exhaustive) for d in dimensions] == [("Gender", True), ("District", False)]
    assert categories == ["Female", "Male", "Another"]
    assert len(periods) == 8
    assert (periods[0].start_date, periods[-1].end_date) == (date(2025, 1, 1), date(2026, 12, 31))
    assert len(trail) == 1
    assert trail[0].action == "create"
    assert trail[0].partnership_id == partnership.pk
    assert trail[0].actor_user_id == cast_a.coordinator.pk
    assert trail[0].changes["name"] == "People trained"
    assert trail[0].changes["dimensions"][0]["categories"] == ["Female", "Male", "Another"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"value_type": ValueType.CURRENCY}, "currency"),
        ({"value_type": ValueType.CURRENCY, "currency": "EURO"}, "currency"),
        ({"value_type": ValueType.CURRENCY, "currency": "E1R"}, "currency"),
        ({"currency": "EUR"}, "currency"),
        ({"value_type": ValueType.PERCENTAGE, "target_value": Decimal("120")}, "target_value"),
        ({"value_type": ValueType.PERCENTAGE, "baseline_value": Decimal("-1")}, "baseline_value"),
        ({"target_value": Decimal("-5")}, "target_value"),
        (
            {"direction": Direction.DECREASE, "baseline_value": 10, "target_value": 20},
            "target_value",
        ),
        ({"target_date": date(2024, 1, 1)}, "target_date"),
        ({"target_value": Decimal("1.00001")}, "target_value"),
        ({"target_value": Decimal("1e15")}, "target_value"),
        ({"target_value": "many"}, "target_value"),
        ({"frequency": "weekly"}, "frequency"),
        ({"frequency": Frequency.MONTHLY, "target_date": date(2050, 1, 1)}, "frequency"),
        ({"direction": "sideways"}, "direction"),
        ({"aggregation": "median"}, "aggregation"),
        ({"result_level": "activity"}, "result_level"),
    ],
)
def test_create_refuses_invalid_fields(cast_a, partnership, overrides, field):
    errors = refused(cast_a, create, cast_a, partnership, **overrides)
    assert field in errors
    with workspace_context(cast_a.workspace):
        assert not Indicator.objects.filter(partnership=partnership).exists()


def test_currency_is_normalised_and_direction_decrease_accepted(cast_a, partnership):
    with workspace_context(cast_a.workspace):
        amount = create(cast_a, partnership, value_type=ValueType.CURRENCY, currency=" eur ")
        fewer = create(
            cast_a,
            partnership,
            name="Dropouts",
            direction=Direction.DECREASE,
            baseline_value=Decimal("50"),
            target_value=Decimal("10"),
        )
        level = create(
            cast_a,
            partnership,
            name="Hold",
            value_type=ValueType.PERCENTAGE,
            baseline_value=Decimal("80"),
            target_value=Decimal("80"),
        )
    assert amount.currency == "EUR"
    assert fewer.direction == Direction.DECREASE
    assert level.target_value == level.baseline_value


def test_name_is_unique_per_partnership_regardless_of_case(cast_a, partnership):
    with workspace_context(cast_a.workspace):
        create(cast_a, partnership)
        other = make_partnership(cast_a)
        create(cast_a, other)  # another partnership may use the name
    errors = refused(cast_a, create, cast_a, partnership, name="people TRAINED")
    assert "already has an indicator" in errors["name"][0]


def test_goal_must_belong_to_the_partnership(cast_a, cast_b, partnership):
    with workspace_context(cast_a.workspace):
        elsewhere = SharedGoal.objects.create(
            workspace=cast_a.workspace, partnership=make_partnership(cast_a), title="Elsewhere"
        )
    with workspace_context(cast_b.workspace):
        foreign = SharedGoal.objects.create(
            workspace=cast_b.workspace, partnership=make_partnership(cast_b), title="Foreign"
        )
    assert "goal" in refused(cast_a, create, cast_a, partnership, goal=elsewhere)
    assert "goal" in refused(cast_a, create, cast_a, partnership, goal=foreign)


def test_partnership_of_another_workspace_is_refused(cast_a, cast_b):
    with workspace_context(cast_b.workspace):
        foreign = make_partnership(cast_b)
    assert "partnership" in refused(cast_a, create, cast_a, foreign)


def test_reporters_must_be_current_members(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a, members=[cast_a.organization])
        PartnershipMember.objects.create(
            workspace=cast_a.workspace,
            partnership=partnership,
            organization=cast_a.other_organization,
            joined_on=date(2024, 1, 1),
            left_on=date(2024, 6, 1),
        )
    not_member = refused(
        cast_a, create, cast_a, partnership, reporter_ids=[cast_a.other_organization.pk]
    )
    foreign = refused(cast_a, create, cast_a, partnership, reporter_ids=[cast_b.organization.pk])
    assert "current members" in not_member["reporter_ids"][0]
    assert "reporter_ids" in foreign


@pytest.mark.parametrize(
    ("dimensions", "message"),
    [
        (
            [
                {"name": "Gender", "exhaustive": True, "categories": ["F", "M"]},
                {"name": "gender", "exhaustive": True, "categories": ["A", "B"]},
            ],
            "listed twice",
        ),
        ([{"name": "Gender", "exhaustive": True, "categories": ["Female"]}], "at least two"),
        (
            [{"name": "Gender", "exhaustive": True, "categories": ["Female", "female", "Male"]}],
            "listed twice",
        ),
        ([{"name": "", "exhaustive": True, "categories": ["A", "B"]}], "needs a name"),
    ],
)
def test_dimensions_are_checked(cast_a, partnership, dimensions, message):
    errors = refused(cast_a, create, cast_a, partnership, dimensions=dimensions)
    assert any(message in text for text in errors["dimensions"])


# --- Updating ----------------------------------------------------------------------------


def test_update_resyncs_periods_and_keeps_the_ones_with_figures(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)  # quarterly 2025-2026
        before = periods_of(indicator)
        make_measurement(
            cast_a, indicator=indicator, period=before[5], value=3, status=MeasurementStatus.DRAFT
        )
        stamp = indicator.updated_at
        indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=indicator,
            frequency=Frequency.ANNUAL,
        )
        after = periods_of(indicator)
        figures = Measurement.objects.filter(indicator=indicator).count()
        trail = events(cast_a, indicator)
    windows = [(p.start_date, p.end_date, p.in_schedule) for p in after]
    assert (date(2025, 1, 1), date(2025, 12, 31), True) in windows
    assert (date(2026, 1, 1), date(2026, 12, 31), True) in windows
    kept = [p for p in after if not p.in_schedule]
    assert [p.pk for p in kept] == [before[5].pk]  # the quarter holding a figure stays
    assert len(after) == 3
    assert figures == 1
    assert indicator.frequency == Frequency.ANNUAL
    assert indicator.updated_at > stamp
    assert trail[-1].action == "update"
    assert trail[-1].changes["frequency"] == ["quarterly", "annual"]
    assert trail[-1].partnership_id == indicator.partnership_id


def test_update_refuses_bad_values_and_unknown_fields(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        other = make_indicator(cast_a, partnership=indicator.partnership)
    errors = refused(
        cast_a,
        indicator_update,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        indicator=indicator,
        direction=Direction.DECREASE,
    )
    assert "target_value" in errors  # 0 -> 100 is an increase
    errors = refused(
        cast_a,
        indicator_update,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        indicator=indicator,
        name=other.name.upper(),
    )
    assert "name" in errors
    with workspace_context(cast_a.workspace), pytest.raises(TypeError):
        indicator_update(
            workspace=cast_a.workspace, actor=cast_a.coordinator, indicator=indicator, colour="red"
        )
    errors = refused(
        cast_a,
        indicator_update,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        indicator=indicator,
        partnership=make_partnership_in(cast_a),
    )
    assert "partnership" in errors


def make_partnership_in(cast):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return make_partnership(cast)


def test_reporter_with_figures_cannot_be_removed(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator = make_indicator(
            cast_a,
            partnership=partnership,
            reporters=[cast_a.organization, cast_a.other_organization],
        )
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=1,
            status=MeasurementStatus.SUBMITTED,
        )
    errors = refused(
        cast_a,
        indicator_update,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        indicator=indicator,
        reporter_ids=[cast_a.other_organization.pk],
    )
    assert cast_a.organization.name in errors["reporter_ids"][0]
    with workspace_context(cast_a.workspace):
        # The other organization has no figure: it may go.
        indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=indicator,
            reporter_ids=[cast_a.organization.pk],
        )
        left = set(
            IndicatorReporter.objects.filter(indicator=indicator).values_list(
                "organization_id", flat=True
            )
        )
        trail = events(cast_a, indicator)
    assert left == {cast_a.organization.pk}
    assert trail[-1].changes["reporters"] == [
        sorted([cast_a.organization.pk, cast_a.other_organization.pk]),
        [cast_a.organization.pk],
    ]


def test_a_reporter_that_left_the_partnership_may_stay(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        PartnershipMember.objects.filter(partnership=indicator.partnership).update(
            left_on=date(2025, 6, 1)
        )
        indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=indicator,
            name="Renamed",
            reporter_ids=[cast_a.organization.pk],
        )
        assert indicator.name == "Renamed"


def test_dimensions_keep_their_rows_and_refuse_losing_breakdown_values(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a, dimensions={"Gender": ["Female", "Male"], "Age": ["Young", "Old"]}
        )
        female = DimensionCategory.objects.get(dimension__indicator=indicator, name="Female")
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=10,
            breakdown={"Female": 6, "Male": 4},
        )

    def update(dimensions):  # type: ignore[no-untyped-def]
        return indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=indicator,
            dimensions=dimensions,
        )

    gender = {"name": "Gender", "exhaustive": True, "categories": ["Female", "Male"]}
    age = {"name": "Age", "exhaustive": True, "categories": ["Young", "Old"]}
    errors = refused(cast_a, update, [{**gender, "categories": ["Female", "Another"]}, age])
    assert "Gender: Male" in errors["dimensions"][0]
    errors = refused(cast_a, update, [age])
    assert "Gender: Female" in errors["dimensions"][0]
    with workspace_context(cast_a.workspace):
        # Age holds no values: it may go; Gender gains a category and is renamed in case.
        update(
            [{"name": "gender", "exhaustive": True, "categories": ["Another", "female", "Male"]}]
        )
        rows = list(
            DimensionCategory.objects.filter(dimension__indicator=indicator)
            .order_by("position")
            .values_list("pk", "name", "dimension__name")
        )
        trail = events(cast_a, indicator)
    assert rows[1] == (female.pk, "female", "gender")
    assert [name for _, name, _ in rows] == ["Another", "female", "Male"]
    assert "dimensions" in trail[-1].changes


def test_dimension_becomes_exhaustive_only_when_breakdowns_add_up(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a, dimensions={"District": ["North", "South"]}, exhaustive=False
        )
        periods = periods_of(indicator)
        make_measurement(
            cast_a, indicator=indicator, period=periods[0], value=10, breakdown={"North": 4}
        )
    exhaustive = [{"name": "District", "exhaustive": True, "categories": ["North", "South"]}]
    errors = refused(
        cast_a,
        indicator_update,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        indicator=indicator,
        dimensions=exhaustive,
    )
    assert "do not add up" in errors["dimensions"][0]
    with workspace_context(cast_a.workspace):
        Measurement.objects.filter(indicator=indicator).update(value=4)
        indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=indicator,
            dimensions=exhaustive,
        )
        assert Dimension.objects.get(indicator=indicator).exhaustive is True


def test_type_and_currency_are_fixed_once_figures_exist(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=5,
            status=MeasurementStatus.DRAFT,
        )
    errors = refused(
        cast_a,
        indicator_update,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        indicator=indicator,
        value_type=ValueType.PERCENTAGE,
    )
    assert "value_type" in errors
    with workspace_context(cast_a.workspace):
        empty = make_indicator(cast_a, partnership=indicator.partnership)
        indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=empty,
            value_type=ValueType.CURRENCY,
            currency="usd",
        )
        empty.refresh_from_db()
    assert (empty.value_type, empty.currency) == (ValueType.CURRENCY, "USD")


def test_goal_status_follows_its_indicators(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        goal = SharedGoal.objects.create(
            workspace=cast_a.workspace, partnership=indicator.partnership, title="Reach"
        )
        periods = periods_of(indicator)
        for period in periods[:4]:
            make_measurement(cast_a, indicator=indicator, period=period, value=1)
        indicator_update(
            workspace=cast_a.workspace, actor=cast_a.coordinator, indicator=indicator, goal=goal
        )
        goal.refresh_from_db()
        assert goal.status == "off_track"  # 4 of 100 halfway through
        indicator_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, indicator=indicator)
        goal.refresh_from_db()
    assert goal.status != "off_track"


# --- Deleting ----------------------------------------------------------------------------


def test_delete_takes_periods_and_figures_and_is_recorded(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, dimensions={"Gender": ["F", "M"]})
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=3,
            breakdown={"F": 1, "M": 2},
        )
        pk, partnership_id = indicator.pk, indicator.partnership_id
        indicator_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, indicator=indicator)
        assert not Indicator.objects.filter(pk=pk).exists()
        assert not ReportingPeriod.objects.filter(indicator_id=pk).exists()
        assert not Measurement.objects.filter(indicator_id=pk).exists()
        event = ActivityEvent.objects.get(
            object_type="impact.indicator", object_id=pk, action="delete"
        )
    assert event.partnership_id == partnership_id
    assert event.changes["figures_deleted"] == 1


# --- Periods -----------------------------------------------------------------------------


def test_lock_and_unlock_record_who_and_when(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        period = periods_of(indicator)[0]
        period_lock(
            workspace=cast_a.workspace, actor=cast_a.coordinator, period=period, locked=True
        )
        period.refresh_from_db()
        assert period.locked is True
        assert period.locked_by_id == cast_a.coordinator.pk
        locked_at = period.locked_at
        assert locked_at is not None
        # Locking again changes nothing and records nothing.
        period_lock(workspace=cast_a.workspace, actor=cast_a.admin, period=period, locked=True)
        assert len(events(cast_a, period)) == 1
        period_lock(workspace=cast_a.workspace, actor=cast_a.admin, period=period, locked=False)
        period.refresh_from_db()
        trail = events(cast_a, period)
    assert period.locked is False
    assert period.locked_by_id == cast_a.admin.pk
    assert period.locked_at >= locked_at
    assert [e.changes["locked"] for e in trail] == [[False, True], [True, False]]
    assert [e.actor_user_id for e in trail] == [cast_a.coordinator.pk, cast_a.admin.pk]
    assert all(e.partnership_id == indicator.partnership_id for e in trail)


def test_a_key_locks_a_period_in_its_own_name(cast_a):
    with workspace_context(cast_a.workspace):
        api_key, _ = api_key_create(
            workspace=cast_a.workspace, actor=cast_a.admin, name="sync", scope=ApiKeyScope.WRITE
        )
        period = periods_of(make_indicator(cast_a))[1]
        period_lock(workspace=cast_a.workspace, actor=api_key, period=period, locked=True)
        period.refresh_from_db()
        trail = events(cast_a, period)
    assert period.locked and period.locked_by_id is None and period.locked_at is not None
    assert trail[0].actor_key_id == api_key.pk


def test_locking_holds_the_figures_it_has(cast_a):
    """The lock refuses nothing by itself (the measurement services check it): figures of
    a locked period stay, and the period still follows the schedule."""
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        period = periods_of(indicator)[0]
        make_measurement(cast_a, indicator=indicator, period=period, value=7)
        period_lock(
            workspace=cast_a.workspace, actor=cast_a.coordinator, period=period, locked=True
        )
        indicator_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator=indicator,
            frequency=Frequency.ANNUAL,
        )
        period.refresh_from_db()
        assert period.locked and not period.in_schedule
        assert Measurement.objects.get(period=period).value == Decimal("7")


def test_period_target_set_clear_and_checked(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        percent = make_indicator(
            cast_a,
            partnership=indicator.partnership,
            value_type=ValueType.PERCENTAGE,
            target_value=Decimal("90"),
        )
        period = periods_of(indicator)[0]
        period_set_target(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            period=period,
            target_value=Decimal("12.5"),
        )
        period.refresh_from_db()
        assert period.target_value == Decimal("12.5")
        period_set_target(
            workspace=cast_a.workspace, actor=cast_a.coordinator, period=period, target_value=None
        )
        period.refresh_from_db()
        assert period.target_value is None
        trail = events(cast_a, period)
    assert [e.changes["target_value"] for e in trail] == [[None, "12.5000"], ["12.5000", None]]
    errors = refused(
        cast_a,
        period_set_target,
        workspace=cast_a.workspace,
        actor=cast_a.coordinator,
        period=periods_of_in(cast_a, percent)[0],
        target_value=Decimal("101"),
    )
    assert "target_value" in errors


def periods_of_in(cast, indicator):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return periods_of(indicator)
