"""Load generation: wrk for throughput and latency, http.client for single requests.

wrk (Debian's package) runs each target at a fixed concurrency with a Lua script from
``bench/wrk/`` whose ``done()`` prints one ``BENCH_JSON {...}`` line. Single requests
(the query count a page runs, the full export) use the standard library over loopback.
No Django here.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

WRK_DIR = Path(__file__).resolve().parent / "wrk"
REPORT_SCRIPT = WRK_DIR / "report.lua"
POST_SCRIPT = WRK_DIR / "post.lua"
JSON_MARK = "BENCH_JSON "
QUERIES_HEADER = "X-PartnerHub-Queries"


class LoadError(Exception):
    """A load run or a request failed (a tool missing, a timeout, a bad answer)."""


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadError(
            "The benchmarks drive the server with wrk, which is not installed: "
            "apt-get install wrk (Debian/Ubuntu)."
        )
    return path


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def failed_requests(self) -> int:
        """Answers of 400 or more, timeouts and socket errors."""
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "mean_ms": self.mean_ms,
            "max_ms": self.max_ms,
            "errors": dict(self.errors),
        }


def parse_wrk_output(text: str) -> WrkResult:
    """The ``BENCH_JSON`` line that bench/wrk/report.lua prints, as a WrkResult."""
    for line in text.splitlines():
        if line.startswith(JSON_MARK):
            data = json.loads(line[len(JSON_MARK) :])
            break
    else:
        raise LoadError(f"wrk printed no {JSON_MARK.strip()} line:\n{text[-2000:]}")
    seconds = data["duration_us"] / 1e6
    latency = data["latency_us"]

    def ms(key: str) -> float:
        return round(latency[key] / 1000, 2)

    return WrkResult(
        requests=int(data["requests"]),
        seconds=seconds,
        rps=data["requests"] / seconds if seconds > 0 else 0.0,
        p50_ms=ms("p50"),
        p95_ms=ms("p95"),
        p99_ms=ms("p99"),
        mean_ms=ms("mean"),
        max_ms=ms("max"),
        errors={key: int(value) for key, value in data["errors"].items()},
    )


def wrk_command(
    url: str,
    *,
    seconds: float,
    headers: dict[str, str],
    threads: int = 2,
    connections: int = 8,
    script: Path = REPORT_SCRIPT,
    script_args: list[str] | None = None,
    request_timeout: str = "30s",
) -> list[str]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={request_timeout}",
        "-s",
        str(script),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    return command


def run_wrk(command: list[str], *, seconds: float) -> WrkResult:
    """Run one wrk command (bounded: killed well after its duration) and parse it."""
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program with our arguments)
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk did not finish within {seconds + 60:.0f}s") from exc
    if done.returncode != 0:
        raise LoadError(f"wrk exited {done.returncode}: {done.stderr.strip() or done.stdout}")
    return parse_wrk_output(done.stdout)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    timeout: float = 60,
) -> Answer:
    """One request on a fresh loopback connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Answer(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            body=data,
        )
    except OSError as exc:
        raise LoadError(f"{method} {path}: {exc}") from exc
    finally:
        connection.close()


def query_count(answer: Answer) -> int | None:
    value = answer.header(QUERIES_HEADER)
    return int(value) if value is not None and value.strip().isdigit() else None


@dataclass(frozen=True)
class ExportRun:
    records: int
    pages: int
    seconds: float

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def next_path(next_url: str | None) -> str | None:
    """The path and query of a ``next`` link (absolute, as the API builds it), or None."""
    if not next_url:
        return None
    parts = urllib.parse.urlsplit(next_url)
    return urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))


def full_export(
    port: int, path: str, *, headers: dict[str, str], timeout: float = 1800
) -> ExportRun:
    """Follow ``next`` from ``path`` to the end on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    records = pages = 0
    started = time.perf_counter()
    current: str | None = path
    try:
        while current is not None:
            if time.perf_counter() - started > timeout:
                raise LoadError(f"the export did not finish within {timeout:.0f}s")
            connection.request("GET", current, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise LoadError(f"export page {current} answered {response.status}: {data[:300]!r}")
            page = json.loads(data)
            records += len(page["results"])
            pages += 1
            current = next_path(page.get("next"))
    except OSError as exc:
        raise LoadError(f"export: {exc}") from exc
    finally:
        connection.close()
    return ExportRun(records=records, pages=pages, seconds=time.perf_counter() - started)
