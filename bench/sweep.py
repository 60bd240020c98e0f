"""The reminder sweep measured as the worker runs it, and S-ref beside it.

``measure_sweep`` runs, in this process, what the beat's ``reminders_sweep`` task starts:
its fan-out (one ``reminders_sweep_workspaces`` task per group of
``REMINDER_SWEEP_WORKSPACES_PER_TASK`` workspaces, counted instead of sent), then each
task's body, workspace after workspace -- the rules over the workspace's tables
(``partnerhub.reminders.reminders_sweep_workspace``, the "sweep" whose rows per second
are reported), the batcher, and the due emails: counted, or with ``send`` sent through
Django's in-memory backend (at full scale rendering thousands of digests takes minutes
that say nothing about the sweep). The send tasks the worker would enqueue are counted
either way. Differences from the worker: the clock of the rules, the batcher and the
sender is fixed (noon UTC of ``today``, by default ``bench.scale.ANCHOR_DATE``), so the
same data set gives the same work on any day; each task's transactions are savepoints
of the run's transaction. After the worker pass the rules run once more ("sweep again":
every reminder already in the outbox, what each beat costs in the steady state).

S-ref reads the same rows the rules read -- each enabled rule's query with the same
policy, day and workspace context -- through ``values_list(...).iterator(chunk_size=...)``
(a server-side cursor; for the missing-figures rule, whose query is raw SQL, the same
statement through the same kind of cursor), doing nothing with them. Its rows equal the
sweep's ``rows_read`` (the tests hold them together).

Each repeat runs inside one transaction rolled back at the end (``commit`` keeps the last
one), so every repeat does the same work; figures are the median of the repeats.

Peak memory: ``tracemalloc`` in one more worker pass, apart from the timed repeats
(tracing slows Python down several times): the largest peak of one sweep task (its group
of workspaces, one after the other) over what the process held when the task started (a
worker runs one task at a time), and what the pass left allocated at its end (bounded
caches filling -- psycopg's query cache, the reminder texts' day cache -- or a leak).
Beside it, ``measure_rss`` (``bench_sweep --rss-only``, run by the suite in a fresh
process) gives the RSS high-water mark of one worker pass: what a worker needs, and
what the suite's memory goal compares between scales. The interpreter and Django's
baseline (tens of MB, the same at both scales) are in it, which is why the traced figure
is shown too: it would show growth that RSS dilutes. tracemalloc does not see memory
allocated in C by libpq (result buffers, bounded by the batch size). A task's peak is bounded by
the rules' batch size (``BATCH_SIZE`` rows, ``--batch-size``; one workspace's sweep
writes per transaction of at most about twice that), so it grows with the data set
until the batches fill.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Count, DateField, F, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Mod, TruncDate
from django.test.utils import override_settings

from bench.scale import ANCHOR_DATE
from goals.models import Milestone, MilestoneStatus
from impact import reminders as impact_rules
from impact.models import HealthCheckRound, Measurement, MeasurementStatus, ReportingPeriod
from impact.selectors_missing import owed_params
from partnerhub import reminders, tasks
from partnerhub.models import EmailState, ReminderEmail, ReminderPolicy, TenantModel, Workspace
from partnerhub.selectors_reminders import policy_days
from partnerhub.tenancy import workspace_context
from roles import reminders as milestone_rules

CHUNK_SIZE = 2000
LOCMEM_EMAIL = "django.core.mail.backends.locmem.EmailBackend"


def anchor_now(today: date = ANCHOR_DATE) -> datetime:
    return datetime(today.year, today.month, today.day, 12, tzinfo=UTC)


class _Rollback(Exception):
    pass


class _Enqueued:
    """Stands for a task while the sweep runs: ``delay_on_commit`` records, sends nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def delay_on_commit(self, *args: Any) -> None:
        self.calls.append(args)

    delay = delay_on_commit


@dataclass
class SweepPass:
    rows: int = 0
    created: int = 0
    batches: int = 0
    attached: int = 0
    sent: int = 0
    due: int = 0  # emails due after the batcher
    task_peak: int = 0  # bytes, with tracemalloc on
    workspaces: int = 0
    fan_out: int = 0  # sweep tasks (each covers a group of workspaces)
    follow_up: int = 0
    sweep_seconds: float = 0.0  # the fan-out and the rules (what rows/s is about)
    batch_seconds: float = 0.0
    send_seconds: float = 0.0

    @property
    def worker_seconds(self) -> float:
        return self.sweep_seconds + self.batch_seconds + self.send_seconds

    @property
    def tasks(self) -> int:
        return self.fan_out + self.follow_up


def _due_emails(*, workspace: Workspace, now: datetime) -> int:
    with workspace_context(workspace):
        return (
            ReminderEmail.objects.for_workspace(workspace)
            .filter(state=EmailState.PENDING, send_after__lte=now)
            .count()
        )


def worker_pass(*, now: datetime, send: bool = False) -> SweepPass:
    """One run of the beat's sweep over every workspace, as the worker would run it.

    Without ``send`` the emails are counted instead of sent: at full scale the sender
    renders and sends thousands of digests, minutes that say nothing about the sweep.
    The send tasks the worker would enqueue are counted either way (one per full batch of
    ``SEND_BATCH`` due emails)."""
    result = SweepPass()
    fanned = _Enqueued()
    with (
        mock.patch.object(tasks, "reminders_sweep_workspaces", fanned),
        override_settings(EMAIL_BACKEND=LOCMEM_EMAIL),
    ):
        start = time.perf_counter()
        result.workspaces = tasks.reminders_sweep.run()
        result.sweep_seconds += time.perf_counter() - start
        result.fan_out = len(fanned.calls)
        for (workspace_ids,) in fanned.calls:
            if tracemalloc.is_tracing():
                tracemalloc.reset_peak()
                at_start = tracemalloc.get_traced_memory()[0]
            for workspace_id in workspace_ids:
                _workspace_task_body(result, workspace_id, now=now, send=send)
            if tracemalloc.is_tracing():
                # What this task needed beyond what it started with (tasks run one at a
                # time in a worker process).
                result.task_peak = max(
                    result.task_peak, tracemalloc.get_traced_memory()[1] - at_start
                )
    return result


def _workspace_task_body(
    result: SweepPass, workspace_id: int, *, now: datetime, send: bool
) -> None:
    """What ``tasks.sweep_workspace`` does for one workspace of a sweep task (and the send
    tasks it starts), each step timed, with the fixed clock."""
    start = time.perf_counter()
    workspace = Workspace.objects.get(pk=workspace_id)
    stats, _ = reminders.reminders_sweep_workspace(workspace=workspace, now=now)
    middle = time.perf_counter()
    result.attached += reminders.reminders_batch(workspace=workspace, now=now)
    end = time.perf_counter()
    due = _due_emails(workspace=workspace, now=now)
    # Each send task sends SEND_BATCH and enqueues the next when it sent as many.
    result.follow_up += due // tasks.SEND_BATCH
    result.due += due
    if send:
        while True:
            sent = reminders.reminders_send_due(
                workspace=workspace, now=lambda: now, limit=tasks.SEND_BATCH
            )
            result.sent += sent
            mail.outbox = []  # the in-memory backend's copies: never kept
            if sent < tasks.SEND_BATCH:
                break
    result.send_seconds += time.perf_counter() - end
    result.sweep_seconds += middle - start
    result.batch_seconds += end - middle
    result.rows += stats.rows_read
    result.created += stats.created
    result.batches += stats.batches


def rules_pass(*, now: datetime) -> tuple[int, float]:
    """The rules alone over every workspace (rows read, seconds): run right after
    ``worker_pass`` it is the steady state, every reminder already in the outbox."""
    rows = 0
    start = time.perf_counter()
    for workspace in Workspace.objects.order_by("id"):
        stats, _ = reminders.reminders_sweep_workspace(workspace=workspace, now=now)
        rows += stats.rows_read
    return rows, time.perf_counter() - start


# --- S-ref: the rules' rows, read and dropped --------------------------------------------


@dataclass
class _Day:
    workspace: Workspace
    policy: ReminderPolicy
    today: date


def _open_milestones(day: _Day) -> QuerySet[Milestone]:
    return Milestone.objects.for_workspace(day.workspace).exclude(status=MilestoneStatus.DONE)


def _due(day: _Day) -> Iterator[Any]:
    thresholds = policy_days(day.policy.milestone_due_days, minimum=0)
    windows = milestone_rules._due_day_windows(thresholds)
    if not windows:
        return iter(())
    dates = [day.today + timedelta(days=d) for d in windows]
    return _scan(_open_milestones(day).filter(due_date__in=dates), milestone_rules.DUE_FIELDS)


def _overdue(day: _Day) -> Iterator[Any]:
    repeat = int(day.policy.overdue_repeat_days)
    late = milestone_rules.LATE_FIRING_DAYS
    queryset = (
        _open_milestones(day)
        .filter(due_date__lt=day.today)
        .alias(
            update_day=TruncDate("last_update_at", tzinfo=milestone_rules._zone(day.workspace)),
            days_overdue=milestone_rules._DaysBetween(
                Value(day.today, output_field=DateField()), F("due_date")
            ),
        )
        .filter(Q(last_update_at__isnull=True) | Q(update_day__lte=F("due_date")))
    )
    if repeat > late and connection.vendor == "postgresql":
        queryset = queryset.alias(into_step=Mod(F("days_overdue") - 1, Value(repeat))).filter(
            into_step__lt=late
        )
    elif repeat <= 0:
        queryset = queryset.filter(due_date__gte=day.today - timedelta(days=late))
    return _scan(queryset, milestone_rules.OVERDUE_FIELDS)


def _stale(day: _Day) -> Iterator[Any]:
    stale = max(int(day.policy.stale_update_days), 1)
    late = milestone_rules.LATE_FIRING_DAYS
    queryset = (
        Milestone.objects.for_workspace(day.workspace)
        .filter(status=MilestoneStatus.IN_PROGRESS)
        .alias(
            last_day=TruncDate(
                Coalesce("last_update_at", "created_at"),
                tzinfo=milestone_rules._zone(day.workspace),
            )
        )
        .filter(
            last_day__lte=day.today - timedelta(days=stale),
            last_day__gt=day.today - timedelta(days=stale + late),
        )
    )
    return _scan(queryset, milestone_rules.STALE_FIELDS)


def _missing(day: _Day) -> Iterator[Any]:
    repeats = policy_days(day.policy.missing_repeat_days, minimum=2)
    horizon = max([1, *repeats]) + impact_rules.LATE_FIRING_DAYS
    end_dates = [
        day.today - timedelta(days=late)
        for late in range(1, horizon)
        if impact_rules.missing_step(late, repeats) is not None
    ]
    if not end_dates:
        return iter(())
    # The rule's own statement, every period at once (no keyset limit).
    params = owed_params(day.workspace, day.today, 2**62) | {
        "after": 0,
        "oldest": min(end_dates),
        "newest": max(end_dates),
    }
    return _scan_sql(impact_rules._missing_sql(), params)


def _returned(day: _Day) -> Iterator[Any]:
    return _scan(
        Measurement.objects.for_workspace(day.workspace).filter(
            status=MeasurementStatus.RETURNED, period__locked=False
        ),
        impact_rules.RETURNED_FIELDS,
    )


def _waiting(day: _Day) -> Iterator[Any]:
    return (
        Measurement.objects.for_workspace(day.workspace)
        .filter(status=MeasurementStatus.SUBMITTED)
        .values("partnership_id", "partnership__name")
        .annotate(waiting=Count("*"), oldest=Min("submitted_at"))
        .order_by("partnership_id")
        .values_list("partnership_id", "partnership__name", "waiting", "oldest")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _health(day: _Day) -> Iterator[Any]:
    before = int(day.policy.health_check_days_before_close)
    return _scan(
        HealthCheckRound.objects.for_workspace(day.workspace).filter(
            opens_on__lte=day.today,
            closes_on__gte=day.today,
            closes_on__lte=day.today + timedelta(days=before),
        ),
        ("id", "title", "closes_on", "partnership_id"),
    )


def _scan(queryset: QuerySet[Any], fields: tuple[str, ...]) -> Iterator[Any]:
    return queryset.order_by("id").values_list(*fields).iterator(chunk_size=CHUNK_SIZE)


def _scan_sql(sql: str, params: dict[str, Any]) -> Iterator[Any]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            yield from rows


S_REF_SCANS: dict[type, Callable[[_Day], Iterator[Any]]] = {
    milestone_rules.MilestoneDueRule: _due,
    milestone_rules.MilestoneOverdueRule: _overdue,
    milestone_rules.MilestoneStaleRule: _stale,
    impact_rules.FigureMissingRule: _missing,
    impact_rules.FigureReturnedRule: _returned,
    impact_rules.FiguresWaitingRule: _waiting,
    impact_rules.HealthCheckRule: _health,
}


@dataclass
class ScanPass:
    rows: int = 0
    seconds: float = 0.0
    by_rule: dict[str, int] = field(default_factory=dict)


def s_ref_pass(*, now: datetime) -> ScanPass:
    """Every enabled rule's rows in every workspace, read and dropped (one transaction
    with the workspace set per workspace, as the rules' batches are)."""
    result = ScanPass()
    rules = reminders.registered_rules()
    unknown = [type(rule).__name__ for rule in rules if type(rule) not in S_REF_SCANS]
    if unknown:
        raise LookupError(f"No S-ref scan for the reminder rules {', '.join(unknown)}.")
    start = time.perf_counter()
    for workspace in Workspace.objects.order_by("id"):
        with workspace_context(workspace):
            policy = reminders.reminder_policy(workspace=workspace)
            day = _Day(workspace, policy, reminders.local_now(workspace, now).date())
            enabled = set(policy.enabled_kinds)
            for rule in rules:
                if rule.kind not in enabled:
                    continue
                rows = sum(1 for _ in S_REF_SCANS[type(rule)](day))
                result.rows += rows
                result.by_rule[rule.kind] = result.by_rule.get(rule.kind, 0) + rows
    result.seconds = time.perf_counter() - start
    return result


# The tables the rules' queries filter (through their indexes), by rule kind.
_SWEPT_TABLES: dict[str, type[TenantModel]] = {
    "milestone_due": Milestone,
    "milestone_overdue": Milestone,
    "milestone_stale": Milestone,
    "figure_missing": ReportingPeriod,
    "figure_returned": Measurement,
    "figures_waiting": Measurement,
    "health_check": HealthCheckRound,
}


def swept_table_rows() -> int:
    """How many rows the tables of the enabled rules hold, over every workspace: what the
    sweep covers, where ``rows`` counts what its queries answer."""
    total = 0
    for workspace in Workspace.objects.order_by("id"):
        with workspace_context(workspace):
            policy = reminders.reminder_policy(workspace=workspace)
            models = {_SWEPT_TABLES[kind] for kind in policy.enabled_kinds if kind in _SWEPT_TABLES}
            total += sum(model.objects.for_workspace(workspace).count() for model in models)
    return total


# --- The measurement ---------------------------------------------------------------------


@contextmanager
def _transaction(keep: bool) -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
            if not keep:
                raise _Rollback
    except _Rollback:
        pass


def _rate(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else 0.0


def measure_sweep(
    *,
    today: date = ANCHOR_DATE,
    repeat: int = 3,
    commit: bool = False,
    memory: bool = True,
    send: bool = False,
    batch_size: int | None = None,
) -> dict[str, Any]:
    """The figures ``bench_sweep`` prints (see the module's docstring). ``batch_size``
    replaces the engine's ``BATCH_SIZE`` (rows a rule reads per batch) for the run."""
    size = batch_size or reminders.BATCH_SIZE
    with mock.patch.object(reminders, "BATCH_SIZE", size):
        result = _measure(today=today, repeat=repeat, commit=commit, memory=memory, send=send)
    result["batch_size"] = size
    return result


def _status_kib(field_name: str) -> int | None:
    """A ``/proc/self/status`` figure in KiB (VmRSS, VmHWM), None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field_name}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure_rss(*, today: date = ANCHOR_DATE, send: bool = False) -> dict[str, Any]:
    """One worker pass in this (fresh) process, rolled back, and the process's resident
    memory: at the start and its high-water mark (VmHWM) after the pass -- what a worker
    running the sweep needs, interpreter and Django included. Nothing else runs in the
    process (no repeats, no S-ref, no tracemalloc), so the peak is the sweep's."""
    start = _status_kib("VmRSS")
    with _transaction(keep=False):
        done = worker_pass(now=anchor_now(today), send=send)
    peak = _status_kib("VmHWM")
    return {
        "method": "RSS high-water mark (VmHWM) of a fresh process running one worker pass",
        "rows": done.rows,
        "start_bytes": None if start is None else start * 1024,
        "peak_bytes": None if peak is None else peak * 1024,
    }


def _measure(*, today: date, repeat: int, commit: bool, memory: bool, send: bool) -> dict[str, Any]:
    now = anchor_now(today)
    runs: list[SweepPass] = []
    again: list[tuple[int, float]] = []
    scans: list[ScanPass] = []
    repeat = max(1, repeat)
    for run in range(repeat):
        with _transaction(keep=commit and run == repeat - 1 and not memory):
            runs.append(worker_pass(now=now, send=send))
            again.append(rules_pass(now=now))
            scans.append(s_ref_pass(now=now))
    memory_pass = None
    retained = None
    if memory:
        with _transaction(keep=commit):
            tracemalloc.start()
            try:
                memory_pass = worker_pass(now=now, send=send)
                retained = tracemalloc.get_traced_memory()[0]
            finally:
                tracemalloc.stop()
    table_rows = swept_table_rows()
    last, scan = runs[-1], scans[-1]
    sweep_seconds = statistics.median(r.sweep_seconds for r in runs)
    again_seconds = statistics.median(seconds for _, seconds in again)
    scan_seconds = statistics.median(s.seconds for s in scans)
    sweep_rate, scan_rate = _rate(last.rows, sweep_seconds), _rate(scan.rows, scan_seconds)
    return {
        "today": today.isoformat(),
        "now": now.isoformat(),
        "workspaces": last.workspaces,
        "repeat": repeat,
        "committed": commit,
        "sweep": {
            "rows": last.rows,
            "seconds": round(sweep_seconds, 4),
            "rows_per_s": sweep_rate,
            "runs_seconds": [round(r.sweep_seconds, 4) for r in runs],
            "batches": last.batches,
            "reminders_created": [r.created for r in runs],
            "table_rows": table_rows,
        },
        "sweep_again": {
            "rows": again[-1][0],
            "seconds": round(again_seconds, 4),
            "rows_per_s": _rate(again[-1][0], again_seconds),
        },
        "worker": {
            "seconds": round(statistics.median(r.worker_seconds for r in runs), 4),
            "batch_seconds": round(statistics.median(r.batch_seconds for r in runs), 4),
            "send_seconds": round(statistics.median(r.send_seconds for r in runs), 4),
            "reminders_attached": last.attached,
            "emails_due": last.due,
            "emails_sent": last.sent if send else None,
        },
        "tasks": {
            "workspaces_per_task": settings.REMINDER_SWEEP_WORKSPACES_PER_TASK,
            "fan_out": last.fan_out,
            "follow_up": last.follow_up,
            "total": last.tasks,
        },
        "memory": {
            "method": "tracemalloc: the largest peak of one sweep task (a group of "
            "workspaces) over its start (Python allocations), in one more worker pass",
            "peak_bytes": memory_pass.task_peak if memory_pass else None,
            "retained_bytes": retained,
        },
        "s_ref": {
            "rows": scan.rows,
            "seconds": round(scan_seconds, 4),
            "rows_per_s": scan_rate,
            "runs_seconds": [round(s.seconds, 4) for s in scans],
            "by_rule": scan.by_rule,
        },
        "goals": {
            "sweep_vs_s_ref": round(sweep_rate / scan_rate, 3) if scan_rate else None,
            "tasks_per_1000_rows": round(last.tasks * 1000 / last.rows, 3) if last.rows else None,
            "tasks_per_1000_table_rows": (
                round(last.tasks * 1000 / table_rows, 4) if table_rows else None
            ),
        },
    }
