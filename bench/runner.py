"""``python -m bench --scale full|small``: the whole benchmark, start to finish.

This process imports no Django settings. It derives and creates the bench database
(bench/database.py), then drives subprocesses: ``manage.py bench_seed`` (the data set),
``collectstatic``, gunicorn with production settings, ``manage.py bench_prepare`` (keys,
sessions and ids as JSON), wrk against every HTTP target (bench/loadgen.py), the full
export over one connection, and ``manage.py bench_sweep``. It prints one table and
writes ``bench-results/bench-<scale>.json`` (bench/report.py).

Exit status: 2 when something broke (a subprocess failed, an endpoint answered an error,
a worker died), 1 at full scale when a goal failed, else 0. At small scale (CI) the goals
are printed but never fail the run. gunicorn is always stopped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import database, loadgen, report
from bench.scale import ANCHOR_DATE, SCALES

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench-results"
THREADS = 2
CONNECTIONS = 8
WORKERS = 2  # gunicorn's sync workers, one per core of the 2-core machine
E0_PATH = "/bench/e0/"
EXPORT_PAGE_SIZE = 500
# An export repeat slower than this (about 2,000 records/s for bench-00 at full scale, a
# tenth of the goal) is not repeated: the run stays bounded and the verdict is the same.
EXPORT_REPEAT_BUDGET_SECONDS = 100
QUERY_SAMPLES = 3
STABILITY_CHUNK_SECONDS = 5


@dataclass(frozen=True)
class Timing:
    warmup_seconds: float
    repeat_seconds: float
    repeats: int
    seed_timeout: float  # bench_seed (generation) may take this long


TIMINGS = {
    "full": Timing(warmup_seconds=3, repeat_seconds=8, repeats=3, seed_timeout=3600),
    "small": Timing(warmup_seconds=2, repeat_seconds=3, repeats=3, seed_timeout=900),
}


class BenchBroken(Exception):
    """Something the benchmark depends on failed: the run has no valid figures."""


def log(message: str) -> None:
    sys.stdout.write(f"bench: {message}\n")
    sys.stdout.flush()


# --- Django subprocesses -------------------------------------------------------------------


def manage(
    env: dict[str, str], *args: str, timeout: float, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """``manage.py <args>`` against the bench database; its output streams through unless
    captured. Raises BenchBroken when it fails or overruns ``timeout``."""
    command = [sys.executable, "manage.py", *args]
    try:
        done = subprocess.run(  # noqa: S603 (our interpreter and manage.py)
            command,
            cwd=BASE_DIR,
            env=env,
            timeout=timeout,
            check=False,
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
        )
    except subprocess.TimeoutExpired as exc:
        command_line = " ".join(args)
        raise BenchBroken(f"manage.py {command_line} did not finish within {timeout:.0f}s") from exc
    if done.returncode != 0:
        detail = (done.stderr or "")[-3000:] if capture else ""
        raise BenchBroken(f"manage.py {' '.join(args)} exited {done.returncode}\n{detail}")
    return done


def parse_json_output(text: str, what: str) -> dict[str, Any]:
    """The last JSON object a command printed (one line or indented), after any other
    output it wrote first."""
    decoder = json.JSONDecoder()
    lines = text.splitlines(keepends=True)
    for index in reversed(range(len(lines))):
        if not lines[index].startswith("{"):
            continue
        rest = "".join(lines[index:]).strip()
        try:
            value, end = decoder.raw_decode(rest)
        except json.JSONDecodeError:
            continue
        if end == len(rest) and isinstance(value, dict):
            return value
    raise BenchBroken(f"{what} printed no JSON document:\n{text[-2000:]}")


def server_env(db: database.BenchDatabase, *, secret_key: str) -> dict[str, str]:
    """Production settings against the bench database, reference views on."""
    env = dict(os.environ)
    for name in ("TEST_DATABASE_NAME", "CELERY_TASK_ALWAYS_EAGER", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=db.app_url,
        MIGRATION_DATABASE_URL=db.owner_url,
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="https://127.0.0.1",
        CSRF_TRUSTED_ORIGINS="https://127.0.0.1",
        BENCH_ENDPOINTS="true",
        # Far above what the load reaches, and per second: the throttle keeps a log of
        # each key's requests in its window, which then holds at most a second's worth (a
        # per-minute limit this high would pickle tens of thousands of entries a request,
        # where production's 1200/min holds at most 1,200).
        API_RATE_LIMIT="100000/s",
        PYTHONUNBUFFERED="1",
    )
    return env


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        return sorted(children_of(self.process.pid))


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path):  # type: ignore[no-untyped-def]
    """gunicorn on a free loopback port with 2 sync workers; stopped however we leave."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 (our interpreter running gunicorn)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "partnerhub.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        server = Server(process=process, port=port, log_path=log_path)
        try:
            yield server
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_ready(server: Server, headers: dict[str, str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchBroken(f"gunicorn exited {server.process.returncode}:\n{server.log_tail()}")
        try:
            answer = loadgen.request(server.port, "GET", E0_PATH, headers=headers, timeout=5)
            if answer.status == 200:
                return
            last = f"{E0_PATH} answered {answer.status}: {answer.body[:300]!r}"
        except loadgen.LoadError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise BenchBroken(f"gunicorn not ready after {timeout:.0f}s ({last})\n{server.log_tail()}")


# --- Worker memory ---------------------------------------------------------------------------


def read_memory(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in kB, or None when it is gone."""
    rss = hwm = None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        return None
    if rss is None or hwm is None:
        return None
    return rss, hwm


def memory_snapshot(pids: list[int]) -> dict[int, tuple[int, int]]:
    return {pid: figures for pid in pids if (figures := read_memory(pid)) is not None}


class MemorySampler:
    """Samples the workers' VmRSS a few times a second; ``peak_kb`` since the last reset."""

    def __init__(self, server: Server, interval: float = 0.2) -> None:
        self.server = server
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)
        self._lock = threading.Lock()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        with self._lock:
            self.peak_kb = 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            snapshot = memory_snapshot(self.server.worker_pids())
            if snapshot:
                with self._lock:
                    self.peak_kb = max(self.peak_kb, max(rss for rss, _ in snapshot.values()))


# --- Targets ---------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    method: str = "GET"
    ok_statuses: tuple[int, ...] = (200,)
    script: Path = loadgen.REPORT_SCRIPT
    script_args: list[str] = field(default_factory=list)
    sample_bodies: list[bytes] = field(default_factory=list)


def _fresh_value() -> str:
    return f"{secrets.randbelow(97)}.{secrets.randbelow(9000) + 1000}"


def build_targets(prepared: dict[str, Any], *, targets_file: Path) -> list[Target]:
    """The HTTP targets of CONTRACT item 5, from ``bench_prepare``'s document."""
    slug = prepared["workspace"]
    common = {"X-Forwarded-Proto": "https"}
    api_read = {
        **common,
        "Accept": "application/json",
        "Authorization": f"Bearer {prepared['keys']['read']}",
    }
    api_write = {
        **common,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {prepared['keys']['write']}",
    }
    coordinator = {
        **common,
        "Accept": "text/html",
        "Cookie": prepared["sessions"]["coordinator"]["cookie"],
    }
    partner = {**common, "Accept": "text/html", "Cookie": prepared["sessions"]["partner"]["cookie"]}
    dashboard = prepared["dashboard_partnership"]
    due_before = (
        prepared.get("milestones_due_before") or (ANCHOR_DATE + timedelta(days=30)).isoformat()
    )
    post_targets = prepared["post_targets"]
    if len(post_targets) < 2 * CONNECTIONS:
        raise BenchBroken(
            f"bench_prepare found {len(post_targets)} open-period targets; the POST target "
            f"needs at least {2 * CONNECTIONS} so that no two connections write one figure"
        )
    targets_file.write_text(
        "".join(f"{t['indicator']} {t['period']} {t['organization']}\n" for t in post_targets)
    )
    # A value no earlier run stored (wrk sends whole numbers), so each sample writes.
    samples = [
        json.dumps({**t, "value": _fresh_value(), "submit": True}).encode()
        for t in post_targets[:QUERY_SAMPLES]
    ]
    return [
        Target(report.E0, E0_PATH, {**common, "Accept": "application/json"}),
        Target(report.E1_REF, f"/bench/w/{slug}/measurements/", api_read),
        # The aggregate SQL alone: no session (its view authenticates nobody).
        Target(report.E3_REF, f"/bench/w/{slug}/dashboard/{dashboard}/", common),
        Target(report.MEASUREMENTS_LIST, f"/api/v1/w/{slug}/measurements/", api_read),
        Target(
            report.MILESTONES_DUE,
            f"/api/v1/w/{slug}/milestones/?overdue=false&due_before={due_before}",
            api_read,
        ),
        Target(report.DASHBOARD, f"/w/{slug}/partnerships/{dashboard}/dashboard/", coordinator),
        Target(report.PORTFOLIO, f"/w/{slug}/portfolio/", coordinator),
        Target(report.MY_WORK, f"/w/{slug}/my-work/", partner),
        Target(
            report.POST_MEASUREMENT,
            f"/api/v1/w/{slug}/measurements/",
            api_write,
            method="POST",
            ok_statuses=(200, 201),
            script=loadgen.POST_SCRIPT,
            script_args=[str(targets_file), str(THREADS)],
            sample_bodies=samples,
        ),
    ]


def sample_queries(server: Server, target: Target) -> int:
    """Queries per request from a few single requests; checks each answer's status."""
    counts = []
    bodies: list[bytes | None] = list(target.sample_bodies) or [None] * QUERY_SAMPLES
    for body in bodies:
        answer = loadgen.request(
            server.port, target.method, target.path, headers=target.headers, body=body
        )
        if answer.status not in target.ok_statuses:
            raise BenchBroken(
                f"{target.name}: {target.method} {target.path} answered {answer.status} "
                f"(expected {'/'.join(map(str, target.ok_statuses))}): {answer.body[:500]!r}"
            )
        count = loadgen.query_count(answer)
        if count is None:
            raise BenchBroken(f"{target.name}: no {loadgen.QUERIES_HEADER} header in the answer")
        counts.append(count)
    return max(counts)


SETTLED_SECONDS = 0.05  # an E0 answer this fast means no request was queued before it
SETTLE_LIMIT_SECONDS = 30.0


def settle(port: int, *, limit: float = SETTLE_LIMIT_SECONDS) -> int:
    """Wait until the workers are idle; returns the rounds it took. wrk stops without
    waiting for the answers still being made, and a sync worker finishes each request it
    took (up to one per connection, each as slow as that target's: portfolio's take half
    a second): measured next, they would be the first seconds' latency of the next
    target. Two simultaneous E0 requests (one per worker) answered quickly mean nothing
    is left ahead of them."""
    deadline = time.monotonic() + limit
    rounds = 0
    while True:
        rounds += 1
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=loadgen.request,
                args=(port, "GET", E0_PATH),
                kwargs={"headers": {"X-Forwarded-Proto": "https"}, "timeout": limit},
            )
            for _ in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if time.monotonic() - started < SETTLED_SECONDS or time.monotonic() > deadline:
            return rounds


def drive(server: Server, target: Target, seconds: float) -> loadgen.WrkResult:
    settle(server.port)
    command = loadgen.wrk_command(
        f"http://127.0.0.1:{server.port}{target.path}",
        seconds=seconds,
        headers=target.headers,
        threads=THREADS,
        connections=CONNECTIONS,
        script=target.script,
        script_args=target.script_args,
    )
    result = loadgen.run_wrk(command, seconds=seconds)
    if result.failed_requests:
        raise BenchBroken(
            f"{target.name}: {result.failed_requests} of {result.requests} requests failed "
            f"under load ({result.errors}); gunicorn log:\n{server.log_tail(20)}"
        )
    if result.requests == 0:
        raise BenchBroken(f"{target.name}: wrk completed no request")
    return result


# --- The run ---------------------------------------------------------------------------------


@contextmanager
def serving(env: dict[str, str], scale: str, results_dir: Path, scratch: Path):  # type: ignore[no-untyped-def]
    """gunicorn on the bench database, ready, with bench_prepare's document and targets."""
    with gunicorn(env, results_dir / f"gunicorn-{scale}.log") as server:
        log(f"gunicorn on 127.0.0.1:{server.port} (log: {server.log_path})")
        wait_ready(server, {"X-Forwarded-Proto": "https"})
        done = manage(env, "bench_prepare", "--scale", scale, timeout=600, capture=True)
        prepared = parse_json_output(done.stdout, "manage.py bench_prepare")
        targets = build_targets(prepared, targets_file=scratch / f"post-targets-{scale}.txt")
        yield server, prepared, targets


def _mb(kb: float) -> float:
    return round(kb / 1024, 1)


def measure_http(
    server: Server, targets: list[Target], timing: Timing, prepared: dict[str, Any]
) -> dict[str, Any]:
    results: dict[str, Any] = {"targets": {}}
    workers = server.worker_pids()
    if len(workers) != WORKERS:
        raise BenchBroken(f"expected {WORKERS} gunicorn workers, found {workers}")
    with MemorySampler(server) as sampler:
        log("queries per request (single requests)")
        queries = {target.name: sample_queries(server, target) for target in targets}
        log(f"warm-up: {timing.warmup_seconds:g}s per target")
        requests_total = 0
        for target in targets:
            requests_total += drive(server, target, timing.warmup_seconds).requests
        after_warmup = memory_snapshot(workers)
        requests_at_warmup = requests_total
        for target in targets:
            sampler.reset()
            repeats = []
            for number in range(timing.repeats):
                result = drive(server, target, timing.repeat_seconds)
                repeats.append(result)
                requests_total += result.requests
                log(
                    f"{target.name}: repeat {number + 1}/{timing.repeats}: "
                    f"{result.rps:,.1f} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms"
                )
            chosen = report.median_item(repeats, key=lambda r: r.rps)
            snapshot = memory_snapshot(workers)
            results["targets"][target.name] = {
                "method": target.method,
                "path": target.path,
                "rps": round(chosen.rps, 1),
                "p50_ms": chosen.p50_ms,
                "p95_ms": chosen.p95_ms,
                "p99_ms": chosen.p99_ms,
                "queries": queries[target.name],
                "peak_worker_mb": _mb(sampler.peak_kb),
                "worker_rss_mb_after": {str(p): _mb(rss) for p, (rss, _) in snapshot.items()},
                "repeats": [r.as_dict() for r in repeats],
            }
        # Stability: at least 10,000 requests after the warm-up, with data behind them.
        stability_target = next(t for t in targets if t.name == report.MEASUREMENTS_LIST)
        rounds = 0
        while requests_total - requests_at_warmup < report.STABILITY_REQUESTS_MIN and rounds < 20:
            requests_total += drive(server, stability_target, STABILITY_CHUNK_SECONDS).requests
            rounds += 1
        log("full export")
        results["export"] = measure_export(server, prepared, timing)
        end = memory_snapshot(workers)
    if server.worker_pids() != workers or set(end) != set(workers):
        raise BenchBroken(
            f"gunicorn workers changed during the run ({workers} -> {server.worker_pids()}): "
            f"a worker died\n{server.log_tail()}"
        )
    growth = max(end[pid][0] / after_warmup[pid][0] for pid in workers)
    results["memory"] = {
        "workers": len(workers),
        "requests_total": requests_total,
        "requests_after_warmup": requests_total - requests_at_warmup,
        # Per worker: the largest of the workers.
        "rss_after_warmup_mb": _mb(max(rss for rss, _ in after_warmup.values())),
        "rss_end_mb": _mb(max(rss for rss, _ in end.values())),
        "hwm_end_mb": _mb(max(hwm for _, hwm in end.values())),
        "rss_growth": round(growth, 3),
        "per_worker": {
            str(pid): {
                "rss_after_warmup_mb": _mb(after_warmup[pid][0]),
                "rss_end_mb": _mb(end[pid][0]),
                "hwm_end_mb": _mb(end[pid][1]),
            }
            for pid in workers
        },
    }
    return results


def measure_export(server: Server, prepared: dict[str, Any], timing: Timing) -> dict[str, Any]:
    slug = prepared["workspace"]
    headers = {
        "X-Forwarded-Proto": "https",
        "Accept": "application/json",
        "Authorization": f"Bearer {prepared['keys']['read']}",
    }
    path = f"/api/v1/w/{slug}/measurements/?page_size={EXPORT_PAGE_SIZE}"
    runs = []
    for number in range(timing.repeats):
        try:
            run = loadgen.full_export(server.port, path, headers=headers)
        except loadgen.LoadError as exc:
            raise BenchBroken(f"full export: {exc}") from exc
        runs.append(run)
        log(
            f"full export: repeat {number + 1}/{timing.repeats}: {run.records:,} records in "
            f"{run.seconds:.1f}s ({run.records_per_second:,.0f}/s)"
        )
        if run.seconds > EXPORT_REPEAT_BUDGET_SECONDS and number + 1 < timing.repeats:
            # Ten times slower than the goal: more repeats would not change the verdict.
            log(f"full export: over {EXPORT_REPEAT_BUDGET_SECONDS}s, no more repeats")
            break
    expected = prepared.get("counts", {}).get("measurements")
    if expected is not None and runs[0].records < expected:
        raise BenchBroken(f"full export read {runs[0].records:,} records, expected >= {expected:,}")
    chosen = report.median_item(runs, key=lambda r: r.records_per_second)
    return {
        "path": path,
        "page_size": EXPORT_PAGE_SIZE,
        "records": chosen.records,
        "pages": chosen.pages,
        "seconds": round(chosen.seconds, 3),
        "records_per_second": round(chosen.records_per_second, 1),
        "repeats": [
            {"records": r.records, "pages": r.pages, "seconds": round(r.seconds, 3)} for r in runs
        ],
    }


def seed(env: dict[str, str], scale: str, *, force: bool) -> None:
    args = ["bench_seed", "--scale", scale] + (["--force"] if force else [])
    log(f"manage.py {' '.join(args)}")
    manage(env, *args, timeout=TIMINGS[scale].seed_timeout)


def sweep(env: dict[str, str]) -> dict[str, Any]:
    done = manage(env, "bench_sweep", "--json", timeout=1800, capture=True)
    result = parse_json_output(done.stdout, "manage.py bench_sweep --json")
    # The sweep's peak memory as a worker sees it: a fresh process running one pass.
    done = manage(env, "bench_sweep", "--rss-only", timeout=1800, capture=True)
    result["memory_rss"] = parse_json_output(done.stdout, "manage.py bench_sweep --rss-only")
    return result


def prepare_database(scale: str) -> tuple[database.BenchDatabase, str]:
    try:
        db = database.derive(os.environ, scale)
        created = database.ensure(db)
        version = database.server_version(db.owner_url)
    except database.BenchDatabaseError as exc:
        raise BenchBroken(str(exc)) from exc
    log(f"database {db.name} ({'created' if created else 'exists'}), PostgreSQL {version}")
    return db, version


def run(scale: str, *, force_seed: bool, results_dir: Path) -> int:
    try:
        loadgen.require_wrk()
    except loadgen.LoadError as exc:
        raise BenchBroken(str(exc)) from exc
    if not os.environ.get("REDIS_URL"):
        raise BenchBroken(
            "The benchmarks need Redis (the API's rate-limit counters and the cache, as in "
            "production): set REDIS_URL, e.g. redis://127.0.0.1:6379/0."
        )
    timing = TIMINGS[scale]
    started = time.monotonic()
    db, pg_version = prepare_database(scale)
    env = server_env(db, secret_key=secrets.token_urlsafe(50))
    seed(env, scale, force=force_seed)
    manage(env, "collectstatic", "--no-input", "-v", "0", timeout=600)

    results: dict[str, Any] = {
        "scale": scale,
        "date": report.now_iso(),
        "database": db.name,
        "settings": {
            "threads": THREADS,
            "connections": CONNECTIONS,
            "warmup_seconds": timing.warmup_seconds,
            "repeat_seconds": timing.repeat_seconds,
            "repeats": timing.repeats,
            "gunicorn": "2 sync workers",
        },
    }
    with tempfile.TemporaryDirectory(prefix="partnerhub-bench-") as scratch:
        with serving(env, scale, results_dir, Path(scratch)) as (server, prepared, targets):
            results.update(measure_http(server, targets, timing, prepared))
        log("manage.py bench_sweep --json")
        results["sweep"] = sweep(env)
        if scale == "full":
            # The same sweep on the small data set (its memory must not grow with size),
            # and the same pages there (their query counts must not either).
            small_db, _ = prepare_database("small")
            small_env = server_env(small_db, secret_key=env["SECRET_KEY"])
            seed(small_env, "small", force=False)
            log("manage.py bench_sweep --json (small database)")
            results["sweep_small"] = sweep(small_env)
            with serving(small_env, "small", results_dir, Path(scratch)) as (server, _, targets):
                log("queries per request on the small database")
                results["small_queries"] = {
                    target.name: sample_queries(server, target) for target in targets
                }
    results["seconds_total"] = round(time.monotonic() - started, 1)
    results["machine"] = report.machine_info(postgres_version=pg_version, cwd=BASE_DIR)

    goals = report.evaluate_goals(results)
    sys.stdout.write("\n" + report.format_table(results, goals) + "\n")
    out = results_dir / f"bench-{scale}.json"
    report.write_json(out, report.document(results, goals))
    log(f"results written to {out.relative_to(BASE_DIR) if out.is_relative_to(BASE_DIR) else out}")
    failed = report.goals_failed(goals)
    if failed and scale == "full":
        log(f"{len(failed)} goal(s) failed: " + ", ".join(goal.name for goal in failed))
        return 1
    if failed:
        log(f"{len(failed)} goal(s) not met (small scale: reported only, never fails the run)")
    return 0


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument(
        "--force-seed", action="store_true", help="regenerate the data set (bench_seed --force)"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args.scale, force_seed=args.force_seed, results_dir=args.results_dir)
    except BenchBroken as exc:
        sys.stderr.write(f"bench: FAILED: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("bench: interrupted\n")
        return 130
