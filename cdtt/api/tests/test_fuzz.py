"""The whole JSON API fuzzed with schemathesis, as a commune officer, a team member and a province officer.

Every operation of the OpenAPI description the app serves (/api/v1/openapi.json) gets generated requests, writes
included, against a demo-like world in the test database (rolled back after each role). No answer may be a
server error, and every documented answer must match its declared schema.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance
from werkzeug.test import Client as WsgiClient

from cdtt.demo.accounts import DEFAULT_PASSWORD
from cdtt.geo import loader, sources

pytestmark = [pytest.mark.fuzz, pytest.mark.dbneutral]

# Demo logins the fuzzer signs in as, one per role the issue names.
ROLES = {"commune_officer": "xa", "team_member": "tovien", "province_officer": "tinh"}
PROVINCES = {"01", "79"}  # the demo's Hà Nội and the other province's Hồ Chí Minh


def _in_provinces(records: Any) -> Iterator[Any]:
    """The records of the demo's provinces and of everything beneath them (current or legacy tree)."""
    rows = list(records)
    by_code = {r.code: r for r in rows}

    def province_of(rec: Any) -> str:
        while rec.parent_code and rec.parent_code in by_code:
            rec = by_code[rec.parent_code]
        return rec.code

    return (r for r in rows if province_of(r) in PROVINCES)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The real units of two provinces (current and legacy, with their links) and the demo data on them.

    Built once for the three roles inside a transaction that is rolled back after them; each role's run is a
    nested transaction of its own, so one role's writes never reach the next.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        transaction.atomic(),
    ):
        with pytest.MonkeyPatch.context() as patch:
            current, legacy = sources.current_units, sources.legacy_units
            patch.setattr(sources, "current_units", lambda: _in_provinces(current()))
            patch.setattr(sources, "legacy_units", lambda: _in_provinces(legacy()))
            loader.admin_units_load()
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _ids(queryset: Any, n: int = 6) -> list[int]:
    """A few ids of a table: the first and the last ones (often in different units), so scope is tried both ways."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    return sorted(set(ids[: n // 2] + ids[-(n - n // 2) :]))


def _pools() -> dict[str, list[Any]]:
    """Real ids of the world for each id-like parameter, plus one that does not exist.

    Random integers almost always miss, so without these every operation on a thing would stop at its 404.
    """
    from cdtt.accounts.models import User
    from cdtt.activities.models import Activity
    from cdtt.catalog.models import Outcome, Platform
    from cdtt.difficulties.models import Difficulty
    from cdtt.geo.models import AdminUnit, Village
    from cdtt.households.models import AdoptionItem, Household, Resident
    from cdtt.notices.models import Notification
    from cdtt.practices.models import Announcement, Practice
    from cdtt.reports.models import Report
    from cdtt.targets.models import Period, Target
    from cdtt.teams.models import Decision, Member, Membership, Team
    from cdtt.training.models import Course, Enterprise, Session

    units = AdminUnit.objects
    demo = list(units.current().filter(code__in=["VN", "01", "00583", "00004", "79"]).values_list("pk", flat=True))
    # A commune with nothing in it, a commune of the other province, a legacy (pre-2025) unit.
    others = [
        units.current().filter(parent__code="01").exclude(villages__isnull=False).order_by("pk").first(),
        units.current().filter(parent__code="79").order_by("pk").first(),
        units.filter(valid_to__isnull=False).order_by("pk").first(),
    ]
    unit_ids = demo + [u.pk for u in others if u is not None]
    missing = 10**9
    pools: dict[str, list[Any]] = {
        "unit": unit_ids,
        "village": _ids(Village.objects),
        "team": _ids(Team.objects),
        "membership": _ids(Membership.objects),
        "member": _ids(Member.objects),
        "decision": _ids(Decision.objects),
        "household": _ids(Household.objects),
        "resident": _ids(Resident.objects),
        "target": _ids(Target.objects),
        "period": _ids(Period.objects),
        "activity": _ids(Activity.objects),
        "report": _ids(Report.objects),
        "practice": _ids(Practice.objects),
        "announcement": _ids(Announcement.objects),
        "notice": _ids(Notification.objects),
        "difficulty": _ids(Difficulty.objects),
        "course": _ids(Course.objects),
        "session": _ids(Session.objects),
        "enterprise": _ids(Enterprise.objects),
        "outcome": _ids(Outcome.objects),
        "platform": _ids(Platform.objects),
        "user": _ids(User.objects),
    }
    for name in pools:
        pools[name].append(missing)
    pools["item_code"] = [*AdoptionItem.objects.order_by("pk").values_list("code", flat=True)[:6], "khong-co"]
    return pools


# Which pool each id-like parameter (path, query or body field) draws from.
PARAMETER_POOLS = {
    "unit_id": "unit",
    "commune_id": "unit",
    "province_id": "unit",
    "parent_id": "unit",
    "handler_unit_id": "unit",
    "sender_unit_id": "unit",
    "village_id": "village",
    "team_id": "team",
    "membership_id": "membership",
    "member_id": "member",
    "caretaker_id": "member",
    "decision_id": "decision",
    "supersedes_id": "decision",
    "household_id": "household",
    "resident_id": "resident",
    "target_id": "target",
    "period_id": "period",
    "activity_id": "activity",
    "undoes_id": "activity",
    "report_id": "report",
    "practice_id": "practice",
    "announcement_id": "announcement",
    "notice_id": "notice",
    "difficulty_id": "difficulty",
    "course_id": "course",
    "session_id": "session",
    "follow_up_of_id": "session",
    "enterprise_id": "enterprise",
    "outcome_id": "outcome",
    "platform_id": "platform",
    "assignee_id": "user",
    "reviewer_id": "user",
    "user_id": "user",
    "item_code": "item_code",
}


def _config(pools: dict[str, list[Any]]) -> SchemathesisConfig:
    parameters: dict[str, Any] = {}
    for name, pool in PARAMETER_POOLS.items():
        # Path ids mostly real (the operation itself is what is tried); query and body ids half the time.
        parameters[f"path.{name}"] = {"dictionary": pool, "probability": 0.8}
        parameters[f"query.{name}"] = {"dictionary": pool, "probability": 0.5}
        parameters[f"body.{name}"] = {"dictionary": pool, "probability": 0.5}
    return SchemathesisConfig.from_dict(
        {
            # Fixed seed and derandomized: CI runs the same requests every time, so a failure reproduces exactly.
            "seed": 20250701,
            # A slow or busy machine must not fail the run: the health check that times generation is off.
            "suppress-health-check": ["too_slow"],
            "dictionaries": {name: {"values": values} for name, values in pools.items()},
            "parameters": parameters,
            "generation": {
                # Bounded so CI stays within its budget (see FUZZ_MAX_EXAMPLES below).
                "max-examples": FUZZ_MAX_EXAMPLES,
                "deterministic": True,
                # NUL bytes and control characters are generated: CleanTextMiddleware cleans them in one place.
                "allow-x00": True,
                # No example database: nothing replayed from an earlier run, nothing written to .hypothesis/.
                "database": "none",
            },
            # The coverage phase (boundary and invalid values of every parameter) alone makes ~35 requests per
            # operation and role: too many for CI's budget. CDTT_FUZZ_COVERAGE=1 turns it on for a deeper run.
            "phases": {"coverage": {"enabled": os.environ.get("CDTT_FUZZ_COVERAGE") == "1"}},
        }
    )


# Generated requests per operation and role in the fuzzing phase (10 keeps the three roles within about two
# minutes on CI's 2 cores); raise it for a deeper run: CDTT_FUZZ_EXAMPLES=100 pytest cdtt/api/tests/test_fuzz.py
FUZZ_MAX_EXAMPLES = int(os.environ.get("CDTT_FUZZ_EXAMPLES", "10"))


@pytest.fixture
def _one_connection() -> Iterator[None]:
    """Keep the test's database connection across the fuzzer's requests, as Django's test client does.

    At the end of each request the WSGI handler closes a connection that is inside a transaction (as the test's
    is): on PostgreSQL the test's transaction, and the world in it, would go with it. (Django's test client
    reconnects this on each request: do not use it while this fixture is active.)
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=list(ROLES))
def api_schema(request: pytest.FixtureRequest, world: None, db: None, _one_connection: None) -> Any:
    """The served OpenAPI description, loaded through the WSGI app, with the role's token sent on every call.

    The token comes from the API's own token endpoint, as a client of the API would get it.
    """
    app = get_wsgi_application()
    body = {"username": ROLES[request.param], "password": DEFAULT_PASSWORD, "name": "fuzz"}
    answer = WsgiClient(app).post("/api/v1/auth/token", json=body)
    assert answer.status_code == 200, answer.text
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=_config(_pools()))
    # Accept-Encoding: identity, as the WSGI transport does not unzip what GZipMiddleware compresses.
    schema.config.headers = {"Authorization": f"Bearer {(answer.json or {})['token']}", "Accept-Encoding": "identity"}
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_gives_no_server_error_and_keeps_its_schema(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
