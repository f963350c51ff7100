"""The webhook signature: ``mac=`` + hex SHA-256 of app id + raw body + timestamp + secret (not an HMAC)."""

from __future__ import annotations

import hashlib
import hmac


def sign(*, app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """The X-ZEvent-Signature value Zalo sends for this body."""
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + secret.encode()).hexdigest()
    return f"mac={digest}"


def verify(*, header: str, app_id: str, raw_body: bytes, timestamp: str, secret: str) -> bool:
    """Whether ``header`` is the signature of this body (compared in constant time)."""
    if not header or not secret:
        return False
    expected = sign(app_id=app_id, raw_body=raw_body, timestamp=timestamp, secret=secret)
    return hmac.compare_digest(header.strip().encode(), expected.encode())
