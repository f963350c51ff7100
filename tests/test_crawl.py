"""The crawler: every role (and anonymous) visits every page and every API GET that the URLconf and the
OpenAPI schema declare, in the national-shaped world (tests/world.py).

The routes are walked, not listed, so a new view is crawled without anyone adding it here. Path parameters
take the world's ids (own unit, a unit below, an empty commune, the other province's unit, a legacy unit, an
id that does not exist; for other ids the first and last row and a missing one); query parameters (those the
OpenAPI declares, and those a page's module reads from ``request.GET``) take ordinary and hostile values.
Each (route, role) is visited once with a combination chosen deterministically by rotation, so every route
meets every role, every kind of path value and every kind of query value.

It fails on any 5xx, on any HTML page that is not Vietnamese (no ``lang="vi"``, or a text node that is an
English message of the catalogue left untranslated), and on another province's unit or village shown to a
commune officer or a team member.
"""

from __future__ import annotations

import functools
import html
import inspect
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import get_resolver
from django.utils import translation

from cdtt.access.decorators import ACCESS_ATTR
from cdtt.access.tests.urlwalk import NINJA_ALLOWED, ninja_path_view, walk
from cdtt.api.api import api
from tests.world import MISSING_ID, World

pytestmark = [pytest.mark.world, pytest.mark.django_db]

# Known failures inside another helper's area: route -> reason (the crawler reports them, does not fail).
KNOWN: dict[str, str] = {}

ROLES = ("anonymous", "admin", "tinh", "lanhdao", "doanhnghiep", "xa", "totruong", "tovien", "xahcm", "nobody")
# Roles held at one commune or village: another province's unit or village must be refused them.
CONFINED = {"xa", "totruong", "tovien", "xahcm"}

# Query values: the ordinary one first, then the hostile ones (already percent-encoded).
HOSTILE = [
    "a%00b",  # NUL
    "%01%07%1B%7F%C2%85",  # control characters, C0, DEL and C1
    "x" * 10_000,
    "%ff%fe",  # invalid UTF-8
    "-1",
    "99999999999999999999999",
    "zz_unknown_key",
    "",
    "%E1%BA%A1%CC%81",  # a letter with a combining mark (NFD-like)
]
ORDINARY = {
    "integer": "2",
    "number": "2",
    "boolean": "true",
    "date": "2026-01-15",
    "date-time": "2026-01-15T08:00:00",
    "string": quote("Bát Tràng"),
}


# -- the routes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    route: str
    kind: str  # "web", "api", or "ninja" (ninja's own pages: the schema, the docs, the API root)
    access: str  # "public", "scoped", "self"
    params: tuple[tuple[str, str], ...]  # (query name, type)


_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_GET_NAME = re.compile(r"""GET\.get(?:list)?\(\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.GET""")


@functools.cache
def _module_get_names(module_name: str) -> tuple[str, ...]:
    """Every query parameter a page module reads (``request.GET.get("x")``): pages declare none."""
    module = sys.modules.get(module_name)
    try:
        source = inspect.getsource(module) if module else ""
    except (OSError, TypeError):
        source = ""
    return tuple(sorted({a or b for a, b in _GET_NAME.findall(source)}))


def _openapi_query() -> dict[str, tuple[tuple[str, str], ...]]:
    schema = api.get_openapi_schema()
    found: dict[str, tuple[tuple[str, str], ...]] = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        params = []
        for p in get.get("parameters", []):
            if p.get("in") == "query":
                spec = p.get("schema", {})
                kind = spec.get("format") or spec.get("type") or "string"
                params.append((p["name"], kind))
        found[path] = tuple(params)
    return found


def targets() -> list[Target]:
    query = _openapi_query()
    found = []
    for route, callback in walk(get_resolver().url_patterns):
        view = ninja_path_view(callback)
        if view is not None:
            for op in view.operations:
                if "GET" in op.methods:
                    schema_path = "/" + _PATH_PARAM.sub(r"{\1}", route)
                    access = getattr(op.view_func, ACCESS_ATTR, ("public", ""))[0]
                    found.append(Target(route, "api", access, query.get(schema_path, ())))
            continue
        if isinstance(callback, functools.partial) and callback.func in NINJA_ALLOWED:
            found.append(Target(route, "ninja", "public", ()))
            continue
        access = getattr(callback, ACCESS_ATTR, ("public", ""))[0]
        inner = inspect.unwrap(callback)
        module = getattr(getattr(inner, "view_class", inner), "__module__", "")
        names = _module_get_names(module)
        found.append(Target(route, "web", access, tuple((n, "string") for n in names)))
    return found


TARGETS = targets()


# -- values from the world ---------------------------------------------------------------------------

# Path parameters whose name is not their model's.
ALIASES: dict[str, str] = {
    "unit": "geo.AdminUnit",
    "commune": "geo.AdminUnit",
    "province": "geo.AdminUnit",
    "village": "geo.Village",
    "user": "accounts.User",
    "token": "accounts.ApiToken",
    "assignment": "accounts.RoleAssignment",
    "job": "transfers.ImportJob",
    "notice": "notices.Notification",
    "request": "households.DataSubjectRequest",
    "photo": "difficulties.DifficultyPhoto",
    "image": "practices.PracticeImage",
    "conflict": "sync.SyncConflict",
    "session": "training.Session",
    "member": "teams.Member",
}


@functools.cache
def _model_for(param: str) -> type[models.Model] | None:
    base = param.removesuffix("_id")
    if base in ALIASES:
        return apps.get_model(ALIASES[base])
    matches = [m for m in apps.get_models() if m.__name__.lower() == base.replace("_", "")]
    return matches[0] if len(matches) == 1 else None


def _ends(model: type[models.Model]) -> list[Any]:
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return [first or 1, last or 1]


class Values:
    """The path values for one role, by kind, from the world."""

    def __init__(self, world: World, role: str) -> None:
        units = world.units
        own_unit = {
            "admin": units["vn"],
            "tinh": units["hanoi"],
            "lanhdao": units["hanoi"],
            "doanhnghiep": units["hanoi"],
            "xahcm": units["sai_gon"],
        }.get(role, units["bat_trang"])
        below = {units["vn"].pk: units["hanoi"], units["hanoi"].pk: units["bat_trang"]}.get(own_unit.pk, own_unit)
        in_hcm = role == "xahcm"
        self.units = {
            "own": own_unit.pk,
            "below": below.pk,
            "empty": units["empty"].pk,
            "other": (units["bat_trang"] if in_hcm else units["sai_gon"]).pk,
            "legacy": units["legacy"].pk,
            "missing": MISSING_ID,
        }
        village, other = world.villages["demo"], world.villages["no_team"]
        self.villages = {
            "own": (other if in_hcm else village).pk,
            "other": (village if in_hcm else other).pk,
            "retired": world.villages["retired"].pk,
            "missing": MISSING_ID,
        }

    def choices(self, param: str) -> list[tuple[str, Any]]:
        if param in {"unit_id", "commune_id", "province_id"}:
            return list(self.units.items())
        if param == "village_id":
            return list(self.villages.items())
        if param == "item_code":
            return [("own", "vneid_level2"), ("missing", "zz-unknown")]
        model = _model_for(param)
        first, last = _ends(model) if model is not None else (1, 1)
        return [("first", first), ("last", last), ("missing", MISSING_ID)]


def _url(target: Target, values: Values, turn: int, force: str = "") -> tuple[str, set[str]]:
    """The URL for one visit and the kinds of path value it used (``force``: this kind where there is one)."""
    kinds: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        options = values.choices(match.group(1))
        kind, value = options[turn % len(options)]
        if force:
            kind, value = next(((k, v) for k, v in options if k == force), (kind, value))
        kinds.add(f"{match.group(1)}:{kind}")
        return str(value)

    path = "/" + _PATH_PARAM.sub(fill, target.route)
    if not target.params:
        return path, kinds
    variant = turn % (len(HOSTILE) + 1)
    parts = []
    for name, kind in target.params:
        value = ORDINARY.get(kind, ORDINARY["string"]) if variant == 0 else HOSTILE[variant - 1]
        parts.append(f"{name}={value}")
    return f"{path}?{'&'.join(parts)}", kinds


# -- checks ------------------------------------------------------------------------------------------


@functools.cache
def _english() -> frozenset[str]:
    """The catalogue's English messages with two words or more, as a page would show them untranslated."""
    catalog = translation.trans_real.translation("vi")._catalog  # type: ignore[attr-defined]
    found = set()
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgstr or msgstr == msgid or "%" in msgid or "{" in msgid:
            continue
        text = " ".join(msgid.split())
        if len(text.split()) >= 2 and text.isascii():
            found.add(text)
    return frozenset(found)


_TEXT_NODE = re.compile(r">([^<>]+)<")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


def _not_vietnamese(body: str) -> str:
    if 'lang="vi"' not in body[:500]:
        return 'no lang="vi"'
    english = _english()
    for raw in _TEXT_NODE.findall(_SCRIPT.sub("", body)):
        text = " ".join(html.unescape(raw).split())
        if text in english:
            return f"untranslated: {text!r}"
    return ""


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _visit(client: Client, url: str) -> tuple[int, str, str]:
    """(status, content type, text) or (500, '', the exception) when the view raised."""
    try:
        response = client.get(url)
    except Exception as exc:  # noqa: BLE001 - any exception is the finding
        return 500, "", f"{type(exc).__name__}: {str(exc)[:200]}"
    kind = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        # Read it to the end through the test client's wrapper: a stream can fail half-way, and closing the
        # response directly would close the database connection (and the world's open transaction with it).
        try:
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - any exception is the finding
            return 500, kind, f"while streaming: {type(exc).__name__}: {str(exc)[:200]}"
        return response.status_code, kind, ""
    text = response.content.decode("utf-8", "replace") if kind.startswith("text/html") else ""
    return response.status_code, kind, text


# Beyond the rotation (which gives each (route, role) a single kind of value), every route that takes a unit
# or a village is visited with the places real data is full of by the roles that see them (Hà Nội's 122
# communes with nothing in them answered 500 to exactly these roles), and with another province's place by
# the roles confined to one commune, which must be refused it.
EXTRA_KINDS = {
    "admin": ("below", "empty", "legacy", "retired"),
    "tinh": ("below", "empty", "legacy", "retired"),
    "lanhdao": ("below", "empty", "legacy", "retired"),
    **dict.fromkeys(CONFINED, ("other",)),
}
_PLACE_PARAM = re.compile(r"<(?:int:)?(unit|village|commune)_id>")
STATUSES: dict[str, dict[int, int]] = {}


def _visits(target: Target, values: Values, turn: int, role: str) -> Iterator[tuple[str, set[str]]]:
    url, kinds = _url(target, values, turn)
    yield url, kinds
    if _PLACE_PARAM.search(target.route):
        seen = {url}
        for force in EXTRA_KINDS.get(role, ()):
            extra, extra_kinds = _url(target, values, turn, force)
            if extra not in seen:
                seen.add(extra)
                yield extra, extra_kinds


def crawl(world: World, role: str) -> Iterator[tuple[str, str]]:
    """Visit every target as ``role``; yield (route, problem) for each finding."""
    client = _client(world, role)
    values = Values(world, role)
    role_turn = ROLES.index(role)
    statuses = STATUSES.setdefault(role, {})
    for index, target in enumerate(TARGETS):
        for url, kinds in _visits(target, values, index + role_turn, role):
            yield from _check(client, target, role, url, kinds, statuses)


def _check(
    client: Client, target: Target, role: str, url: str, kinds: set[str], statuses: dict[int, int]
) -> Iterator[tuple[str, str]]:
    status, kind, text = _visit(client, url)
    statuses[status] = statuses.get(status, 0) + 1
    where = f"{role} GET {url[:160]}"
    if status >= 500:
        yield target.route, f"{where}: {status} {text}"
        return
    # Ninja's own API docs page (Swagger UI) is for developers, in English by design.
    if kind.startswith("text/html") and text and status != 302 and target.kind != "ninja":
        problem = _not_vietnamese(text)
        if problem:
            yield target.route, f"{where}: {status}, {problem}"
    refused = {"unit_id:other", "village_id:other", "commune_id:other"} & kinds
    if role in CONFINED and refused and target.access != "public" and status == 200:
        yield target.route, f"{where}: 200 for another province's place ({', '.join(sorted(refused))})"


# -- the tests ---------------------------------------------------------------------------------------


def test_the_crawler_finds_every_page_and_api_get() -> None:
    routes = {t.route for t in TARGETS}
    assert {"bao-cao/don-vi/<int:unit_id>/", "tim-to/", "api/v1/units", "api/v1/households"} <= routes
    assert len(TARGETS) > 200
    assert {t.route: t.params for t in TARGETS}["api/v1/units"]  # the OpenAPI's query parameters
    assert ("q", "string") in {t.route: t.params for t in TARGETS}["to-cong-nghe/"]  # a page's, from its module


def test_the_language_check_flags_a_page_without_lang_vi_or_with_an_untranslated_message() -> None:
    english = sorted(_english())
    assert len(english) > 100
    assert _not_vietnamese(f'<html lang="vi"><body><p>\n  {english[0]}  </p></body></html>').startswith("untranslated")
    assert _not_vietnamese('<html lang="en"><body></body></html>') == 'no lang="vi"'
    assert _not_vietnamese('<html lang="vi"><body><p>Đăng nhập</p><script>"Sign in"</script></body></html>') == ""


@pytest.mark.parametrize("role", ROLES)
def test_every_role_crawls_every_route_without_a_server_error(world: World, role: str) -> None:
    started = time.monotonic()
    findings = list(crawl(world, role))
    known = [f for f in findings if f[0] in KNOWN]
    new = [problem for route, problem in findings if route not in KNOWN]
    took = time.monotonic() - started
    print(f"\ncrawl as {role}: {len(TARGETS)} routes in {took:.1f} s; statuses {STATUSES[role]}; known: {len(known)}")
    for route, problem in known:
        print(f"  known ({KNOWN[route]}): {problem}")
    assert not new, "\n".join(new)
