"""Daily: remove what is past the retention the register of processing promises (``--dry-run`` only reports)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from cdtt.privacy.retention import retention_apply, retention_plan


class Command(BaseCommand):
    help = "Anonymise or delete personal data past its retention period (one audit entry per rule applied)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report what would be done; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry = options["dry_run"]
        outcomes = retention_plan() if dry else retention_apply()
        for outcome in outcomes:
            self.stdout.write(f"{outcome.dataset}: {outcome.what}: {outcome.count}")
        if dry:
            self.stdout.write(_("Dry run: nothing was changed."))
