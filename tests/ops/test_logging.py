"""Structured logs: JSON lines that carry the request id, echoed as X-Request-ID."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from partnerhub.observability import JsonFormatter, RequestIdFilter


@pytest.fixture
def read_log() -> Iterator[Callable[[], list[dict[str, object]]]]:
    """Capture what the configured console handler writes; call to get the JSON lines."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h.formatter, JsonFormatter)
        and any(isinstance(f, RequestIdFilter) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def test_settings_send_json_lines_through_the_request_id_filter(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["request_id"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "partnerhub.observability.JsonFormatter"


@pytest.mark.django_db
def test_a_request_gets_an_id_in_its_response_header(client):
    first = client.get("/health/")["X-Request-ID"]
    second = client.get("/health/")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/health/", headers={"X-Request-ID": "lb-7f3a9c21.001"})
    assert kept["X-Request-ID"] == "lb-7f3a9c21.001"
    replaced = client.get("/health/", headers={"X-Request-ID": "bad id\n{injected}"})
    assert replaced["X-Request-ID"] != "bad id\n{injected}"
    assert len(replaced["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_log_records_written_during_a_request_carry_its_id(client, read_log):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-0123456789"
    records = [line for line in read_log() if line["logger"] == "django.request"]
    assert records, read_log()
    assert records[0]["request_id"] == "req-0123456789"
    assert records[0]["level"] == "WARNING"
    assert "/no-such-page/" in str(records[0]["message"])
    assert {"time", "level", "logger", "message", "request_id"} <= set(records[0])


def test_records_outside_a_request_say_so(read_log):
    logging.getLogger("partnerhub.test").warning("outside any request")
    (record,) = [line for line in read_log() if line["logger"] == "partnerhub.test"]
    assert record["request_id"] == "-"
    assert record["message"] == "outside any request"


@pytest.mark.django_db
def test_records_logged_inside_a_view_carry_the_request_id(client, read_log):
    """require_GET logs the refused method itself, inside the middleware chain."""
    response = client.post("/health/", headers={"X-Request-ID": "req-inside-view-1"})
    assert response.status_code == 405
    records = [line for line in read_log() if line["logger"] == "django.request"]
    assert [r["request_id"] for r in records] == ["req-inside-view-1"]
    assert "Method Not Allowed" in str(records[0]["message"])
