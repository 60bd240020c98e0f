"""Steps the browser tests share."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.conftest import PageChecks


def log_in(page: Any, checks: PageChecks, base_url: str, email: str, password: str) -> None:
    """Through the real sign-in form, checking the form and the page it lands on."""
    page.goto(f"{base_url}/accounts/login/")
    checks.check()
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=False).first.fill(password)
    page.get_by_role("button", name=re.compile(r"^(sign in|log in)$", re.IGNORECASE)).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    checks.check()  # where the sign-in lands
