"""Template context: how fresh the figures are when a page read them from the replica."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def data_freshness(request: HttpRequest) -> dict[str, Any]:
    return {"data_freshness": getattr(request, "cdtt_data_as_of", None)}
