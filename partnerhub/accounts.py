"""django-allauth adapter: PartnerHub's sign-up and redirect rules."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# The raw token of the invitation a visitor opened before logging in or signing up; the
# accept page sets it and removes it once the invitation is accepted or turns out void.
PENDING_INVITATION_SESSION_KEY = "partnerhub_pending_invitation"


def pending_invitation_url(request: HttpRequest) -> str | None:
    token = request.session.get(PENDING_INVITATION_SESSION_KEY)
    if not token or not isinstance(token, str):
        return None
    try:
        return reverse("invitation_accept", kwargs={"token": token})
    except NoReverseMatch:
        request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
        return None


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return pending_invitation_url(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return pending_invitation_url(request) or super().get_signup_redirect_url(request)
