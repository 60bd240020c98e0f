"""The benchmark runner's pure parts: URL derivation, wrk's output, medians, the goals.

No server, no database: these are the pieces whose arithmetic decides PASS or FAIL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import database, loadgen, report, runner

# --- The bench database's URLs --------------------------------------------------------------

ENV = {
    "DATABASE_URL": "postgres://partnerhub_app:app%40pw@db.local:5433/partnerhub?sslmode=prefer",
    "MIGRATION_DATABASE_URL": "postgresql://partnerhub_owner:owner-pw@db.local:5433/partnerhub",
}


def test_bench_database_urls_replace_only_the_database_name():
    full = database.derive(ENV, "full")
    assert full.name == "partnerhub_bench"
    assert full.app_url == (
        "postgres://partnerhub_app:app%40pw@db.local:5433/partnerhub_bench?sslmode=prefer"
    )
    assert full.owner_url == "postgresql://partnerhub_owner:owner-pw@db.local:5433/partnerhub_bench"
    assert full.app_role == "partnerhub_app"
    # CREATE DATABASE runs from the owner's existing database.
    assert full.source_owner_url == ENV["MIGRATION_DATABASE_URL"]

    small = database.derive(ENV, "small")
    assert small.name == "partnerhub_bench_small"
    assert small.app_url.split("?")[0].endswith("/partnerhub_bench_small")
    assert small.owner_url.endswith("/partnerhub_bench_small")


def test_ci_database_name_gives_its_own_bench_database():
    env = {
        "DATABASE_URL": "postgres://partnerhub_ci_app:x@127.0.0.1:5432/partnerhub_ci",
        "MIGRATION_DATABASE_URL": "postgres://partnerhub_ci_owner:y@127.0.0.1:5432/partnerhub_ci",
    }
    assert database.derive(env, "small").name == "partnerhub_ci_bench_small"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "need PostgreSQL"),
        ({"DATABASE_URL": ENV["DATABASE_URL"]}, "MIGRATION_DATABASE_URL"),
        (
            {"DATABASE_URL": "sqlite:///var/x.sqlite3", "MIGRATION_DATABASE_URL": "sqlite:///y"},
            "postgres://",
        ),
        (
            {"DATABASE_URL": "postgres://app:x@h/", "MIGRATION_DATABASE_URL": "postgres://o:y@h/d"},
            "names no database",
        ),
    ],
)
def test_without_postgresql_the_bench_says_what_to_set(env, message):
    with pytest.raises(database.BenchDatabaseError, match=message):
        database.derive(env, "small")


def test_server_env_points_django_at_the_bench_database_in_production_mode():
    db = database.derive(ENV, "small")
    env = runner.server_env(db, secret_key="k" * 50)
    assert env["DATABASE_URL"] == db.app_url
    assert env["MIGRATION_DATABASE_URL"] == db.owner_url
    assert env["DEBUG"] == "false"
    assert env["BENCH_ENDPOINTS"] == "true"
    assert env["SECRET_KEY"] == "k" * 50
    assert "TEST_DATABASE_NAME" not in env


# --- wrk --------------------------------------------------------------------------------------

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8000/bench/e0/
  2 threads and 8 connections
Requests/sec:   1500.00
BENCH_JSON {"requests": 4500, "duration_us": 3000000, "bytes": 900000, "errors": {"connect": 0, \
"read": 0, "write": 0, "status": 2, "timeout": 1}, "latency_us": {"min": 900, "mean": 5300.5, \
"max": 41000, "p50": 5100, "p90": 7000, "p95": 8250, "p99": 15500}}
"""


def test_wrk_json_line_parsed():
    result = loadgen.parse_wrk_output(WRK_OUTPUT)
    assert result.requests == 4500
    assert result.seconds == 3.0
    assert result.rps == 1500.0
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (5.1, 8.25, 15.5)
    assert result.failed_requests == 3  # 2 answers >= 400 and 1 timeout


def test_wrk_output_without_the_json_line_is_an_error():
    with pytest.raises(loadgen.LoadError, match="BENCH_JSON"):
        loadgen.parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_wrk_command_carries_headers_concurrency_and_script_arguments():
    command = loadgen.wrk_command(
        "http://127.0.0.1:9/api/",
        seconds=3,
        headers={"Authorization": "Bearer k", "X-Forwarded-Proto": "https"},
        script=loadgen.POST_SCRIPT,
        script_args=["/tmp/targets", "2"],
    )
    assert command[:4] == ["wrk", "-t2", "-c8", "-d3s"]
    assert command[command.index("-s") + 1] == str(loadgen.POST_SCRIPT)
    header = command.index("-H")
    assert command[header : header + 2] == ["-H", "Authorization: Bearer k"]
    assert command[-4:] == ["http://127.0.0.1:9/api/", "--", "/tmp/targets", "2"]


def test_next_links_become_paths_on_the_same_connection():
    assert loadgen.next_path(None) is None
    assert (
        loadgen.next_path(
            "https://127.0.0.1:8123/api/v1/w/bench-00/measurements/?cursor=cD0x&page_size=500"
        )
        == "/api/v1/w/bench-00/measurements/?cursor=cD0x&page_size=500"
    )


def test_json_document_found_after_other_output():
    text = 'Migrations applied.\n{"rows": 3, "seconds": 0.5}\n'
    assert runner.parse_json_output(text, "x") == {"rows": 3, "seconds": 0.5}
    indented = "bench data present\n" + json.dumps({"a": {"b": [1, 2]}}, indent=2) + "\n"
    assert runner.parse_json_output(indented, "x") == {"a": {"b": [1, 2]}}
    with pytest.raises(runner.BenchBroken, match="no JSON"):
        runner.parse_json_output("Traceback ...", "x")


# --- Medians ----------------------------------------------------------------------------------


def test_median():
    assert report.median([3.0, 1.0, 2.0]) == 2.0
    assert report.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        report.median([])


def test_median_repeat_is_one_whole_repeat():
    repeats = [
        {"rps": 900.0, "p50": 9.0},
        {"rps": 1100.0, "p50": 7.0},
        {"rps": 1000.0, "p50": 8.5},
    ]
    chosen = report.median_item(repeats, key=lambda r: r["rps"])
    assert chosen == {"rps": 1000.0, "p50": 8.5}  # the figures of one repeat, not mixed
    # An even count takes the lower middle one.
    assert report.median_item([3, 1, 4, 2], key=float) == 2


# --- Goals ------------------------------------------------------------------------------------


def _sweep(*, rows: int, rate: float, tasks: int, peak_mb: float, sref_rate: float) -> dict:
    """A document as ``manage.py bench_sweep --json`` prints it (the keys read here)."""
    return {
        "sweep": {"rows": rows, "seconds": rows / rate, "rows_per_s": rate},
        "tasks": {"fan_out": 5, "follow_up": tasks - 5, "total": tasks},
        "memory": {"peak_bytes": 1024 * 1024},
        "memory_rss": {"peak_bytes": int(peak_mb * 1024 * 1024)},
        "s_ref": {"rows": rows, "seconds": rows / sref_rate, "rows_per_s": sref_rate},
    }


def _results(**overrides: Any) -> dict[str, Any]:
    def row(rps: float, p50: float, p99: float, queries: int | None) -> dict[str, Any]:
        return {"rps": rps, "p50_ms": p50, "p95_ms": p50 * 1.5, "p99_ms": p99, "queries": queries}

    results: dict[str, Any] = {
        "scale": "full",
        "targets": {
            report.E0: row(2000, 4.0, 8.0, 0),
            report.E1_REF: row(900, 9.0, 18.0, 3),
            report.E3_REF: row(500, 16.0, 30.0, 4),
            report.MEASUREMENTS_LIST: row(250, 30.0, 60.0, 6),
            report.MILESTONES_DUE: row(400, 20.0, 40.0, 6),
            report.DASHBOARD: row(200, 29.0, 70.0, 12),
            report.PORTFOLIO: row(150, 50.0, 100.0, 11),
            report.MY_WORK: row(300, 25.0, 50.0, 9),
            report.POST_MEASUREMENT: row(100, 80.0, 200.0, 25),
        },
        "export": {"records_per_second": 25_000.0},
        "sweep": _sweep(rows=100_000, rate=60_000, tasks=50, peak_mb=40, sref_rate=100_000),
        "sweep_small": _sweep(rows=1000, rate=50_000, tasks=1, peak_mb=38, sref_rate=90_000),
        "memory": {"requests_after_warmup": 50_000, "rss_growth": 1.1},
    }
    results.update(overrides)
    return results


def _by_name(goals: list[report.Goal]) -> dict[str, report.Goal]:
    return {goal.name: goal for goal in goals}


def test_every_goal_passes_on_good_figures():
    goals = report.evaluate_goals(_results())
    assert report.goals_failed(goals) == []
    by_name = _by_name(goals)
    assert by_name["measurements list rps / E0 rps"].measured == pytest.approx(0.125)
    # 29 <= 1.5 x (16 + 4) = 30
    assert by_name["dashboard p50 / (E3-ref p50 + E0 p50)"].measured == pytest.approx(29 / 20)
    assert by_name["sweep rows/s / S-ref rows/s"].measured == pytest.approx(0.6)
    assert by_name["sweep tasks per 1,000 rows read"].measured == pytest.approx(0.5)
    assert by_name["sweep peak memory (RSS) full / small"].measured == pytest.approx(40 / 38)
    # One p99 goal per endpoint, none for the references.
    p99 = [g.name for g in goals if g.name.startswith("p99")]
    assert p99 == [f"p99 / p50: {name}" for name in report.ENDPOINTS]


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        (
            lambda r: r["targets"][report.MEASUREMENTS_LIST].update(rps=190),
            "measurements list rps / E0 rps",
        ),
        (
            lambda r: r["targets"][report.DASHBOARD].update(p50_ms=31.0),
            "dashboard p50 / (E3-ref p50 + E0 p50)",
        ),
        (
            lambda r: r["targets"][report.MILESTONES_DUE].update(queries=11),
            "queries per request: milestones due",
        ),
        (
            lambda r: r["targets"][report.PORTFOLIO].update(queries=16),
            "queries per request: portfolio",
        ),
        (
            lambda r: r["targets"][report.MY_WORK].update(queries=None),
            "queries per request: my work",
        ),
        (lambda r: r["export"].update(records_per_second=19_999.0), "full export records/s"),
        (lambda r: r["sweep"]["sweep"].update(rows_per_s=49_000), "sweep rows/s / S-ref rows/s"),
        (lambda r: r["sweep"]["tasks"].update(total=101), "sweep tasks per 1,000 rows read"),
        (
            lambda r: r["sweep"]["memory_rss"].update(peak_bytes=42 * 1024 * 1024),
            "sweep peak memory (RSS) full / small",
        ),
        (lambda r: r["memory"].update(rss_growth=1.51), "worker RSS end / after warm-up"),
        (
            lambda r: r["memory"].update(requests_after_warmup=9_999),
            "worker RSS end / after warm-up",
        ),
        (
            lambda r: r["targets"][report.POST_MEASUREMENT].update(p99_ms=241.0),
            "p99 / p50: post measurement",
        ),
    ],
)
def test_each_goal_fails_past_its_limit(change, failing):
    results = _results()
    change(results)
    failed = [goal.name for goal in report.goals_failed(report.evaluate_goals(results))]
    assert failed == [failing]


def test_a_missing_figure_fails_its_goal_rather_than_passing():
    results = _results(export={})
    del results["targets"][report.E3_REF]
    failed = {goal.name for goal in report.goals_failed(report.evaluate_goals(results))}
    assert failed == {"full export records/s", "dashboard p50 / (E3-ref p50 + E0 p50)"}


def test_small_scale_shows_the_memory_comparison_as_not_applicable():
    results = _results(scale="small")
    del results["sweep_small"]
    goal = _by_name(report.evaluate_goals(results))["sweep peak memory (RSS) full / small"]
    assert goal.passed is None
    assert goal.verdict == "n/a"


def test_query_counts_compared_with_the_small_run_at_full_scale():
    small = {name: row["queries"] for name, row in _results()["targets"].items()}
    small[report.DASHBOARD] = 11  # the dashboard ran one query more at full scale
    goals = report.evaluate_goals(_results(small_queries=small))
    failed = [goal.name for goal in report.goals_failed(goals)]
    assert failed == ["queries full / small: dashboard"]


def test_table_lists_every_target_and_every_goal_with_its_verdict():
    results = _results()
    results["targets"][report.DASHBOARD]["p50_ms"] = 40.0
    goals = report.evaluate_goals(results)
    table = report.format_table(results, goals)
    for name in results["targets"]:
        assert f"\n{name} " in table
    dashboard_line = next(line for line in table.splitlines() if line.startswith("dashboard p50"))
    assert dashboard_line.rstrip().endswith("FAIL")
    assert "measurements list rps / E0 rps" in table
    document = report.document(results, goals)
    assert {g["verdict"] for g in document["goals"]} == {"PASS", "FAIL"}


# --- Targets ----------------------------------------------------------------------------------


def _prepared(targets: int = 20) -> dict[str, Any]:
    return {
        "workspace": "bench-00",
        "keys": {"read": "ph_r", "write": "ph_w"},
        "sessions": {
            "coordinator": {"cookie": "sessionid=c"},
            "partner": {"cookie": "sessionid=p"},
        },
        "dashboard_partnership": 7,
        "milestones_due_before": "2026-12-27",
        "post_targets": [
            {"indicator": 1, "period": 2, "organization": 100 + i} for i in range(targets)
        ],
    }


def test_targets_carry_the_credentials_each_one_needs(tmp_path):
    targets_file = tmp_path / "targets.txt"
    targets = {t.name: t for t in runner.build_targets(_prepared(), targets_file=targets_file)}

    assert list(targets) == [report.E0, report.E1_REF, report.E3_REF, *report.ENDPOINTS]
    assert all(t.headers["X-Forwarded-Proto"] == "https" for t in targets.values())
    assert targets[report.MEASUREMENTS_LIST].headers["Authorization"] == "Bearer ph_r"
    assert targets[report.E1_REF].headers["Authorization"] == "Bearer ph_r"
    assert targets[report.DASHBOARD].path == "/w/bench-00/partnerships/7/dashboard/"
    assert targets[report.DASHBOARD].headers["Cookie"] == "sessionid=c"
    assert targets[report.MY_WORK].headers["Cookie"] == "sessionid=p"
    assert "Cookie" not in targets[report.E3_REF].headers  # the SQL alone
    assert targets[report.MILESTONES_DUE].path.endswith("due_before=2026-12-27")
    post = targets[report.POST_MEASUREMENT]
    assert (post.method, post.headers["Authorization"]) == ("POST", "Bearer ph_w")
    assert post.script_args == [str(targets_file), "2"]
    assert targets_file.read_text().splitlines()[:2] == ["1 2 100", "1 2 101"]
    sample = json.loads(post.sample_bodies[0])
    assert sample["organization"] == 100 and sample["submit"] is True


def test_too_few_open_period_targets_for_eight_connections_is_broken(tmp_path):
    with pytest.raises(runner.BenchBroken, match="at least 16"):
        runner.build_targets(_prepared(targets=15), targets_file=tmp_path / "t.txt")


def test_settle_waits_for_the_requests_wrk_left_behind():
    """A server still busy with slow answers (what wrk leaves when it stops) answers E0
    late: settle asks again until both workers answer at once, then returns."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    busy_until = time.monotonic() + 0.6
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            time.sleep(max(0.0, busy_until - time.monotonic()))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        rounds = runner.settle(server.server_address[1], limit=10)
        waited = time.monotonic() - started
    finally:
        server.shutdown()
    assert rounds >= 2 and waited >= 0.5
    assert set(seen) == {runner.E0_PATH} and len(seen) == rounds * runner.WORKERS
    # Idle from the start: one round.
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert runner.settle(server.server_address[1], limit=10) == 1
    finally:
        server.shutdown()
