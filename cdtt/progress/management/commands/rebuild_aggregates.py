"""python manage.py rebuild_aggregates: recompute every progress cell from the raw records."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cdtt.catalog.models import Indicator
from cdtt.progress.rebuild import rebuild


class Command(BaseCommand):
    help = "Recompute the progress aggregates of every indicator from activities, statuses and the register."

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.monotonic()

        def progress(indicator: Indicator) -> None:
            self.stdout.write(_("Rebuilding %(code)s …") % {"code": indicator.code})

        written = rebuild(progress=progress)
        self.stdout.write(
            _("Aggregates rebuilt: %(cells)s cells in %(seconds).1f s.")
            % {"cells": f"{written:,}", "seconds": time.monotonic() - start}
        )
