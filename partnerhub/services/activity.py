"""The activity trail: every service that creates, changes or deletes a workspace object
records one event through ``record_event``, inside its own transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from partnerhub.models import ActivityEvent, ApiKey, EventAction, User, Workspace
from partnerhub.webhooks import webhooks_on_event


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys as ids), ready for ``diff``."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        value = getattr(obj, attname)
        if isinstance(field, models.DecimalField) and value is not None:
            # As stored: an unsaved Decimal("1000") and a fetched 1000.00 are the same value.
            value = Decimal(value).quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
        values[name] = _jsonable(value)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def actor_parts(actor: Any) -> tuple[User | None, ApiKey | None, str]:
    """A user, an API key (or the API's key principal), or None for the system."""
    api_key = getattr(actor, "api_key", None)
    if isinstance(actor, ApiKey):
        api_key = actor
    if api_key is not None:
        return None, api_key, f"API key {api_key.name}"
    if actor is not None and getattr(actor, "is_authenticated", False) and actor.pk:
        return actor, None, actor.email
    return None, None, "PartnerHub"


def record_event(
    *,
    workspace: Workspace,
    actor: Any,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    partnership_id: int | None = None,
    object_id: int | None = None,
    object_repr: str | None = None,
) -> ActivityEvent:
    """Append one event. ``object_id`` is needed for deletions (the target has lost its
    pk by then); ``changes`` is {field: [before, after]} for updates, {field: value}
    for creations and deletions. ``object_repr`` names the object as people know it (its
    ``str()`` by default)."""
    if action not in EventAction.values:
        raise ValueError(f"unknown action {action!r}")
    user, api_key, label = actor_parts(actor)
    event = ActivityEvent.objects.create(
        workspace=workspace,
        actor_user=user,
        actor_key=api_key,
        actor_label=label[:254],
        action=action,
        object_type=target._meta.label_lower,
        object_id=object_id if object_id is not None else target.pk,
        object_repr=(object_repr if object_repr is not None else str(target))[:300],
        partnership_id=partnership_id,
        changes=_jsonable(changes or {}),
    )
    # Webhooks: the deliveries are written with the change (same transaction).
    webhooks_on_event(workspace=workspace, event=event)
    return event
