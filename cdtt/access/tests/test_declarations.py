"""Every URL is either scoped or declared public / own-account with a reason: deny by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver, path

from cdtt.access.decorators import ACCESS_ATTR, public, requires, signed_in
from cdtt.access.permissions import Perm
from cdtt.access.tests.urlwalk import undeclared, walk
from cdtt.api.api import api


def test_every_url_declares_its_access() -> None:
    assert undeclared(get_resolver().url_patterns) == []


def test_the_walk_reaches_every_app_and_the_api() -> None:
    routes = {route for route, _ in walk(get_resolver().url_patterns)}
    for expected in [
        "healthz",
        "dang-nhap/",
        "ca-nhan/",
        "tai-khoan/",
        "don-vi/",
        "don-vi/thon/<int:village_id>/",
        "api/v1/me",
    ]:
        assert expected in routes


def test_every_api_operation_declares_its_access() -> None:
    missing = []
    seen = 0
    for _prefix, router in api._routers:
        for route, path_view in router.path_operations.items():
            for operation in path_view.operations:
                seen += 1
                declared = getattr(operation.view_func, ACCESS_ATTR, None)
                if declared is None or declared[0] not in {"public", "scoped"}:
                    missing.append(f"{route} {operation.methods}")
    assert seen >= 6
    assert missing == []


def test_only_the_token_endpoint_and_the_team_finder_are_public_in_the_api() -> None:
    public_ops = [
        operation.view_func.__name__
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        if getattr(operation.view_func, ACCESS_ATTR)[0] == "public"
    ]
    assert sorted(public_ops) == ["auth_token", "finder_commune"]


def _plain_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _open_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def test_the_walk_catches_an_undeclared_view() -> None:
    patterns = [
        path("ok/", requires(Perm.VIEW_UNITS)(_plain_view)),
        path("mine/", signed_in(_plain_view)),
        path("open/", public("a reason")(_open_view)),
        path("leak/", _plain_view),
    ]
    assert undeclared(patterns) == ["leak/: '_plain_view' declares no access"]


def test_a_public_view_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        public("  ")


def test_the_walk_catches_an_undeclared_api_operation() -> None:
    from ninja import NinjaAPI

    probe = NinjaAPI(urls_namespace="declaration-probe")

    @probe.get("/open")
    @public("a reason")
    def declared_op(request: Any) -> int:
        return 1

    @probe.get("/leak")
    def leaking_op(request: Any) -> int:
        return 1

    patterns, _app, _namespace = probe.urls
    assert undeclared(patterns) == ["leak ['GET']: leaking_op declares no access"]
