"""python manage.py sweep_import_jobs: run again the import jobs whose background worker died.

Run it when the worker starts (``make demo`` does) and every few minutes from cron or a systemd timer.
A job page also sweeps its own job when it is opened, so an officer never waits on a dead worker.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cdtt.transfers.queue import import_jobs_sweep


class Command(BaseCommand):
    help = "Queue again (or fail after a few tries) the import jobs whose background worker stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        swept = import_jobs_sweep()
        self.stdout.write(
            _("Import jobs queued again: %(requeued)s; failed after repeated stops: %(failed)s.")
            % {"requeued": swept.requeued, "failed": swept.failed}
        )
