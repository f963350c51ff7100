"""Daily: remind officers of data-subject request and breach deadlines that are near or passed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cdtt.privacy.reminders import send_reminders


class Command(BaseCommand):
    help = "Notify officers of personal-data deadlines (requests: 2 working days / 15 days; breaches: 72 hours)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(send_reminders()))
