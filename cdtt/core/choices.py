"""Labels of model choices for documents and exports, which are Vietnamese whatever the reader's language."""

from __future__ import annotations

from django.db import models
from django.utils import translation


def vi_label(choices: type[models.Choices], value: str, default: str | None = None) -> str:
    """The Vietnamese label of ``value`` among ``choices``; ``default`` (or the value itself) when it is not one."""
    try:
        label = choices(value).label
    except ValueError:
        return value if default is None else default
    with translation.override("vi"):
        return str(label)
