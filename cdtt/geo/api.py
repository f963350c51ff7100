"""Administrative units and villages in the JSON API: search, one unit with its successors, and the villages a
commune manages (create, change, retire)."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ErrorOut
from cdtt.geo import selectors as geo_selectors
from cdtt.geo import services as geo_services

router = Router()


class HitOut(Schema):
    kind: str
    id: int
    code: str
    name: str
    type: str
    parent: str
    is_current: bool


class SearchOut(Schema):
    count: int  # total matches over all pages
    limit: int
    offset: int
    results: list[HitOut]


@router.get("/units", response=SearchOut, tags=["units"])
@api_requires(Perm.VIEW_UNITS)
def units_search(
    request: SignedInRequest, q: str = "", include_legacy: bool = False, limit: int = 20, offset: int = 0
) -> Any:
    """Search units and villages visible to the caller; diacritics and case are ignored."""
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    hits = geo_selectors.unit_search(user=request.user, q=q, include_legacy=include_legacy, limit=limit, offset=offset)
    return {
        "count": geo_selectors.unit_search_total(user=request.user, q=q, include_legacy=include_legacy),
        "limit": limit,
        "offset": offset,
        "results": [
            {
                "kind": h.kind,
                "id": h.id,
                "code": h.code,
                "name": h.name,
                "type": h.type_label,
                "parent": h.parent_name,
                "is_current": h.is_current,
            }
            for h in hits
        ],
    }


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    latitude: float | None
    longitude: float | None
    area_km2: float | None
    valid_from: str | None
    valid_to: str | None
    successors: list[dict[str, Any]]


@router.get("/units/{unit_id}", response=UnitOut, tags=["units"])
@api_requires(Perm.VIEW_UNITS)
def unit_get(request: SignedInRequest, unit_id: int) -> Any:
    """One unit visible to the caller (404 outside their scope), with its successor links."""
    unit = scope_for(request.user).unit(unit_id)
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "area_km2": unit.area_km2,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "successors": [
            {"id": link.new_id, "code": link.new.code, "name": link.new.name, "is_default": link.is_default}
            for link in unit.successor_links.select_related("new")  # type: ignore[attr-defined]
        ],
    }


class VillageOut(Schema):
    id: int
    name: str
    kind: str
    code: str
    commune_id: int
    commune: str
    valid_from: str | None
    valid_to: str | None


def _village_out(village: Any) -> dict[str, Any]:
    return {
        "id": village.pk,
        "name": village.name,
        "kind": village.kind,
        "code": village.code,
        "commune_id": village.commune_id,
        "commune": village.commune.name,
        "valid_from": village.valid_from.isoformat() if village.valid_from else None,
        "valid_to": village.valid_to.isoformat() if village.valid_to else None,
    }


@router.get("/villages/{village_id}", response=VillageOut, tags=["units"])
@api_requires(Perm.VIEW_UNITS)
def village_get(request: SignedInRequest, village_id: int) -> Any:
    """One village; 404 when it is outside the caller's scope."""
    return _village_out(scope_for(request.user).village(village_id))


class VillageIn(Schema):
    commune_id: int
    name: str
    kind: str = "thon"
    code: str = ""


@router.post("/villages", response={201: VillageOut, 400: ErrorOut}, tags=["units"])
@api_requires(Perm.MANAGE_VILLAGES)
def village_create(request: SignedInRequest, payload: VillageIn) -> Any:
    """Create a village in a commune the caller manages."""
    commune = scope_for(request.user).unit(payload.commune_id, Perm.MANAGE_VILLAGES)
    village = geo_services.village_create(
        actor=request.user, commune=commune, name=payload.name, kind=payload.kind, code=payload.code, request=request
    )
    return Status(201, _village_out(village))


class VillageChangeIn(Schema):
    name: str | None = None
    kind: str | None = None
    code: str | None = None


@router.patch("/villages/{village_id}", response={200: VillageOut, 400: ErrorOut}, tags=["units"])
@api_requires(Perm.MANAGE_VILLAGES)
def village_update(request: SignedInRequest, village_id: int, payload: VillageChangeIn) -> Any:
    """Rename a village or change its type or code; fields left out keep their value."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_VILLAGES)
    village = geo_services.village_update(
        actor=request.user,
        village=village,
        name=village.name if payload.name is None else payload.name,
        kind=village.kind if payload.kind is None else payload.kind,
        code=village.code if payload.code is None else payload.code,
        request=request,
    )
    return _village_out(village)


class VillageRetireIn(Schema):
    on: datetime.date | None = None


@router.post("/villages/{village_id}/retire", response={200: VillageOut, 400: ErrorOut}, tags=["units"])
@api_requires(Perm.MANAGE_VILLAGES)
def village_retire(request: SignedInRequest, village_id: int, payload: VillageRetireIn) -> Any:
    """Retire a village from a date (today when left out); its name becomes free in the commune."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_VILLAGES)
    return _village_out(
        geo_services.village_retire(actor=request.user, village=village, on=payload.on, request=request)
    )
