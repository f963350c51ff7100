"""Reads of the catalogue, given the user: the national entries and a province's own for those who see that
province, which of them the user may change, and why an entry cannot be switched off now. The writes
(loading the defaults) are in services.py."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, catalog_owner_for, scope_for
from cdtt.catalog.models import Indicator, Method, Outcome, Platform
from cdtt.core.errors import Forbidden, NotFound
from cdtt.households.models import AdoptionItem
from cdtt.targets.models import Target


def _visible_q(user: Any) -> Q:
    """National entries, and a province's own entries for those who see that province."""
    return Q(owner__isnull=True) | Q(owner__in=scope_for(user).units(Perm.VIEW_UNITS))


def platform_list(*, user: Any) -> QuerySet[Platform]:
    return Platform.objects.filter(_visible_q(user))


def indicator_list(*, user: Any) -> QuerySet[Indicator]:
    return Indicator.objects.filter(_visible_q(user))


def may_edit_entry(*, user: Any, entry: Platform | Indicator) -> bool:
    """Whether the user's level owns the entry (the national catalogue, or the province's own)."""
    return catalog_owner_for(user).may_edit(entry.owner_id)


def catalog_home_page(*, user: Any) -> dict[str, Any]:
    """Platforms with their outcomes, indicators with how each is computed, and which the user may change."""
    platforms = platform_list(user=user).prefetch_related("outcomes__adoption_item").select_related("owner")
    indicators = indicator_list(user=user).select_related(
        "platform", "adoption_item", "numerator", "denominator", "owner"
    )
    owner = catalog_owner_for(user)
    can_edit = scope_for(user).has(Perm.MANAGE_CATALOG) and owner.edits_any
    return {
        "platforms": platforms.order_by("order", "name"),
        "indicators": indicators.order_by("order", "code"),
        "can_edit": can_edit,
        "editable_indicators": {i.pk for i in indicators if can_edit and owner.may_edit(i.owner_id)},
        "editable_platforms": {p.pk for p in platforms if can_edit and owner.may_edit(p.owner_id)},
    }


def _editable(user: Any, entry: Platform | Indicator | None, missing: str) -> Any:
    if entry is None:
        raise NotFound(missing)
    if not may_edit_entry(user=user, entry=entry):
        raise Forbidden(_("Only the level that owns this entry may change it."))
    return entry


def indicator_get_for_edit(*, user: Any, indicator_id: Any) -> Indicator:
    """An indicator the user sees (a 404 otherwise) and whose level they belong to (a 403 otherwise)."""
    found = indicator_list(user=user).filter(pk=as_id(indicator_id)).first()
    return _editable(user, found, _("The indicator was not found."))  # type: ignore[no-any-return]


def platform_get_for_edit(*, user: Any, platform_id: Any) -> Platform:
    """A platform the user sees (a 404 otherwise) and whose level they belong to (a 403 otherwise)."""
    found = platform_list(user=user).filter(pk=as_id(platform_id)).first()
    return _editable(user, found, _("The platform was not found."))  # type: ignore[no-any-return]


def outcome_choices(*, user: Any) -> QuerySet[Outcome]:
    """The outcomes of the platforms the user sees, as the indicator form offers them."""
    return Outcome.objects.filter(platform__in=platform_list(user=user)).select_related("platform")


def adoption_item_choices() -> QuerySet[AdoptionItem]:
    return AdoptionItem.objects.filter(is_active=True)


def ratio_parts(*, user: Any, indicator: Indicator) -> QuerySet[Indicator]:
    """The indicators a ratio may divide: visible ones that are not ratios themselves, nor this one."""
    visible = indicator_list(user=user).exclude(method=Method.RATIO)
    return visible.exclude(pk=indicator.pk) if indicator.pk else visible


def open_target_count(*, platform: Platform | None = None, indicator: Indicator | None = None) -> int:
    """Targets still running (their period has not ended) that count results of this platform or indicator."""
    targets = Target.objects.filter(period__end__gte=timezone.localdate())
    if platform is not None:
        targets = targets.filter(indicator__platform=platform)
    if indicator is not None:
        targets = targets.filter(indicator=indicator)
    return targets.count()


def deactivation_refusal(*, platform: Platform | None = None, indicator: Indicator | None = None) -> str:
    """Why this platform or indicator cannot be switched off now (open targets count it), or ""."""
    n = open_target_count(platform=platform, indicator=indicator)
    if not n:
        return ""
    return _(
        "%(n)s targets still running count results of this entry. Wait until their period ends (or remove "
        "those targets) before switching it off."
    ) % {"n": n}


# -- what the phone app and API clients read: the whole active catalogue (every user records against it) ------


def platforms_active() -> QuerySet[Platform]:
    """Active platforms with their outcomes (and the adoption item each outcome marks)."""
    return Platform.objects.filter(is_active=True).prefetch_related("outcomes__adoption_item")


def platform_active_get(*, code: str) -> Platform | None:
    return Platform.objects.filter(code=code, is_active=True).first()


def platform_ids(*, codes: list[str]) -> list[int]:
    """The ids of the platforms with these codes (unknown codes are left out)."""
    return list(Platform.objects.filter(code__in=codes).values_list("pk", flat=True))


def platforms_for_choice() -> QuerySet[Platform]:
    """Active platforms in the catalogue's order, as a form offers them."""
    return Platform.objects.filter(is_active=True).order_by("order", "name")


def adoption_items_active() -> QuerySet[AdoptionItem]:
    return AdoptionItem.objects.filter(is_active=True).order_by("order", "code")


def indicators_active() -> QuerySet[Indicator]:
    return Indicator.objects.filter(is_active=True).order_by("order", "code")


def indicator_active_get(*, code: str) -> Indicator | None:
    return Indicator.objects.filter(code=code, is_active=True).first()
