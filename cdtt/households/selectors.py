"""Reads of the register. Personal details only for roles that hold VIEW_HOUSEHOLDS in the village's
commune; every read of one household's details is written to the audit log."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import NotFound
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import AdoptionEvent, AdoptionItem, AdoptionStatus, Household, Resident


@dataclass(frozen=True)
class HouseholdFilters:
    village_id: int | None = None
    caretaker_id: int | None = None
    q: str = ""
    missing_item: str = ""  # a gap: households that have NOT reached this item
    has_item: str = ""


def household_list(*, user: Any, filters: HouseholdFilters | None = None) -> QuerySet[Household]:
    """Households in the user's villages, filtered; for lists (phones masked by the view).

    Never erased ones, nor those whose processing stopped (consent withdrawn, restriction granted): the law
    allows keeping them, not using them; the commune officer finds them through ``stopped_households``.
    """
    scope = scope_for(user)
    scope.require(Perm.VIEW_HOUSEHOLDS)
    filters = filters or HouseholdFilters()
    households = Household.objects.filter(
        scope.q(Perm.VIEW_HOUSEHOLDS), erased_at__isnull=True, processing_stopped=False
    )
    if filters.village_id is not None:
        households = households.filter(village_id=filters.village_id)
    if filters.caretaker_id is not None:
        households = households.filter(caretaker_id=filters.caretaker_id)
    if filters.q.strip():
        needle = fold(filters.q)
        digits = "".join(ch for ch in filters.q if ch.isdigit())
        condition = Q(head_name_folded__contains=needle)
        if len(digits) >= 4:
            condition |= Q(phone__contains=digits.lstrip("0")[-9:])
        households = households.filter(condition)
    for code, present in ((filters.missing_item, False), (filters.has_item, True)):
        if code:
            # Reached by the household or by any of its people: a person-level item (VNeID level 2) is a gap too.
            reached = AdoptionStatus.objects.filter(household=OuterRef("pk"), item__code=code)
            households = households.filter(Exists(reached)) if present else households.exclude(Exists(reached))
    return households.select_related("village", "caretaker").order_by("village__name_folded", "head_name_folded", "id")


def household_get(
    *,
    user: Any,
    household_id: Any,
    perm: Perm = Perm.VIEW_HOUSEHOLDS,
    request: HttpRequest | None = None,
    audit: bool = True,
    allow_stopped: bool = False,
) -> Household:
    """One household's details; the read is audited (Law 91/2025: access to personal data is logged).

    A household whose processing stopped is not found, except for the pages that handle the person's rights
    (``allow_stopped``: consents, requests, the export), where a new consent can resume it.
    """
    scope = scope_for(user)
    scope.require(perm)
    try:
        pk = int(household_id)
    except (TypeError, ValueError):
        raise NotFound(_("The household was not found.")) from None
    household = Household.objects.filter(scope.q(perm), pk=pk).select_related("village", "commune", "caretaker").first()
    if household is None:
        raise NotFound(_("The household was not found."))
    if household.processing_stopped and household.erased_at is None and not allow_stopped:
        raise NotFound(_("Processing of this household's data has stopped (consent withdrawn or restricted)."))
    if audit:
        audit_record(actor=user, action="household.view", target=household, unit=household.commune, request=request)
    return household


def adoption_items(*, resident_level: bool | None = None) -> QuerySet[AdoptionItem]:
    items = AdoptionItem.objects.filter(is_active=True)
    if resident_level is True:
        items = items.exclude(applies_to="household")
    elif resident_level is False:
        items = items.exclude(applies_to="resident")
    return items.order_by("order", "code")


@dataclass
class VillageCoverage:
    village: Village
    registered: int
    declared: int | None

    @property
    def coverage(self) -> float | None:
        return round(100 * self.registered / self.declared, 1) if self.declared else None


def register_coverage(*, user: Any, commune: AdminUnit) -> list[VillageCoverage]:
    """Households registered per village of a commune, against the village's declared count (chat-group count)."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_FIGURES)
    if not scope.units(Perm.VIEW_FIGURES).filter(pk=commune.pk).exists():
        raise NotFound(_("The unit was not found."))
    villages = (
        Village.objects.active()
        .filter(commune=commune)
        .annotate(registered=Count("households"))  # erased households still count: only their personal fields go
        .select_related("chat_group")
        .order_by("name_folded")
    )
    rows = []
    for village in villages:
        group = getattr(village, "chat_group", None)
        rows.append(VillageCoverage(village, village.registered, group.households_total if group else None))  # type: ignore[attr-defined]
    return rows


def adoption_figures(*, user: Any, unit: AdminUnit) -> dict[str, Any]:
    """Aggregates only (safe for every role with VIEW_FIGURES): households, and per item how many reached it."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_FIGURES)
    if not scope.units(Perm.VIEW_FIGURES).filter(pk=unit.pk).exists():
        raise NotFound(_("The unit was not found."))
    households = Household.objects.filter(commune__path__startswith=unit.path)
    reached = (
        AdoptionStatus.objects.filter(household__commune__path__startswith=unit.path)
        .values("item__code")
        .annotate(households=Count("household", distinct=True), people=Count("resident", distinct=True))
    )
    return {
        "households": households.count(),
        "items": {row["item__code"]: {"households": row["households"], "people": row["people"]} for row in reached},
    }


# -- for the register pages ----------------------------------------------------------------------------


def household_villages(*, user: Any, perm: Perm = Perm.VIEW_HOUSEHOLDS) -> list[Village]:
    """The active villages whose households the user may see (``perm``), with their commune."""
    scope = scope_for(user)
    scope.require(perm)
    return list(scope.villages(perm).active().select_related("commune").order_by("commune__name", "name_folded"))


def caretaker_list(*, user: Any, perm: Perm = Perm.VIEW_HOUSEHOLDS) -> list[Any]:
    """Team members on a team now, in the villages (or communes) where the user holds ``perm``."""
    from cdtt.teams.models import Member, Membership

    scope = scope_for(user)
    scope.require(perm)
    current = Membership.objects.current().filter(scope.q(perm, commune="team__commune", village="team__village"))
    return list(Member.objects.filter(memberships__in=current).distinct().order_by("name_folded", "id"))


@dataclass
class FilterCounts:
    """How many households each filter choice would give, the other filters kept."""

    total: int = 0  # every filter applied except the adoption one
    villages: dict[int, int] = field(default_factory=dict)
    caretakers: dict[int, int] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)  # item code -> households of ``total`` that reached it


def household_filter_counts(*, user: Any, filters: HouseholdFilters) -> FilterCounts:
    """Counts beside each filter choice (four aggregate queries)."""
    base = household_list(user=user, filters=replace(filters, missing_item="", has_item="")).order_by()
    by_village = household_list(user=user, filters=replace(filters, village_id=None)).order_by()
    by_caretaker = household_list(user=user, filters=replace(filters, caretaker_id=None)).order_by()
    reached = (
        AdoptionStatus.objects.filter(household__in=base.values("pk"), item__is_active=True)
        .values_list("item__code")
        .annotate(n=Count("household", distinct=True))
        .order_by()
    )
    return FilterCounts(
        total=base.count(),
        villages=dict(by_village.values_list("village_id").annotate(n=Count("id")).order_by()),
        caretakers=dict(
            by_caretaker.filter(caretaker__isnull=False).values_list("caretaker_id").annotate(n=Count("id")).order_by()
        ),
        reached=dict(reached),
    )


def adoption_counts(*, household_ids: list[int]) -> dict[int, int]:
    """Per household: how many active items it (or any of its people) has reached. One query."""
    rows = (
        AdoptionStatus.objects.filter(household_id__in=household_ids, item__is_active=True)
        .values_list("household_id")
        .annotate(n=Count("item", distinct=True))
        .order_by()
    )
    return dict(rows)


def household_list_audit(
    *, user: Any, households: list[Household], filters: HouseholdFilters, request: HttpRequest | None = None
) -> None:
    """Log which households a list page showed (names and phones are personal data), one event per commune."""
    by_commune: dict[int, list[int]] = {}
    for household in households:
        by_commune.setdefault(household.commune_id, []).append(household.pk)
    for commune_id, ids in by_commune.items():
        audit_record(
            actor=user,
            action="household.list",
            unit=AdminUnit(pk=commune_id),
            request=request,
            households=ids,
            filters={key: value for key, value in asdict(filters).items() if value not in (None, "")},
        )


def resident_list(*, household: Household) -> list[Resident]:
    """The people of a household already read through ``household_get`` (scoped and audited there).

    Not those whose processing stopped (their own consent withdrawn, a restriction): their name and birth
    year are no longer shown or offered; the consents page lists them to record a new consent.
    """
    return list(Resident.objects.filter(household=household, processing_stopped=False).order_by("id"))


def adoption_status_list(*, household: Household) -> list[AdoptionStatus]:
    """The household's current ticks (its own and its people's), with the item."""
    return list(AdoptionStatus.objects.filter(household=household).select_related("item", "recorded_by"))


def adoption_history(*, household: Household, limit: int = 50) -> list[AdoptionEvent]:
    """The latest ticks and undos of a household, newest first, with who recorded them."""
    events = AdoptionEvent.objects.filter(household=household).select_related("item", "resident", "recorded_by")
    return list(events.order_by("-recorded_at", "-id")[:limit])


def stopped_households(*, user: Any) -> list[Household]:
    """Households whose processing stopped, for the commune officer handling requests and new consents."""
    scope = scope_for(user)
    scope.require(Perm.MANAGE_PRIVACY)
    rows = Household.objects.filter(scope.q(Perm.MANAGE_PRIVACY), processing_stopped=True, erased_at__isnull=True)
    return list(rows.select_related("village").order_by("village__name_folded", "head_name_folded", "id")[:200])


def household_page(*, households: QuerySet[Household], offset: int, limit: int) -> list[Household]:
    """One page of a ``household_list``, with what each household has reached."""
    statuses = Prefetch("adoptions", queryset=AdoptionStatus.objects.select_related("item"))
    return list(households.prefetch_related(statuses)[offset : offset + limit])
