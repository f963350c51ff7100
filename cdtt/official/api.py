"""Official figures and the years before 2025 in the JSON API (/api/v1/official/...): the same reads as the page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import DomainError, NotFound
from cdtt.official import periods, selectors
from cdtt.official.models import ApportionRule, FigureKind

router = Router(tags=["official figures"])


class OfficialGapOut(Schema):
    unit_id: int
    code: str
    name: str
    figure: str  # vneid_level2, epayment_accounts, online_dossiers, population, households
    reported: Decimal | None
    official: int | None
    gap: Decimal | None  # reported − official
    gap_percent: float | None  # of the official figure
    communes: int
    communes_with_figure: int


class OfficialComparisonOut(Schema):
    unit_id: int
    name: str
    period: str  # "2026" or "06/2026"
    figure: str  # the figure the units below are ranked by
    own: list[OfficialGapOut]
    ranked: list[OfficialGapOut]  # the units below, widest gap first


class OfficialHistoryYearOut(Schema):
    year: int
    before: int | None  # shares of the old communes' figures (to June 2025)
    reported: Decimal | None  # recorded under today's units
    total: Decimal | None
    apportioned: bool  # part of ``before`` comes from a divided old commune


class OfficialSourceOut(Schema):
    old_unit_id: int
    name: str
    share: Decimal
    split: bool
    rule: str
    rule_label: str


class OfficialHistoryOut(Schema):
    unit_id: int
    name: str
    indicator: str | None
    years: list[OfficialHistoryYearOut]
    sources: list[OfficialSourceOut]


class OfficialSuccessorOut(Schema):
    unit_id: int
    name: str
    is_default: bool


class OfficialShareOut(Schema):
    unit_id: int
    name: str
    value: int
    share: Decimal


class OfficialLegacyFigureOut(Schema):
    indicator: str
    period: str
    value: int
    rule: str
    rule_label: str
    shares: list[OfficialShareOut]


class OfficialLegacyUnitOut(Schema):
    unit_id: int
    name: str
    valid_to: datetime.date | None
    successors: list[OfficialSuccessorOut]
    figures: list[OfficialLegacyFigureOut]


def _gap(gap: selectors.Gap) -> dict[str, Any]:
    return {
        "unit_id": gap.unit.pk,
        "code": gap.unit.code,
        "name": gap.unit.name,
        "figure": gap.kind,
        "reported": gap.reported,
        "official": gap.official,
        "gap": gap.gap,
        "gap_percent": gap.gap_percent,
        "communes": gap.communes,
        "communes_with_figure": gap.communes_with_figure,
    }


def _bucket(period: str | None) -> int:
    if not period:
        return timezone.localdate().year
    try:
        return periods.parse(period, column="period")
    except periods.PeriodProblem as problem:
        raise DomainError(problem.message, field="period") from None


def _current(request: HttpRequest, unit_id: int) -> Any:
    unit = selectors.figures_subject(user=request.user, unit_id=unit_id)
    if not unit.is_current:
        raise NotFound(_("The unit was not found."))
    return unit


@router.get("/official/units/{unit_id}", response={200: OfficialComparisonOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def official_unit(request: SignedInRequest, unit_id: int, period: str | None = None, figure: str | None = None) -> Any:
    """A current unit's reported and official figures for a period (``2026`` or ``06/2026``; this year when left
    out), and the units below it ranked by the widest gap on ``figure`` (VNeID level 2 when left out)."""
    unit = _current(request, unit_id)
    if figure and figure not in FigureKind.values:
        raise DomainError(_("Unknown figure “%(figure)s”.") % {"figure": figure}, field="figure")
    comparison = selectors.official_comparison(user=request.user, unit=unit, bucket=_bucket(period), kind=figure or "")
    return {
        "unit_id": unit.pk,
        "name": unit.name,
        "period": comparison.period_label,
        "figure": comparison.kind,
        "own": [_gap(g) for g in comparison.own],
        "ranked": [_gap(g) for g in comparison.ranked],
    }


@router.get("/official/units/{unit_id}/history", response={200: OfficialHistoryOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def official_history(request: SignedInRequest, unit_id: int, indicator: str | None = None) -> Any:
    """A current unit's figures year by year from 2022 across the reform: the old communes' figures shared out
    to it (with the rule of each divided one) and what has been recorded since, for one indicator (by code)."""
    unit = _current(request, unit_id)
    indicators = selectors.history_indicators(unit=unit)
    chosen = next((i for i in indicators if i.code == indicator), None) if indicator else None
    if indicator and chosen is None:
        raise NotFound(_("The indicator was not found."))
    chosen = chosen or (indicators[0] if indicators else None)
    found = selectors.history(user=request.user, unit=unit, indicator=chosen, today=timezone.localdate())
    return {
        "unit_id": unit.pk,
        "name": unit.name,
        "indicator": chosen.code if chosen else None,
        "years": found.years,  # OfficialHistoryYearOut reads the dataclass's fields and its total
        "sources": [
            {
                "old_unit_id": s.old_unit.pk,
                "name": s.old_unit.name,
                "share": s.share,
                "split": s.split,
                "rule": s.rule,
                "rule_label": s.rule_label,
            }
            for s in found.sources
        ],
    }


@router.get("/official/legacy-units/{unit_id}", response={200: OfficialLegacyUnitOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def official_legacy_unit(request: SignedInRequest, unit_id: int) -> Any:
    """An old (pre-2025) commune: the communes it became part of and its figures, each with its shares under
    them and the rule they were shared by."""
    unit = selectors.figures_subject(user=request.user, unit_id=unit_id)
    detail = selectors.legacy_detail(user=request.user, unit=unit)
    return {
        "unit_id": unit.pk,
        "name": unit.name,
        "valid_to": unit.valid_to,
        "successors": [
            {"unit_id": s.new_id, "name": s.new.name, "is_default": s.is_default} for s in detail.successors
        ],
        "figures": [
            {
                "indicator": row.figure.indicator.code,
                "period": row.period_label,
                "value": row.figure.value,
                "rule": row.figure.rule,
                "rule_label": str(ApportionRule(row.figure.rule).label),
                "shares": [
                    {"unit_id": s.commune_id, "name": s.commune.name, "value": s.value, "share": s.share}
                    for s in row.shares
                ],
            }
            for row in detail.figures
        ],
    }
