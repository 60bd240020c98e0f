"""The activity trail as pages: the workspace's, and one partnership's.

Newest first, keyset-paginated ("Older" carries a cursor of the last event's time and id),
filtered by a GET form. A partner sees only the events of the partnerships their
organization belongs to (``events_visible_to``); another partnership's page is a 404.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.views.generic import TemplateView

from partnerhub.forms_activity import ActivityFilterForm
from partnerhub.models import ActivityEvent
from partnerhub.permissions import Action
from partnerhub.selectors_activity import (
    EventCursor,
    EventFilters,
    FieldChange,
    event_actor_choices,
    event_actor_display,
    event_changes,
    event_object_types,
    event_object_url,
    event_page,
    events_visible_to,
    filter_events,
    object_type_label,
    partnership_for_activity,
)
from partnerhub.web import WorkspaceViewMixin, get_or_404

CURSOR_PARAM = "before"


@dataclass(frozen=True)
class EventRow:
    event: ActivityEvent
    local_time: dt.datetime
    utc_iso: str
    actor: str
    object_type: str
    object_url: str | None
    changes: list[FieldChange]


def workspace_zone(zone_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class WorkspaceActivityView(WorkspaceViewMixin, TemplateView):
    template_name = "partnerhub/activity/list.html"
    required_action = Action.VIEW_WORKSPACE

    def scoped_events(self) -> QuerySet[ActivityEvent]:
        return events_visible_to(workspace=self.workspace, access=self.access)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        zone = workspace_zone(self.workspace.timezone)
        events = self.scoped_events()
        form = ActivityFilterForm(
            self.request.GET,
            actor_choices=event_actor_choices(events),
            type_choices=event_object_types(events),
        )
        filters = form.filters(zone) if form.is_valid() else EventFilters()
        cursor = EventCursor.decode(self.request.GET.get(CURSOR_PARAM, ""))
        page = event_page(filter_events(events, filters), cursor=cursor)
        older_url = None
        if page.older is not None:
            params: QueryDict = self.request.GET.copy()
            params[CURSOR_PARAM] = page.older.encode()
            older_url = f"?{params.urlencode()}"
        newest_params = self.request.GET.copy()
        newest_params.pop(CURSOR_PARAM, None)
        context.update(
            form=form,
            rows=[self.row(event, zone) for event in page.events],
            older_url=older_url,
            newest_url=f"?{newest_params.urlencode()}" if cursor is not None else None,
            display_zone=zone.key,
            sees_all=self.access.can(Action.VIEW_ALL_PARTNERSHIPS),
        )
        return context

    def row(self, event: ActivityEvent, zone: zoneinfo.ZoneInfo) -> EventRow:
        return EventRow(
            event=event,
            local_time=timezone.localtime(event.created_at, zone),
            utc_iso=event.created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            actor=event_actor_display(event),
            object_type=object_type_label(event.object_type),
            object_url=event_object_url(event, self.workspace.slug),
            changes=event_changes(event),
        )


class PartnershipActivityView(WorkspaceActivityView):
    template_name = "partnerhub/activity/list.html"

    def scoped_events(self) -> QuerySet[ActivityEvent]:
        self.partnership = get_or_404(
            partnership_for_activity,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["pk"],
        )
        events = super().scoped_events()
        return filter_events(events, EventFilters(partnership_id=self.partnership.pk))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["partnership"] = self.partnership
        return context
