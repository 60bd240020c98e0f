"""API keys: create, revoke, and verify a presented key.

A key reads ``phk_<prefix>_<secret>``. The prefix is stored in clear (it names the key in
lists and logs and finds its row); the whole key is stored only as a SHA-256 hash, so the
database never holds a usable key. The secret carries ~256 bits of randomness, which is
why a fast hash is enough (there is nothing to brute-force, unlike a password).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import string
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from partnerhub.models import ApiKey, ApiKeyScope, User, Workspace
from partnerhub.prepared import ModelColumns, prepared_cursor

logger = logging.getLogger(__name__)

KEY_PREFIX = "phk"
PREFIX_LENGTH = 10
_PREFIX_ALPHABET = string.ascii_letters + string.digits  # url-safe, never "_"
NAME_MAX_LENGTH = ApiKey._meta.get_field("name").max_length or 100


class ApiKeyRejected(Exception):
    """A presented key that must not authenticate; the message is safe to show."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """'phk_<prefix>_<secret>' -> (prefix, raw); None when malformed."""
    parts = raw.split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], raw


def _new_prefix() -> str:
    return "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def _new_secret() -> str:
    # token_urlsafe may contain "_", the separator of the key's parts.
    return secrets.token_urlsafe(32).replace("_", "-")


def _validate(*, name: str, scope: str, expires_at: datetime | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the key a name that says what uses it."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Use at most {NAME_MAX_LENGTH} characters."
    if scope not in ApiKeyScope.values:
        errors["scope"] = "Choose read or write."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "Choose an expiry in the future."
    return errors


def api_key_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    scope: str,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key of the workspace and its raw value, which is never stored or shown again.

    ``actor`` is None when platform staff create a key from the command line.
    """
    name = (name or "").strip()
    errors = _validate(name=name, scope=scope, expires_at=expires_at)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        prefix = _new_prefix()
        while ApiKey.objects.filter(prefix=prefix).exists():  # 62**10 values: practically never
            prefix = _new_prefix()
        raw_key = f"{KEY_PREFIX}_{prefix}_{_new_secret()}"
        api_key = ApiKey.objects.create(
            workspace=workspace,
            name=name,
            prefix=prefix,
            key_hash=hash_secret(raw_key),
            scope=scope,
            created_by=actor,
            expires_at=expires_at,
        )
    logger.info(
        "api key %s (%s) created by user %s",
        prefix,
        scope,
        getattr(actor, "pk", None),
        extra={"workspace": workspace.slug},
    )
    return api_key, raw_key


def api_key_revoke(*, workspace: Workspace, actor: User | None, api_key: ApiKey) -> ApiKey:
    """Stop a key from working. Revoking a revoked key changes nothing."""
    if api_key.workspace_id != workspace.pk:
        raise ApiKey.DoesNotExist
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        logger.info(
            "api key %s revoked by user %s",
            api_key.prefix,
            getattr(actor, "pk", None),
            extra={"workspace": workspace.slug},
        )
    return api_key


def api_key_authenticate(*, raw_key: str) -> ApiKey:
    """The active key matching ``raw_key`` (its last use recorded), or ApiKeyRejected."""
    parsed = split_key(raw_key)
    if parsed is None:
        raise ApiKeyRejected("Malformed API key.")
    prefix, full = parsed
    api_key = _key_by_prefix(prefix)
    # Compare a hash even when no row matched, so timing does not tell prefixes apart.
    expected = api_key.key_hash if api_key is not None else hash_secret("")
    if not hmac.compare_digest(expected, hash_secret(full)) or api_key is None:
        raise ApiKeyRejected("Invalid API key.")
    now = timezone.now()
    if api_key.revoked_at is not None:
        raise ApiKeyRejected("This API key has been revoked.")
    if api_key.expires_at is not None and api_key.expires_at <= now:
        raise ApiKeyRejected("This API key has expired.")
    _record_use(api_key, now=now)
    return api_key


@functools.cache
def _key_columns() -> tuple[ModelColumns, ModelColumns, str]:
    key, workspace = ModelColumns(ApiKey, "k"), ModelColumns(Workspace, "w")
    sql = (
        f"SELECT {key.sql}, {workspace.sql} "  # noqa: S608 -- names from the models
        f'FROM "{ApiKey._meta.db_table}" k '
        f'JOIN "{Workspace._meta.db_table}" w ON w.id = k.workspace_id '
        "WHERE k.prefix = %s"
    )
    return key, workspace, sql


def _key_by_prefix(prefix: str) -> ApiKey | None:
    """The key of ``prefix`` with its workspace loaded, or None.

    Every API request starts here, so on PostgreSQL it is one constant, prepared statement
    read into model instances (``Model.from_db``, as the ORM itself builds them), not a
    queryset compiled and planned anew per request: both cost more than running it. Elsewhere
    (SQLite, whose values need the ORM's converters) the ORM reads it.
    """
    if connection.vendor != "postgresql":
        return ApiKey.objects.select_related("workspace").filter(prefix=prefix).first()
    key, workspace_columns, sql = _key_columns()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = key.instance(row[: key.count])
    workspace = workspace_columns.instance(row[key.count :])
    ApiKey._meta.get_field("workspace").set_cached_value(api_key, workspace)  # type: ignore[union-attr]
    return api_key


def _record_use(api_key: ApiKey, *, now: datetime) -> None:
    # At most one write per key per resolution window, not one per request.
    window = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if api_key.last_used_at is None or api_key.last_used_at < now - window:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
