"""python manage.py run_once <command> --period day [-- command arguments]: run a scheduled job once per period.

Every app node's systemd timer may call it at the same minute (docs/deploy.md): one node runs the command for
the period, the others print that it ran elsewhere and exit 0.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.jobs import exclusive, job_claim, job_finish, job_release, period_key

# The jobs meant for timers; anything else is refused so a typo does not record a run that never happened.
SCHEDULED = frozenset(
    {
        "remind_reports",
        "escalate_difficulties",
        "send_zalo_notices",
        "sweep_import_jobs",
        "apply_retention",
        "send_privacy_reminders",
        "check_aggregates",
        "fold_progress_slots",
    }
)


class Command(BaseCommand):
    help = "Run a scheduled management command once per period across all app nodes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", help="the command: " + ", ".join(sorted(SCHEDULED)))
        parser.add_argument("--period", default="day", help="day, hour or <N>m (minutes); default day")
        parser.add_argument("args", nargs="*", help="arguments passed to the command")

    def handle(self, *args: Any, **options: Any) -> None:
        job = options["job"]
        if job not in SCHEDULED or job not in get_commands():
            raise CommandError(_("Unknown scheduled job: %(job)s") % {"job": job})
        try:
            period_key(options["period"], timezone.now())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        with exclusive(job) as acquired:
            if not acquired:
                self.stdout.write(_("%(job)s is running on another node: skipped.") % {"job": job})
                return
            run = job_claim(job=job, period=options["period"])
            if run is None:
                self.stdout.write(_("%(job)s has already run for this period: skipped.") % {"job": job})
                return
            out = io.StringIO()
            try:
                call_command(job, *args, stdout=out)  # Django hands the "args" positionals over as *args
            except BaseException:
                job_release(run=run)
                raise
            job_finish(run=run, outcome=out.getvalue())
            self.stdout.write(out.getvalue())
