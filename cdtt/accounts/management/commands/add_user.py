"""python manage.py add_user USERNAME --role ROLE --unit CODE [--village NAME] [--password P]."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cdtt.accounts.models import Role, User
from cdtt.accounts.services import role_grant, user_create
from cdtt.core.errors import DomainError
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, UnitKind


def resolve_unit(code: str) -> AdminUnit:
    """Resolve an official code to the current unit holding it (legacy units may share the code)."""
    code = code.strip()
    if code.upper() == "VN":
        unit = AdminUnit.objects.filter(kind=UnitKind.NATIONAL).first()
    else:
        unit = AdminUnit.objects.current().filter(code=code).exclude(kind=UnitKind.NATIONAL).first()
    if unit is None:
        raise CommandError(
            _("Unknown unit code “%(code)s”. Use a current code, e.g. 01 for Hà Nội or 00004 for Phường Ba Đình.")
            % {"code": code}
        )
    return unit


class Command(BaseCommand):
    help = "Create an account (or add a role to an existing one) for an operator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="official code of a current unit, or VN")
        parser.add_argument("--village", default="", help="village name in that commune (team roles)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--password", default="", help="generated and printed when omitted")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = resolve_unit(options["unit"])
        village = None
        if options["village"]:
            village = unit.villages.active().filter(name_folded=fold(options["village"])).first()  # type: ignore[attr-defined]
            if village is None:
                raise CommandError(_("No village “%(v)s” in %(unit)s.") % {"v": options["village"], "unit": unit.name})
        username = options["username"].strip().lower()
        try:
            existing = User.objects.filter(username__iexact=username).first()
            if existing is not None:
                role_grant(actor=None, user=existing, role=options["role"], unit=unit, village=village)
                self.stdout.write(
                    self.style.SUCCESS(
                        _("Role %(role)s at %(unit)s granted to the existing account %(u)s.")
                        % {"role": options["role"], "unit": village.name if village else unit.name, "u": username}
                    )
                )
                return
            password = options["password"] or secrets.token_urlsafe(12)
            user_create(
                actor=None,
                username=username,
                full_name=options["full_name"],
                phone=options["phone"],
                password=password,
                role=options["role"],
                unit=unit,
                village=village,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Account %(u)s created: %(role)s at %(unit)s.")
                % {"u": username, "role": options["role"], "unit": village.name if village else unit.name}
            )
        )
        if not options["password"]:
            self.stdout.write(_("Password: %(p)s") % {"p": password})
