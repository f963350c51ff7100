"""Loading and editing the catalogue. Every change drops the counting rules kept by ``progress.engine``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cdtt.access.scope import CatalogOwner, catalog_owner_for
from cdtt.accounts.models import User
from cdtt.catalog import defaults
from cdtt.catalog.models import Indicator, Method, Outcome, Platform, ReachMeasure
from cdtt.core.audit import audit_record
from cdtt.core.errors import Forbidden
from cdtt.households.models import AdoptionItem
from cdtt.progress.engine import forget_rules
from cdtt.progress.tasks import recount_indicator


def _ensure_adoption_items() -> None:
    """The standard adoption checklist the default outcomes and indicators refer to (made by the households
    app's data migration; made again here if it is missing, e.g. after a test flushed the tables)."""
    migration = importlib.import_module("cdtt.households.migrations.0002_catalogue")
    for order, (code, name, applies_to) in enumerate(migration.ITEMS, start=1):
        AdoptionItem.objects.get_or_create(code=code, defaults={"name": name, "applies_to": applies_to, "order": order})


def catalog_load(*, report: Callable[[str], None] | None = None) -> tuple[int, int]:
    """Create or update the default platforms and indicators; (created, updated). Idempotent."""
    created = updated = 0
    _ensure_adoption_items()
    items = {item.code: item for item in AdoptionItem.objects.all()}
    with transaction.atomic():
        platforms: dict[str, Platform] = {}
        outcomes: dict[tuple[str, str], Outcome] = {}
        for order, (code, name, operator, pillar, url, platform_outcomes) in enumerate(defaults.PLATFORMS, start=1):
            platform, new = Platform.objects.update_or_create(
                code=code,
                defaults={"name": name, "operator": operator, "pillar": pillar, "url": url, "order": order},
                create_defaults={
                    "name": name,
                    "operator": operator,
                    "pillar": pillar,
                    "url": url,
                    "order": order,
                    "in_use_from": defaults.VALID_FROM,
                },
            )
            created, updated = created + new, updated + (not new)
            platforms[code] = platform
            for position, (outcome_code, outcome_name, item_code) in enumerate(platform_outcomes, start=1):
                outcome, _new = Outcome.objects.update_or_create(
                    platform=platform,
                    code=outcome_code,
                    defaults={
                        "name": outcome_name,
                        "adoption_item": items.get(item_code) if item_code else None,
                        "order": position,
                    },
                )
                outcomes[(code, outcome_code)] = outcome
            if report:
                report(f"platform {code}")
        indicators: dict[str, Indicator] = {}
        for order, (code, name, measure, pillar, method, settings) in enumerate(defaults.INDICATORS, start=1):
            values: dict[str, Any] = {
                "name": name,
                "measure": measure,
                "pillar": pillar,
                "method": method,
                "order": order,
                "activity_kinds": settings.get("kinds", []),
                "platform": platforms.get(settings.get("platform", "")),
                "adoption_item": items.get(settings.get("item", "")),
                "register_metric": settings.get("metric", ""),
                "numerator": indicators.get(settings.get("numerator", "")),
                "denominator": indicators.get(settings.get("denominator", "")),
                "aliases": defaults.ALIASES.get(code, []),
                "reach_measure": settings.get("reach", ReachMeasure.PEOPLE),
            }
            indicator, new = Indicator.objects.update_or_create(
                code=code, defaults=values, create_defaults={**values, "valid_from_year": defaults.VALID_FROM}
            )
            if method == Method.ACTIVITY_COUNT:
                platform_code = settings.get("platform", "")
                indicator.outcomes.set([outcomes[(platform_code, c)] for c in settings.get("outcomes", [])])
            indicator.full_clean()
            indicators[code] = indicator
            created, updated = created + new, updated + (not new)
            if report:
                report(f"indicator {code}")
    forget_rules()
    return created, updated


def _editing_owner(actor: User) -> CatalogOwner:
    """The catalogue the actor edits; 403 for a role that edits none."""
    owner = catalog_owner_for(actor)
    if not owner.edits_any:
        raise Forbidden(_("Your role does not allow this action."))
    return owner


def indicator_save(
    *,
    actor: User,
    indicator: Indicator,
    outcomes: Iterable[Outcome],
    changed: list[str],
    request: HttpRequest | None = None,
) -> Indicator:
    """Save an indicator the edit form has checked (``indicator`` holds its fields, not yet saved): a new one
    belongs to the actor's catalogue (the nation's, or a province officer's province). Audited; the counting
    rules are dropped and the indicator's totals are counted again in the background once committed."""
    owner = _editing_owner(actor)
    with transaction.atomic():
        if indicator.pk is None:
            indicator.owner = owner.new_entry_owner
            indicator.created_by = actor
        indicator.save()
        indicator.outcomes.set(list(outcomes))
        audit_record(
            actor=actor,
            action="indicator.save",
            target=indicator,
            unit=indicator.owner,
            request=request,
            code=indicator.code,
            fields=changed,
        )
        transaction.on_commit(lambda: recount_indicator.enqueue(indicator.pk))
    forget_rules()
    return indicator


def platform_save(
    *, actor: User, platform: Platform, outcomes: Iterable[Outcome], request: HttpRequest | None = None
) -> Platform:
    """Save a platform the edit form has checked, with its new and changed outcomes (not yet saved); a new one
    belongs to the actor's catalogue. Audited; the counting rules are dropped."""
    owner = _editing_owner(actor)
    with transaction.atomic():
        if platform.pk is None:
            platform.owner = owner.new_entry_owner
        platform.save()
        for outcome in outcomes:
            outcome.platform = platform
            outcome.save()
        audit_record(actor=actor, action="platform.save", target=platform, unit=platform.owner, request=request)
    forget_rules()
    return platform
