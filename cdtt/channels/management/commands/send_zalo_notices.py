"""Pass new notices of linked members on to Zalo (the worker also does it after each notice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cdtt.channels.zalo.config import enabled
from cdtt.channels.zalo.services import notices_send


class Command(BaseCommand):
    help = "Send new report, target and difficulty notices of linked members to Zalo."

    def handle(self, *args: Any, **options: Any) -> None:
        if not enabled():
            self.stdout.write("The Zalo channel is not configured (CDTT_ZALO_*): nothing sent.")
            return
        counts = notices_send()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing to send")
