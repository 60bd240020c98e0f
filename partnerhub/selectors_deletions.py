"""Deletions for incremental sync, read from the activity trail.

Every service that deletes an API-visible object records an ``ActivityEvent`` with
action delete, its ``object_type`` and ``object_id``; events are append-only (never
purged), so they serve as tombstones kept for far longer than the 90 days a client can
count on. Children removed by a database cascade get no event of their own: a deleted
parent implies them (``IMPLIED_DELETIONS``), and a client applies that rule itself.
"""

from __future__ import annotations

from django.db.models import QuerySet

from partnerhub.models import ActivityEvent, EventAction, Workspace
from partnerhub.selectors_activity import EventReader, events_visible_to

# The activity trail's ``app_label.model`` -> the API's resource name.
RESOURCE_NAMES: dict[str, str] = {
    "partners.organization": "organization",
    "partners.partnership": "partnership",
    "partners.partnershipmember": "partnership_member",
    "partners.commitment": "commitment",
    "partners.commitmentdelivery": "delivery",
    "partners.agreementdocument": "document",
    "goals.sharedgoal": "goal",
    "goals.milestone": "milestone",
    "goals.progressupdate": "progress_update",
    "goals.comment": "comment",
    "roles.roleassignment": "role_assignment",
    "impact.indicator": "indicator",
    "impact.reportingperiod": "period",
    "impact.measurement": "measurement",
    "impact.healthcheckround": "health_round",
}

# A deleted parent -> (child resource, the child's field naming the parent, what happens).
# "delete": the child is gone too; "null": the child stays with that field set to null
# (its updated_at does not move).
IMPLIED_DELETIONS: dict[str, list[tuple[str, str, str]]] = {
    "partnership": [
        ("partnership_member", "partnership", "delete"),
        ("commitment", "partnership", "delete"),
        ("document", "partnership", "delete"),
        ("goal", "partnership", "delete"),
        ("milestone", "partnership", "delete"),
        ("progress_update", "partnership", "delete"),
        ("comment", "partnership", "delete"),
        ("role_assignment", "partnership", "delete"),
        ("indicator", "partnership", "delete"),
        ("measurement", "partnership", "delete"),
        ("health_round", "partnership", "delete"),
    ],
    "organization": [("role_assignment", "organization", "delete")],
    "commitment": [("delivery", "commitment", "delete")],
    "goal": [
        ("milestone", "goal", "delete"),
        ("role_assignment", "goal", "delete"),
        ("indicator", "goal", "null"),
    ],
    "milestone": [
        ("progress_update", "milestone", "delete"),
        ("comment", "milestone", "delete"),
        ("role_assignment", "milestone", "delete"),
    ],
    "progress_update": [("comment", "progress_update", "delete")],
    "indicator": [("period", "indicator", "delete"), ("measurement", "indicator", "delete")],
}


def deletions_visible_to(*, workspace: Workspace, access: EventReader) -> QuerySet[ActivityEvent]:
    """Delete events of API resources this reader may see (a partner: those of their
    organization's partnerships), unordered."""
    return events_visible_to(workspace=workspace, access=access).filter(
        action=EventAction.DELETE, object_type__in=list(RESOURCE_NAMES)
    )
