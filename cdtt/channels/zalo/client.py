"""Calls to Zalo (standard library HTTP) and the OA token: encrypted at rest, refreshed once under a lock.

Every Zalo API answer is HTTP 200 with ``{"error": <code>, "message": ..., "data": ...}``; a non-zero
``error`` is raised as ``ZaloError``. The refresh token is single-use: the new pair is saved, in the same
transaction that holds the token row's lock, before anything uses it.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cdtt.channels.models import ZaloToken
from cdtt.channels.zalo.config import conf

log = logging.getLogger(__name__)

TOKEN_ROW = 1
# Access tokens live 25 hours; refresh when less than this is left (about 20 hours after issue).
REFRESH_AHEAD = datetime.timedelta(hours=5)
TOKEN_ERRORS = (-216, -220, -124)  # invalid or expired access token: refresh and retry once
WINDOW_ERRORS = (-213, -230, -232)  # not following, or no interaction within 7 days: fall back
RATE_LIMITED = -32


class ZaloError(Exception):
    """Zalo answered with a non-zero error code (or could not be reached: code None)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# -- encryption of the tokens at rest --------------------------------------------------------------


def _fernet() -> Fernet:
    secret = conf().get("TOKEN_SECRET") or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cdtt-zalo-token", info=b"fernet").derive(
        str(secret).encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise ZaloError(None, "the stored token cannot be decrypted (was the secret changed?)") from None


# -- HTTP -------------------------------------------------------------------------------------------


def _request(url: str, *, data: bytes | None, headers: dict[str, str], method: str) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - configured URLs
    try:
        with urllib.request.urlopen(request, timeout=conf().get("TIMEOUT_SECONDS", 10)) as response:  # noqa: S310
            body = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ZaloError(None, f"Zalo could not be reached: {exc}") from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise ZaloError(None, "Zalo answered with something that is not JSON") from None
    if not isinstance(answer, dict):
        raise ZaloError(None, "Zalo answered with an unexpected shape")
    return answer


def _checked(answer: dict[str, Any]) -> dict[str, Any]:
    code = answer.get("error", 0)
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = -1
    if code != 0:
        raise ZaloError(code, str(answer.get("message") or answer.get("error_description") or ""))
    data = answer.get("data")
    return data if isinstance(data, dict) else {}


# -- the token --------------------------------------------------------------------------------------


def token_store(*, refresh_token: str, access_token: str = "", expires_in: int = 0) -> ZaloToken:
    """Keep a token pair (from the API Explorer or a code exchange), encrypted."""
    now = timezone.now()
    token, _created = ZaloToken.objects.update_or_create(
        pk=TOKEN_ROW,
        defaults={
            "access_token": encrypt(access_token),
            "refresh_token": encrypt(refresh_token),
            "expires_at": now + datetime.timedelta(seconds=expires_in) if access_token else now,
            "refreshed_at": now,
            "last_error": "",
        },
    )
    return token


def _oauth_refresh(refresh_token: str) -> dict[str, Any]:
    values = conf()
    body = urllib.parse.urlencode(
        {"refresh_token": refresh_token, "app_id": values["APP_ID"], "grant_type": "refresh_token"}
    ).encode()
    answer = _request(
        values["OAUTH_URL"].rstrip("/") + "/v4/oa/access_token",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "secret_key": values["APP_SECRET"]},
        method="POST",
    )
    if not answer.get("access_token") or not answer.get("refresh_token"):
        code = answer.get("error")
        raise ZaloError(
            int(code) if isinstance(code, int | str) and str(code).lstrip("-").isdigit() else None,
            str(answer.get("error_description") or answer.get("message") or "the token was not refreshed"),
        )
    return answer


def access_token(*, force: bool = False, now: datetime.datetime | None = None) -> str:
    """A valid access token: the stored one, or a new pair when it is (nearly) expired or ``force``d.

    The refresh happens inside a transaction holding the token row's lock, so a second worker waits and
    then finds the new pair instead of spending the same single-use refresh token again.
    """
    now = now or timezone.now()
    token = ZaloToken.objects.filter(pk=TOKEN_ROW).first()
    if token is None and conf().get("REFRESH_TOKEN"):
        ZaloToken.objects.get_or_create(
            pk=TOKEN_ROW, defaults={"refresh_token": encrypt(conf()["REFRESH_TOKEN"]), "expires_at": now}
        )
        token = ZaloToken.objects.get(pk=TOKEN_ROW)
    if token is None:
        raise ZaloError(None, "no OA token is stored (run zalo_token)")
    if not force and token.access_token and token.expires_at and token.expires_at - now > REFRESH_AHEAD:
        return decrypt(token.access_token)
    return refresh_locked(seen=token.access_token, now=now)


def refresh_locked(*, seen: str, now: datetime.datetime) -> str:
    """Refresh the pair holding the token row's lock, unless another worker did since ``seen`` was read."""
    failure: ZaloError | None = None
    with transaction.atomic():
        locked = ZaloToken.objects.select_for_update().get(pk=TOKEN_ROW)
        if locked.access_token != seen and locked.expires_at and locked.expires_at - now > REFRESH_AHEAD:
            return decrypt(locked.access_token)  # another worker refreshed it while this one waited
        try:
            answer = _oauth_refresh(decrypt(locked.refresh_token))
        except ZaloError as exc:
            failure = exc
        else:
            try:
                lifetime = int(str(answer.get("expires_in") or "90000"))
            except ValueError:
                lifetime = 90000
            # Saved before anything uses it: the old refresh token is spent now.
            locked.access_token = encrypt(str(answer["access_token"]))
            locked.refresh_token = encrypt(str(answer["refresh_token"]))
            locked.expires_at = now + datetime.timedelta(seconds=lifetime)
            locked.refreshed_at = now
            locked.refresh_count += 1
            locked.last_error = ""
            locked.save()
    if failure is not None:
        ZaloToken.objects.filter(pk=TOKEN_ROW).update(last_error=str(failure)[:500])
        raise failure
    log.info("zalo: OA access token refreshed")
    return str(answer["access_token"])


# -- API calls --------------------------------------------------------------------------------------


def _post(base: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST JSON with the access token; a token error refreshes it and retries once."""
    url = conf()[base].rstrip("/") + path
    body = json.dumps(payload, ensure_ascii=False).encode()
    for attempt in (1, 2):
        token = access_token(force=attempt == 2)
        answer = _request(
            url, data=body, headers={"Content-Type": "application/json", "access_token": token}, method="POST"
        )
        try:
            return _checked(answer)
        except ZaloError as exc:
            if exc.code in TOKEN_ERRORS and attempt == 1:
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def send_text(*, user_id: str, text: str) -> str:
    """A consultation message; the Zalo message id."""
    data = _post("OPENAPI_URL", "/v3.0/oa/message/cs", {"recipient": {"user_id": user_id}, "message": {"text": text}})
    return str(data.get("message_id", ""))


def send_template(*, phone: str, template_id: str, data: dict[str, str], tracking_id: str) -> str:
    """A ZBS template message by phone (84xxxxxxxxx); the Zalo message id."""
    answer = _post(
        "BUSINESS_URL",
        "/message/template",
        {"phone": phone, "template_id": template_id, "template_data": data, "tracking_id": tracking_id[:48]},
    )
    return str(answer.get("msg_id", ""))
