"""Assign targets downward and split them across child units, with reconciliation at every level.

Rules:
- An officer assigns targets to their own unit or any unit or village below it (ASSIGN_TARGETS).
- A target assigned from a higher level cannot be changed below it: the lower level only splits it.
- A split gives each child (the communes of a province, the villages of a commune) a share: by hand,
  in proportion to the register's households or adults, or evenly; shares are whole numbers that add
  up to the parent exactly (largest remainder). A percentage target is not divided: each child gets it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm, roles_with
from cdtt.access.scope import scope_for
from cdtt.catalog.models import Indicator, Measure, Method
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.notices.models import NoticeKind
from cdtt.notices.services import notify
from cdtt.progress.engine import forget_rules
from cdtt.progress.selectors import level_and_unit, unit_progress
from cdtt.targets.models import Period, PeriodKind, SplitMethod, Target

# The period calendar moved to cdtt.targets.periods. These names stay importable from here only until the
# branches written in parallel with the move are merged; new code imports cdtt.targets.periods.
from cdtt.targets.periods import QUARTERS, calendar_bounds, calendar_period  # noqa: F401

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_VALUE = Decimal("1000000000")


def campaign_create(
    *,
    actor: User,
    unit: AdminUnit,
    name: str,
    start: datetime.date,
    end: datetime.date,
    request: HttpRequest | None = None,
) -> Period:
    """A named campaign with dates; its progress is counted from the records already there."""
    _require_assign(actor, unit)
    if not name.strip():
        raise DomainError(_("Enter the campaign's name."), field="name")
    if end < start:
        raise DomainError(_("The end date is before the start date."), field="end")
    if (end - start).days > 366:
        raise DomainError(_("A campaign lasts at most a year."), field="end")
    from cdtt.progress.rebuild import rebuild_campaign

    with transaction.atomic():
        period = Period.objects.create(
            kind=PeriodKind.CAMPAIGN, name=name.strip()[:150], start=start, end=end, owner=unit, created_by=actor
        )
        forget_rules()
        rebuild_campaign(period)
        audit_record(actor=actor, action="period.create", target=period, unit=unit, request=request)
    return period


# -- access -----------------------------------------------------------------------------------------


def _require_assign(actor: User, unit: AdminUnit) -> None:
    scope = scope_for(actor)
    scope.require(Perm.ASSIGN_TARGETS)
    if not scope.covers_unit(unit, Perm.ASSIGN_TARGETS):
        raise NotFound(_("The unit was not found."))


def _actor_depth(actor: User, unit: AdminUnit) -> int:
    """The depth of the highest unit from which the actor may assign targets to ``unit``."""
    scope = scope_for(actor)
    depths = [
        grant.unit_path.count("/")
        for grant in scope.grants_with(Perm.ASSIGN_TARGETS)
        if grant.village_id is None and unit.path.startswith(grant.unit_path)
    ]
    return min(depths) if depths else 99


def _subject_unit(subject: AdminUnit | Village) -> AdminUnit:
    return subject.commune if isinstance(subject, Village) else subject


# -- values -----------------------------------------------------------------------------------------


def target_text(value: Decimal) -> str:
    """A target as people read it: 1.200 (whole) or 80,5 (a percentage), in the active language's format."""
    whole = value == value.to_integral_value()
    return number_format(value, decimal_pos=0 if whole else 1, force_grouping=True)


def parse_value(raw: Any, *, indicator: Indicator, field: str = "value") -> Decimal:
    """A target value from a form, an API or a sheet: not negative, whole unless a percentage."""
    try:
        value = Decimal(str(raw).strip().replace(" ", "").replace(",", ".")) if raw not in (None, "") else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise DomainError(_("Enter a number."), field=field)
    if value < 0:
        raise DomainError(_("A target cannot be negative."), field=field)
    if value > MAX_VALUE:
        raise DomainError(_("The number is too large."), field=field)
    if indicator.measure == Measure.PERCENT:
        if value > 100:
            raise DomainError(_("A percentage is at most 100."), field=field)
        return value.quantize(Decimal("0.1"))
    if value != value.to_integral_value():
        raise DomainError(_("Enter a whole number."), field=field)
    return value.quantize(Decimal(1))


def _check_indicator(indicator: Indicator, period: Period, unit: AdminUnit) -> None:
    if not indicator.is_active or not indicator.valid_in(period.start.year):
        raise DomainError(
            _("“%(indicator)s” is not in use in %(year)s.") % {"indicator": indicator.name, "year": period.start.year},
            field="indicator",
        )
    if indicator.owner is not None and not unit.path.startswith(indicator.owner.path):
        raise NotFound(_("The indicator was not found."))


# -- telling the people who received a target ---------------------------------------------------------


def _recipients(subject: AdminUnit | Village) -> set[int]:
    """Who is told of a new target: the users holding a role at exactly this unit that sees its targets and
    answers for its work (reads its reports: officers and leaders, not enterprise partners), or for a
    village its team: those holding a team role there and the team's current members with an account."""
    from cdtt.accounts.models import RoleAssignment
    from cdtt.teams.models import OPEN_STATUSES, Membership

    roles = sorted(set(roles_with(Perm.VIEW_FIGURES)) & set(roles_with(Perm.VIEW_REPORTS)))
    rows = RoleAssignment.objects.filter(role__in=roles, user__is_active=True)
    if isinstance(subject, Village):
        ids = set(rows.filter(village=subject).values_list("user_id", flat=True))
        members = Membership.objects.current().filter(
            team__village=subject,
            team__status__in=OPEN_STATUSES,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        ids |= set(members.values_list("member__user_id", flat=True))
        return ids
    return set(rows.filter(unit=subject, village__isnull=True).values_list("user_id", flat=True))


@dataclass(frozen=True)
class _Given:
    subject: AdminUnit | Village
    indicator: Indicator
    value: Decimal


class TargetNotices:
    """The new or changed targets of one assignment batch (a target set, a split, a sheet), told to the
    people of each unit or team that received one: one notice per person for the whole batch, made inside
    the batch's transaction (``notify`` skips a notice already made that day for the same link, so a
    retried batch does not double it). The actor is not told of their own assignment."""

    def __init__(self, *, actor: User, period: Period, by: AdminUnit | None) -> None:
        self.actor = actor
        self.period = period
        self.by = by  # the unit that assigned
        self.given: dict[tuple[str, int, int], _Given] = {}

    def add(self, subject: AdminUnit | Village, indicator: Indicator, before: Decimal | None, after: Decimal) -> None:
        if before is not None and before == after:
            return  # unchanged: nothing to tell
        kind = "v" if isinstance(subject, Village) else "u"
        self.given[(kind, subject.pk, indicator.pk)] = _Given(subject, indicator, after)

    def send(self) -> int:
        """Leave the notices; the number made."""
        if not self.given:
            return 0
        by_person: dict[int, list[_Given]] = {}
        places: dict[tuple[str, int], set[int]] = {}
        for (kind, subject_id, _indicator_id), given in self.given.items():
            if (kind, subject_id) not in places:
                places[(kind, subject_id)] = _recipients(given.subject) - {getattr(self.actor, "pk", None)}
            for person in places[(kind, subject_id)]:
                by_person.setdefault(person, []).append(given)
        # People told the same lines get the same notice: one ``notify`` for all of them.
        by_lines: dict[tuple[tuple[str, int, int], ...], tuple[list[_Given], list[int]]] = {}
        for person, lines in by_person.items():
            key = tuple(
                sorted(("v" if isinstance(g.subject, Village) else "u", g.subject.pk, g.indicator.pk) for g in lines)
            )
            by_lines.setdefault(key, (lines, []))[1].append(person)
        made = 0
        with translation.override(settings.LANGUAGE_CODE):
            for lines, people in by_lines.values():
                title, body, url, unit = self._text(lines)
                made += notify(
                    recipients=people, kind=NoticeKind.TARGET_ASSIGNED, title=title, body=body, url=url, unit=unit
                )
        return made

    def _text(self, lines: list[_Given]) -> tuple[str, str, str, AdminUnit]:
        from django.urls import reverse

        lines = sorted(lines, key=lambda g: (g.subject.name, g.indicator.order, g.indicator.code))
        subjects = {(type(g.subject), g.subject.pk) for g in lines}
        first = lines[0]
        who = getattr(self.actor, "full_name", "") or getattr(self.actor, "username", "")
        assigned = (
            _("Assigned by %(who)s, %(unit)s.") % {"who": who, "unit": self.by.name}
            if self.by is not None
            else _("Assigned by %(who)s.") % {"who": who}
        )
        if len(lines) == 1:
            title = _("New target: %(indicator)s, %(period)s") % {
                "indicator": first.indicator.name,
                "period": self.period.name,
            }
        else:
            title = _("New targets for %(period)s") % {"period": self.period.name}
        rows = [
            _("%(subject)s — %(indicator)s: %(value)s %(measure)s")
            % {
                "subject": g.subject.name,
                "indicator": g.indicator.name,
                "value": target_text(g.value),
                "measure": g.indicator.get_measure_display() if g.indicator.measure != Measure.PERCENT else "%",
            }
            for g in lines
        ]
        body = "\n".join([*rows, assigned])
        query = f"?period={self.period.pk}"
        if len(subjects) == 1:
            subject = first.subject
            name = "targets:village" if isinstance(subject, Village) else "targets:unit"
            url = reverse(name, args=[subject.pk]) + query
            if len(lines) == 1:
                url += f"&indicator={first.indicator.pk}"
        else:
            url = reverse("targets:mine") + query
        return title, body, url, _subject_unit(first.subject)


# -- assigning ----------------------------------------------------------------------------------------


def target_set(
    *,
    actor: User,
    subject: AdminUnit | Village,
    indicator: Indicator,
    period: Period,
    value: Any,
    request: HttpRequest | None = None,
    notices: TargetNotices | None = None,
) -> Target:
    """Set (or change) the target of a unit or village; a target given from above is refused.

    The people of the unit or team are told (``TargetNotices``): at once, or with the rest of the batch
    when the caller passes its ``notices`` and sends them itself."""
    unit = _subject_unit(subject)
    _require_assign(actor, unit)
    _check_indicator(indicator, period, unit)
    amount = parse_value(value, indicator=indicator)
    depth = _actor_depth(actor, unit)
    where: dict[str, Any] = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    with transaction.atomic():
        current = Target.objects.select_for_update().filter(indicator=indicator, period=period, **where).first()
        if current is not None and current.assigned_depth < depth:
            raise Forbidden(_("This target was assigned by the level above; it can only be split, not changed."))
        if current is None:
            current = Target(indicator=indicator, period=period, **where)
        before = current.value if current.pk else None
        current.value = amount
        current.assigned_depth = depth
        current.assigned_by = actor
        current.save()
        audit_record(
            actor=actor,
            action="target.set",
            target=current,
            unit=unit,
            request=request,
            indicator=indicator.code,
            period=period.pk,
            before=str(before) if before is not None else None,
            after=str(amount),
        )
        told = notices or TargetNotices(actor=actor, period=period, by=_assigning_unit(actor, unit))
        told.add(subject, indicator, before, amount)
        if notices is None:
            told.send()
    return current


def _assigning_unit(actor: User, unit: AdminUnit) -> AdminUnit | None:
    """The highest unit from which the actor assigns targets to ``unit`` (named in the notice)."""
    scope = scope_for(actor)
    grants = [
        grant
        for grant in scope.grants_with(Perm.ASSIGN_TARGETS)
        if grant.village_id is None and unit.path.startswith(grant.unit_path)
    ]
    if not grants:
        return None
    top = min(grants, key=lambda grant: grant.unit_path.count("/"))
    return AdminUnit.objects.filter(pk=top.unit_id).first()


def children_of(subject: AdminUnit) -> list[AdminUnit | Village]:
    """Where a unit's target is split: a province's communes, a commune's villages, the nation's provinces."""
    if subject.is_commune:
        return list(Village.objects.active().filter(commune=subject).order_by("name"))
    kinds = (UnitKind.PROVINCE,) if subject.kind == UnitKind.NATIONAL else None
    units = AdminUnit.objects.current().filter(parent=subject)
    if kinds:
        units = units.filter(kind__in=kinds)
    return list(units.order_by("name"))


def weights(children: list[AdminUnit | Village], method: str, period: Period) -> dict[int, Decimal]:
    """Each child's weight for a proportional split, from the register's running totals."""
    if method == SplitMethod.EVEN:
        return {child.pk: Decimal(1) for child in children}
    metric = "households" if method == SplitMethod.HOUSEHOLDS else "adults"
    register = Indicator.objects.filter(method=Method.REGISTER, register_metric=metric, is_active=True).first()
    if register is None or not children:
        return {child.pk: Decimal(0) for child in children}
    level = level_and_unit(children[0])[0]
    found = unit_progress([register], period, level, [child.pk for child in children])
    return {child.pk: found.get((register.pk, child.pk), Decimal(0)) for child in children}


def share(total: Decimal, weights_by_child: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Whole shares of ``total`` in proportion to the weights, adding up exactly (largest remainder)."""
    weight_sum = sum(weights_by_child.values(), Decimal(0))
    if not weights_by_child:
        return {}
    if weight_sum <= 0:
        raise DomainError(_("The register has no households or adults here yet: split evenly or by hand."))
    exact = {key: total * weight / weight_sum for key, weight in weights_by_child.items()}
    floors = {key: value.to_integral_value(rounding=ROUND_FLOOR) for key, value in exact.items()}
    left = int(total - sum(floors.values(), Decimal(0)))
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - floors[key]), key))
    for key in by_remainder[:left]:
        floors[key] += 1
    return floors


def _child_field(children: list[AdminUnit | Village]) -> str:
    """The target column of a unit's children: villages below a commune, units elsewhere."""
    return "village_id" if isinstance(children[0], Village) else "unit_id"


def children_targets(
    children: list[AdminUnit | Village], period: Period, indicators: Any
) -> dict[tuple[int, int], Decimal]:
    """The targets of a unit's ``children`` for ``indicators``: (indicator id, child id) -> value."""
    if not children:
        return {}
    field = _child_field(children)
    rows = Target.objects.filter(period=period, indicator__in=indicators, **{f"{field}__in": [c.pk for c in children]})
    return {
        (indicator_id, child_id): value
        for indicator_id, child_id, value in rows.values_list("indicator_id", field, "value")
    }


@dataclass
class Reconciliation:
    parent: Target
    children_sum: Decimal
    children: int
    missing: int  # children without a target

    @property
    def remainder(self) -> Decimal:
        return self.parent.value - self.children_sum

    @property
    def state(self) -> str:
        if self.parent.indicator.measure == Measure.PERCENT:
            return "cascaded"
        if self.children_sum > self.parent.value:
            return "over"
        if self.children_sum < self.parent.value:
            return "under"
        return "exact"


def reconcile(target: Target) -> Reconciliation:
    subject: AdminUnit | Village = target.unit if target.unit_id else target.village  # type: ignore[assignment]
    children = children_of(subject) if isinstance(subject, AdminUnit) else []
    values = list(children_targets(children, target.period, [target.indicator_id]).values())
    return Reconciliation(target, sum(values, Decimal(0)), len(children), len(children) - len(values))


def target_split(
    *,
    actor: User,
    parent: Target,
    method: str,
    manual: Mapping[int, Any] | None = None,
    request: HttpRequest | None = None,
) -> list[Target]:
    """Split ``parent`` across its unit's children; returns the children's targets."""
    if parent.unit_id is None:
        raise DomainError(_("A village's target is not split further."))
    unit = parent.unit
    assert unit is not None
    _require_assign(actor, unit)
    if method not in SplitMethod.values:
        raise DomainError(_("Choose how to split the target."), field="method")
    children = children_of(unit)
    if not children:
        raise DomainError(_("This unit has no child units to split the target across."))
    indicator = parent.indicator
    if indicator.measure == Measure.PERCENT:
        shares = {child.pk: parent.value for child in children}
    elif method == SplitMethod.MANUAL:
        given = manual or {}
        unknown = set(given) - {child.pk for child in children}
        if unknown:
            raise NotFound(_("The unit was not found."))
        shares = {
            child.pk: parse_value(given[child.pk], indicator=indicator, field=f"share_{child.pk}")
            for child in children
            if given.get(child.pk) not in (None, "")
        }
        total = sum(shares.values(), Decimal(0))
        if total > parent.value:
            raise DomainError(
                _("The shares add up to %(total)s, more than the target of %(target)s.")
                % {"total": target_text(total), "target": target_text(parent.value)}
            )
    else:
        shares = share(parent.value, weights(children, method, parent.period))
    depth = _actor_depth(actor, unit)
    made: list[Target] = []
    told = TargetNotices(actor=actor, period=parent.period, by=unit)
    with transaction.atomic():
        locked = Target.objects.select_for_update().get(pk=parent.pk)
        field = _child_field(children)
        existing = {
            getattr(t, field): t
            for t in Target.objects.select_for_update().filter(
                indicator=indicator, period=parent.period, **{f"{field}__in": [c.pk for c in children]}
            )
        }
        for child in children:
            if child.pk not in shares:
                continue
            target = existing.get(child.pk) or Target(indicator=indicator, period=parent.period, **{field: child.pk})
            if target.pk and target.assigned_depth < depth:
                raise Forbidden(_("A child's target was assigned by a higher level; it cannot be changed here."))
            told.add(child, indicator, target.value if target.pk else None, shares[child.pk])
            target.value = shares[child.pk]
            target.parent = locked
            target.assigned_depth = depth
            target.assigned_by = actor
            target.save()
            made.append(target)
        locked.split_method = method
        locked.save(update_fields=["split_method", "updated_at"])
        audit_record(
            actor=actor,
            action="target.split",
            target=locked,
            unit=unit,
            request=request,
            method=method,
            children=len(made),
            total=str(sum((t.value for t in made), Decimal(0))),
        )
        told.send()
    return made
