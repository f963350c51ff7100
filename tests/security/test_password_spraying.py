"""Issue 16.3: failed sign-ins are limited per (username, IP), per IP across usernames and per username across
IPs, on the sign-in page and on POST /api/v1/auth/token alike; the client IP comes from a trusted proxy header
only when one is configured."""

from __future__ import annotations

from collections.abc import Callable
from itertools import cycle
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.translation import gettext as _

from cdtt.accounts.models import ApiToken
from conftest import PASSWORD, Users

WRONG = "sai-mật-khẩu-đoán-mò"
VICTIMS = ["commune_officer", "team_leader", "team_member", "leader"]
TARGET = "province_officer"  # never tried wrongly by the sprayer


def _page(client: Client, username: str, password: str, **extra: Any) -> int:
    return client.post("/dang-nhap/", {"username": username, "password": password}, **extra).status_code


def _api(client: Client, username: str, password: str, **extra: Any) -> int:
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token", body, content_type="application/json", **extra).status_code


SignIn = Callable[..., int]
# The sign-in endpoints; test_the_sign_in_endpoints_are_these_two proves the walk finds no other.
ENDPOINTS: dict[str, SignIn] = {"page": _page, "api": _api}
SUCCESS = {"page": 302, "api": 200}


def _views_taking_a_password() -> set[str]:
    """Every route whose view authenticates a username and password, found by walking the URLconf."""
    import inspect

    found: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
                continue
            view = entry.callback
            target = getattr(view, "view_class", None) or view
            try:
                source = inspect.getsource(inspect.unwrap(target))
            except (OSError, TypeError):
                source = ""
            if "LoginView" in repr(target) or "authenticate(request" in source:
                found.add("/" + route)

    walk(get_resolver().url_patterns, "")
    from cdtt.api.api import api

    for router_prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if "authenticate(request" in inspect.getsource(inspect.unwrap(operation.view_func)):
                    found.add("/api/v1" + router_prefix + path)
    return found


def test_the_sign_in_endpoints_are_these_two(db: None) -> None:
    assert _views_taking_a_password() == {"/dang-nhap/", "/api/v1/auth/token"}


# (label, what the attacker does before the victim's good sign-in) — each a different spraying pattern.
Attack = Callable[[SignIn], None]


def _spray_one_ip(sign_in: SignIn) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _n, name in zip(range(10), cycle(VICTIMS), strict=False):  # ≤ 3 per account: under the per-account limit
        sign_in(client, name, WRONG)


def _one_account_many_ips(sign_in: SignIn) -> None:
    for n in range(10):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), TARGET, WRONG)


def _spray_with_forged_forwarded_for(sign_in: SignIn) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n, name in zip(range(10), cycle(VICTIMS), strict=False):
        sign_in(client, name, WRONG, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}", HTTP_X_REAL_IP=f"10.8.8.{n}")


def _spray_then_own_good_sign_in(sign_in: SignIn) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _n, name in zip(range(6), cycle(VICTIMS[:3]), strict=False):
        sign_in(client, name, WRONG)
    sign_in(Client(REMOTE_ADDR="203.0.113.7"), "leader", PASSWORD)  # the sprayer's own account: resets nothing
    for _n, name in zip(range(4), cycle(VICTIMS[:3]), strict=False):
        sign_in(client, name, WRONG)


ATTACKS: dict[str, tuple[Attack, str]] = {
    "spray from one IP": (_spray_one_ip, "203.0.113.7"),
    "one account from ten IPs": (_one_account_many_ips, "198.51.100.200"),
    "spray with forged X-Forwarded-For": (_spray_with_forged_forwarded_for, "203.0.113.7"),
    "spray, own good sign-in, spray": (_spray_then_own_good_sign_in, "203.0.113.7"),
}


@pytest.mark.parametrize("attacked", ENDPOINTS)
@pytest.mark.parametrize("checked", ENDPOINTS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_a_spraying_pattern_locks_the_next_sign_in(users: Users, attack: str, attacked: str, checked: str) -> None:
    run, ip = ATTACKS[attack]
    run(ENDPOINTS[attacked])
    client = Client(REMOTE_ADDR=ip)
    assert ENDPOINTS[checked](client, TARGET, PASSWORD) == 429
    assert not ApiToken.objects.filter(user__username=TARGET).exists()
    assert client.get("/ca-nhan/").status_code == 302


def test_the_refusal_says_how_long_to_wait_in_vietnamese(users: Users) -> None:
    _spray_one_ip(_page)
    client = Client(REMOTE_ADDR="203.0.113.7")
    page = client.post("/dang-nhap/", {"username": TARGET, "password": PASSWORD})
    assert page.status_code == 429
    assert "Chờ 15 phút" in page.content.decode()
    body = {"username": TARGET, "password": PASSWORD}
    api = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert api.status_code == 429
    message = _("Too many failed sign-ins for this account or from this network. Wait %(minutes)s minutes.")
    assert api.json() == {"detail": message % {"minutes": 15}}
    assert "15 phút" in api.json()["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_few_typos_in_one_office_lock_nobody_else(users: Users, endpoint: str) -> None:
    office = Client(REMOTE_ADDR="192.0.2.10")
    for name in VICTIMS[:3]:
        ENDPOINTS[endpoint](office, name, WRONG)
        ENDPOINTS[endpoint](office, name, WRONG)
    assert ENDPOINTS[endpoint](Client(REMOTE_ADDR="192.0.2.10"), TARGET, PASSWORD) == SUCCESS[endpoint]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_spray_from_one_ip_leaves_other_places_alone(users: Users, endpoint: str) -> None:
    _spray_one_ip(ENDPOINTS[endpoint])
    assert ENDPOINTS[endpoint](Client(REMOTE_ADDR="192.0.2.99"), TARGET, PASSWORD) == SUCCESS[endpoint]


# -- the trusted proxy header -------------------------------------------------------------------------------


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_META_KEY = "HTTP_X_FORWARDED_FOR"


def test_behind_a_configured_proxy_clients_are_told_apart_by_the_header(users: Users, behind_proxy: None) -> None:
    proxy = "10.0.0.2"
    for _n, name in zip(range(10), cycle(VICTIMS), strict=False):
        # The client forges the left part; the proxy appends the real address on the right.
        _page(Client(REMOTE_ADDR=proxy), name, WRONG, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert _page(Client(REMOTE_ADDR=proxy), TARGET, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7") == 429
    assert _page(Client(REMOTE_ADDR=proxy), TARGET, PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.5") == 302


def test_the_audit_trail_records_the_address_the_proxy_gave(users: Users, behind_proxy: None) -> None:
    from cdtt.core.models import AuditEvent

    _page(Client(REMOTE_ADDR="10.0.0.2"), TARGET, WRONG, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert AuditEvent.objects.get(action="auth.login_failed").ip_address == "203.0.113.9"


def test_without_the_setting_the_header_is_ignored(users: Users) -> None:
    from cdtt.core.models import AuditEvent

    _page(Client(REMOTE_ADDR="10.0.0.2"), TARGET, WRONG, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AuditEvent.objects.get(action="auth.login_failed").ip_address == "10.0.0.2"
