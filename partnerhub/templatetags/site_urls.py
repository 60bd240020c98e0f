"""``{% load site_urls %}``: ``{% site_url "home" %}`` is ``{% url "home" %}`` for the
pages every page links to (the brand, the account menu), reversed once per URLconf and
script prefix instead of on every page (``partnerhub.context_processors.site_url``)."""

from __future__ import annotations

from django import template

from partnerhub.context_processors import site_url as _site_url

register = template.Library()


@register.simple_tag
def site_url(name: str) -> str:
    return _site_url(name)
