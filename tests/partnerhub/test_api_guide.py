"""The integrator guide: rendered for members, complete, its links and its webhook
verification snippet checked against the real thing."""

from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from partnerhub.views.api_guide import VERIFY_SNIPPET
from partnerhub.webhooks import encode_body, signature_header

pytestmark = pytest.mark.postgres

SECTIONS = [
    "authentication",
    "pagination",
    "incremental-sync",
    "conditional-requests",
    "rate-limits",
    "errors",
    "webhooks",
    "iati",
    "csv",
]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.styles_or_scripts: list[str] = []
        self.inline_styles = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        if tag == "style" or (tag == "script" and not attributes.get("src")):
            self.styles_or_scripts.append(tag)
        if "style" in attributes:
            self.inline_styles += 1


def _guide_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("workspace_api_guide", kwargs={"workspace_slug": cast.workspace.slug})


def _verify_fn():  # type: ignore[no-untyped-def]
    namespace: dict[str, object] = {}
    exec(VERIFY_SNIPPET, namespace)  # the exact code the page shows
    return namespace["verify_partnerhub_signature"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "partner", "viewer"])
def test_guide_renders_for_every_member(cast_a, role):
    response = cast_a.client(role).get(_guide_url(cast_a))
    assert response.status_code == 200
    page = _Page()
    page.feed(response.content.decode())
    for section in SECTIONS:
        assert section in page.ids, section


def test_guide_content(cast_a):
    response = cast_a.client("viewer").get(_guide_url(cast_a))
    text = html.unescape(response.content.decode())
    slug = cast_a.workspace.slug
    for needle in [
        "Authorization: Bearer",
        "python manage.py create_api_key",
        "page_size=500",
        '"next"',
        "updated_since",
        f"/api/v1/w/{slug}/deletions/",
        '"deleted_at"',
        "If-None-Match",
        "304",
        "If-Match",
        "428",
        "412",
        "429",
        "Retry-After",
        "application/problem+json",
        "PartnerHub-Signature",
        "PartnerHub-Event-Id",
        f"/api/v1/w/{slug}/iati/activities.xml",
        f"/api/v1/w/{slug}/partnerships/<id>/iati.xml",
        "format=csv",
        "curl ",
        "import requests",
    ]:
        assert needle in text, needle
    assert VERIFY_SNIPPET.strip() in text


def test_guide_has_no_inline_script_or_style(cast_a):
    response = cast_a.client("viewer").get(_guide_url(cast_a))
    page = _Page()
    page.feed(response.content.decode())
    assert page.inline_styles == 0
    assert page.styles_or_scripts == []
    assert response.content.decode().count("<pre") == response.content.decode().count(
        "<pre tabindex"
    )


def test_guide_links_are_valid(cast_a):
    client = cast_a.client("admin")
    response = client.get(_guide_url(cast_a))
    page = _Page()
    page.feed(response.content.decode())
    local = [href for href in page.hrefs if href.startswith("/")]
    fragments = [href[1:] for href in page.hrefs if href.startswith("#")]
    assert fragments and local
    for fragment in fragments:
        assert fragment in page.ids, fragment
    for href in sorted(set(local)):
        assert client.get(href, follow=True).status_code == 200, href


def test_api_keys_page_links_to_guide(cast_a):
    response = cast_a.client("admin").get(
        reverse("workspace_api_keys", kwargs={"workspace_slug": cast_a.workspace.slug})
    )
    assert _guide_url(cast_a) in response.content.decode()


def test_outsiders_get_404_and_anonymous_must_sign_in(cast_a, cast_b):
    assert cast_b.client("admin").get(_guide_url(cast_a)).status_code == 404
    response = Client().get(_guide_url(cast_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_signature_snippet_verifies_real_signatures():
    verify = _verify_fn()
    secret = "whsec_" + "s" * 43
    body = encode_body({"id": "e1", "type": "ping", "data": {"name": "Café ✓"}})
    now = int(time.time())
    header = signature_header(secret=secret, body=body, timestamp=now)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)

    assert verify(secret, header, body) is True
    assert verify(secret, signature_header(secret=secret, body=body), body) is True
    # Tampered body, wrong secret, malformed header: refused.
    assert verify(secret, header, body + b" ") is False
    assert verify("whsec_other", header, body) is False
    assert verify(secret, "garbage", body) is False
    assert verify(secret, "t=abc,v1=00", body) is False
    # A replay: a valid signature that is too old (or too far ahead) is refused.
    old = signature_header(secret=secret, body=body, timestamp=now - 301)
    assert verify(secret, old, body) is False
    assert verify(secret, old, body, now=now - 301) is True
    ahead = signature_header(secret=secret, body=body, timestamp=now + 301)
    assert verify(secret, ahead, body) is False
