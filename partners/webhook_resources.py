"""Partners' objects in webhook payloads, exactly as the API returns them."""

from __future__ import annotations

from typing import Any

from partnerhub.access import WorkspaceAccess
from partnerhub.models import Role, Workspace
from partnerhub.webhooks import register_webhook_resource
from partners.api.serializers_organizations import OrganizationDetailSerializer
from partners.api.serializers_partnerships import (
    PartnershipMemberSerializer,
    PartnershipSerializer,
)
from partners.models import Organization, Partnership, PartnershipMember
from partners.selectors.organizations import organization_get_detail
from partners.selectors_partnerships import partnership_get, partnership_member_get


def _everything(workspace: Workspace) -> WorkspaceAccess:
    # A webhook goes to the workspace's own integration: it sees what an admin sees.
    return WorkspaceAccess(workspace=workspace, role=Role.ADMIN)


def organization_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        organization = organization_get_detail(workspace=workspace, pk=pk)
    except Organization.DoesNotExist:
        return None
    return OrganizationDetailSerializer(organization).data


def partnership_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        partnership = partnership_get(workspace=workspace, access=_everything(workspace), pk=pk)
    except Partnership.DoesNotExist:
        return None
    return PartnershipSerializer(partnership).data


def member_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        member = partnership_member_get(workspace=workspace, access=_everything(workspace), pk=pk)
    except PartnershipMember.DoesNotExist:
        return None
    return PartnershipMemberSerializer(member).data


def register() -> None:
    register_webhook_resource("partners.organization", organization_data)
    register_webhook_resource("partners.partnership", partnership_data)
    register_webhook_resource("partners.partnershipmember", member_data)
