"""Shared by the demo tests: run the command, count every row it builds."""

from __future__ import annotations

from io import StringIO

from allauth.account.models import EmailAddress
from django.core.management import call_command

from demo.data import WORKSPACES
from partnerhub.models import Membership, Role, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import (
    AgreementDocument,
    CollectiveImpactCondition,
    Commitment,
    CommitmentDelivery,
    Contact,
    Organization,
    OrganizationTrait,
    Partnership,
    PartnershipMember,
    PartnershipStatusChange,
)

TENANT_MODELS = (
    Organization,
    OrganizationTrait,
    Contact,
    Partnership,
    PartnershipStatusChange,
    CollectiveImpactCondition,
    PartnershipMember,
    Commitment,
    CommitmentDelivery,
    AgreementDocument,
)


def demo_partner(workspace: Workspace) -> Membership:
    """The membership of the workspace's demo partner user, the one ``demo.data`` names
    (the impact step adds partner users for the other reporting organizations)."""
    spec = next(s for s in WORKSPACES if s.slug == workspace.slug)
    email = next(p.email for p in spec.people if p.role == Role.PARTNER)
    return Membership.objects.get(workspace=workspace, user__email=email)


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every kind the seeder writes, tenant rows per workspace (read inside the
    workspace, as Row-Level Security requires)."""
    counts = {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "workspaces": Workspace.objects.count(),
        "memberships": Membership.objects.count(),
    }
    for workspace in Workspace.objects.order_by("slug"):
        with workspace_context(workspace):
            for model in TENANT_MODELS:
                key = f"{model._meta.model_name}:{workspace.slug}"
                counts[key] = model.objects.for_workspace(workspace).count()
            # What a second run could change without adding rows.
            counts[f"current members:{workspace.slug}"] = (
                PartnershipMember.objects.for_workspace(workspace)
                .filter(left_on__isnull=True)
                .count()
            )
            counts[f"conditions in place:{workspace.slug}"] = (
                CollectiveImpactCondition.objects.for_workspace(workspace)
                .filter(in_place=True)
                .count()
            )
    return counts
