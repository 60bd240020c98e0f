"""Figures of one period are saved side by side, and locking the period waits for the
saves under way (PostgreSQL, real threads, each in its own connection and transaction).

A save reads the period's ``locked`` under a share lock: two saves never wait for each
other, while ``period_lock`` (FOR UPDATE) waits until the saves under way commit, and
every save after the lock is refused."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from impact.models import Measurement, ReportingPeriod
from impact.services_indicators import period_lock
from impact.services_measurements import measurement_save
from partnerhub.tenancy import workspace_context
from tests.factories import OrganizationFactory
from tests.goals.helpers import access_of
from tests.impact.helpers import make_indicator, make_partnership, periods_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WAIT = 10


def _save(cast, indicator, period, organization) -> None:  # type: ignore[no-untyped-def]
    measurement_save(
        workspace=cast.workspace,
        actor=cast.coordinator,
        access=access_of(cast, "coordinator"),
        indicator=indicator,
        period=period,
        organization=organization,
        value=Decimal("5"),
    )


@pytest.fixture
def setup(cast_a):  # type: ignore[no-untyped-def]
    with workspace_context(cast_a.workspace):
        second = OrganizationFactory(workspace=cast_a.workspace)
        partnership = make_partnership(cast_a, members=[cast_a.organization, second])
        indicator = make_indicator(
            cast_a, partnership=partnership, reporters=[cast_a.organization, second]
        )
        period = periods_of(indicator)[0]
    return cast_a, indicator, period, second


def _in_thread(target, errors: list[BaseException]) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_saves_of_one_period_do_not_wait_for_each_other(setup):  # type: ignore[no-untyped-def]
    cast, indicator, period, second = setup
    first_saved, second_done = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    errors: list[BaseException] = []

    def first() -> None:
        with workspace_context(cast.workspace):
            _save(cast, indicator, period, cast.organization)
            first_saved.set()
            # Still inside the first save's transaction (its share lock held).
            seen["second finished meanwhile"] = second_done.wait(WAIT)

    def other() -> None:
        assert first_saved.wait(WAIT)
        with workspace_context(cast.workspace):
            _save(cast, indicator, period, second)
        second_done.set()

    threads = [_in_thread(first, errors), _in_thread(other, errors)]
    for thread in threads:
        thread.join(3 * WAIT)
    assert not errors, errors
    assert seen == {"second finished meanwhile": True}
    with workspace_context(cast.workspace):
        assert Measurement.objects.filter(period=period).count() == 2


def test_locking_waits_for_a_save_under_way_and_refuses_the_next(setup):  # type: ignore[no-untyped-def]
    cast, indicator, period, second = setup
    saved, release = threading.Event(), threading.Event()
    locked_at: dict[str, bool] = {}
    errors: list[BaseException] = []

    def saving() -> None:
        with workspace_context(cast.workspace):
            _save(cast, indicator, period, cast.organization)
            saved.set()
            release.wait(WAIT)

    def locking() -> None:
        assert saved.wait(WAIT)
        with workspace_context(cast.workspace):
            current = ReportingPeriod.objects.get(pk=period.pk)
            period_lock(
                workspace=cast.workspace, actor=cast.coordinator, period=current, locked=True
            )
        locked_at["before the save committed"] = not release.is_set()

    save_thread = _in_thread(saving, errors)
    lock_thread = _in_thread(locking, errors)
    lock_thread.join(1.5)
    assert lock_thread.is_alive(), "the lock did not wait for the save under way"
    release.set()
    for thread in (save_thread, lock_thread):
        thread.join(3 * WAIT)
    assert not errors, errors
    assert locked_at == {"before the save committed": False}
    with workspace_context(cast.workspace):
        assert ReportingPeriod.objects.get(pk=period.pk).locked
        assert Measurement.objects.filter(period=period).count() == 1
        with pytest.raises(ValidationError, match="locked"):
            _save(cast, indicator, period, second)
