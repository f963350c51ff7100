"""Template context: the navigation a user sees depends on their roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_for(user)
    items = [(_("Home"), reverse("home"))]
    if scope.has(Perm.VIEW_UNITS):
        items.append((_("Units"), reverse("geo:browse")))
    if scope.has(Perm.VIEW_TEAMS):
        items.append((_("Teams"), reverse("teams:home")))
    if scope.has(Perm.VIEW_HOUSEHOLDS):
        items.append((_("Households"), reverse("households:list")))
        # Where officers and teams work with personal data, the register of processing is one click away.
        items.append((_("Personal data"), reverse("households:register")))
    elif scope.has(Perm.MANAGE_BREACHES):
        items.append((_("Personal data"), reverse("privacy:breaches")))
    if scope.has(Perm.VIEW_FIGURES):
        items.append((_("Targets"), reverse("targets:mine")))
        items.append((_("Dashboard"), reverse("dashboards:home")))
    if scope.has(Perm.VIEW_REPORTS):
        items.append((_("Reports"), reverse("reports:index")))
    if scope.has(Perm.VIEW_DIFFICULTIES):
        items.append((_("Difficulties"), reverse("difficulties:list")))
    if scope.has(Perm.VIEW_QUALITY):
        items.append((_("Data quality"), reverse("quality:home")))
    if scope.has(Perm.MANAGE_TRAINING) or scope.has(Perm.RUN_TRAINING):
        items.append((_("Training"), reverse("training:courses")))
    elif scope.has(Perm.VIEW_TRAINING):
        items.append((_("My training"), reverse("training:mine")))
    if any(grant.unit_path.count("/") == 2 for grant in scope.grants_with(Perm.VIEW_NETWORK)):
        items.append((_("Network"), reverse("network:index")))
    if scope.has(Perm.VIEW_PRACTICES):
        items.append((_("Good practices"), reverse("practices:index")))
    if scope.has(Perm.VIEW_ANNOUNCEMENTS):
        items.append((_("Announcements"), reverse("announcements:index")))
    if scope.has(Perm.MANAGE_CATALOG):
        items.append((_("Catalogue"), reverse("catalog:home")))
    if scope.has(Perm.MANAGE_ACCOUNTS):
        items.append((_("Accounts"), reverse("accounts:list")))
    if scope.has(Perm.VIEW_AUDIT):
        items.append((_("Audit log"), reverse("accounts:audit")))
    items.append((_("My account"), reverse("accounts:profile")))
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path == url or (url != "/" and path.startswith(url))}
            for label, url in items
        ],
        "user_roles": sorted({grant.role for grant in scope.grants}),
        "can_view_teams": scope.has(Perm.VIEW_TEAMS),
    }
