"""Workspaces and memberships: create a workspace, change a member's role, remove one."""

from __future__ import annotations

import logging
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerhub.models import Membership, Role, User, Workspace


class Organization(Protocol):
    """What the core needs of a domain organization (the core imports no domain app)."""

    pk: int
    workspace_id: int


logger = logging.getLogger(__name__)


def _check_organization(
    *, workspace: Workspace, role: str, organization: Organization | None
) -> None:
    if role == Role.PARTNER and organization is None:
        raise ValidationError({"organization": "A partner must represent an organization."})
    if organization is not None and organization.workspace_id != workspace.pk:
        # Same message as a missing row: no hint that the other workspace's row exists.
        raise ValidationError({"organization": "Choose an organization of this workspace."})


def _represented(role: str, organization: Organization | None) -> int | None:
    """The organization id a membership stores: only partners represent one."""
    return organization.pk if role == Role.PARTNER and organization is not None else None


def workspace_create(*, name: str, slug: str, creator: User, timezone: str = "UTC") -> Workspace:
    """A new workspace whose creator is its first admin."""
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=slug, timezone=timezone)
        Membership.objects.create(user=creator, workspace=workspace, role=Role.ADMIN)
    logger.info("workspace created", extra={"workspace": workspace.slug})
    return workspace


def workspace_update_settings(
    *, workspace: Workspace, actor: User, name: str, timezone: str, require_mfa: bool
) -> Workspace:
    workspace.name = name
    workspace.timezone = timezone
    workspace.require_mfa = require_mfa
    workspace.full_clean()
    workspace.save(update_fields=["name", "timezone", "require_mfa", "updated_at"])
    logger.info(
        "workspace settings changed by user %s", actor.pk, extra={"workspace": workspace.slug}
    )
    return workspace


def membership_create(
    *, workspace: Workspace, user: User, role: str, organization: Organization | None = None
) -> Membership:
    """Join a user to a workspace (from an accepted invitation or by platform staff)."""
    _check_organization(workspace=workspace, role=role, organization=organization)
    membership, created = Membership.objects.get_or_create(
        workspace=workspace,
        user=user,
        defaults={"role": role, "organization_id": _represented(role, organization)},
    )
    if not created:
        raise ValidationError("This person is already a member of the workspace.")
    return membership


def _other_admins_exist(*, workspace: Workspace, membership: Membership) -> bool:
    return (
        Membership.objects.filter(workspace=workspace, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_update(
    *,
    workspace: Workspace,
    actor: User | None,
    membership: Membership,
    role: str,
    organization: Organization | None = None,
) -> Membership:
    """Change a member's role (and the organization a partner represents)."""
    if membership.workspace_id != workspace.pk:
        raise Membership.DoesNotExist
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, coordinator, partner or viewer."})
    _check_organization(workspace=workspace, role=role, organization=organization)
    with transaction.atomic():
        # Lock the workspace's admin rows so two demotions cannot both pass the check.
        list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.ADMIN))
        if (
            membership.role == Role.ADMIN
            and role != Role.ADMIN
            and not _other_admins_exist(workspace=workspace, membership=membership)
        ):
            raise ValidationError({"role": "The workspace needs at least one admin."})
        membership.role = role
        membership.organization_id = _represented(role, organization)
        membership.save(update_fields=["role", "organization", "updated_at"])
    logger.info(
        "membership %s changed to %s by user %s",
        membership.pk,
        role,
        getattr(actor, "pk", None),
        extra={"workspace": workspace.slug},
    )
    return membership


def membership_remove(*, workspace: Workspace, actor: User | None, membership: Membership) -> None:
    if membership.workspace_id != workspace.pk:
        raise Membership.DoesNotExist
    with transaction.atomic():
        list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.ADMIN))
        if membership.role == Role.ADMIN and not _other_admins_exist(
            workspace=workspace, membership=membership
        ):
            raise ValidationError("The workspace needs at least one admin.")
        membership.delete()
    logger.info(
        "membership %s removed by user %s",
        membership.pk,
        getattr(actor, "pk", None),
        extra={"workspace": workspace.slug},
    )
