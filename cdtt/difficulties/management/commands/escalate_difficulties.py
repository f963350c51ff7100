"""python manage.py escalate_difficulties: move every difficulty left unanswered past its due date up a level.

Run it daily (and at start: ``make demo`` does) from cron or a systemd timer; running it twice moves nothing
more, since each moved difficulty gets a new due date.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cdtt.difficulties.services import difficulties_escalate_overdue


class Command(BaseCommand):
    help = "Move the difficulties still unanswered after their due date to the level above."

    def handle(self, *args: Any, **options: Any) -> None:
        result = difficulties_escalate_overdue()
        self.stdout.write(
            _("Difficulties moved up a level: %(moved)d; overdue at the national level: %(top)d.")
            % {"moved": result.moved, "top": result.at_top}
        )
