"""Real processes for the reminder integration and fault tests: a private redis-server on
a free loopback port (never the shared one), Celery workers and beats running
``celery -A partnerhub`` against it and against the test database, and bounded waits.

Every process is started in a session of its own, so a kill reaches the worker's pool
children too, and the ``reminder_stack`` fixture stops whatever is still running, even
when the test fails."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from tests.partnerhub.reminder_fixtures import MailDrop

REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = ""
) -> float:
    """Poll ``predicate`` until it holds; answers the seconds it took, or fails the test
    after ``timeout`` seconds."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Proc:
    """A child process in a session of its own, logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                argv,
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill9(self) -> None:
        """SIGKILL to the whole process group: the worker and its pool children at once."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM to the main process (a worker's warm shutdown: running tasks finish);
        SIGKILL to the group after ``timeout``. The pool children must not get the
        SIGTERM themselves: Celery resets it to the default action in them, so they would
        die in the middle of a task."""
        if self.running:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.popen.wait(timeout=10)
        # Children left behind by a killed parent must not outlive the test.
        self.signal_group(signal.SIGKILL)
        return self.popen.returncode

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


class RedisServer:
    """``redis-server`` on a free loopback port, no persistence: a restart loses every
    message it held, as a crash of an in-memory broker would."""

    def __init__(self, workdir: Path, binary: str) -> None:
        self.workdir = workdir
        self.binary = binary
        self.port = free_port()
        self.proc: Proc | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        argv = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        self.proc = Proc("redis-server", argv, {}, self.workdir / "redis.log")
        wait_until(self.ping, timeout=10, interval=0.05, what="redis-server to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill9()
            self.proc = None

    def restart(self, down_seconds: float = 1.0) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.start()


def database_url() -> str:
    """The test database pytest-django created, as the application role sees it."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"


@dataclass
class Stack:
    """A private broker, the mail folder, and the workers and beats started on them."""

    tmp: Path
    redis: RedisServer
    mail: MailDrop
    procs: list[Proc] = field(default_factory=list)
    started: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def broker_url(self) -> str:
        return self.redis.url(0)

    def env(self, **extra: str) -> dict[str, str]:
        base = {
            key: os.environ.get(key, "") for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
        }
        return {
            **{key: value for key, value in base.items() if value},
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "tests.partnerhub.reminder_worker_settings",
            "DEBUG": "false",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "REDIS_URL": self.redis.url(1),
            "REMINDER_TEST_MAIL_DIR": str(self.mail.folder),
            "REMINDER_EMAIL_LEASE_SECONDS": str(LEASE_SECONDS),
            "REMINDER_EMAIL_RETRY_BASE_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
            **extra,
        }

    def _start(self, kind: str, argv: list[str], env: dict[str, str]) -> Proc:
        self.started += 1
        name = f"{kind}{self.started}"
        proc = Proc(name, argv, env, self.tmp / f"{name}.log")
        self.procs.append(proc)
        return proc

    def worker(self, *, pool: str = "prefork", concurrency: int = 2) -> Proc:
        argv = [
            sys.executable, "-m", "celery", "-A", "partnerhub", "worker",
            "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--hostname", f"reminders{self.started + 1}@%h",
        ]  # fmt: skip
        return self._start("worker", argv, self.env())

    def beat(self, *, every: float) -> Proc:
        index = self.started + 1
        argv = [
            sys.executable, "-m", "celery", "-A", "partnerhub", "beat", "--loglevel", "INFO",
            "--schedule", str(self.tmp / f"beat{index}-schedule"),
            "--pidfile", str(self.tmp / f"beat{index}.pid"),
        ]  # fmt: skip
        return self._start("beat", argv, self.env(REMINDER_TEST_BEAT_SECONDS=str(every)))

    def enqueue(self, task: str, *args: object) -> None:
        """Publish a task to the private broker, as the beat or a web process would."""
        from partnerhub.celery import app

        with Connection(self.broker_url) as conn:
            app.send_task(task, args=list(args), connection=conn)

    def sweep(self) -> None:
        self.enqueue("partnerhub.tasks.reminders_sweep")

    def logs(self) -> str:
        return "\n".join(proc.tail() for proc in self.procs)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop(timeout=15)
        self.redis.kill()


def _redis_binary() -> str | None:
    return shutil.which("redis-server")


@pytest.fixture
def reminder_stack(tmp_path: Path) -> Iterator[Stack]:
    """A private redis-server and a mail folder; every process is stopped afterwards."""
    binary = _redis_binary()
    if binary is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed", pytrace=False)
        pytest.skip("needs the redis-server program")
    (tmp_path / "mail").mkdir()
    stack = Stack(
        tmp=tmp_path, redis=RedisServer(tmp_path, binary), mail=MailDrop(tmp_path / "mail")
    )
    try:
        stack.redis.start()
        yield stack
    finally:
        stack.stop_all()
