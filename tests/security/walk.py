"""Walk the URLconf: every route with its view's source, to find the endpoints of a kind without a hand list."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str
    view: Any

    @property
    def source(self) -> str:
        target = getattr(self.view, "view_class", None) or self.view
        try:
            return inspect.getsource(inspect.unwrap(target))
        except (OSError, TypeError):
            return ""


def routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), space)
            elif isinstance(entry, URLPattern):
                yield Route(f"{namespace}{entry.name or ''}", prefix + str(entry.pattern), entry.callback)

    yield from walk(get_resolver().url_patterns, "", "")


def upload_routes() -> dict[str, Route]:
    """Every page that takes an uploaded file (its view reads request.FILES, or is an import's upload page)."""
    return {r.name: r for r in routes() if "request.FILES" in r.source or "upload_page(" in r.source}


def api_upload_operations() -> dict[str, str]:
    """Every API operation with an uploaded-file parameter: operation id -> path."""
    from ninja import UploadedFile

    from cdtt.api.api import api

    found: dict[str, str] = {}
    for prefix, router in api._routers:  # ninja keeps its routers here
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                hints = inspect.signature(inspect.unwrap(operation.view_func), eval_str=True).parameters
                if any(UploadedFile in getattr(p.annotation, "__args__", (p.annotation,)) for p in hints.values()):
                    found[operation.view_func.__name__] = ("/api/v1/" + prefix + path).replace("//", "/")
    return found
