"""The audit trail is append-only; settings refuse bad values at start-up; passwords are hashed with Argon2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from cdtt.core.audit import audit_record
from cdtt.core.models import AuditEvent
from conftest import Tree, Users

ROOT = Path(settings.BASE_DIR)


def test_audit_record_writes_who_what_where(rf: pytest.FixtureRequest, tree: Tree, users: Users) -> None:
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")  # type: ignore[attr-defined]
    event = audit_record(
        actor=users.commune_officer,
        action="village.create",
        target=tree.v1,
        unit=tree.c1,
        request=request,
        name="Tổ dân phố số 1",
    )
    assert (event.actor_name, event.target_type, event.target_id) == ("commune_officer", "geo.village", str(tree.v1.pk))
    assert (event.ip_address, event.unit, event.details) == ("10.1.2.3", tree.c1, {"name": "Tổ dân phố số 1"})


def test_an_event_without_a_user_keeps_the_given_name(db: None) -> None:
    event = audit_record(actor=None, action="auth.login_failed", actor_name="ai_do")
    assert (event.actor, event.actor_name, event.details) == (None, "ai_do", {})


def test_an_audit_event_cannot_be_changed_or_deleted(db: None) -> None:
    event = audit_record(actor=None, action="test.event")
    event.action = "test.changed"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_deleting_a_user_keeps_their_events(users: Users) -> None:
    audit_record(actor=users.nobody, action="test.event")
    users.nobody.delete()
    event = AuditEvent.objects.get(action="test.event")
    assert (event.actor, event.actor_name) == (None, "nobody")


# -- passwords ----------------------------------------------------------------------------------


def test_argon2_is_the_configured_password_hasher(settings: Any) -> None:
    from config import settings as configured  # the module as written, not the tests' fast override

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    hashed = make_password("mật-khẩu-đủ-dài")
    assert identify_hasher(hashed).algorithm == "argon2"
    assert check_password("mật-khẩu-đủ-dài", hashed)


# -- settings fail fast ------------------------------------------------------------------------


SETUP = "import django; django.setup(); from django.conf import settings; settings.DATABASES"


def _start_django(tmp_path: Path, code: str = SETUP, **env: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh interpreter with only the given CDTT_* settings, and run ``code``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CDTT_") and k != "DATABASE_URL"}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", CDTT_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 - fixed interpreter and code written in this file
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_settings_start_with_a_clean_environment(tmp_path: Path) -> None:
    result = _start_django(tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"CDTT_DEBUG": "maybe"},
        {"DATABASE_URL": "mysql://x"},
        {"DATABASE_URL": "not a url"},
        {"CDTT_LOGIN_FAILURE_LIMIT": "abc"},
        {"CDTT_LOGIN_FAILURE_LIMIT": "0"},
        {"CDTT_UPLOAD_MAX_MB": "-1"},
        {"CDTT_SECRET_KEY": "too-short"},
        {"CDTT_HTTPS": "sometimes"},
    ],
    ids=lambda env: "-".join(f"{k}={v}" for k, v in env.items()),
)
def test_a_bad_setting_stops_start_up(tmp_path: Path, env: dict[str, str]) -> None:
    result = _start_django(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_the_default_database_is_sqlite_in_wal_mode_under_the_var_folder(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor();"
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0], connection.settings_dict['NAME'])"
    )
    result = _start_django(tmp_path, code)
    assert result.returncode == 0, result.stderr
    mode, name = result.stdout.split()
    assert mode == "wal"
    assert Path(name) == tmp_path / "cdtt.sqlite3"
