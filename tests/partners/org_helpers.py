"""Helpers shared by the organization directory's tests."""

from __future__ import annotations

from typing import Any

from partnerhub.models import Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization
from partners.services.organizations import organization_create


def make_org(workspace: Workspace, name: str, **values: Any) -> Organization:
    """An organization created through the service (traits and contacts included)."""
    values.setdefault("sector", "nonprofit")
    with workspace_context(workspace):
        return organization_create(workspace=workspace, actor=None, name=name, **values)


def make_orgs(workspace: Workspace, count: int, prefix: str = "Bulk") -> list[Organization]:
    """``count`` organizations, each with SDGs, tags, offers, needs and a contact."""
    sectors = ["nonprofit", "business", "government", "academic"]
    return [
        make_org(
            workspace,
            f"{prefix} {i:03d}",
            sector=sectors[i % len(sectors)],
            mission=f"Mission number {i} about water and schools",
            country="KE" if i % 2 else "DE",
            sdgs=[4, 6, (i % 17) + 1],
            tags=[f"tag{i % 5}", "shared"],
            offers=["funding", "data"] if i % 2 else ["expertise"],
            needs=["volunteers"],
            contacts=[{"name": f"Person {i}", "email": f"p{i}@example.org"}],
        )
        for i in range(count)
    ]
