"""Two-factor authentication: TOTP enrolment through allauth's pages, the login step with
a valid code, a wrong code and a recovery code, and workspaces that require it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from rest_framework.response import Response

from partnerhub.api.base import WorkspaceGenericAPIView
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still_clock():
    """Codes change every 30 seconds: a stopped clock keeps a test off that boundary."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def totp_now(secret: str) -> str:
    """The RFC 6238 code of this moment (30-second steps, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _login(client: Client, email: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _activate_totp(user) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes(RecoveryCodes.activate(user).instance).get_unused_codes()
    return secret, codes


# --- Enrolment and login --------------------------------------------------------------------


def test_totp_enrolment_and_login_with_code():
    user = UserFactory(email="careful@example.org")
    client = Client()
    _login(client, user.email)
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()  # shown as text for manual entry

    wrong = str((int(totp_now(secret)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("mfa_activate_totp"), {"code": wrong})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}

    client.post(reverse("account_logout"))
    assert not _is_logged_in(client)

    # Thirty seconds later the authenticator shows a fresh code.
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        response = _login(client, user.email)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        assert not _is_logged_in(client)  # the password alone is not enough

        wrong = str((int(totp_now(secret)) + 1) % 1_000_000).zfill(6)
        response = client.post(reverse("mfa_authenticate"), {"code": wrong})
        assert response.status_code == 200
        assert "Incorrect code" in response.content.decode()
        assert not _is_logged_in(client)

        response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
        assert response.status_code == 302
        assert _is_logged_in(client)
        assert client.get(reverse("home"), {"stay": "1"}).status_code == 200


def test_a_totp_code_cannot_be_replayed():
    user = UserFactory(email="replay@example.org")
    secret, _codes = _activate_totp(user)
    first = Client()
    _login(first, user.email)
    code = totp_now(secret)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    second = Client()
    _login(second, user.email)
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert not _is_logged_in(second)


def test_recovery_code_login_works_once():
    user = UserFactory(email="lost-phone@example.org")
    _secret, codes = _activate_totp(user)
    assert len(codes) >= 2

    client = Client()
    assert _login(client, user.email)["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert _is_logged_in(client)

    again = Client()
    _login(again, user.email)
    assert again.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200
    assert not _is_logged_in(again)
    assert again.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert _is_logged_in(again)


def test_deactivating_totp_requires_reauthentication():
    user = UserFactory(email="deact@example.org")
    secret, _codes = _activate_totp(user)
    client = Client()
    _login(client, user.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert _is_logged_in(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = client.post(reverse("mfa_deactivate_totp"))
        assert response.status_code == 302
        assert response["Location"].startswith(
            (reverse("account_reauthenticate"), reverse("mfa_reauthenticate"))
        )
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# --- Workspaces that require MFA ----------------------------------------------------------


def test_workspace_requiring_mfa_turns_members_without_it_away(cast_a, cast_b):
    cast_a.workspace.require_mfa = True
    cast_a.workspace.save()
    overview = reverse("workspace_overview", kwargs={"workspace_slug": cast_a.workspace.slug})

    response = cast_a.client("viewer").get(overview)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Two-factor authentication required" in html
    assert reverse("mfa_activate_totp") in html
    # The admin too, on every workspace page.
    invitations = reverse("workspace_invitations", kwargs={"workspace_slug": cast_a.workspace.slug})
    assert cast_a.client("admin").get(invitations).status_code == 403
    # Outsiders still learn nothing: 404, not the MFA page.
    assert cast_b.client("viewer").get(overview).status_code == 404

    _activate_totp(cast_a.viewer)
    assert cast_a.client("viewer").get(overview).status_code == 200
    # Other workspaces of the same people are unaffected.
    other = reverse("workspace_overview", kwargs={"workspace_slug": cast_b.workspace.slug})
    assert cast_b.client("viewer").get(other).status_code == 200


class _WorkspaceProbe(WorkspaceGenericAPIView):
    """The smallest workspace API view: the base class alone decides the answer."""

    def get(self, request, workspace_slug):  # type: ignore[no-untyped-def]
        return Response({"workspace": self.workspace.slug})


urlpatterns = [
    path("api/v1/w/<slug:workspace_slug>/probe/", _WorkspaceProbe.as_view()),
]


def test_api_refuses_members_without_mfa_when_the_workspace_requires_it(cast_a, cast_b, settings):
    settings.ROOT_URLCONF = __name__
    url = f"/api/v1/w/{cast_a.workspace.slug}/probe/"
    assert cast_a.client("viewer").get(url).status_code == 200

    cast_a.workspace.require_mfa = True
    cast_a.workspace.save()
    response = cast_a.client("viewer").get(url)
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    assert cast_b.client("viewer").get(url).status_code == 404

    _activate_totp(cast_a.viewer)
    response = cast_a.client("viewer").get(url)
    assert response.status_code == 200
    assert response.json() == {"workspace": cast_a.workspace.slug}


def test_workspace_endpoint_refuses_members_without_mfa(cast_a):
    url = f"/api/v1/w/{cast_a.workspace.slug}/"
    cast_a.workspace.require_mfa = True
    cast_a.workspace.save()
    assert cast_a.client("viewer").get(url).status_code == 403
    _activate_totp(cast_a.viewer)
    assert cast_a.client("viewer").get(url).status_code == 200
