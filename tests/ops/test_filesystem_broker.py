"""The embedded default's broker: messages appear atomically, and a worker survives an
empty message file left by an interrupted writer (instead of taking `make run` down)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

TRANSPORT = "partnerhub.celery_filesystem:Transport"


def _connection(folder: Path) -> Connection:
    return Connection(
        "filesystem://",
        transport=TRANSPORT,
        transport_options={"data_folder_in": str(folder), "data_folder_out": str(folder)},
    )


def test_the_embedded_default_uses_the_atomic_transport():
    if settings.CELERY_BROKER_URL != "filesystem://":
        pytest.skip("a server broker is configured (REDIS_URL)")
    assert settings.CELERY_BROKER_TRANSPORT == TRANSPORT


def test_messages_are_written_whole_and_read_back(tmp_path):
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("jobs")
        queue.put({"n": 1})
        names = [path.name for path in tmp_path.iterdir()]
        assert len(names) == 1 and names[0].endswith(".jobs.msg")  # no leftover .part
        assert queue.get(timeout=1).payload == {"n": 1}
        queue.close()


def _leave_an_interrupted_message(folder: Path) -> None:
    # What an interrupted writer of the stock transport leaves: an empty message file,
    # sorted before the rest.
    (folder / "0_interrupted.jobs.msg").write_bytes(b"")


def test_the_stock_transport_dies_on_such_a_file(tmp_path):
    """Why the project has its own transport: the stock one raises on the empty file."""
    _leave_an_interrupted_message(tmp_path)
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    with Connection("filesystem://", transport_options=options) as conn:
        queue = conn.SimpleQueue("jobs")
        with pytest.raises(ValueError):
            queue.get(timeout=0.5)
        queue.close()


def test_an_empty_message_file_is_skipped_not_fatal(tmp_path):
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("jobs")
        _leave_an_interrupted_message(tmp_path)
        queue.put({"n": 2})
        assert queue.get(timeout=1).payload == {"n": 2}  # the broken file was dropped
        assert list(tmp_path.iterdir()) == []
        queue.close()
