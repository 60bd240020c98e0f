"""django-allauth adapter: PartnerHub's sign-up and redirect rules."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

PENDING_INVITATION_SESSION_KEY = "partnerhub_pending_invitation"


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        pending = request.session.get(PENDING_INVITATION_SESSION_KEY)
        if pending:
            return f"/invitations/{pending}/"
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self.get_login_redirect_url(request)
