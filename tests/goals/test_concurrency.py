"""Optimistic concurrency under real parallel writers (PostgreSQL, real threads, each in
its own connection and transaction): of many updates posted against the same version,
exactly one is applied and every other one is told about it; nothing is silently lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from goals.models import Milestone, MilestoneStatus, ProgressUpdate
from goals.services import MilestoneConflict
from goals.services_updates import progress_update_post
from partnerhub.tenancy import workspace_context
from tests.goals.helpers import access_of, make_goal, make_milestone

WRITERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_with_the_same_version_yield_one_success(cast_a):
    workspace = cast_a.workspace
    with workspace_context(workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
    access = access_of(cast_a, "coordinator")
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def write(index: int) -> None:
        try:
            with workspace_context(workspace):
                seen = Milestone.objects.get(pk=milestone.pk)
                barrier.wait(timeout=20)
                progress_update_post(
                    workspace=workspace,
                    actor=cast_a.coordinator,
                    access=access,
                    milestone=seen,
                    expected_version=1,
                    status=MilestoneStatus.IN_PROGRESS,
                    percent_complete=10 + index,
                    narrative=f"Writer {index}",
                )
            outcome = "applied"
        except MilestoneConflict as conflict:
            outcome = f"conflict:{conflict.milestone.version}:{len(conflict.updates_since)}"
        except BaseException as exc:  # reported below; a thread must not die silently
            with lock:
                errors.append(exc)
            return
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sorted(outcomes) == ["applied"] + ["conflict:2:1"] * (WRITERS - 1)
    with workspace_context(workspace):
        stored = Milestone.objects.get(pk=milestone.pk)
        updates = list(ProgressUpdate.objects.filter(milestone=milestone))
    assert stored.version == 2
    assert len(updates) == 1
    assert updates[0].version_after == 2
    assert stored.percent_complete == updates[0].percent_after
