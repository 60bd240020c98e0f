"""``bench_sweep`` measures the sweep the worker runs: its rows are the rules' candidate
rows, S-ref reads exactly those rows, one task per group of workspaces, and nothing it
wrote stays unless --commit."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from impact.models import MeasurementStatus
from partnerhub.models import Reminder, ReminderEmail, Workspace
from partnerhub.tenancy import workspace_context
from roles.models import Raci
from tests.impact.helpers import make_indicator, make_measurement, periods_of
from tests.impact.helpers import make_partnership as make_impact_partnership
from tests.roles.helpers import make_goal, make_milestone, make_partnership
from tests.roles.test_reminder_rules import assign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Quarterly periods: 2026-07-01..2026-09-30 closed the day before.
TODAY = date(2026, 10, 1)


def _world(cast_a, cast_b) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Candidate rows of each rule on TODAY, by kind."""
    partnership = make_partnership(cast_a, name="Sweep partnership")
    goal = make_goal(cast_a, partnership)
    due = make_milestone(cast_a, goal, title="Due in a week", due=TODAY + timedelta(days=7))
    overdue = make_milestone(cast_a, goal, title="Overdue", due=TODAY - timedelta(days=1))
    make_milestone(cast_a, goal, title="Far away", due=TODAY + timedelta(days=60))
    for milestone in (due, overdue):
        assign(cast_a, milestone, cast_a.organization, Raci.RESPONSIBLE)
    with workspace_context(cast_a.workspace):
        figures = make_impact_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator = make_indicator(
            cast_a, partnership=figures, reporters=[cast_a.organization, cast_a.other_organization]
        )
        q1, _, _, _, _, _, q3, _ = periods_of(indicator)
        make_measurement(cast_a, indicator=indicator, period=q1, value=5)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=q1,
            value=6,
            status=MeasurementStatus.RETURNED,
            organization=cast_a.other_organization,
        )
        # Q3 (closed yesterday): one organization reported (submitted), the other owes.
        make_measurement(
            cast_a, indicator=indicator, period=q3, value=7, status=MeasurementStatus.SUBMITTED
        )
    with workspace_context(cast_b.workspace):
        other = make_indicator(cast_b)
        make_measurement(
            cast_b,
            indicator=other,
            period=periods_of(other)[0],
            value=1,
            status=MeasurementStatus.SUBMITTED,
        )
    return {
        "milestone_due": 1,
        "milestone_overdue": 1,
        # Q3 of cast_a's indicator owed by the other organization; cast_b's indicator
        # (reported by cast_b's organization) owes its Q3 too.
        "figure_missing": 2,
        "figure_returned": 1,
        "figures_waiting": 2,  # one partnership with a submitted figure in each workspace
    }


def _bench_sweep(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("bench_sweep", "--json", "--today", TODAY.isoformat(), *args, stdout=out)
    return json.loads(out.getvalue())


def _outbox() -> tuple[int, int]:
    reminders = emails = 0
    for workspace in Workspace.objects.all():
        with workspace_context(workspace):
            reminders += Reminder.objects.for_workspace(workspace).count()
            emails += ReminderEmail.objects.for_workspace(workspace).count()
    return reminders, emails


def test_bench_sweep_counts_the_rules_rows_and_one_task_per_group(cast_a, cast_b, settings):
    expected = _world(cast_a, cast_b)
    result = _bench_sweep("--repeat", "2")
    rows = sum(expected.values())
    assert result["workspaces"] == Workspace.objects.count() == 2
    assert result["sweep"]["rows"] == rows
    assert result["s_ref"]["rows"] == result["sweep_again"]["rows"] == rows
    assert {k: v for k, v in result["s_ref"]["by_rule"].items() if v} == expected
    # Both workspaces in one sweep task (25 a task by default).
    assert result["tasks"] == {
        "workspaces_per_task": 25,
        "fan_out": 1,
        "follow_up": 0,
        "total": 1,
    }
    created = result["sweep"]["reminders_created"]
    assert len(created) == 2 and created[0] == created[1] > 0  # each run did the same work
    assert result["worker"]["emails_due"] > 0 and result["worker"]["emails_sent"] is None
    assert result["memory"]["peak_bytes"] > 0 and result["memory"]["retained_bytes"] is not None
    assert result["sweep"]["rows_per_s"] > 0 and result["s_ref"]["rows_per_s"] > 0
    assert result["goals"]["tasks_per_1000_rows"] == round(1 * 1000 / rows, 3)
    # Every milestone, figure, period and round of both workspaces.
    assert result["sweep"]["table_rows"] == 3 + 3 + 1 + 8 + 8 > rows
    assert _outbox() == (0, 0)  # rolled back

    # A task per workspace: the same rows and reminders, two tasks.
    settings.REMINDER_SWEEP_WORKSPACES_PER_TASK = 1
    single = _bench_sweep("--repeat", "1", "--no-memory")
    assert single["tasks"]["fan_out"] == single["tasks"]["total"] == 2
    assert single["workspaces"] == 2 and single["sweep"]["rows"] == rows
    assert single["sweep"]["reminders_created"] == created[:1]


def test_bench_sweep_rss_only_runs_one_pass_and_reports_the_peak(cast_a, cast_b):
    expected = _world(cast_a, cast_b)
    out = io.StringIO()
    call_command("bench_sweep", "--rss-only", "--today", TODAY.isoformat(), stdout=out)
    result = json.loads(out.getvalue())
    assert result["rows"] == sum(expected.values())
    assert result["peak_bytes"] >= result["start_bytes"] > 0
    assert _outbox() == (0, 0)  # rolled back


def test_bench_sweep_commit_keeps_the_reminders(cast_a, cast_b):
    _world(cast_a, cast_b)
    result = _bench_sweep("--repeat", "1", "--no-memory", "--commit", "--send")
    reminders, emails = _outbox()
    assert reminders == result["sweep"]["reminders_created"][0] > 0
    assert emails == result["worker"]["emails_due"] == result["worker"]["emails_sent"] > 0
    again = _bench_sweep("--repeat", "1", "--no-memory")
    assert again["sweep"]["reminders_created"] == [0]  # the outbox is up to date
    assert _outbox() == (reminders, emails)


def test_reminder_links_are_the_reversed_urls(cast_a):
    """The rules' links, reversed once and filled in per row, equal ``reverse`` (even for
    a slug made of the digits standing for the ids while reversing)."""
    from django.urls import reverse

    from partnerhub.links import RowLinks

    cast_a.workspace.slug = "7301000000000000-7301000000000001"
    links = RowLinks(
        "measurement_report", workspace=cast_a.workspace, ids=("indicator_pk", "period_pk")
    )
    for indicator, period in ((1, 2), (123456, 7), (7301000000000001, 7301000000000000)):
        assert links(indicator, period) == reverse(
            "measurement_report",
            kwargs={
                "workspace_slug": cast_a.workspace.slug,
                "indicator_pk": indicator,
                "period_pk": period,
            },
        )
