"""The workspace URLs spliced into one list (``partnerhub.urls.flat``) resolve every path
as the nested includes the apps declare do: the same view, name, arguments and route,
and nothing where they find nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from partnerhub.urls import WORKSPACE_API_INCLUDES, WORKSPACE_INCLUDES, flat

_EXAMPLES = {"int": "7", "slug": "ws-a", "str": "abc", "path": "a/b", "uuid": "1" * 32}
ROOTS = [
    ("w/<slug:workspace_slug>/", WORKSPACE_INCLUDES),
    ("api/v1/w/<slug:workspace_slug>/", WORKSPACE_API_INCLUDES),
]


def _leaves(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    """Every route of the nested patterns, written out with example arguments."""
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _leaves(pattern.url_patterns, route)
        elif isinstance(pattern.pattern, RoutePattern):
            routes.append(
                re.sub(r"<(?:(\w+):)?\w+>", lambda m: _EXAMPLES[m.group(1) or "str"], route)
            )
    return routes


def _answer(resolver: URLResolver, path: str) -> tuple[object, ...] | None:
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return (match.func, match.url_name, match.args, match.kwargs, match.route)


@pytest.mark.parametrize(("root", "includes"), ROOTS)
def test_the_flat_list_resolves_every_path_as_the_includes(root, includes):
    nested = URLResolver(RoutePattern(root), includes)
    spliced = URLResolver(RoutePattern(root), flat(includes))
    prefix = root.replace("<slug:workspace_slug>", "ws-a")
    paths = [prefix + leaf for leaf in _leaves(includes)]
    assert len(paths) > 10
    for path in [*paths, prefix + "no-such-page/", prefix + "partnerships/x/"]:
        assert _answer(spliced, path) == _answer(nested, path), path
    # Every plain include is spliced in: one list, no resolver inside it but namespaced ones.
    assert not [p for p in flat(includes) if isinstance(p, URLResolver) and not p.namespace]
    assert sum(_answer(spliced, path) is not None for path in paths) == len(paths)
