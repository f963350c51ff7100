"""Typed readers for settings from the environment; a bad value stops start-up at once."""

from __future__ import annotations

import math
import os
import secrets
import zlib
from collections import Counter
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """Return a string setting."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean setting; anything but a clear yes/no is refused."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return an integer setting not below ``minimum``."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list setting."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# A production key must carry at least this many bits by a per-character estimate, and this many distinct
# characters, and must not shrink much when compressed (a repeated run does): 32 random hex digits (128 bits)
# pass; 'aaaa…', 'abab…', '0123456789' four times or a word repeated do not.
MIN_SECRET_BITS = 96
MIN_SECRET_DISTINCT = 10
MIN_SECRET_COMPRESSED = 0.75


def secret_key_bits(key: str) -> float:
    """Estimate a key's entropy: its length times the Shannon entropy of its character frequencies."""
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def secret_key(var_dir: Path, *, debug: bool, production: bool = False) -> str:
    """Return CDTT_SECRET_KEY, or a key generated once and kept in var/ for an embedded install.

    In production (behind TLS) a low-entropy key is refused: it signs sessions, CSRF tokens and password
    reset links, so a guessable one is an open door whatever its length.
    """
    raw = os.environ.get("CDTT_SECRET_KEY")
    if raw is not None:
        if len(raw) < 32:
            raise ImproperlyConfigured("CDTT_SECRET_KEY must be at least 32 characters")
        weak = (
            len(set(raw)) < MIN_SECRET_DISTINCT
            or secret_key_bits(raw) < MIN_SECRET_BITS
            or len(zlib.compress(raw.encode(), 9)) < len(raw.encode()) * MIN_SECRET_COMPRESSED
        )
        if production and (weak or raw.startswith("django-insecure")):
            raise ImproperlyConfigured(
                "CDTT_SECRET_KEY has too little entropy for production; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
            )
        return raw
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key
