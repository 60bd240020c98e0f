"""What every page's header is made of, made once per process: the static files' URLs
(the manifest storage), the site's own links (``{% site_url %}``) and the workspace
navigation's items (``NavLinks.html``) -- each the same text as what it replaced."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.template import Context, Template
from django.urls import reverse
from whitenoise.storage import CompressedManifestStaticFilesStorage

from partnerhub.context_processors import _SITE_URL_NAMES, NavLink, NavLinks
from partnerhub.staticfiles import StaticFilesStorage


@pytest.fixture
def collected(tmp_path, settings):  # type: ignore[no-untyped-def]
    """A static root holding one hashed file and its manifest, as collectstatic leaves it."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.0123456789ab.css").write_text("body{}")
    manifest = {"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_URL = "/static/"
    return tmp_path


def test_a_static_url_is_the_manifest_storages_and_looked_up_once(collected):
    ours = StaticFilesStorage(location=str(collected), base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=str(collected), base_url="/static/")
    assert (
        ours.url("css/site.css")
        == theirs.url("css/site.css")
        == "/static/css/site.0123456789ab.css"
    )
    with mock.patch.object(CompressedManifestStaticFilesStorage, "stored_name") as stored:
        assert ours.url("css/site.css") == "/static/css/site.0123456789ab.css"
        stored.assert_not_called()
    # A file the manifest lacks fails as before, every time.
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("css/missing.css")


def test_site_url_is_url():
    for name in _SITE_URL_NAMES:
        ours = Template('{% load site_urls %}{% site_url "' + name + '" %}')
        theirs = Template('{% url "' + name + '" %}')
        assert ours.render(Context()) == theirs.render(Context()) == reverse(name)


def test_the_navigation_items_are_the_loops_markup():
    loop = Template(
        "{% for link in links %}\n"
        '          <li><a href="{{ link.url }}"{% if link.current %} aria-current="page"'
        "{% endif %}>{{ link.label }}</a></li>{% endfor %}"
    )
    links = NavLinks(
        [
            NavLink(label="Overview", url="/w/a&b/", current=False),
            NavLink(label="<Members>", url="/w/a&b/members/", current=True),
        ]
    )
    assert links.html == loop.render(Context({"links": links}))
    assert 'aria-current="page">&lt;Members&gt;</a>' in links.html
    assert NavLinks().html == ""
