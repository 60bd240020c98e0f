"""``cached_row_links`` / ``workspace_url`` give exactly what ``reverse`` gives, reversing
once per URL name and workspace (partnerhub.links)."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from partnerhub import links
from partnerhub.links import cached_row_links, workspace_url


@pytest.mark.parametrize(
    "name",
    ["goal_detail", "milestone_detail", "partnership_detail", "indicator_detail", "goal_list"],
)
@pytest.mark.parametrize("slug", ["ws-a", "a-1", "x"])
def test_workspace_url_is_reverse(name, slug):
    for pk in (1, 7, 12345, 7_301_000_000_000_000 - 1):
        assert workspace_url(name, slug, pk) == reverse(
            name, kwargs={"workspace_slug": slug, "pk": pk}
        )


def test_reversed_once_per_name_and_workspace_and_prefix(monkeypatch):
    links._cached_row_links.cache_clear()
    calls: list[str] = []
    real = links.reverse

    def counting(name, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(name)
        return real(name, **kwargs)

    monkeypatch.setattr(links, "reverse", counting)
    for pk in range(20):
        workspace_url("goal_detail", "ws-cached", pk)
    workspace_url("goal_detail", "ws-other", 1)
    assert calls == ["goal_detail", "goal_detail"]
    # Another script prefix (the app mounted elsewhere) is another entry, not a stale link.
    try:
        set_script_prefix("/sub/")
        assert workspace_url("goal_detail", "ws-cached", 3).startswith("/sub/")
    finally:
        set_script_prefix("/")
    assert workspace_url("goal_detail", "ws-cached", 3).startswith("/w/ws-cached/")


def test_an_unknown_url_name_raises_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        cached_row_links("no_such_page", workspace_slug="ws-a")
