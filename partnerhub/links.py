"""Links to one URL of a workspace for many rows: reversed once, filled in per row.

Django's ``reverse`` costs ~20 µs a call; a table of hundreds of rows, or a reminder
sweep making one link per reminder, would spend more on it than on its queries.
``RowLinks`` reverses the URL once with marker numbers for its integer arguments and
fills each row's ids into the text around them (a marker never appears in a slug or a
fixed part of a URL, unlike, say, ``/0/``).
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from partnerhub.models import Workspace

_ID_MARKER = 7_301_000_000_000_000


class RowLinks:
    """``RowLinks("milestone_update", workspace=w, ids=("pk",))(42)`` is
    ``reverse("milestone_update", kwargs={"workspace_slug": w.slug, "pk": 42})``. ``ids``
    name the URL's integer arguments after the workspace slug, in the order they appear
    in it."""

    def __init__(self, name: str, *, workspace: Workspace | str, ids: tuple[str, ...]) -> None:
        markers = [str(_ID_MARKER + index) for index in range(len(ids))]
        url = reverse(
            name,
            kwargs={
                "workspace_slug": workspace if isinstance(workspace, str) else workspace.slug,
                **{key: int(marker) for key, marker in zip(ids, markers, strict=True)},
            },
        )
        tails: list[str] = []
        for marker in reversed(markers):
            url, found, tail = url.rpartition(marker)
            if not found:
                raise ValueError(f"{name}: argument {marker} is not in the URL")
            tails.append(tail)
        self._head = url
        self._tails = tails[::-1]

    def __call__(self, *ids: int) -> str:
        parts = [self._head]
        for value, tail in zip(ids, self._tails, strict=True):
            parts += (str(int(value)), tail)
        return "".join(parts)


def row_links_or_none(
    name: str, *, workspace: Workspace, ids: tuple[str, ...] = ("pk",)
) -> RowLinks | None:
    """``RowLinks``, or None when the URL is not part of the project (an app left out)."""
    try:
        return RowLinks(name, workspace=workspace, ids=ids)
    except NoReverseMatch:
        return None


def cached_row_links(name: str, *, workspace_slug: str, ids: tuple[str, ...] = ("pk",)) -> RowLinks:
    """``RowLinks`` kept for the process (per URL name, workspace and URLconf): for links
    made one by one across requests, such as an activity entry's object page. Raises
    NoReverseMatch as ``reverse`` does."""
    return _cached_row_links(
        name, workspace_slug, ids, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )


@functools.lru_cache(maxsize=4096)
def _cached_row_links(
    name: str, workspace_slug: str, ids: tuple[str, ...], urlconf: Any, prefix: str
) -> RowLinks:
    return RowLinks(name, workspace=workspace_slug, ids=ids)


def workspace_url(name: str, workspace_slug: str, pk: int) -> str:
    """``reverse(name, kwargs={"workspace_slug": ..., "pk": pk})`` through
    ``cached_row_links``: the same text, without reversing again for every row."""
    return cached_row_links(name, workspace_slug=workspace_slug)(pk)
