"""Run the fake Zalo server (tests' stand-in for Zalo) for a demo; prints the settings that point at it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cdtt.channels.zalo.fake import FakeZalo


class Command(BaseCommand):
    help = "Serve a fake Zalo OA API (OAuth v4, consultation and template messages) on a local port."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--refresh-token", default="demo-refresh-token", help="the first refresh token it accepts")
        parser.add_argument("--expires-in", type=int, default=90000, help="access token lifetime in seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        fake = FakeZalo(expires_in=options["expires_in"], echo=self._echo)
        fake.refresh_tokens.add(options["refresh_token"])
        fake.start(port=options["port"])
        self.stdout.write(f"Fake Zalo at {fake.url}. Start the platform with:")
        for name, value in (
            ("CDTT_ZALO_OA_ID", fake.oa_id),
            ("CDTT_ZALO_APP_ID", fake.app_id),
            ("CDTT_ZALO_APP_SECRET", fake.app_secret),
            ("CDTT_ZALO_OA_SECRET", fake.oa_secret),
            ("CDTT_ZALO_OPENAPI_URL", fake.url),
            ("CDTT_ZALO_OAUTH_URL", fake.url),
            ("CDTT_ZALO_BUSINESS_URL", fake.url),
            ("CDTT_ZALO_TEMPLATE_ID", "tpl-notice"),
            ("CDTT_ZALO_REFRESH_TOKEN", options["refresh_token"]),
        ):
            self.stdout.write(f"  export {name}={value}")
        self.stdout.write("Messages the OA sends are printed below (Ctrl-C to stop).")
        self.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            fake.stop()

    def _echo(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
