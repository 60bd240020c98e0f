"""Where the impact app's objects are shown, for the core's activity trail. Registered
from ``ImpactConfig.ready()``.

Links are built from the event alone (no query), so a page of events costs nothing extra:
an indicator, figure or health-check round event names its object; a period or a
health-check response is shown on its partnership's indicator or health-check list.
"""

from __future__ import annotations

from partnerhub.links import workspace_url
from partnerhub.models import ActivityEvent, EventAction
from partnerhub.selectors_activity import register_object_link


def _partnership_page(name: str):  # type: ignore[no-untyped-def]
    def link(event: ActivityEvent, workspace_slug: str) -> str | None:
        if event.partnership_id is None:
            return None
        return workspace_url(name, workspace_slug, event.partnership_id)

    return link


def _object_page(name: str, fallback: str):  # type: ignore[no-untyped-def]
    on_partnership = _partnership_page(fallback)

    def link(event: ActivityEvent, workspace_slug: str) -> str | None:
        if event.action == EventAction.DELETE:  # gone: its partnership's list instead
            return on_partnership(event, workspace_slug)
        return workspace_url(name, workspace_slug, event.object_id)

    return link


def register() -> None:
    register_object_link("impact.indicator", _object_page("indicator_detail", "indicator_list"))
    register_object_link("impact.reportingperiod", _partnership_page("indicator_list"))
    register_object_link("impact.measurement", _object_page("measurement_detail", "indicator_list"))
    register_object_link(
        "impact.healthcheckround", _object_page("health_round_results", "health_round_list")
    )
    register_object_link("impact.healthcheckresponse", _partnership_page("health_round_list"))
