"""python manage.py check_quality: the daily data-quality job (the statistical rules: outliers; and the
back-dated records that passed their own check in the seconds after a report's approval).

Run it daily from cron or a systemd timer, after the night's sync. It reads the progress cells only and
prints a line per indicator; running it twice raises nothing more (an open flag is joined, not repeated).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cdtt.quality.checks import sweep_backdating
from cdtt.quality.outliers import check_outliers


class Command(BaseCommand):
    help = "Check every unit's month against its own history and its siblings (modified z-score), flag outliers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default="", help="The month to check, yyyy-mm (default: this month).")

    def handle(self, *args: Any, **options: Any) -> None:
        month = None
        if options["month"]:
            found = re.fullmatch(r"(\d{4})-(\d{2})", options["month"])
            if not found or not 1 <= int(found.group(2)) <= 12:
                raise CommandError("--month must be yyyy-mm")
            month = int(found.group(1)) * 100 + int(found.group(2))
        result = check_outliers(month=month, progress=lambda line: self.stdout.write(line, ending="\n"))
        self.stdout.write(
            f"outliers: {result.indicators} indicators, {result.units:,} unit-months checked, {result.flags} flag(s)"
        )
        late = sweep_backdating(progress=lambda line: self.stdout.write(line, ending="\n"))
        self.stdout.write(f"backdating: {late} record(s) entered after their period's report was approved")
