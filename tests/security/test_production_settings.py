"""Issue 16.6: a production (CDTT_HTTPS=true) install refuses debug and weak keys, answers health checks over
plain HTTP, and no API answer is kept in a cache."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PASSWORD, Users

ROOT = Path(settings.BASE_DIR)
STRONG_KEY = secrets.token_urlsafe(50)
SETUP = "import django; django.setup(); from django.conf import settings; settings.DATABASES"


def _start(tmp_path: Path, code: str = SETUP, **env: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh interpreter with only the given CDTT_* settings and run ``code``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CDTT_") and k != "DATABASE_URL"}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", CDTT_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 - fixed interpreter and code written in this file
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


REFUSED = [
    {"CDTT_DEBUG": "true", "CDTT_SECRET_KEY": STRONG_KEY},
    {"CDTT_SECRET_KEY": "a" * 32},
    {"CDTT_SECRET_KEY": "a" * 80},
    {"CDTT_SECRET_KEY": "abcd" * 12},
    {"CDTT_SECRET_KEY": "password" * 5},
    {"CDTT_SECRET_KEY": "0123456789" * 4},
    {"CDTT_SECRET_KEY": "django-insecure-" + STRONG_KEY},
]


# Fixed ids (the strong key is random): every pytest-xdist worker must collect the same test ids.
@pytest.mark.parametrize(
    "env", REFUSED, ids=["debug", "a-32", "a-80", "abcd-x12", "password-x5", "digits-x4", "django-insecure"]
)
def test_production_refuses_debug_and_low_entropy_keys(tmp_path: Path, env: dict[str, str]) -> None:
    result = _start(tmp_path, CDTT_HTTPS="true", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    "key", [STRONG_KEY, secrets.token_hex(16), secrets.token_hex(32)], ids=["urlsafe-50", "hex-16", "hex-32"]
)
def test_production_starts_with_a_random_key(tmp_path: Path, key: str) -> None:
    result = _start(tmp_path, CDTT_HTTPS="true", CDTT_SECRET_KEY=key)
    assert result.returncode == 0, result.stderr


def test_a_development_install_may_still_use_debug(tmp_path: Path) -> None:
    result = _start(tmp_path, CDTT_DEBUG="true", CDTT_SECRET_KEY="a" * 32)
    assert result.returncode == 0, result.stderr


PROBE = """
import django, json; django.setup()
from django.core.management import call_command
from django.test import Client
c = Client()
print(json.dumps({p: c.get(p).status_code for p in ["/healthz", "/dang-nhap/"]}))
"""


def test_healthz_answers_200_over_plain_http_in_production_and_the_rest_redirects(tmp_path: Path) -> None:
    result = _start(tmp_path, PROBE, CDTT_HTTPS="true", CDTT_SECRET_KEY=STRONG_KEY, CDTT_ALLOWED_HOSTS="testserver")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"/healthz": 200, "/dang-nhap/": 301}


# -- Cache-Control: no-store on every API answer ---------------------------------------------------------------


def _api_get_paths() -> list[str]:
    """Every API route without a path parameter, found by walking the URLconf."""
    found: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif route.startswith("api/v1/") and "<" not in route:
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_the_walk_finds_the_api() -> None:
    paths = _api_get_paths()
    assert "/api/v1/auth/token" in paths and "/api/v1/me" in paths and len(paths) > 10


def test_every_api_answer_says_no_store(signed_in: Callable[..., Client], users: Users) -> None:
    client = signed_in("national_admin")
    for path in _api_get_paths():
        response = client.get(path)
        assert response["Cache-Control"] == "no-store", path
    public = client.get(f"/api/v1/public/finder/communes/{users.commune_officer.assignments.get().unit_id}")
    assert public.status_code == 200 and "public" in public["Cache-Control"]  # published data, cached on purpose
    anonymous = Client().get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous["Cache-Control"] == "no-store"


def test_the_token_issue_says_no_store(users: Users) -> None:
    body = {"username": "commune_officer", "password": PASSWORD}
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 200 and "token" in response.json()
    assert response["Cache-Control"] == "no-store"
    wrong = Client().post("/api/v1/auth/token", {**body, "password": "x"}, content_type="application/json")
    assert wrong["Cache-Control"] == "no-store"
