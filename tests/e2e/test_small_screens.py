"""PartnerHub at 320 CSS pixels wide: nothing scrolls sideways but tables, inside their box."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 320

# The outermost elements reaching past the right edge (not those inside a scrolling box).
WIDEST_ELEMENTS = """(width) => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const right = el.getBoundingClientRect().right;
        if (right <= width + 0.5) continue;
        let clipped = false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
        }
        if (clipped) continue;
        const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
        out.push(name + ' ' + Math.round(right) + 'px');
        if (out.length >= 8) break;
    }
    return out;
}"""


def assert_no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > WIDTH:
        culprits = page.evaluate(WIDEST_ELEMENTS, WIDTH)
        raise AssertionError(
            f"{page.url} is {width}px wide at a {WIDTH}px viewport; too wide: {culprits}"
        )


def test_pages_fit_a_320_pixel_screen(page, checks, live_server, scene):
    page.set_viewport_size({"width": WIDTH, "height": 640})
    log_in(page, checks, live_server.url, scene.admin.email, scene.password)
    slug = scene.workspace.slug
    for path in ["/?stay=1", f"/w/{slug}/", f"/w/{slug}/members/", f"/w/{slug}/settings/"]:
        page.goto(live_server.url + path)
        checks.check()
        assert_no_horizontal_scroll(page)
    # The switcher, opened, still fits.
    page.locator("details.switcher summary").click()
    assert_no_horizontal_scroll(page)
