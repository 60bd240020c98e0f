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


# The outermost elements reaching past the right edge of the viewport (those inside a box
# that scrolls or clips on its own, like a table's wrapper, are left out).
_PAST_THE_EDGE = """() => {
    const width = window.innerWidth;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const right = Math.round(el.getBoundingClientRect().right);
        if (right <= width + 1) continue;
        let clipped = false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
        }
        if (clipped) continue;
        const classes = typeof el.className === 'string' && el.className
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
        out.push(el.tagName.toLowerCase() + classes + ' ' + right + 'px');
        if (out.length >= 8) break;
    }
    return out;
}"""


def assert_no_page_overflow(page: Any) -> None:
    """The page itself never scrolls sideways (a table may, inside its own wrapper)."""
    page_width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    if page_width > viewport + 1:
        culprits = page.evaluate(_PAST_THE_EDGE)
        raise AssertionError(
            f"{page.url} is {page_width}px wide in a {viewport}px viewport; too wide: {culprits}"
        )
