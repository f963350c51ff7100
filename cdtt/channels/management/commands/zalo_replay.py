"""Replay saved Zalo webhook payloads against a running platform, signed as Zalo signs them."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cdtt.channels.zalo.config import conf, signature_secret
from cdtt.channels.zalo.signature import sign

FIXTURES = Path(__file__).resolve().parents[2] / "zalo" / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    path = Path(name) if name.endswith(".json") and Path(name).exists() else FIXTURES / f"{name}.json"
    if not path.exists():
        raise CommandError(f"no fixture {name} (have: {', '.join(sorted(p.stem for p in FIXTURES.glob('*.json')))})")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class Command(BaseCommand):
    help = "POST saved webhook payloads (zalo/fixtures) to a platform's /channels/zalo/webhook, signed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixture", nargs="+", help="fixture name (user_send_text, follow, ...) or a .json path")
        parser.add_argument("--url", default="http://127.0.0.1:8000/channels/zalo/webhook")
        parser.add_argument("--sender", help="replace the Zalo user id (sender or follower)")
        parser.add_argument("--text", action="append", default=[], help="send user_send_text with this text (repeat)")
        parser.add_argument("--fake", help="the fake Zalo server's URL: tell it the user wrote (the 7-day window)")
        parser.add_argument(
            "--keep-ids",
            action="store_true",
            help="keep the fixture's msg_id and timestamp (an old timestamp is refused)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        values = conf()
        texts = options["text"] or [None]
        for name in options["fixture"]:
            for text in texts:
                payload = load_fixture(name)
                if values.get("APP_ID"):
                    payload["app_id"] = values["APP_ID"]
                if options["sender"]:
                    key = "follower" if "follower" in payload else "sender"
                    payload[key] = {"id": options["sender"]}
                if not options["keep_ids"]:
                    payload["timestamp"] = str(int(time.time() * 1000))
                    if isinstance(payload.get("message"), dict):
                        payload["message"]["msg_id"] = secrets.token_hex(10)
                if text is not None and isinstance(payload.get("message"), dict):
                    payload["message"]["text"] = text
                self._send(options, payload)

    def _send(self, options: dict[str, Any], payload: dict[str, Any]) -> None:
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        header = sign(app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret=signature_secret())
        user = (payload.get("sender") or payload.get("follower") or {}).get("id")
        if options["fake"] and user:
            self._post(options["fake"].rstrip("/") + "/_fake/interact", json.dumps({"user_id": user}).encode(), {})
        status, body = self._post(options["url"], raw, {"X-ZEvent-Signature": header})
        text = (payload.get("message") or {}).get("text", "")
        self.stdout.write(f"{payload.get('event_name')} {text!r} → {status} {body}")

    @staticmethod
    def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - a URL the developer gives
            url, data=data, headers={"Content-Type": "application/json", **headers}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except urllib.error.URLError as exc:
            raise CommandError(f"{url}: {exc.reason}") from None
