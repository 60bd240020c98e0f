"""The embedded default's broker: messages appear atomically, and a worker survives an
empty message file left by an interrupted writer (instead of taking `make run` down)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

TRANSPORT = "partnerhub.celery_filesystem:Transport"


@pytest.fixture
def queue_name() -> str:
    # kombu's virtual transports remember declared exchanges per process (class-level
    # state) while each test has folders of its own: a fresh queue name per test makes
    # every test declare, and write, its own exchange table.
    return f"jobs{uuid.uuid4().hex[:8]}"


def _options(folder: Path) -> dict[str, str]:
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder / "control"),
    }


def _connection(folder: Path) -> Connection:
    return Connection("filesystem://", transport=TRANSPORT, transport_options=_options(folder))


def _message_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.is_file())


def _leave_an_interrupted_message(folder: Path, queue_name: str) -> None:
    # What an interrupted writer of the stock transport leaves: an empty message file,
    # sorted before the rest.
    (folder / f"0_interrupted.{queue_name}.msg").write_bytes(b"")


def test_the_embedded_default_uses_the_atomic_transport():
    transport = getattr(settings, "CELERY_BROKER_TRANSPORT", None)
    if settings.CELERY_BROKER_URL == "filesystem://":
        assert transport == TRANSPORT
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert all(Path(value).is_relative_to(settings.VAR_DIR) for value in options.values())
    else:  # a server broker (REDIS_URL): its transport comes from the URL
        assert transport is None


def test_messages_are_written_whole_and_read_back(tmp_path, queue_name):
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue(queue_name)
        queue.put({"n": 1})
        names = _message_files(tmp_path)
        assert len(names) == 1 and names[0].endswith(f".{queue_name}.msg")  # no .part left
        assert queue.get(timeout=1).payload == {"n": 1}
        queue.close()


def test_the_stock_transport_dies_on_such_a_file(tmp_path, queue_name):
    """Why the project has its own transport: the stock one raises on the empty file."""
    _leave_an_interrupted_message(tmp_path, queue_name)
    with Connection("filesystem://", transport_options=_options(tmp_path)) as conn:
        queue = conn.SimpleQueue(queue_name)
        with pytest.raises(ValueError):
            queue.get(timeout=0.5)
        queue.close()


def test_an_empty_message_file_is_skipped_not_fatal(tmp_path, queue_name):
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue(queue_name)
        _leave_an_interrupted_message(tmp_path, queue_name)
        queue.put({"n": 2})
        assert queue.get(timeout=1).payload == {"n": 2}  # the broken file was dropped
        assert _message_files(tmp_path) == []
        queue.close()
