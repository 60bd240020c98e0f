"""Reads of the tenancy core."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from partnerhub.models import ApiKey, Invitation, Membership, User, Workspace


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def membership_for(*, user: User, workspace_slug: str) -> Membership | None:
    """The user's membership of the workspace with this slug, or None (-> 404).

    Its organization is not joined: that row is under Row-Level Security and the
    workspace is not set yet; ``membership.organization`` loads it once it is."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace__slug=workspace_slug)
        .first()
    )


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user", "organization")
        .order_by("user__email", "id")
    )


def member_get(*, workspace: Workspace, pk: int) -> Membership:
    return member_list(workspace=workspace).get(pk=pk)


def invitation_list(*, workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(workspace=workspace)
        .select_related("organization", "invited_by", "accepted_by")
        .order_by("-created_at", "-id")
    )


def invitation_pending_list(*, workspace: Workspace) -> QuerySet[Invitation]:
    return invitation_list(workspace=workspace).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def api_key_list(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(workspace=workspace)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
