"""The core's window on the organizations that partners represent.

The tenancy core imports no domain app: memberships and invitations need to list and
fetch a workspace's organizations, so the composition root (settings) names the
selectors that do it, and this module calls them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def organization_list(*, workspace: Any) -> Any:
    """The workspace's organizations as a queryset, ordered by name."""
    return import_string(settings.PARTNERHUB_ORGANIZATION_LIST)(workspace=workspace)


def organization_get(*, workspace: Any, pk: int) -> Any:
    """One organization of the workspace, or the model's DoesNotExist."""
    return import_string(settings.PARTNERHUB_ORGANIZATION_GET)(workspace=workspace, pk=pk)
