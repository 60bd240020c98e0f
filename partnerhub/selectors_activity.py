"""Reads of the activity trail, shared by the activity pages and the API.

Who sees which events follows the access table: roles that see every partnership see
every event of the workspace; a partner sees only the events of the partnerships their
organization belongs to. Which partnerships those are is a rule of the partners app, and
the core imports no domain app: partners registers it here from its ``AppConfig.ready()``
(``register_partnership_scope``). Without it, a partner sees no event (fails closed).

Apps may also register how an event's object is linked (``register_object_link``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.urls import NoReverseMatch

from partnerhub.models import ActivityEvent, EventAction, User, Workspace
from partnerhub.permissions import Action

PAGE_SIZE = 50


class EventReader(Protocol):
    """Who is reading: ``partnerhub.access.WorkspaceAccess`` fits."""

    @property
    def organization_id(self) -> int | None: ...

    def can(self, action: Action) -> bool: ...


class PartnershipScope(Protocol):
    def __call__(self, *, workspace: Workspace, access: EventReader) -> QuerySet[Any]: ...


# The partnerships a reader may see (a queryset of partnership rows), from the partners app.
_partnership_scope: PartnershipScope | None = None
# object_type -> function(event, workspace_slug) answering the object's page, or None.
_object_links: dict[str, Callable[[ActivityEvent, str], str | None]] = {}


def register_partnership_scope(scope: PartnershipScope | None) -> None:
    global _partnership_scope
    _partnership_scope = scope


def register_object_link(
    object_type: str, link: Callable[[ActivityEvent, str], str | None]
) -> None:
    _object_links[object_type] = link


def visible_partnerships(*, workspace: Workspace, access: EventReader) -> QuerySet[Any] | None:
    """The partnerships ``access`` may see, or None when no app provides partnerships."""
    if _partnership_scope is None:
        return None
    return _partnership_scope(workspace=workspace, access=access)


def partnership_for_activity(*, workspace: Workspace, access: EventReader, pk: int) -> Any:
    """One partnership the reader may see; DoesNotExist (a 404) otherwise."""
    partnerships = visible_partnerships(workspace=workspace, access=access)
    if partnerships is None:
        raise ActivityEvent.DoesNotExist("No partnerships in this project.")
    return partnerships.get(pk=pk)


def events_visible_to(*, workspace: Workspace, access: EventReader) -> QuerySet[ActivityEvent]:
    """The workspace's events this reader may see (no ordering, no extras)."""
    events = ActivityEvent.objects.for_workspace(workspace)
    if access.can(Action.VIEW_ALL_PARTNERSHIPS):
        return events
    partnerships = visible_partnerships(workspace=workspace, access=access)
    if partnerships is None or access.organization_id is None:
        return events.none()
    return events.filter(partnership_id__in=partnerships.values("pk"))


@dataclass(frozen=True)
class EventFilters:
    actor_user_id: int | None = None
    actor_key_id: int | None = None
    object_type: str = ""
    action: str = ""
    partnership_id: int | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive


def filter_events(
    events: QuerySet[ActivityEvent], filters: EventFilters
) -> QuerySet[ActivityEvent]:
    if filters.actor_user_id is not None:
        events = events.filter(actor_user_id=filters.actor_user_id)
    if filters.actor_key_id is not None:
        events = events.filter(actor_key_id=filters.actor_key_id)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.partnership_id is not None:
        events = events.filter(partnership_id=filters.partnership_id)
    if filters.since is not None:
        events = events.filter(created_at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(created_at__lt=filters.until)
    return events


@dataclass(frozen=True)
class EventCursor:
    """A position in the newest-first list: events strictly older than this one."""

    created_at: dt.datetime
    id: int

    def encode(self) -> str:
        return f"{self.created_at.astimezone(dt.UTC).isoformat()}~{self.id}"

    @classmethod
    def decode(cls, raw: str) -> EventCursor | None:
        """None for anything that is not a cursor of ours (the first page is shown)."""
        stamp, _, ident = (raw or "").strip().replace(" ", "+").partition("~")
        try:
            created_at = dt.datetime.fromisoformat(stamp)
            pk = int(ident)
        except (ValueError, OverflowError):
            return None
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=dt.UTC)
        return cls(created_at=created_at, id=pk)


@dataclass(frozen=True)
class EventPage:
    events: list[ActivityEvent]
    older: EventCursor | None  # the cursor of the next (older) page, if there is one


def event_page(
    events: QuerySet[ActivityEvent], *, cursor: EventCursor | None, size: int = PAGE_SIZE
) -> EventPage:
    """Newest first, keyset-paginated on (created_at, id): one query whatever the page."""
    events = events.select_related("actor_user", "actor_key").order_by("-created_at", "-id")
    if cursor is not None:
        events = events.filter(
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
        )
    rows = list(events[: size + 1])
    older = None
    if len(rows) > size:
        rows = rows[:size]
        older = EventCursor(created_at=rows[-1].created_at, id=rows[-1].pk)
    return EventPage(events=rows, older=older)


def event_object_types(events: QuerySet[ActivityEvent]) -> list[tuple[str, str]]:
    """(object_type, readable name) of the types among ``events``, by name (one query)."""
    types = events.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, object_type_label(t)) for t in types), key=lambda pair: pair[1])


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return object_type if model is None else str(model._meta.verbose_name).capitalize()


def _model(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def event_actor_choices(events: QuerySet[ActivityEvent]) -> list[tuple[str, str]]:
    """("user:<id>" or "key:<id>", name) of who acted in ``events`` (one query): only the
    people and keys the reader already sees in the trail, not the workspace's members."""
    rows = (
        events.order_by()
        .filter(Q(actor_user__isnull=False) | Q(actor_key__isnull=False))
        .values_list(
            "actor_user_id",
            "actor_user__email",
            "actor_user__full_name",
            "actor_key_id",
            "actor_key__name",
        )
        .distinct()
    )
    people: dict[str, str] = {}
    keys: dict[str, str] = {}
    for user_id, email, full_name, key_id, key_name in rows:
        if user_id is not None:
            people[f"user:{user_id}"] = f"{full_name} ({email})" if full_name else email
        elif key_id is not None:
            keys[f"key:{key_id}"] = f"API key {key_name}"
    by_name = sorted(people.items(), key=lambda item: item[1].lower())
    return by_name + sorted(keys.items(), key=lambda item: item[1].lower())


def _person(user: User) -> str:
    name = user.display_name
    return name if name == user.email else f"{name} ({user.email})"


def event_actor_display(event: ActivityEvent) -> str:
    if event.actor_user is not None:
        return _person(event.actor_user)
    if event.actor_key is not None:
        return f"API key {event.actor_key.name}"
    return event.actor_label


def event_object_url(event: ActivityEvent, workspace_slug: str) -> str | None:
    link = _object_links.get(event.object_type)
    if link is None:
        return None
    try:
        return link(event, workspace_slug)
    except NoReverseMatch:
        return None


ACTION_CHOICES = EventAction.choices


@dataclass(frozen=True)
class FieldChange:
    field: str  # the field's readable name
    before: str  # values as shown: lists joined, booleans as Yes/No, nothing as "—"
    after: str
    changed: bool  # False for creations and deletions: ``after`` is the (last) value


def event_changes(event: ActivityEvent) -> list[FieldChange]:
    """The event's fields as rows: [before, after] pairs for updates, values otherwise."""
    model = _model(event.object_type)
    rows = []
    for name, value in (event.changes or {}).items():
        label = name.replace("_", " ")
        choices: dict[Any, str] = {}
        if model is not None:
            # A field renamed or removed since keeps its stored name.
            with contextlib.suppress(FieldDoesNotExist):
                field = model._meta.get_field(name)
                label = str(getattr(field, "verbose_name", label))
                choices = {key: str(text) for key, text in getattr(field, "flatchoices", [])}
        if event.action == EventAction.UPDATE and isinstance(value, list) and len(value) == 2:
            before, after = (_shown(v, choices) for v in value)
            rows.append(FieldChange(label, before, after, changed=True))
        else:
            rows.append(FieldChange(label, "", _shown(value, choices), changed=False))
    return rows


def _shown(value: Any, choices: dict[Any, str] | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_shown(item, choices) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    if choices and value in choices:
        return choices[value]
    return str(value)
