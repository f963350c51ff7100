"""Store the OA's token pair (from the API Explorer), encrypted; the refresh token is then rotated by use."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cdtt.channels.zalo.client import token_store


class Command(BaseCommand):
    help = "Store a Zalo OA refresh token (and optionally the access token that came with it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--refresh-token", required=True)
        parser.add_argument("--access-token", default="")
        parser.add_argument("--expires-in", type=int, default=90000)

    def handle(self, *args: Any, **options: Any) -> None:
        token_store(
            refresh_token=options["refresh_token"],
            access_token=options["access_token"],
            expires_in=options["expires_in"],
        )
        self.stdout.write("Stored (encrypted).")
