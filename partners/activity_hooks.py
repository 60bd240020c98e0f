"""What the partners app tells the core's activity trail: which partnerships a reader may
see (the partner-visibility rule of ``selectors_partnerships``) and where its objects'
pages are. Registered from ``PartnersConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from partnerhub.links import workspace_url
from partnerhub.models import ActivityEvent, EventAction, Workspace
from partnerhub.selectors_activity import (
    EventReader,
    register_object_link,
    register_partnership_scope,
)
from partners.selectors_partnerships import partnerships_visible_to

# Objects shown on their partnership's page.
_PARTNERSHIP_PARTS = (
    "partners.partnershipmember",
    "partners.commitment",
    "partners.commitmentdelivery",
    "partners.agreementdocument",
    "partners.collectiveimpactcondition",
)


def _visible_partnerships(*, workspace: Workspace, access: EventReader) -> QuerySet[Any]:
    return partnerships_visible_to(workspace=workspace, access=access)


def _partnership_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    pk = event.object_id if event.object_type == "partners.partnership" else event.partnership_id
    if pk is None:
        return None
    return workspace_url("partnership_detail", workspace_slug, pk)


def _part_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    if event.object_type == "partners.agreementdocument" and event.action == EventAction.DELETE:
        return None
    return _partnership_link(event, workspace_slug)


def _organization_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    if event.action == EventAction.DELETE:
        return None
    return workspace_url("organization_detail", workspace_slug, event.object_id)


def register() -> None:
    register_partnership_scope(_visible_partnerships)
    register_object_link("partners.partnership", _partnership_link)
    register_object_link("partners.organization", _organization_link)
    for object_type in _PARTNERSHIP_PARTS:
        register_object_link(object_type, _part_link)
