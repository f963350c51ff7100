"""python manage.py remind_reports: a "report due" notice for the teams whose report is due within three days
or late (run it daily, like escalate_difficulties; a second run the same day adds nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from cdtt.reports.services import remind_due


class Command(BaseCommand):
    help = "Leave a report-due notice for teams whose report is due within a few days or late."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=3, help="remind this many days before the due date")

    def handle(self, *args: Any, **options: Any) -> None:
        made = remind_due(days_ahead=options["days"])
        self.stdout.write(_("Report reminders sent: %(n)d") % {"n": made})
