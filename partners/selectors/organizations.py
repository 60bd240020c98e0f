"""Reads of the partners app. Every function takes the workspace as a keyword."""

from __future__ import annotations

from django.db.models import QuerySet

from partnerhub.models import Workspace
from partners.models import Organization


def organization_list(*, workspace: Workspace) -> QuerySet[Organization]:
    return Organization.objects.for_workspace(workspace).order_by("name", "id")


def organization_get(*, workspace: Workspace, pk: int) -> Organization:
    """The organization, or Organization.DoesNotExist (the same for 'not yours')."""
    return Organization.objects.for_workspace(workspace).get(pk=pk)
