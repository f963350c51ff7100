"""python manage.py fold_progress_slots: fold the slots of the cells of ended periods into one row each.

Scheduled nightly (``run_once fold_progress_slots --period day``, docs/deploy.md): it bounds what a board
reads, and changes no cell's value (``check_aggregates`` proves it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.progress.rebuild import fold_slots


class Command(BaseCommand):
    help = "Fold the slots of the nation's and provinces' cells of ended months, years and campaigns into one row."

    def handle(self, *args: Any, **options: Any) -> None:
        folded = fold_slots(timezone.localdate())
        self.stdout.write(_("Progress slots folded: %(rows)s rows.") % {"rows": f"{folded:,}"})
