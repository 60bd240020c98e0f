"""Invitations: create, email, accept (new person and existing user), the ways a link can
be void, resend/revoke, purge, and who may see the admin pages."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub.accounts import PENDING_INVITATION_SESSION_KEY
from partnerhub.models import Invitation, Membership, Role
from partnerhub.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_purge_expired,
    invitation_resend,
    invitation_revoke,
)
from partnerhub.tasks import purge_expired_invitations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r"/invitations/([A-Za-z0-9_-]{20,})/")


def _token_from_mail(message) -> str:  # type: ignore[no-untyped-def]
    match = TOKEN_RE.search(message.body)
    assert match, message.body
    return match.group(1)


def _invite(cast, tenant, capture, *, email="new.person@example.org", role=Role.VIEWER, org=None):  # type: ignore[no-untyped-def]
    with capture(execute=True), tenant(cast.workspace):
        return invitation_create(
            workspace=cast.workspace, actor=cast.admin, email=email, role=role, organization=org
        )


def _accept_url(token: str) -> str:
    return reverse("invitation_accept", kwargs={"token": token})


def _list_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("workspace_invitations", kwargs={"workspace_slug": cast.workspace.slug})


# --- Creating ---------------------------------------------------------------------------


def test_admin_invites_a_partner_through_the_page(
    cast_a, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://hub.example.org"
    client = cast_a.client("admin")
    page = client.get(_list_url(cast_a))
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("Email", "Role", "Organization"):
        assert re.search(rf"<label[^>]*for=\"id_[a-z]+\"[^>]*>{label}</label>", html), label
    assert ">Send invitation</button>" in html
    assert cast_a.organization.name in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _list_url(cast_a),
            {
                "email": "Maria@Partner.example",
                "role": "partner",
                "organization": cast_a.organization.pk,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == _list_url(cast_a)

    invitation = Invitation.objects.get(workspace=cast_a.workspace)
    assert invitation.email == "maria@partner.example"
    assert invitation.role == Role.PARTNER
    assert invitation.organization_id == cast_a.organization.pk
    assert invitation.invited_by == cast_a.admin
    assert invitation.state == "pending"
    ttl = invitation.expires_at - invitation.created_at
    assert timedelta(days=7) - timedelta(seconds=5) < ttl <= timedelta(days=7)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@partner.example"]
    assert "Workspace A" in message.subject
    token = _token_from_mail(message)
    assert f"https://hub.example.org/invitations/{token}/" in message.body
    html_body, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="https://hub.example.org/invitations/{token}/"' in html_body
    assert cast_a.organization.name in message.body
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()

    listing = client.get(response["Location"])
    text = listing.content.decode()
    assert "Invitation sent to maria@partner.example." in text
    assert "maria@partner.example" in text and "Pending" in text


def test_email_is_sent_only_when_the_transaction_commits(
    cast_a, tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, tenant(cast_a.workspace):
        invitation_create(
            workspace=cast_a.workspace, actor=cast_a.admin, email="x@example.org", role=Role.VIEWER
        )
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_partner_invitation_without_organization_is_refused(cast_a, tenant):
    with pytest.raises(ValidationError) as excinfo, tenant(cast_a.workspace):
        invitation_create(
            workspace=cast_a.workspace, actor=cast_a.admin, email="p@example.org", role=Role.PARTNER
        )
    assert "organization" in excinfo.value.message_dict
    response = cast_a.client("admin").post(
        _list_url(cast_a), {"email": "p@example.org", "role": "partner", "organization": ""}
    )
    assert response.status_code == 200
    assert "A partner must represent an organization." in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_organization_of_another_workspace_is_refused(cast_a, cast_b, tenant):
    with pytest.raises(ValidationError) as excinfo, tenant(cast_a.workspace):
        invitation_create(
            workspace=cast_a.workspace,
            actor=cast_a.admin,
            email="p@example.org",
            role=Role.PARTNER,
            organization=cast_b.organization,
        )
    assert excinfo.value.message_dict["organization"] == [
        "Choose an organization of this workspace."
    ]
    # The page's select lists only this workspace's organizations.
    response = cast_a.client("admin").post(
        _list_url(cast_a),
        {"email": "p@example.org", "role": "partner", "organization": cast_b.organization.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert cast_b.organization.name not in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(cast_a, tenant):
    with pytest.raises(ValidationError) as excinfo, tenant(cast_a.workspace):
        invitation_create(
            workspace=cast_a.workspace,
            actor=cast_a.admin,
            email=cast_a.viewer.email.upper(),
            role=Role.COORDINATOR,
        )
    assert "already a member" in excinfo.value.message_dict["email"][0]


def test_a_second_pending_invitation_for_the_same_email_is_refused(
    cast_a, tenant, django_capture_on_commit_callbacks
):
    _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="dup@example.org")
    with pytest.raises(ValidationError), tenant(cast_a.workspace):
        invitation_create(
            workspace=cast_a.workspace,
            actor=cast_a.admin,
            email="DUP@example.org",
            role=Role.VIEWER,
        )
    assert Invitation.objects.count() == 1


def test_no_plaintext_token_is_stored(cast_a, tenant, django_capture_on_commit_callbacks):
    invitation, token = _invite(cast_a, tenant, django_capture_on_commit_callbacks)
    assert token == _token_from_mail(mail.outbox[0])
    table = Invitation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        rows = cursor.fetchall()
    assert rows
    assert not any(token in str(value) for row in rows for value in row)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(invitation.token_hash) == 64


# --- Accepting ----------------------------------------------------------------------------


def test_new_person_signs_up_through_the_invitation(
    cast_a, tenant, django_capture_on_commit_callbacks
):
    _invitation, token = _invite(
        cast_a,
        tenant,
        django_capture_on_commit_callbacks,
        email="New.Partner@example.org",
        role=Role.PARTNER,
        org=cast_a.organization,
    )
    mail.outbox.clear()
    client = Client()
    page = client.get(_accept_url(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Workspace A" in html and "partner" in html and cast_a.organization.name in html
    assert reverse("account_signup") in html and reverse("account_login") in html
    assert client.session[PENDING_INVITATION_SESSION_KEY] == token

    signup_page = client.get(reverse("account_signup"))
    assert 'value="new.partner@example.org"' in signup_page.content.decode()

    response = client.post(
        reverse("account_signup"),
        {"email": "new.partner@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    # The emailed token proved the address: no confirmation round trip, straight back.
    assert response.status_code == 302
    assert response["Location"] == _accept_url(token)
    assert not [m for m in mail.outbox if "confirm" in m.subject.lower()]
    assert EmailAddress.objects.get(email__iexact="new.partner@example.org").verified

    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert ">Accept invitation</button>" in page.content.decode()

    response = client.post(_accept_url(token))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workspace_overview", kwargs={"workspace_slug": cast_a.workspace.slug}
    )
    membership = Membership.objects.get(
        workspace=cast_a.workspace, user__email="new.partner@example.org"
    )
    assert membership.role == Role.PARTNER
    assert membership.organization_id == cast_a.organization.pk
    assert PENDING_INVITATION_SESSION_KEY not in client.session
    assert client.get(response["Location"]).status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == membership.user
    assert invitation.state == "accepted"


def test_existing_user_logs_in_and_accepts(cast_a, tenant, django_capture_on_commit_callbacks):
    person = UserFactory(email="existing@example.org")
    _invitation, token = _invite(
        cast_a,
        tenant,
        django_capture_on_commit_callbacks,
        email="EXISTING@example.org",
        role=Role.COORDINATOR,
    )
    client = Client()
    assert client.get(_accept_url(token)).status_code == 200
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == _accept_url(token)

    response = client.post(_accept_url(token))
    assert response.status_code == 302
    membership = Membership.objects.get(workspace=cast_a.workspace, user=person)
    assert membership.role == Role.COORDINATOR
    assert membership.organization is None


def test_anonymous_post_is_sent_to_log_in(cast_a, tenant, django_capture_on_commit_callbacks):
    _invitation, token = _invite(cast_a, tenant, django_capture_on_commit_callbacks)
    client = Client()
    response = client.post(_accept_url(token))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Membership.objects.filter(user__email="new.person@example.org").exists()


def test_expired_invitation_shows_a_clear_page(cast_a, tenant, django_capture_on_commit_callbacks):
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="late@example.org"
    )
    person = UserFactory(email="late@example.org")
    client = Client()
    client.force_login(person)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        page = client.get(_accept_url(token))
        assert page.status_code == 410
        assert "This invitation has expired" in page.content.decode()
        response = client.post(_accept_url(token))
        assert response.status_code == 410
        with pytest.raises(ValidationError, match="This invitation has expired"):
            invitation_accept(raw_token=token, user=person)
    assert not Membership.objects.filter(user=person).exists()


def test_invitation_is_valid_until_it_expires(cast_a, tenant, django_capture_on_commit_callbacks):
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="ok@example.org"
    )
    person = UserFactory(email="ok@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        membership = invitation_accept(raw_token=token, user=person)
    assert membership.workspace == cast_a.workspace


def test_wrong_email_cannot_accept(cast_a, tenant, django_capture_on_commit_callbacks):
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="right@example.org"
    )
    intruder = UserFactory(email="wrong@example.org")
    client = Client()
    client.force_login(intruder)
    page = client.get(_accept_url(token))
    assert page.status_code == 403
    assert "This invitation was sent to another email address" in page.content.decode()
    assert client.post(_accept_url(token)).status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()
    assert Invitation.objects.get().state == "pending"


def test_unverified_matching_address_cannot_accept(
    cast_a, tenant, django_capture_on_commit_callbacks
):
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="unv@example.org"
    )
    person = UserFactory(email="unv@example.org", verified=False)
    EmailAddress.objects.create(user=person, email="unv@example.org", verified=False, primary=True)
    with pytest.raises(ValidationError, match="sent to another email address"):
        invitation_accept(raw_token=token, user=person)


def test_verified_secondary_address_can_accept(cast_a, tenant, django_capture_on_commit_callbacks):
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="work@example.org"
    )
    person = UserFactory(email="home@example.org")
    EmailAddress.objects.create(user=person, email="Work@Example.org", verified=True, primary=False)
    membership = invitation_accept(raw_token=token, user=person)
    assert membership.user == person


def test_invitation_works_only_once(cast_a, tenant, django_capture_on_commit_callbacks):
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="once@example.org"
    )
    person = UserFactory(email="once@example.org")
    client = Client()
    client.force_login(person)
    assert client.post(_accept_url(token)).status_code == 302
    again = client.post(_accept_url(token))
    assert again.status_code == 410
    assert "This invitation has already been used" in again.content.decode()
    assert client.get(_accept_url(token)).status_code == 410
    assert Membership.objects.filter(user=person).count() == 1


def test_accept_acts_only_if_its_conditional_update_changed_one_row(
    cast_a, tenant, django_capture_on_commit_callbacks, monkeypatch
):
    """Another request accepted between our read and our write: ours must not act."""
    invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="race@example.org"
    )
    person = UserFactory(email="race@example.org")
    from partnerhub.services import invitations as service

    real_problem = service.invitation_problem
    calls = {"n": 0}

    def stale_problem(inv):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            # The read saw a pending invitation; now someone else uses it.
            Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
            return None
        return real_problem(inv)

    monkeypatch.setattr(service, "invitation_problem", stale_problem)
    with pytest.raises(ValidationError, match="already been used"):
        invitation_accept(raw_token=token, user=person)
    assert not Membership.objects.filter(user=person).exists()


def test_revoked_invitation_cannot_be_accepted(cast_a, tenant, django_capture_on_commit_callbacks):
    invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="rev@example.org"
    )
    person = UserFactory(email="rev@example.org")
    response = cast_a.client("admin").post(
        reverse(
            "workspace_invitation_revoke",
            kwargs={"workspace_slug": cast_a.workspace.slug, "pk": invitation.pk},
        )
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"
    client = Client()
    client.force_login(person)
    page = client.post(_accept_url(token))
    assert page.status_code == 410
    assert "This invitation was revoked" in page.content.decode()
    assert not Membership.objects.filter(user=person).exists()


def test_unknown_token_is_a_404_page(db):
    client = Client()
    response = client.get(_accept_url("not-a-real-token-0123456789abcdefghijk"))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert PENDING_INVITATION_SESSION_KEY not in client.session


def test_member_accepting_again_is_told_so(cast_a, tenant, django_capture_on_commit_callbacks):
    person = UserFactory(email="twice@example.org")
    _invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="twice@example.org"
    )
    Membership.objects.create(user=person, workspace=cast_a.workspace, role=Role.VIEWER)
    with pytest.raises(ValidationError, match="already a member"):
        invitation_accept(raw_token=token, user=person)
    # The failed attempt rolled back: the invitation is still pending.
    assert Invitation.objects.get().state == "pending"


# --- Resend and revoke ------------------------------------------------------------------


def test_resend_invalidates_the_old_token(cast_a, tenant, django_capture_on_commit_callbacks):
    invitation, old_token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="re@example.org"
    )
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        with django_capture_on_commit_callbacks(execute=True):
            response = cast_a.client("admin").post(
                reverse(
                    "workspace_invitation_resend",
                    kwargs={"workspace_slug": cast_a.workspace.slug, "pk": invitation.pk},
                )
            )
        assert response.status_code == 302
        resent_at = timezone.now()
    assert len(mail.outbox) == 2
    new_token = _token_from_mail(mail.outbox[1])
    assert new_token != old_token
    invitation.refresh_from_db()
    assert invitation.expires_at > resent_at + timedelta(days=6)
    person = UserFactory(email="re@example.org")
    client = Client()
    client.force_login(person)
    assert client.get(_accept_url(old_token)).status_code == 404
    assert client.post(_accept_url(new_token)).status_code == 302
    assert Membership.objects.filter(user=person, workspace=cast_a.workspace).exists()


def test_resending_an_accepted_or_revoked_invitation_is_refused(
    cast_a, tenant, django_capture_on_commit_callbacks
):
    invitation, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="done@example.org"
    )
    invitation_accept(raw_token=token, user=UserFactory(email="done@example.org"))
    with pytest.raises(ValidationError, match="already been used"), tenant(cast_a.workspace):
        invitation_resend(workspace=cast_a.workspace, actor=cast_a.admin, invitation=invitation)
    with pytest.raises(ValidationError, match="already been used"):
        invitation_revoke(workspace=cast_a.workspace, actor=cast_a.admin, invitation=invitation)
    other, _ = _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="gone@example.org")
    invitation_revoke(workspace=cast_a.workspace, actor=cast_a.admin, invitation=other)
    with pytest.raises(ValidationError, match="was revoked"), tenant(cast_a.workspace):
        invitation_resend(workspace=cast_a.workspace, actor=cast_a.admin, invitation=other)


def test_services_refuse_an_invitation_of_another_workspace(
    cast_a, cast_b, tenant, django_capture_on_commit_callbacks
):
    invitation, _ = _invite(cast_a, tenant, django_capture_on_commit_callbacks)
    with pytest.raises(Invitation.DoesNotExist):
        invitation_revoke(workspace=cast_b.workspace, actor=cast_b.admin, invitation=invitation)
    with pytest.raises(Invitation.DoesNotExist):
        invitation_resend(workspace=cast_b.workspace, actor=cast_b.admin, invitation=invitation)


def test_list_shows_every_state(cast_a, tenant, django_capture_on_commit_callbacks):
    _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="pending@example.org")
    revoked, _ = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="revoked@example.org"
    )
    invitation_revoke(workspace=cast_a.workspace, actor=cast_a.admin, invitation=revoked)
    _, token = _invite(
        cast_a, tenant, django_capture_on_commit_callbacks, email="accepted@example.org"
    )
    invitation_accept(raw_token=token, user=UserFactory(email="accepted@example.org"))
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="expired@example.org")
    html = cast_a.client("admin").get(_list_url(cast_a)).content.decode()
    for state in ("Pending", "Revoked", "Accepted", "Expired"):
        assert f">{state}</span>" in html, state
    # Resend/revoke only for invitations that can still be used or renewed.
    assert html.count(">Resend<span") == 2


def test_list_page_query_count_does_not_grow(cast_a, tenant, django_capture_on_commit_callbacks):
    client = cast_a.client("admin")
    _invite(
        cast_a,
        tenant,
        django_capture_on_commit_callbacks,
        email="p0@example.org",
        role=Role.PARTNER,
        org=cast_a.organization,
    )
    client.get(_list_url(cast_a))
    with CaptureQueriesContext(connection) as one:
        assert client.get(_list_url(cast_a)).status_code == 200
    for n in range(1, 6):
        _invite(
            cast_a,
            tenant,
            django_capture_on_commit_callbacks,
            email=f"p{n}@example.org",
            role=Role.PARTNER,
            org=cast_a.organization,
        )
    with CaptureQueriesContext(connection) as six:
        assert client.get(_list_url(cast_a)).status_code == 200
    assert len(six) == len(one)


# --- Who may see the admin pages -------------------------------------------------------


def test_other_workspace_admin_gets_404(cast_a, cast_b, tenant, django_capture_on_commit_callbacks):
    invitation, _ = _invite(cast_a, tenant, django_capture_on_commit_callbacks)
    outsider = cast_b.client("admin")
    kwargs = {"workspace_slug": cast_a.workspace.slug, "pk": invitation.pk}
    assert outsider.get(_list_url(cast_a)).status_code == 404
    assert outsider.post(reverse("workspace_invitation_resend", kwargs=kwargs)).status_code == 404
    assert outsider.post(reverse("workspace_invitation_revoke", kwargs=kwargs)).status_code == 404
    # B's admin on B's own pages with A's invitation id: 404 as well.
    own = {"workspace_slug": cast_b.workspace.slug, "pk": invitation.pk}
    assert outsider.post(reverse("workspace_invitation_resend", kwargs=own)).status_code == 404
    assert outsider.post(reverse("workspace_invitation_revoke", kwargs=own)).status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == "pending"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_members_without_admin_role_get_403(
    role, cast_a, tenant, django_capture_on_commit_callbacks
):
    invitation, _ = _invite(cast_a, tenant, django_capture_on_commit_callbacks)
    client = cast_a.client(role)
    kwargs = {"workspace_slug": cast_a.workspace.slug, "pk": invitation.pk}
    assert client.get(_list_url(cast_a)).status_code == 403
    assert (
        client.post(_list_url(cast_a), {"email": "x@example.org", "role": "admin"}).status_code
        == 403
    )
    assert client.post(reverse("workspace_invitation_resend", kwargs=kwargs)).status_code == 403
    assert client.post(reverse("workspace_invitation_revoke", kwargs=kwargs)).status_code == 403
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().state == "pending"


def test_anonymous_visitor_is_sent_to_log_in(cast_a):
    response = Client().get(_list_url(cast_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Purge --------------------------------------------------------------------------------


def test_purge_deletes_only_long_expired_unaccepted_invitations(
    cast_a, tenant, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=40)):
        _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="old@example.org")
        _, token = _invite(
            cast_a, tenant, django_capture_on_commit_callbacks, email="kept@example.org"
        )
        invitation_accept(raw_token=token, user=UserFactory(email="kept@example.org"))
    with time_machine.travel(start - timedelta(days=20)):
        _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="recent@example.org")
    _invite(cast_a, tenant, django_capture_on_commit_callbacks, email="fresh@example.org")

    assert invitation_purge_expired() == 1
    remaining = set(Invitation.objects.values_list("email", flat=True))
    assert remaining == {"kept@example.org", "recent@example.org", "fresh@example.org"}
    with time_machine.travel(start + timedelta(days=38)):
        assert purge_expired_invitations() == 2
    assert set(Invitation.objects.values_list("email", flat=True)) == {"kept@example.org"}
