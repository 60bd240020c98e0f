"""Accounts (django-allauth): verification, password reset and change, rate limits,
re-authentication, and the account pages rendered in PartnerHub's layout."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerhub.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-42"


def _login(client: Client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _link(message, pattern: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(1)


# --- Sign-up and mandatory email verification -------------------------------------------


def test_signup_cannot_log_in_before_confirming_the_email():
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": "Newcomer@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not _is_logged_in(client)
    user = User.objects.get(email__iexact="newcomer@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    confirm_path = _link(mail.outbox[0], r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")

    # A password is not enough while the address is unconfirmed.
    other = Client()
    response = _login(other, "newcomer@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not _is_logged_in(other)
    assert other.get(reverse("home")).status_code == 302

    # Confirming through the emailed link lets them in.
    page = other.get(confirm_path)
    assert page.status_code == 200
    assert other.post(confirm_path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    fresh = Client()
    response = _login(fresh, "newcomer@example.org")
    assert response.status_code == 302
    assert _is_logged_in(fresh)
    assert fresh.get(reverse("home"), {"stay": "1"}).status_code == 200


def test_signup_has_no_username_field():
    html = Client().get(reverse("account_signup")).content.decode()
    assert 'name="email"' in html
    assert 'name="username"' not in html


# --- Password reset and change ----------------------------------------------------------


def test_password_reset_by_email():
    user = UserFactory(email="forgetful@example.org")
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": "Forgetful@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["forgetful@example.org"]
    key_path = _link(mail.outbox[0], r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)")

    response = client.get(key_path)
    assert response.status_code == 302  # the key moves into the session, out of the URL
    set_password_path = response["Location"]
    assert client.get(set_password_path).status_code == 200
    response = client.post(
        set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    old = Client()
    assert _login(old, user.email).status_code == 200  # the old password is refused
    assert not _is_logged_in(old)
    new = Client()
    _login(new, user.email, NEW_PASSWORD)
    assert _is_logged_in(new)
    # The link works once.
    response = Client().get(key_path, follow=True)
    assert response.status_code == 200
    assert b'name="password1"' not in response.content


def test_password_reset_for_unknown_address_sends_no_reset_link():
    response = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert all("/password/reset/key/" not in m.body for m in mail.outbox)


def test_password_change_ends_other_sessions_but_keeps_this_one():
    user = UserFactory(email="changer@example.org")
    here, elsewhere = Client(), Client()
    _login(here, user.email)
    _login(elsewhere, user.email)
    assert here.get(reverse("account_email")).status_code == 200
    assert elsewhere.get(reverse("account_email")).status_code == 200

    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    assert here.get(reverse("account_email")).status_code == 200
    response = elsewhere.get(reverse("account_email"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not _is_logged_in(elsewhere)


# --- Rate limits ----------------------------------------------------------------------------


def test_repeated_failed_logins_block_the_account_key():
    user = UserFactory(email="target@example.org")
    client = Client()
    for _ in range(5):
        response = _login(client, user.email, "wrong-password-guess")
        assert response.status_code == 200
        assert not _is_logged_in(client)
    # Even the right password is refused now.
    response = _login(client, user.email)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not _is_logged_in(client)


def test_too_many_login_requests_answer_429():
    client = Client()
    statuses = [
        _login(client, f"guess{n}@example.org", "wrong-password-guess").status_code
        for n in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    response = _login(client, "one-more@example.org", "wrong-password-guess")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()  # our page, in our layout
    assert 'class="skip-link"' in response.content.decode()


def test_a_successful_login_does_not_count_as_failure():
    user = UserFactory(email="regular@example.org")
    for _ in range(6):
        client = Client()
        _login(client, user.email)
        assert _is_logged_in(client)


# --- Re-authentication before changing email or MFA -------------------------------------


def test_adding_an_email_address_requires_reauthentication():
    user = UserFactory(email="owner@example.org")
    client = Client()
    _login(client, user.email)
    response = client.post(
        reverse("account_email"), {"email": "second@example.org", "action_add": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="second@example.org").exists()

    response = client.post(reverse("account_reauthenticate"), {"password": "not-my-password"})
    assert response.status_code == 200
    response = client.post(response.request["PATH_INFO"], {"password": PASSWORD})
    assert response.status_code == 302
    client.get(response["Location"])  # the suspended request resumes
    client.post(reverse("account_email"), {"email": "second@example.org", "action_add": ""})
    assert EmailAddress.objects.filter(user=user, email="second@example.org").exists()

    # Re-authentication is good for a few minutes only.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(
            reverse("account_email"), {"email": "third@example.org", "action_add": ""}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="third@example.org").exists()


def test_setting_up_mfa_requires_reauthentication():
    user = UserFactory(email="mfa-owner@example.org")
    client = Client()
    _login(client, user.email)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


# --- Account pages in our layout, every field labelled ---------------------------------


class _PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids_with_label: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.h1 = 0
        self.landmarks: set[str] = set()
        self.inline_styles = 0
        self.scripts_without_nonce = 0
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "style" in a:
            self.inline_styles += 1
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.ids_with_label.add(a["for"] or "")
        elif tag in ("input", "select", "textarea"):
            kind = (a.get("type") or "text") if tag == "input" else tag
            if kind not in ("hidden", "submit", "button"):
                self.controls.append({**a, "_wrapped": "1" if self._label_depth else None})
        elif tag == "h1":
            self.h1 += 1
        elif tag in ("main", "header", "footer", "nav"):
            self.landmarks.add(tag)
        elif tag == "script" and a.get("type") != "application/json" and not a.get("src"):
            self.scripts_without_nonce += 0 if a.get("nonce") else 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1

    def unlabelled(self) -> list[str]:
        missing = []
        for control in self.controls:
            labelled = (
                control.get("_wrapped")
                or control.get("aria-label")
                or control.get("aria-labelledby")
                or (control.get("id") and control["id"] in self.ids_with_label)
            )
            if not labelled:
                missing.append(str(control.get("name") or control.get("id")))
        return missing


def _audit(client: Client, url: str) -> _PageAudit:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert 'class="skip-link" href="#main"' in html, url
    assert "· PartnerHub</title>" in html, url
    audit = _PageAudit()
    audit.feed(html)
    assert audit.h1 == 1, url
    assert {"main", "header", "footer", "nav"} <= audit.landmarks, url
    assert audit.unlabelled() == [], url
    assert audit.inline_styles == 0, url
    assert audit.scripts_without_nonce == 0, url
    return audit


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_entrance_pages_use_our_layout(url_name):
    audit = _audit(Client(), reverse(url_name))
    assert audit.controls, "the page has a form"


def test_account_management_pages_use_our_layout():
    user = UserFactory(email="pages@example.org")
    client = Client()
    _login(client, user.email)
    for name in ("account_email", "account_change_password", "mfa_index", "account_reauthenticate"):
        _audit(client, reverse(name))
    html = client.get(reverse("account_email")).content.decode()
    assert 'aria-label="Account settings"' in html
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    audit = _audit(client, reverse("mfa_activate_totp"))
    assert any(c.get("name") == "code" for c in audit.controls)


def test_two_factor_management_pages_use_our_layout():
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(email="pages-mfa@example.org")
    TOTP.activate(user, generate_totp_secret())
    codes = RecoveryCodes(RecoveryCodes.activate(user).instance).get_unused_codes()
    client = Client()
    _login(client, user.email)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert _is_logged_in(client)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for name in (
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
    ):
        _audit(client, reverse(name))


def test_mfa_login_step_uses_our_layout():
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(email="stage@example.org")
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    response = _login(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    _audit(client, reverse("mfa_authenticate"))
