"""Template helpers for the open data-quality flags shown beside figures."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def flags_for(flags: Any, indicator_id: Any) -> int:
    """The open flags of one indicator in an ``OpenFlags`` (0 when there are none, or no OpenFlags)."""
    if flags is None:
        return 0
    return int(flags.by_indicator.get(indicator_id, 0))
