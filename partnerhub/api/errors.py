"""Errors as application/problem+json (RFC 9457), with per-field errors."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler

PROBLEM_TYPE_BASE = "https://partnerhub.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, detail: str, *, code: str | None = None, errors: object = None) -> dict:
    body: dict[str, object] = {
        "type": PROBLEM_TYPE_BASE + (code or _title(status).lower().replace(" ", "-")),
        "title": _title(status),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_exception_handler(exc, context):  # type: ignore[no-untyped-def]
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500, logged by Django, never swallowed
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        body = problem(response.status_code, "The request has invalid fields.", code="invalid", errors=errors)
    else:
        data = response.data
        detail = data.get("detail") if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", None)
        body = problem(response.status_code, str(detail), code=str(code) if code else None)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status: int, detail: str) -> JsonResponse:
    """For plain Django views under /api/ (unknown URLs, server errors)."""
    return JsonResponse(problem(status, detail), status=status, content_type=PROBLEM_CONTENT_TYPE)
