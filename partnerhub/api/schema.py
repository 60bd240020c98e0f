"""OpenAPI extensions: how the schema generator documents our own API building blocks.

- ``ApiKeyAuthenticationScheme`` documents ``Authorization: Bearer <key>``.
- ``add_problem_responses`` (a post-processing hook) gives every operation the errors the
  platform answers with, as application/problem+json (RFC 9457), so that no endpoint
  repeats them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "description": "Identifies the kind of problem.",
        },
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {
            "type": "object",
            "description": (
                "Validation errors only: a list of messages per field name; "
                "`non_field_errors` for the request as a whole. A nested object's errors "
                "are an object of the same shape; a list's are keyed by item index "
                '(`{"breakdown": {"2": {"value": ["..."]}}}`).'
            ),
            "additionalProperties": {
                "anyOf": [
                    {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                    },
                    {"type": "object"},
                ]
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names each field.",
    "401": "No credentials, or an invalid, revoked or expired API key.",
    "403": "Your role or the key's scope does not allow this.",
    "404": "Not found, or not yours (the same answer).",
    "429": "Too many requests; retry after the seconds in the Retry-After header.",
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partnerhub.api.authentication.ApiKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "phk_<prefix>_<secret>",
            "description": (
                "A workspace API key, created by an admin on the workspace's API keys page "
                "or with `manage.py create_api_key`. Send it as `Authorization: Bearer <key>`; "
                "a key in the query string is refused."
            ),
        }


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["401", "429"]
    if "{workspace_slug}" in path:
        codes += ["403", "404"]
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if method in ("post", "put", "patch", "delete") or has_query:
        codes.append("400")
    return sorted(codes)


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Document the platform's error responses on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", PROBLEM_SCHEMA)
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation):
                if code not in responses or not responses[code].get("content"):
                    responses[code] = {
                        "description": responses.get(code, {}).get("description")
                        or _DESCRIPTIONS[code],
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": ref}},
                    }
    return result
