"""Errors as application/problem+json (RFC 9457), with per-field errors.

Every error of the API has the same shape::

    {"type": ".../problems/invalid", "title": "Bad Request", "status": 400,
     "detail": "The request has invalid fields.", "instance": "/api/v1/...",
     "errors": {"role": ["Choose admin, coordinator, partner or viewer."]}}

``errors`` appears on validation errors only. Services raise Django's ValidationError and
selectors raise DoesNotExist; both reach the client in this shape (400 and 404) without
each view translating them.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_TYPE_BASE = "https://partnerhub.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: object = None,
    instance: str | None = None,
) -> dict[str, object]:
    body: dict[str, object] = {
        "type": PROBLEM_TYPE_BASE + (code or _title(status).lower().replace(" ", "-")),
        "title": _title(status),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return body


def validation_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as DRF's, keeping field names (others: non_field_errors)."""
    return serializers.ValidationError(serializers.as_serializer_error(exc))


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = validation_error(exc)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500, logged by Django, never swallowed
    request = context.get("request")
    instance = request.path if request is not None else None
    if isinstance(exc, exceptions.ValidationError):
        data = response.data
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        body = problem(
            response.status_code,
            "The request has invalid fields.",
            code="invalid",
            errors=errors,
            instance=instance,
        )
    else:
        data = response.data
        detail = data.get("detail") if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", None)
        body = problem(
            response.status_code,
            str(detail),
            code=str(code) if code else None,
            instance=instance,
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status: int, detail: str, *, instance: str | None = None) -> JsonResponse:
    """For plain Django views under /api/ (unknown URLs, server errors)."""
    return JsonResponse(
        problem(status, detail, instance=instance),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
