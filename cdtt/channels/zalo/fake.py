"""A local stand-in for Zalo that speaks the documented protocol (research/zalo-api.md), for tests and demos.

It runs as a real HTTP server in a thread and:
- issues OA tokens by OAuth v4 (``secret_key`` header checked), rotates the single-use refresh token and
  refuses a reused one; access tokens expire;
- checks the ``access_token`` header of every API call (-216 unknown, -220 expired);
- enforces the consultation window: -213 not following, -230 no interaction for 7 days;
- validates ZBS template sends by phone (-108 phone, -109 template, -1122 parameters);
- always answers HTTP 200 with the ``{"error", "message", "data"}`` envelope;
- can be told to fail the next call of a path with a code (-32, -201, ...);
- emits signed webhook events (``mac=sha256(app_id + body + timestamp + oa_secret)``) to a platform.

Only the standard library is used.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cdtt.channels.zalo.signature import sign

WINDOW_MS = 7 * 24 * 3600 * 1000
PHONE = re.compile(r"^84\d{9}$")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class FakeZalo:
    app_id: str = "2553928453557884079"
    oa_id: str = "3662729599332560487"
    app_secret: str = "fake-app-secret"  # noqa: S105 - the fake's own test secret
    oa_secret: str = "fake-oa-secret"  # noqa: S105 - the fake's own test secret
    expires_in: int = 90000
    templates: dict[str, list[str]] = field(default_factory=lambda: {"tpl-notice": ["title", "content"]})
    # State, guarded by ``lock``.
    refresh_tokens: set[str] = field(default_factory=set)
    spent_refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch seconds)
    followers: dict[str, int] = field(default_factory=dict)  # user id -> last interaction (epoch ms)
    sent: list[dict[str, Any]] = field(default_factory=list)  # every accepted send, in order
    calls: list[tuple[str, int]] = field(default_factory=list)  # (path, error code) of every API call
    failures: dict[str, list[int]] = field(default_factory=dict)  # path -> codes to answer next
    refreshes: int = 0
    echo: Any = None  # a callable given each message sent (the dev command prints them)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # -- control ---------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeZalo:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"

    def issue_refresh_token(self) -> str:
        """A refresh token as the API Explorer gives one."""
        token = "rt-" + secrets.token_urlsafe(12)
        with self.lock:
            self.refresh_tokens.add(token)
        return token

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens = dict.fromkeys(self.access_tokens, 0.0)

    def fail_next(self, path: str, code: int, times: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend([code] * times)

    def interacted(self, user_id: str, at_ms: int | None = None) -> None:
        with self.lock:
            self.followers[user_id] = now_ms() if at_ms is None else at_ms

    def messages_to(self, user_id: str) -> list[str]:
        with self.lock:
            return [m["text"] for m in self.sent if m.get("user_id") == user_id and "text" in m]

    # -- the webhook side ----------------------------------------------------------------------------

    def event(self, event_name: str, user_id: str, text: str | None = None, msg_id: str | None = None) -> bytes:
        """The exact bytes of an event as Zalo sends it (string ids, millisecond timestamp)."""
        payload: dict[str, Any]
        stamp = str(now_ms())
        if event_name in ("follow", "unfollow"):
            payload = {
                "oa_id": self.oa_id,
                "follower": {"id": user_id},
                "user_id_by_app": "552172779717587730",
                "event_name": event_name,
                "source": "oa_profile",
                "app_id": self.app_id,
                "timestamp": stamp,
            }
        else:
            payload = {
                "event_name": event_name,
                "app_id": self.app_id,
                "sender": {"id": user_id},
                "recipient": {"id": self.oa_id},
                "message": {"text": text or "", "msg_id": msg_id or secrets.token_hex(10)},
                "timestamp": stamp,
                "user_id_by_app": "979122185046046317",
            }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    def emit(self, webhook_url: str, raw: bytes, *, secret: str | None = None) -> tuple[int, str]:
        """POST signed event bytes to a platform's webhook, as Zalo does; (status, body)."""
        payload = json.loads(raw)
        if payload.get("event_name") in ("user_send_text", "follow"):
            user = (payload.get("sender") or payload.get("follower") or {}).get("id")
            if user:
                self.interacted(user)
        signature = sign(
            app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret=secret or self.oa_secret
        )
        request = urllib.request.Request(  # noqa: S310 - a URL the caller gives
            webhook_url,
            data=raw,
            headers={"Content-Type": "application/json", "X-ZEvent-Signature": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    # -- the API side ------------------------------------------------------------------------------

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        routes = {
            ("POST", "/v4/oa/access_token"): self._oauth,
            ("POST", "/v3.0/oa/message/cs"): self._cs,
            ("POST", "/v3.0/oa/message/template"): self._uid_template,
            ("POST", "/message/template"): self._phone_template,
            ("GET", "/v3.0/oa/user/detail"): self._user_detail,
            ("POST", "/v3.0/oa/quota/message"): self._quota,
            ("GET", "/_fake/sent"): self._sent,
            ("POST", "/_fake/interact"): self._interact,
        }
        route = routes.get((method, parsed.path))
        if route is None:
            self._answer(handler, {"error": -404, "message": "Not found"}, status=404)
            return
        try:
            answer = route(handler, raw, parsed)
        except (ValueError, KeyError, TypeError) as exc:
            answer = {"error": -201, "message": f"Body is invalid! ({exc})"}
        self._answer(handler, answer)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, answer: dict[str, Any], status: int = 200) -> None:
        body = json.dumps(answer, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _injected(self, path: str) -> dict[str, Any] | None:
        with self.lock:
            codes = self.failures.get(path)
            if codes:
                code = codes.pop(0)
                self.calls.append((path, code))
                return {"error": code, "message": f"Injected error {code}"}
        return None

    def _token_error(self, handler: BaseHTTPRequestHandler) -> dict[str, Any] | None:
        token = handler.headers.get("access_token", "")
        with self.lock:
            expiry = self.access_tokens.get(token)
        if expiry is None:
            return {"error": -216, "message": "Access token is invalid"}
        if expiry <= time.time():
            return {"error": -220, "message": "access_token is expired or removed"}
        return None

    def _result(self, path: str, answer: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append((path, int(answer.get("error", 0))))
        return answer

    def _oauth(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        path = "/v4/oa/access_token"
        if handler.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return self._result(path, {"error": -14002, "error_name": "Invalid appId", "error_description": "bad app"})
        if form.get("grant_type") != "refresh_token":
            return self._result(path, {"error": -14001, "error_description": "unsupported grant_type"})
        token = form.get("refresh_token", "")
        with self.lock:
            if token in self.spent_refresh_tokens:
                valid = False
                reason = "Refresh token was already used"
            else:
                valid = token in self.refresh_tokens
                reason = "Invalid refresh token"
            if not valid:
                self.calls.append((path, -14014))
                return {"error": -14014, "error_name": "Invalid refresh_token", "error_description": reason}
            self.refresh_tokens.discard(token)
            self.spent_refresh_tokens.add(token)
            access = "at-" + secrets.token_urlsafe(16)
            fresh = "rt-" + secrets.token_urlsafe(12)
            self.refresh_tokens.add(fresh)
            self.access_tokens[access] = time.time() + self.expires_in
            self.refreshes += 1
            self.calls.append((path, 0))
        return {"access_token": access, "refresh_token": fresh, "expires_in": str(self.expires_in)}

    def _cs(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        path = "/v3.0/oa/message/cs"
        if (injected := self._injected(path)) is not None:
            return injected
        if (error := self._token_error(handler)) is not None:
            return self._result(path, error)
        body = json.loads(raw)
        user_id = body["recipient"]["user_id"]
        text = body["message"]["text"]
        if not isinstance(user_id, str) or not isinstance(text, str) or not text or len(text) > 2000:
            return self._result(path, {"error": -201, "message": "message is invalid!"})
        with self.lock:
            last = self.followers.get(user_id)
        if last is None:
            return self._result(path, {"error": -213, "message": "User has not followed OA"})
        if now_ms() - last > WINDOW_MS:
            return self._result(
                path, {"error": -230, "message": "User has not interacted with Zalo OA in the past 7 days"}
            )
        message_id = f"cs{next(self._ids):018d}"
        with self.lock:
            self.sent.append({"kind": "cs", "user_id": user_id, "text": text, "message_id": message_id})
        if self.echo is not None:
            self.echo(f"→ {user_id} (tư vấn): {text}")
        return self._result(
            path, {"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": user_id}}
        )

    def _uid_template(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        path = "/v3.0/oa/message/template"
        if (injected := self._injected(path)) is not None:
            return injected
        if (error := self._token_error(handler)) is not None:
            return self._result(path, error)
        body = json.loads(raw)
        if (check := self._template_check(body)) is not None:
            return self._result(path, check)
        message_id = f"tu{next(self._ids):018d}"
        with self.lock:
            self.sent.append({"kind": "uid_template", "user_id": body["user_id"], **body, "message_id": message_id})
        return self._result(path, {"error": 0, "message": "Success", "data": {"message_id": message_id}})

    def _template_check(self, body: dict[str, Any]) -> dict[str, Any] | None:
        params = self.templates.get(body.get("template_id", ""))
        if params is None:
            return {"error": -109, "message": "Template ID is invalid"}
        data = body.get("template_data")
        if not isinstance(data, dict) or set(data) != set(params):
            return {"error": -1122, "message": "Body data required field missing"}
        return None

    def _phone_template(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        path = "/message/template"
        if (injected := self._injected(path)) is not None:
            return injected
        if (error := self._token_error(handler)) is not None:
            return self._result(path, error)
        body = json.loads(raw)
        if not isinstance(body.get("phone"), str) or not PHONE.match(body["phone"]):
            return self._result(path, {"error": -108, "message": "Phone number is invalid"})
        if (check := self._template_check(body)) is not None:
            return self._result(path, check)
        if len(str(body.get("tracking_id", ""))) > 48:
            return self._result(path, {"error": -201, "message": "tracking_id is invalid!"})
        msg_id = f"zn{next(self._ids):018d}"
        with self.lock:
            self.sent.append({"kind": "phone_template", **body, "msg_id": msg_id})
        if self.echo is not None:
            self.echo(f"→ {body['phone']} (ZBS template): {body['template_data']}")
        return self._result(
            path,
            {
                "error": 0,
                "message": "Success",
                "data": {"msg_id": msg_id, "sent_time": str(now_ms()), "sending_mode": "1"},
            },
        )

    def _user_detail(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        path = "/v3.0/oa/user/detail"
        if (error := self._token_error(handler)) is not None:
            return self._result(path, error)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        user_id = json.loads(query["data"])["user_id"]
        with self.lock:
            known = user_id in self.followers
        if not known:
            return self._result(path, {"error": -213, "message": "User has not followed OA"})
        return self._result(
            path, {"error": 0, "message": "Success", "data": {"user_id": user_id, "display_name": "Zalo user"}}
        )

    def _quota(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        path = "/v3.0/oa/quota/message"
        if (error := self._token_error(handler)) is not None:
            return self._result(path, error)
        user_id = json.loads(raw)["user_id"]
        with self.lock:
            last = self.followers.get(user_id)
        return self._result(path, {"error": 0, "message": "Success", "data": {"last_interaction": str(last or 0)}})

    def _interact(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        """For the replay command: a user wrote to the OA (what Zalo knows from its own side)."""
        self.interacted(str(json.loads(raw)["user_id"]))
        return {"error": 0, "message": "Success", "data": {}}

    def _sent(self, handler: BaseHTTPRequestHandler, raw: bytes, parsed: Any) -> dict[str, Any]:
        """For demos: what the fake OA sent, so a person can read the replies."""
        with self.lock:
            return {"error": 0, "message": "Success", "data": {"sent": list(self.sent)}}


def settings_for(fake: FakeZalo) -> dict[str, Any]:
    """The ZALO settings that point the platform at this fake."""
    return {
        "OA_ID": fake.oa_id,
        "APP_ID": fake.app_id,
        "APP_SECRET": fake.app_secret,
        "OA_SECRET": fake.oa_secret,
        "SIGNATURE_SECRET": "oa",
        "OPENAPI_URL": fake.url,
        "OAUTH_URL": fake.url,
        "BUSINESS_URL": fake.url,
        "TEMPLATE_ID": "",
        "REFRESH_TOKEN": "",
        "TOKEN_SECRET": "a-test-secret-for-the-token-key",
        "TIMEOUT_SECONDS": 5,
    }
