"""Invitations: an admin invites a person by email to join a workspace with a role.

The token is random and emailed once; only its SHA-256 hash is stored. Accepting is a
single conditional UPDATE that acts only if exactly one pending row changed, so two
clicks on the same link (or a click racing a revocation) can never both succeed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from partnerhub.models import Invitation, Membership, Role, User, Workspace
from partnerhub.services.memberships import Organization, membership_create
from partnerhub.tenancy import workspace_context

logger = logging.getLogger(__name__)

PURGE_AFTER = timedelta(days=30)

EXPIRED = "This invitation has expired"
WRONG_EMAIL = "This invitation was sent to another email address"
USED = "This invitation has already been used"
REVOKED = "This invitation was revoked"


class InvitationError:
    """The ``code`` of each ValidationError the accept flow raises (views map them)."""

    EXPIRED = "expired"
    WRONG_EMAIL = "wrong_email"
    USED = "used"
    REVOKED = "revoked"
    ALREADY_MEMBER = "already_member"


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def _expiry() -> Any:
    return timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)


def invitation_accept_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": raw_token})


def _is_member(*, workspace: Workspace, email: str) -> bool:
    owners = Q(user__email__iexact=email) | Q(
        user__emailaddress__email__iexact=email, user__emailaddress__verified=True
    )
    return Membership.objects.filter(owners, workspace=workspace).exists()


def _send_invitation_email(*, invitation: Invitation, raw_token: str) -> None:
    """Render now (the workspace context is active), send once the transaction commits."""
    context = {
        "invitation": invitation,
        "workspace_name": invitation.workspace.name,
        "role": invitation.get_role_display(),
        "organization_name": invitation.organization.name if invitation.organization else "",
        "inviter": invitation.invited_by.display_name if invitation.invited_by else "",
        "accept_url": invitation_accept_url(raw_token),
        "expires_at": invitation.expires_at,
    }
    subject = " ".join(render_to_string("emails/invitation_subject.txt", context).split())
    text_body = render_to_string("emails/invitation_body.txt", context)
    html_body = render_to_string("emails/invitation_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text_body, to=[invitation.email])
    message.attach_alternative(html_body, "text/html")
    transaction.on_commit(message.send)


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    return email


def invitation_create(
    *,
    workspace: Workspace,
    actor: User,
    email: str,
    role: str,
    organization: Organization | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``workspace``; returns the invitation and the raw token.

    The raw token exists only in the email (and this return value); the database keeps
    its hash.
    """
    email = _clean_email(email)
    if role not in Role.values:
        raise ValidationError({"role": "Choose admin, coordinator, partner or viewer."})
    if role == Role.PARTNER and organization is None:
        raise ValidationError({"organization": "A partner must represent an organization."})
    if role != Role.PARTNER:
        organization = None
    if organization is not None and organization.workspace_id != workspace.pk:
        raise ValidationError({"organization": "Choose an organization of this workspace."})
    if _is_member(workspace=workspace, email=email):
        raise ValidationError({"email": "This person is already a member of the workspace."})
    raw_token, token_hash = _new_token()
    now = timezone.now()
    with transaction.atomic():
        pending = Invitation.objects.filter(
            workspace=workspace,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        if pending.exists():
            raise ValidationError(
                {"email": "This email already has a pending invitation; resend it instead."}
            )
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            organization=organization,  # type: ignore[misc]
            token_hash=token_hash,
            invited_by=actor,
            created_at=now,
            sent_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        _send_invitation_email(invitation=invitation, raw_token=raw_token)
    logger.info(
        "invitation %s created by user %s",
        invitation.pk,
        actor.pk,
        extra={"workspace": workspace.slug},
    )
    return invitation, raw_token


def _check_in_workspace(*, workspace: Workspace, invitation: Invitation) -> None:
    if invitation.workspace_id != workspace.pk:
        raise Invitation.DoesNotExist


def invitation_resend(
    *, workspace: Workspace, actor: User, invitation: Invitation
) -> tuple[Invitation, str]:
    """A new token and a new expiry, emailed again; the old link stops working."""
    _check_in_workspace(workspace=workspace, invitation=invitation)
    raw_token, token_hash = _new_token()
    now = timezone.now()
    expires_at = _expiry()
    with transaction.atomic():
        changed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(token_hash=token_hash, sent_at=now, expires_at=expires_at)
        if changed != 1:
            invitation.refresh_from_db()
            raise ValidationError(REVOKED if invitation.revoked_at else USED)
        invitation.token_hash = token_hash
        invitation.sent_at = now
        invitation.expires_at = expires_at
        _send_invitation_email(invitation=invitation, raw_token=raw_token)
    logger.info(
        "invitation %s resent by user %s",
        invitation.pk,
        actor.pk,
        extra={"workspace": workspace.slug},
    )
    return invitation, raw_token


def invitation_revoke(*, workspace: Workspace, actor: User, invitation: Invitation) -> Invitation:
    """Revoke a pending (or expired) invitation; revoking twice changes nothing."""
    _check_in_workspace(workspace=workspace, invitation=invitation)
    if invitation.revoked_at is not None:
        return invitation
    now = timezone.now()
    changed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation.refresh_from_db()
    if changed != 1 and invitation.accepted_at is not None:
        raise ValidationError(USED)
    logger.info(
        "invitation %s revoked by user %s",
        invitation.pk,
        actor.pk,
        extra={"workspace": workspace.slug},
    )
    return invitation


def invitation_get_by_token(*, raw_token: str) -> Invitation:
    """The invitation this token belongs to, whatever its state, or Invitation.DoesNotExist."""
    return Invitation.objects.select_related("workspace").get(token_hash=hash_token(raw_token))


def invitation_problem(invitation: Invitation) -> ValidationError | None:
    """Why this invitation cannot be accepted any more, or None while it is pending."""
    if invitation.accepted_at is not None:
        return ValidationError(USED, code=InvitationError.USED)
    if invitation.revoked_at is not None:
        return ValidationError(REVOKED, code=InvitationError.REVOKED)
    if invitation.expires_at <= timezone.now():
        return ValidationError(EXPIRED, code=InvitationError.EXPIRED)
    return None


def invitation_email_matches(*, invitation: Invitation, user: User) -> bool:
    """Whether the invited address is one of the user's verified addresses."""
    return EmailAddress.objects.filter(
        user=user, verified=True, email__iexact=invitation.email
    ).exists()


def invitation_accept(*, raw_token: str, user: User) -> Membership:
    """Join ``user`` to the invitation's workspace; the link works once.

    Raises Invitation.DoesNotExist for an unknown token, and ValidationError (with one
    of InvitationError's codes) when it has expired, was revoked or used, or was sent
    to an address that is not one of the user's verified ones.
    """
    invitation = invitation_get_by_token(raw_token=raw_token)
    problem = invitation_problem(invitation)
    if problem is not None:
        raise problem
    if not invitation_email_matches(invitation=invitation, user=user):
        raise ValidationError(WRONG_EMAIL, code=InvitationError.WRONG_EMAIL)
    # The workspace comes from the token; its organizations are tenant rows.
    with workspace_context(invitation.workspace):
        now = timezone.now()
        changed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, accepted_by=user)
        if changed != 1:
            invitation.refresh_from_db()
            raise invitation_problem(invitation) or ValidationError(USED, code=InvitationError.USED)
        try:
            membership = membership_create(
                workspace=invitation.workspace,
                user=user,
                role=invitation.role,
                organization=invitation.organization,
            )
        except ValidationError as exc:
            if Membership.objects.filter(workspace=invitation.workspace, user=user).exists():
                raise ValidationError(
                    "You are already a member of this workspace.",
                    code=InvitationError.ALREADY_MEMBER,
                ) from exc
            raise
    logger.info(
        "invitation %s accepted by user %s",
        invitation.pk,
        user.pk,
        extra={"workspace": invitation.workspace.slug},
    )
    return membership


def invitation_purge_expired() -> int:
    """Delete invitations that expired more than 30 days ago and were never accepted."""
    cutoff = timezone.now() - PURGE_AFTER
    deleted, _ = Invitation.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff).delete()
    if deleted:
        logger.info("purged %s expired invitations", deleted)
    return deleted
