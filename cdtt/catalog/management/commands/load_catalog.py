"""python manage.py load_catalog: the default platforms and national indicators (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cdtt.catalog.services import catalog_load


class Command(BaseCommand):
    help = "Load (or update) the default platform and indicator catalogue."

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 1
        created, updated = catalog_load(report=self.stdout.write if verbose else None)
        self.stdout.write(
            _("Catalogue ready: %(created)s entries added, %(updated)s updated.")
            % {"created": created, "updated": updated}
        )
