"""python manage.py load_demo: a demo slice of Hà Nội with villages and one account per role (idempotent)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cdtt.accounts.models import Role
from cdtt.demo.accounts import ACCOUNTS, DEFAULT_PASSWORD
from cdtt.demo.load import DemoLoaded, demo_load
from cdtt.demo.places import DEMO_VILLAGE, PROVINCE
from cdtt.geo.models import AdminUnit, UnitKind


class Command(BaseCommand):
    help = "Create demo villages in a few real Hà Nội communes and one demo account per role."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("CDTT_DEMO_PASSWORD", DEFAULT_PASSWORD)
        root = AdminUnit.objects.filter(kind=UnitKind.NATIONAL).first()
        if root is None or not AdminUnit.objects.current().filter(code=PROVINCE).exists():
            raise CommandError(_("Load the administrative tree first: python manage.py load_admin_units"))
        loaded = demo_load(root=root, password=password)
        self._report(loaded, password)

    def _report(self, loaded: DemoLoaded, password: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data ready: %(n)d new villages; %(a)d demo accounts.")
                % {"n": loaded.villages, "a": len(ACCOUNTS)}
            )
        )
        if loaded.households:
            self.stdout.write(_("Demo households: %(n)d in the demo villages.") % {"n": loaded.households})
        if loaded.difficulties:
            self.stdout.write(_("Demo difficulties: %(n)d, one overdue.") % {"n": loaded.difficulties})
        if loaded.training:
            self.stdout.write(
                _("Demo training: a course by the province with VNPT Hà Nội, two communes' members invited.")
            )
        if loaded.team:
            self.stdout.write(_("Demo team set up in %(village)s with a signed decision.") % {"village": DEMO_VILLAGE})
        self.stdout.write(_("Demo logins (password for all: %(p)s):") % {"p": password})
        names = {u.code: u.name for u in loaded.communes.values()}
        for username, _full_name, role, unit_code, village_name in ACCOUNTS:
            where = village_name or (names.get(unit_code or "", "") if role == Role.COMMUNE_OFFICER else "")
            self.stdout.write(f"  {username:<12} {Role(role).label}{' · ' + where if where else ''}")
