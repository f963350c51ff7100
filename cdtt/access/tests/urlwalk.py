"""Walk the URL map: every Django URL pattern, and the ninja operations behind the API's patterns."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import URLPattern, URLResolver
from ninja.openapi import views as ninja_views
from ninja.operation import PathView

from cdtt.access.decorators import ACCESS_ATTR

# Ninja's own pages: they describe the API and return no data.
NINJA_ALLOWED: dict[Callable[..., Any], str] = {
    ninja_views.openapi_json: "the OpenAPI description lists endpoints, never data",
    ninja_views.openapi_view: "the interactive docs page only loads the OpenAPI description",
    ninja_views.default_home: "the API root only answers 404 with the docs address",
}


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Callable[..., Any]]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def ninja_path_view(callback: Callable[..., Any]) -> PathView | None:
    """The PathView behind a ninja URL callback (ninja wraps ``PathView._sync_view`` in a closure)."""
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def _declaration_problems(route: str, callback: Callable[..., Any]) -> list[str]:
    declared = getattr(callback, ACCESS_ATTR, None)
    if declared is not None:
        kind, reason = declared
        if kind not in {"public", "scoped", "self"} or not str(reason).strip():
            return [f"{route}: bad declaration {declared!r}"]
        return []
    if isinstance(callback, functools.partial) and callback.func in NINJA_ALLOWED:
        return []
    path_view = ninja_path_view(callback)
    if path_view is not None:
        return [
            f"{route} {op.methods}: {op.view_func.__name__} declares no access"
            for op in path_view.operations
            if getattr(op.view_func, ACCESS_ATTR, None) is None
        ]
    return [f"{route}: {getattr(callback, '__name__', callback)!r} declares no access"]


def undeclared(patterns: list[Any]) -> list[str]:
    """Every view under ``patterns`` that is neither scoped nor declared public or own-account."""
    return [problem for route, callback in walk(patterns) for problem in _declaration_problems(route, callback)]


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, values: dict[str, Any]) -> str:
    """Return the URL path for ``route`` with each ``<int:name>`` replaced by ``values[name]`` (default 1)."""
    return "/" + _PARAM.sub(lambda m: str(values.get(m.group(1), 1)), route)
