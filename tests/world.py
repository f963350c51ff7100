"""A national-shaped test world: the real administrative tree (34 provinces, 3,321 communes and the legacy
tree), the demo's slice of Hà Nội, and on top of it the shapes real data takes that the 2×2×2 ``tree``
fixture never has. Built through the services an officer uses, so it is what the platform itself makes.

Built once per test run (the ``world`` fixture in the root conftest) and rolled back at the end.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.geo import services as geo
from cdtt.geo.loader import admin_units_load
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, Village, VillageKind
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.reports import services as reports
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets.models import PeriodKind
from cdtt.teams import services as teams
from cdtt.teams.models import DecisionStatus, MemberRole, SignerTitle, Team, TeamStatus

# Codes of the official register used by the world (the demo's communes are Hà Nội's).
HANOI, HCM = "01", "79"
BAT_TRANG, BA_DINH, BA_VI = "00583", "00004", "09700"
SAI_GON = "26740"  # Hồ Chí Minh: villages, no team, households with and without residents
EMPTY_COMMUNE = "00097"  # Phường Hồng Hà (Hà Nội): nothing at all, like most of the nation
LEGACY_COMMUNE = "00001"  # the old Phường Phúc Xá (before the 2025 reform)
MISSING_ID = 2_000_000_000  # no row has it; still fits a 32-bit integer column

# One signed-in user per role, plus a commune officer of the other province and a user with no role.
ROLES = ("admin", "tinh", "lanhdao", "doanhnghiep", "xa", "totruong", "tovien", "xahcm", "nobody")


@dataclass
class World:
    users: dict[str, User]
    units: dict[str, AdminUnit]  # vn, hanoi, hcm, bat_trang, ba_dinh, sai_gon, empty, legacy
    villages: dict[str, Village]  # demo (with the demo team), no_team (Sài Gòn), retired
    teams: dict[str, Team]  # demo, dissolved, no_records
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _user(username: str, full_name: str, role: str | None = None, unit: AdminUnit | None = None) -> User:
    user = User.objects.create_user(username=username, password="world-only-2026", full_name=full_name)
    if role is not None and unit is not None:
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


class _FebruaryClock:
    """``django.utils.timezone`` as seen from the end of this year's February."""

    def __getattr__(self, name: str) -> Any:
        return getattr(timezone, name)

    @staticmethod
    def localdate(*args: Any, **kwargs: Any) -> datetime.date:
        today = timezone.localdate(*args, **kwargs)
        return min(today, datetime.date(today.year, 2, 28))


@contextlib.contextmanager
def _demo_year_in_two_months() -> Iterator[None]:
    """The demo records a year of visits month by month (two thirds of its time on PostgreSQL); the world
    needs the shapes, not the volume, so the demo's year stops at February. Without that step (the demo
    changed), the demo runs as it is."""
    from cdtt.core.management.commands import load_demo

    year = getattr(load_demo, "_demo_year", None)
    if year is None:
        yield
        return

    def lighter(*args: Any, **kwargs: Any) -> Any:
        with mock.patch.object(load_demo, "timezone", _FebruaryClock()):
            return year(*args, **kwargs)

    with mock.patch.object(load_demo, "_demo_year", lighter):
        yield


def world_build() -> World:
    """Build the world in the current database (about half a minute, most of it the real tree)."""
    started = time.monotonic()
    admin_units_load()
    notes = [f"tree {time.monotonic() - started:.1f} s"]
    with _demo_year_in_two_months():
        call_command("load_demo", stdout=io.StringIO())
    notes.append(f"demo {time.monotonic() - started:.1f} s")
    current = AdminUnit.objects.current()
    units = {
        "vn": AdminUnit.objects.get(kind=UnitKind.NATIONAL),
        "hanoi": current.get(code=HANOI),
        "hcm": current.get(code=HCM),
        "bat_trang": current.get(code=BAT_TRANG),
        "ba_dinh": current.get(code=BA_DINH),
        "ba_vi": current.get(code=BA_VI),
        "sai_gon": current.get(code=SAI_GON),
        "empty": current.get(code=EMPTY_COMMUNE),
        "legacy": AdminUnit.objects.get(code=LEGACY_COMMUNE, valid_to=LEGACY_END),
    }
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    users["xahcm"] = _user("xahcm", "Cán bộ UBND phường Sài Gòn", Role.COMMUNE_OFFICER, units["sai_gon"])
    users["nobody"] = _user("nobody", "Chưa có vai trò")
    today = timezone.localdate()
    villages: dict[str, Village] = {}
    team_map: dict[str, Team] = {}

    # A commune of the other province with villages but no team, and households with and without residents.
    xahcm = users["xahcm"]
    villages["no_team"] = geo.village_create(
        actor=xahcm, commune=units["sai_gon"], name="Khu phố 1", kind=VillageKind.KHU_PHO
    )
    geo.village_create(actor=xahcm, commune=units["sai_gon"], name="Khu phố 2", kind=VillageKind.KHU_PHO)
    with_resident = household_create(
        actor=xahcm,
        village=villages["no_team"],
        data=HouseholdIn(consent="verbal", head_name="Võ Thị Hoa", members_count=2),
    )
    resident_add(actor=xahcm, household=with_resident, data=ResidentIn(full_name="Võ Thị Hoa", birth_year=1970))
    household_create(actor=xahcm, village=villages["no_team"], data=HouseholdIn(head_name="Lý Văn Tâm"))

    # A retired village in the demo commune.
    xa = users["xa"]
    old = geo.village_create(actor=xa, commune=units["bat_trang"], name="Thôn Cũ", kind=VillageKind.THON)
    villages["retired"] = geo.village_retire(actor=xa, village=old, on=today)
    villages["demo"] = Village.objects.get(commune=units["bat_trang"], name="Thôn Giang Cao", valid_to=None)

    # Ba Vì: a team set up and dissolved, and a proposed team with no records at all.
    bavi = User.objects.get(username="bavi")
    joined = datetime.date(2025, 8, 1)
    yen_son = Village.objects.get(commune=units["ba_vi"], name="Thôn Yên Sơn", valid_to=None)
    dissolved = teams.team_propose(
        actor=bavi,
        commune=units["ba_vi"],
        village=yen_son,
        members=[teams.MemberIn(full_name="Đinh Văn Sơn", role=MemberRole.LEADER)],
        joined_on=joined,
    )
    team_map["dissolved"] = teams.team_dissolve(actor=bavi, team=dissolved, on=today, reason="Sáp nhập thôn")
    hop_nhat = Village.objects.get(commune=units["ba_vi"], name="Thôn Hợp Nhất", valid_to=None)
    team_map["no_records"] = teams.team_propose(
        actor=bavi,
        commune=units["ba_vi"],
        village=hop_nhat,
        members=[teams.MemberIn(full_name="Hà Thị Mai", role=MemberRole.LEADER)],
        joined_on=joined,
    )

    # The demo team's signed decision superseded by a new one after a member joined.
    demo_team = Team.objects.get(village=villages["demo"], status=TeamStatus.ACTIVE)
    team_map["demo"] = demo_team
    teams.member_join(actor=xa, team=demo_team, data=teams.MemberIn(full_name="Đỗ Văn Phúc"), on=today)
    draft = demo_team.decisions.get(status=DecisionStatus.DRAFT)  # type: ignore[attr-defined]
    teams.decision_update(
        actor=xa,
        decision=draft,
        number="27/QĐ-UBND",
        issued_on=today,
        signer_name="Nguyễn Văn Hải",
        signer_title=SignerTitle.CHAIRMAN,
        legal_bases=draft.legal_bases,
        proposer=draft.proposer,
        recipients=draft.recipients,
    )
    teams.decision_sign(actor=xa, decision=draft)

    # Reports: the team's approved report reopened, the commune's returned by the province.
    tinh = users["tinh"]
    for report in Report.objects.filter(status=ReportStatus.APPROVED, village__isnull=False):
        reports.report_reopen(actor=xa, report=report, version=report.version, reason="Sửa số hộ")
    for report in Report.objects.filter(status=ReportStatus.SUBMITTED, unit=units["bat_trang"]):
        reports.report_return(actor=tinh, report=report, version=report.version, comment="Bổ sung số liệu")

    # Hồ Chí Minh asks for no quarterly reports.
    rule = reports.deadline_rule(units["hcm"], PeriodKind.QUARTER)
    reports.deadline_set(
        actor=User.objects.get(username="tinhhcm"),
        province=units["hcm"],
        kind=PeriodKind.QUARTER,
        month_offset=rule[0],
        day=rule[1],
        required=False,
    )

    # A record dated in the 2025 reform year: the last day of 2025, which the service's one-year backdating
    # limit accepts until the end of 2026 (after that the world must move this date).
    activity_record(
        actor=xa,
        data=ActivityIn(
            kind="propaganda",
            occurred_on=min(datetime.date(2025, 12, 31), today),
            commune_id=units["bat_trang"].pk,
            channel="meeting",
            people_reached=40,
        ),
    )
    notes.append(f"world {time.monotonic() - started:.1f} s")
    return World(
        users=users, units=units, villages=villages, teams=team_map, seconds=time.monotonic() - started, notes=notes
    )
