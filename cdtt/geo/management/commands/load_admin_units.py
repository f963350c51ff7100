"""python manage.py load_admin_units: load the official administrative tree (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cdtt.geo.loader import admin_units_load


def _n(value: int) -> str:
    """A count with the locale's digit grouping (3.321 in Vietnamese)."""
    return number_format(value, force_grouping=True)


class Command(BaseCommand):
    help = "Load the current (34 provinces, 3,321 communes) and legacy (63 provinces) administrative trees."

    def handle(self, *args: Any, **options: Any) -> None:
        labels = {"current": _("current tree (from 01/07/2025)"), "legacy": _("legacy tree (to 30/06/2025)")}

        live = self.stdout.isatty()
        reported: dict[str, int] = {}

        def progress(label: str, done: int, total: int) -> None:
            line = f"  {labels[label]}: {_n(done)}/{_n(total)}"
            if live:  # one line that counts up on a terminal
                self.stdout.write("\r" + line, ending="\n" if done == total else "")
                self.stdout.flush()
                return
            quarter = done * 4 // total  # in a log: a line at each quarter
            if reported.get(label) != quarter:
                reported[label] = quarter
                self.stdout.write(line)

        self.stdout.write(_("Loading administrative units…"))
        stats = admin_units_load(progress=progress)
        c = stats.counts
        self.stdout.write(
            _(
                "Current: %(provinces)d provinces, %(communes)d communes. Legacy: %(legacy_provinces)d provinces, "
                "%(legacy_districts)d districts, %(legacy_communes)d communes. Successor links: %(links)d."
            )
            % c
        )
        if stats.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Created %(created)d, updated %(updated)d units; links: +%(lc)d, ~%(lu)d, -%(ld)d.")
                    % {
                        "created": stats.created,
                        "updated": stats.updated,
                        "lc": stats.links_created,
                        "lu": stats.links_updated,
                        "ld": stats.links_deleted,
                    }
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Already up to date: nothing changed.")))
