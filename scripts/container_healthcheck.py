"""Health checks of the docker-compose services, run inside their containers.

    python scripts/container_healthcheck.py web     # /health/ answers 200
    python scripts/container_healthcheck.py worker  # this container's worker answers a ping
    python scripts/container_healthcheck.py beat    # beat keeps writing its schedule file

Exits 0 when healthy, 1 with a reason otherwise.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEAT_SCHEDULE = Path(os.environ.get("BEAT_SCHEDULE", "/app/var/celerybeat-schedule"))
# Beat wakes at least every 5 minutes and writes its schedule at least every 3.
BEAT_MAX_SILENCE_SECONDS = 600


def check_web() -> None:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    headers = {
        # A host the site accepts, and the proxy's word that the client used HTTPS.
        "Host": "localhost" if host in {"", "*"} else host,
        "X-Forwarded-Proto": "https",
    }
    request = urllib.request.Request("http://127.0.0.1:8000/health/", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - fixed URL
        if response.status != 200:
            sys.exit(f"/health/ answered {response.status}")


def check_worker() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings")
    sys.path.insert(0, str(ROOT))
    from partnerhub.celery import app

    node = f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=5.0)
    if not replies:
        sys.exit(f"{node} did not answer a ping")


def check_beat() -> None:
    files = list(BEAT_SCHEDULE.parent.glob(BEAT_SCHEDULE.name + "*"))
    if not files:
        sys.exit(f"no beat schedule file at {BEAT_SCHEDULE}")
    silence = time.time() - max(f.stat().st_mtime for f in files)
    if silence > BEAT_MAX_SILENCE_SECONDS:
        sys.exit(f"beat has not written its schedule for {silence:.0f} s")


CHECKS = {"web": check_web, "worker": check_worker, "beat": check_beat}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CHECKS)}")
    try:
        CHECKS[sys.argv[1]]()
    except Exception as exc:  # any failure means unhealthy; say why
        sys.exit(f"{sys.argv[1]} unhealthy: {type(exc).__name__}: {exc}")
