"""The catalogue in the JSON API: platforms with their outcomes, adoption items and indicators."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.catalog import selectors

# All of the core loop's endpoints (catalogue, periods, targets, activities, progress) share this tag: the
# OpenAPI document groups them under it since they were first published together.
router = Router(tags=["targets and progress"])


class OutcomeOut(Schema):
    id: int
    code: str
    name: str
    adoption_item: str | None


class PlatformOut(Schema):
    id: int
    code: str
    name: str
    operator: str
    pillar: str
    url: str
    install_guide: str
    outcomes: list[OutcomeOut]


class CatalogAdoptionItemOut(Schema):
    code: str
    name: str
    applies_to: str  # household, resident or both


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    measure: str
    pillar: str
    method: str
    reach_measure: str  # activity_reach: "people" or "households" reached
    valid_from_year: int | None
    valid_to_year: int | None


def _etagged(request: HttpRequest, data: Any) -> HttpResponse:
    """``data`` with an ETag of its content; 304 and no body when the caller already holds it (a phone asks
    for the catalogue at every sync, and it rarely changes)."""
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    held = [tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")]
    response = HttpResponse(status=304) if etag in held else HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get("/catalog/platforms", response={200: list[PlatformOut], 304: None, **ERRORS}, tags=["catalogue"])
@api_requires(Perm.VIEW_UNITS)
def platform_list(request: SignedInRequest) -> Any:
    """The platforms teams deploy, with the outcomes guidance can record (ETag: 304 when unchanged)."""
    return _etagged(request, _platforms(selectors.platforms_active()))


def _platforms(platforms: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "code": p.code,
            "name": p.name,
            "operator": p.operator,
            "pillar": p.pillar,
            "url": p.url,
            "install_guide": p.install_guide,
            "outcomes": [
                {
                    "id": o.pk,
                    "code": o.code,
                    "name": o.name,
                    "adoption_item": o.adoption_item.code if o.adoption_item else None,
                }
                for o in p.outcomes.all()
            ],
        }
        for p in platforms
    ]


@router.get(
    "/catalog/adoption-items", response={200: list[CatalogAdoptionItemOut], 304: None, **ERRORS}, tags=["catalogue"]
)
@api_requires(Perm.VIEW_UNITS)
def adoption_item_list(request: SignedInRequest) -> Any:
    """What a household or person can be marked as having reached (the checklist; ETag: 304 when unchanged)."""
    items = selectors.adoption_items_active()
    return _etagged(request, [{"code": i.code, "name": i.name, "applies_to": i.applies_to} for i in items])


@router.get("/catalog/indicators", response={200: list[IndicatorOut], **ERRORS}, tags=["catalogue"])
@api_requires(Perm.VIEW_UNITS)
def indicator_list(request: SignedInRequest) -> Any:
    """The indicators targets are set for."""
    return list(selectors.indicators_active())
