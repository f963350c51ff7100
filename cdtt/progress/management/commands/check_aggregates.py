"""python manage.py check_aggregates: prove the progress cells equal a rebuild; exit 1 on any drift."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cdtt.catalog.models import Indicator
from cdtt.progress.rebuild import check

SHOWN = 20


class Command(BaseCommand):
    help = "Compare every progress cell with the value computed from the raw records; non-zero exit on drift."

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(indicator: Indicator) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(_("Checking %(code)s …") % {"code": indicator.code})

        drifts = check(progress=progress)
        if not drifts:
            self.stdout.write(_("No drift: every aggregate matches the raw records."))
            return
        for drift in drifts[:SHOWN]:
            level, unit, bucket = drift.key
            self.stderr.write(
                _("%(code)s level %(level)s unit %(unit)s bucket %(bucket)s: stored %(stored)s, expected %(expected)s")
                % {
                    "code": drift.indicator.code,
                    "level": level,
                    "unit": unit,
                    "bucket": bucket,
                    "stored": drift.stored,
                    "expected": drift.expected,
                }
            )
        raise CommandError(_("%(n)s aggregate cells drifted; run rebuild_aggregates.") % {"n": len(drifts)})
