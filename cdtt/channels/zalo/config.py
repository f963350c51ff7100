"""The channel's configuration, read from ``settings.ZALO`` each time (tests change it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

REQUIRED = ("OA_ID", "APP_ID", "APP_SECRET", "OA_SECRET")


def conf() -> dict[str, Any]:
    return dict(getattr(settings, "ZALO", {}))


def enabled() -> bool:
    """The channel is on only when the OA id, the app id and both secrets are configured."""
    values = conf()
    return all(values.get(name) for name in REQUIRED)


def signature_secret() -> str:
    values = conf()
    return str(values["APP_SECRET"] if values.get("SIGNATURE_SECRET") == "app" else values["OA_SECRET"])
