"""The benchmark's results: median selection, the goals as ratios, the table, the JSON.

Pure functions over plain data (dicts and lists), so the goal arithmetic is unit-tested
without a server. No Django here.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Target names, as the table prints them.
E0 = "E0"
E1_REF = "E1-ref"
E3_REF = "E3-ref"
MEASUREMENTS_LIST = "measurements list"
MILESTONES_DUE = "milestones due"
DASHBOARD = "dashboard"
PORTFOLIO = "portfolio"
MY_WORK = "my work"
POST_MEASUREMENT = "post measurement"

REFERENCES = (E0, E1_REF, E3_REF)
API_LISTS = (MEASUREMENTS_LIST, MILESTONES_DUE)
PAGES = (DASHBOARD, PORTFOLIO, MY_WORK)
ENDPOINTS = (*API_LISTS, *PAGES, POST_MEASUREMENT)

# The goals of issue 8.
LIST_VS_E0_MIN = 0.10
DASHBOARD_VS_E3_MAX = 1.5
API_LIST_QUERIES_MAX = 10
PAGE_QUERIES_MAX = 15
EXPORT_RECORDS_PER_SECOND_MIN = 20_000
SWEEP_VS_SREF_MIN = 0.5
SWEEP_TASKS_PER_1000_ROWS_MAX = 1.0
SWEEP_MEMORY_GROWTH_MAX = 1.1
WORKER_RSS_GROWTH_MAX = 1.5
STABILITY_REQUESTS_MIN = 10_000
P99_VS_P50_MAX = 3.0


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of nothing")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def median_item(items: Sequence[T], key: Callable[[T], float]) -> T:
    """The item whose ``key`` is the median (the lower middle one of an even count), so
    that every figure reported comes from one and the same repeat."""
    if not items:
        raise ValueError("median of nothing")
    ordered = sorted(items, key=key)
    return ordered[(len(ordered) - 1) // 2]


@dataclass(frozen=True)
class Goal:
    name: str
    measured: float | None  # None: could not be measured (fails at full scale)
    limit: float
    at_most: bool  # True: measured <= limit; False: measured >= limit
    detail: str = ""
    applies: bool = True  # False: not measured at this scale (shown, never failed)

    @property
    def passed(self) -> bool | None:
        if not self.applies:
            return None
        if self.measured is None:
            return False
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _get(mapping: Mapping[str, Any] | None, *keys: str) -> Any:
    value: Any = mapping
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def sweep_figures(document: Mapping[str, Any] | None) -> dict[str, float | None]:
    """The figures of ``manage.py bench_sweep --json`` the goals and the table need."""
    sweep = _get(document, "sweep") or {}
    sref = _get(document, "s_ref") or {}
    peak_bytes = _get(document, "memory", "peak_bytes")
    rss_bytes = _get(document, "memory_rss", "peak_bytes")
    again = _get(document, "sweep_again") or {}
    tasks = _get(document, "tasks", "total")
    return {
        "rows": sweep.get("rows"),
        "seconds": sweep.get("seconds"),
        "rows_per_second": sweep.get("rows_per_s"),
        "tasks": tasks,
        "peak_memory_mb": None if peak_bytes is None else peak_bytes / 1024 / 1024,
        "peak_rss_mb": None if rss_bytes is None else rss_bytes / 1024 / 1024,
        "again_rows_per_second": again.get("rows_per_s"),
        "sref_rows": sref.get("rows"),
        "sref_rows_per_second": sref.get("rows_per_s"),
    }


def evaluate_goals(results: Mapping[str, Any]) -> list[Goal]:
    """Every goal of the issue from one run's results (see ``runner`` for the shape)."""
    scale = results.get("scale")
    targets = results.get("targets", {})

    def figure(target: str, key: str) -> float | None:
        return _get(targets, target, key)

    goals: list[Goal] = [
        Goal(
            "measurements list rps / E0 rps",
            _ratio(figure(MEASUREMENTS_LIST, "rps"), figure(E0, "rps")),
            LIST_VS_E0_MIN,
            at_most=False,
        )
    ]
    e3 = figure(E3_REF, "p50_ms")
    e0 = figure(E0, "p50_ms")
    goals.append(
        Goal(
            "dashboard p50 / (E3-ref p50 + E0 p50)",
            _ratio(figure(DASHBOARD, "p50_ms"), (e3 + e0) if e3 is not None and e0 else None),
            DASHBOARD_VS_E3_MAX,
            at_most=True,
        )
    )
    for name, limit in [(n, API_LIST_QUERIES_MAX) for n in API_LISTS] + [
        (n, PAGE_QUERIES_MAX) for n in PAGES
    ]:
        goals.append(Goal(f"queries per request: {name}", figure(name, "queries"), limit, True))
    small_reference = results.get("small_queries") or {}
    for name in (*API_LISTS, *PAGES):
        if name in small_reference and scale != "small":
            goals.append(
                Goal(
                    f"queries full / small: {name}",
                    _ratio(figure(name, "queries"), small_reference[name]),
                    1.0,
                    at_most=True,
                    detail="queries do not grow with data size",
                )
            )
    goals.append(
        Goal(
            "full export records/s",
            _get(results, "export", "records_per_second"),
            EXPORT_RECORDS_PER_SECOND_MIN,
            at_most=False,
        )
    )
    sweep = sweep_figures(results.get("sweep"))
    goals.append(
        Goal(
            "sweep rows/s / S-ref rows/s",
            _ratio(sweep["rows_per_second"], sweep["sref_rows_per_second"]),
            SWEEP_VS_SREF_MIN,
            at_most=False,
        )
    )
    rows = sweep["rows"]
    tasks = sweep["tasks"]
    goals.append(
        Goal(
            "sweep tasks per 1,000 rows read",
            None if rows is None or tasks is None else (tasks * 1000 / rows if rows else 0.0),
            SWEEP_TASKS_PER_1000_ROWS_MAX,
            at_most=True,
        )
    )
    small_sweep = sweep_figures(results.get("sweep_small"))
    goals.append(
        Goal(
            "sweep peak memory (RSS) full / small",
            _ratio(sweep["peak_rss_mb"], small_sweep["peak_rss_mb"]),
            SWEEP_MEMORY_GROWTH_MAX,
            at_most=True,
            applies=scale == "full",
            detail="" if scale == "full" else "measured at full scale only",
        )
    )
    memory = results.get("memory", {})
    served = memory.get("requests_after_warmup", 0)
    enough = served >= STABILITY_REQUESTS_MIN
    goals.append(
        Goal(
            "worker RSS end / after warm-up",
            memory.get("rss_growth") if enough else None,
            WORKER_RSS_GROWTH_MAX,
            at_most=True,
            detail=f"after {served:,} requests"
            + ("" if enough else f" (needs >= {STABILITY_REQUESTS_MIN:,})"),
        )
    )
    for name in ENDPOINTS:
        goals.append(
            Goal(
                f"p99 / p50: {name}",
                _ratio(figure(name, "p99_ms"), figure(name, "p50_ms")),
                P99_VS_P50_MAX,
                at_most=True,
            )
        )
    return goals


def goals_failed(goals: Sequence[Goal]) -> list[Goal]:
    return [goal for goal in goals if goal.passed is False]


# --- The table ---------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or (float(value).is_integer() and digits == 0):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def format_table(results: Mapping[str, Any], goals: Sequence[Goal]) -> str:
    lines = [
        f"PartnerHub benchmark, scale {results.get('scale')}, {results.get('date', '')}",
        "",
        f"{'target':<20} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'queries':>7} {'peak MB':>8}",
    ]
    lines.append("-" * len(lines[-1]))
    for name, row in results.get("targets", {}).items():
        lines.append(
            f"{name:<20} {_cell(row.get('rps')):>9} {_cell(row.get('p50_ms'), 2):>8} "
            f"{_cell(row.get('p95_ms'), 2):>8} {_cell(row.get('p99_ms'), 2):>8} "
            f"{_cell(row.get('queries'), 0):>7} {_cell(row.get('peak_worker_mb')):>8}"
        )
    lines.append("(peak MB: the largest worker RSS sampled while the target was driven)")
    export = results.get("export")
    if export:
        lines.append(
            f"{'full export':<20} {_cell(export.get('records_per_second'), 0):>9} records/s "
            f"({export.get('records', 0):,} records, {export.get('pages', 0):,} pages of "
            f"{export.get('page_size', 500)})"
        )
    for label, key in (("sweep", "sweep"), ("sweep (small db)", "sweep_small")):
        figures = sweep_figures(results.get(key)) if results.get(key) else None
        if figures:
            lines.append(
                f"{label:<20} {_cell(figures['rows_per_second'], 0):>9} rows/s "
                f"({_cell(figures['rows'], 0)} rows, {_cell(figures['tasks'], 0)} tasks, "
                f"peak RSS {_cell(figures['peak_rss_mb'])} MB, Python allocations of one "
                f"task {_cell(figures['peak_memory_mb'])} MB); S-ref "
                f"{_cell(figures['sref_rows_per_second'], 0)} rows/s; again (nothing new) "
                f"{_cell(figures['again_rows_per_second'], 0)} rows/s"
            )
    memory = results.get("memory", {})
    if memory:
        lines.append(
            f"{'workers':<20} RSS per worker after warm-up "
            f"{_cell(memory.get('rss_after_warmup_mb'))} MB, at the end "
            f"{_cell(memory.get('rss_end_mb'))} MB, peak (VmHWM) "
            f"{_cell(memory.get('hwm_end_mb'))} MB; {memory.get('requests_total', 0):,} "
            "requests served"
        )
    lines += [
        "",
        f"{'goal':<44} {'measured':>10} {'limit':>10}  verdict",
        "-" * 76,
    ]
    for goal in goals:
        sign = "<=" if goal.at_most else ">="
        measured = "-" if goal.measured is None else f"{goal.measured:,.3g}"
        if goal.measured is not None and goal.measured >= 1000:
            measured = f"{goal.measured:,.0f}"
        line = f"{goal.name:<44} {measured:>10} {sign} {goal.limit:<7,g}  {goal.verdict}"
        if goal.detail:
            line += f"  ({goal.detail})"
        lines.append(line)
    return "\n".join(lines)


# --- The JSON file and the machine --------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _git_commit(cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, read only)
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def machine_info(*, postgres_version: str | None, cwd: Path) -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_mb": _memory_mb(),
        "python": platform.python_version(),
        "postgresql": postgres_version,
        "git_commit": _git_commit(cwd),
    }


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def document(results: Mapping[str, Any], goals: Sequence[Goal]) -> dict[str, Any]:
    return {
        **results,
        "goals": [{**asdict(goal), "verdict": goal.verdict} for goal in goals],
    }


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
