"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation

from cdtt.accounts import api as accounts_api
from cdtt.activities import api as activities_api
from cdtt.api.auth import API_AUTH
from cdtt.catalog import api as catalog_api
from cdtt.core.errors import DomainError
from cdtt.dashboards import api as dashboards_api
from cdtt.difficulties import api as difficulties_api
from cdtt.geo import api as geo_api
from cdtt.households import api as households_api
from cdtt.notices import api as notices_api
from cdtt.official import api as official_api
from cdtt.practices import api as practices_api
from cdtt.privacy import api as privacy_api
from cdtt.progress import api as progress_api
from cdtt.quality import api as quality_api
from cdtt.reports import api as reports_api
from cdtt.sync import api as sync_api
from cdtt.targets import api as targets_api
from cdtt.teams import api as teams_api
from cdtt.training import api as training_api

# Operation ids are part of the published contract (clients generated from the OpenAPI document name their methods
# after them). Ninja derives them from the endpoint's module; endpoints that moved into their app's api.py keep the
# id of the module they were first published from.
PUBLISHED_MODULE = {
    "cdtt.accounts.api": "cdtt.api.api",
    "cdtt.activities.api": "cdtt.api.progress",
    "cdtt.catalog.api": "cdtt.api.progress",
    "cdtt.geo.api": "cdtt.api.api",
    "cdtt.households.api": "cdtt.api.households",
    "cdtt.progress.api": "cdtt.api.progress",
    "cdtt.reports.api": "cdtt.api.reports",
    "cdtt.sync.api": "cdtt.api.sync",
    "cdtt.targets.api": "cdtt.api.progress",
    "cdtt.teams.api": "cdtt.api.teams",
    "cdtt.training.api": "cdtt.api.training",
}


class CdttAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__
        return (PUBLISHED_MODULE.get(module, module) + "_" + operation.view_func.__name__).replace(".", "_")


api = CdttAPI(
    title="CDTT API",
    version="1",
    description="API của nền tảng Tổ công nghệ số cộng đồng. Xác thực bằng Bearer token lấy từ /api/v1/auth/token.",
    auth=API_AUTH,
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> Any:
    from cdtt.accounts.services import token_revoked

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and token_revoked(header[7:].strip()):
        detail = _(
            "This device's access was revoked by an officer. Nothing was received; the records stay on the "
            "device. Sign in again, or ask the commune officer."
        )
        return api.create_response(request, {"detail": detail, "revoked": True, "reason": "revoked"}, status=401)
    reason = "invalid" if header.lower().startswith("bearer ") else "missing"
    return api.create_response(
        request, {"detail": _("Sign in or send a valid API token."), "revoked": False, "reason": reason}, status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> Any:
    return api.create_response(
        request, {"detail": _("The request data is not valid."), "errors": exc.errors}, status=422
    )


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> Any:
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


__all__ = ["HttpError", "api"]

# Every app owns its endpoints in its own ``api.py``; they are mounted here in this order, which is the order of
# the OpenAPI document's paths and of URL matching.
ROUTERS = (
    accounts_api.router,
    geo_api.router,
    teams_api.router,
    households_api.router,
    privacy_api.router,
    catalog_api.router,
    progress_api.router,
    targets_api.router,
    activities_api.router,
    sync_api.router,
    reports_api.router,
    practices_api.router,
    practices_api.announcements_router,
    notices_api.router,
    difficulties_api.router,
    dashboards_api.router,
    training_api.router,
    official_api.router,
    quality_api.router,
)
for _router in ROUTERS:
    api.add_router("", _router)
