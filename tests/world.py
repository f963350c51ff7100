"""A national-shaped test world: the real administrative tree (34 provinces, 3,321 communes and the legacy
tree), the demo's slice of Hà Nội, and on top of it the shapes real data takes that the 2×2×2 ``tree``
fixture never has. Built through the services an officer uses, so it is what the platform itself makes.

Built once per test run (the ``world`` fixture in the root conftest, on its ``real_tree``) and rolled back at
the end.
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

from cdtt.accounts.models import Role, User
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.geo import services as geo
from cdtt.geo.loader import admin_units_load
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, Village, VillageKind
from cdtt.households.services import ResidentIn, resident_add
from cdtt.reports import selectors as reports_selectors
from cdtt.reports import services as reports
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets.models import PeriodKind
from cdtt.teams import services as teams
from cdtt.teams.models import DecisionStatus, MemberRole, SignerTitle, Team, TeamStatus
from tests.builders import make_household, make_team, make_user, sign_decision

# Codes of the official register used by the world (the demo's communes are Hà Nội's).
HANOI, HCM = "01", "79"
BAT_TRANG, BA_DINH, BA_VI = "00583", "00004", "09700"
SAI_GON = "26740"  # Hồ Chí Minh: villages, no team, households with and without residents
EMPTY_COMMUNE = "00097"  # Phường Hồng Hà (Hà Nội): nothing at all, like most of the nation
LEGACY_COMMUNE = "00001"  # the old Phường Phúc Xá (before the 2025 reform)
MISSING_ID = 2_000_000_000  # no row has it; still fits a 32-bit integer column

PASSWORD = "world-only-2026"

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
    from cdtt.demo import year as load_demo

    year = getattr(load_demo, "_year_of_work", None)
    if year is None:
        yield
        return

    def lighter(*args: Any, **kwargs: Any) -> Any:
        with mock.patch.object(load_demo, "timezone", _FebruaryClock()):
            return year(*args, **kwargs)

    with mock.patch.object(load_demo, "_year_of_work", lighter):
        yield


def world_build(*, load_tree: bool = True) -> World:
    """Build the world in the current database (about half a minute, most of it the real tree; without it
    when the caller has loaded the tree already: the ``real_tree`` fixture)."""
    started = time.monotonic()
    if load_tree:
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
    users["xahcm"] = make_user(
        "xahcm", "Cán bộ UBND phường Sài Gòn", role=Role.COMMUNE_OFFICER, unit=units["sai_gon"], password=PASSWORD
    )
    users["nobody"] = make_user("nobody", "Chưa có vai trò", password=PASSWORD)
    villages: dict[str, Village] = {}
    team_map: dict[str, Team] = {}
    villages["no_team"] = _households_without_team(users["xahcm"], units["sai_gon"])
    villages["retired"], villages["demo"] = _retired_and_demo_villages(users["xa"], units["bat_trang"])
    team_map["dissolved"], team_map["no_records"] = _ba_vi_teams(units["ba_vi"])
    team_map["demo"] = _demo_decision_superseded(users["xa"], villages["demo"])
    _reports_reopened_and_returned(users, units)
    _hcm_without_quarterly_reports(units["hcm"])
    _record_last_year(users["xa"], units["bat_trang"])
    notes.append(f"world {time.monotonic() - started:.1f} s")
    return World(
        users=users, units=units, villages=villages, teams=team_map, seconds=time.monotonic() - started, notes=notes
    )


def _households_without_team(xahcm: User, sai_gon: AdminUnit) -> Village:
    """A commune of the other province with villages but no team, and households with and without residents."""
    village = geo.village_create(actor=xahcm, commune=sai_gon, name="Khu phố 1", kind=VillageKind.KHU_PHO)
    geo.village_create(actor=xahcm, commune=sai_gon, name="Khu phố 2", kind=VillageKind.KHU_PHO)
    with_resident = make_household(
        actor=xahcm, village=village, head_name="Võ Thị Hoa", members_count=2, consent="verbal"
    )
    resident_add(actor=xahcm, household=with_resident, data=ResidentIn(full_name="Võ Thị Hoa", birth_year=1970))
    make_household(actor=xahcm, village=village, head_name="Lý Văn Tâm")
    return village


def _retired_and_demo_villages(xa: User, bat_trang: AdminUnit) -> tuple[Village, Village]:
    """A retired village in the demo commune, and the demo team's village."""
    old = geo.village_create(actor=xa, commune=bat_trang, name="Thôn Cũ", kind=VillageKind.THON)
    retired = geo.village_retire(actor=xa, village=old, on=timezone.localdate())
    return retired, Village.objects.get(commune=bat_trang, name="Thôn Giang Cao", valid_to=None)


def _ba_vi_teams(ba_vi: AdminUnit) -> tuple[Team, Team]:
    """Ba Vì: a team set up and dissolved, and a proposed team with no records at all."""
    bavi = User.objects.get(username="bavi")
    joined = datetime.date(2025, 8, 1)
    yen_son = Village.objects.get(commune=ba_vi, name="Thôn Yên Sơn", valid_to=None)
    leader = teams.MemberIn(full_name="Đinh Văn Sơn", role=MemberRole.LEADER)
    dissolved = make_team(actor=bavi, village=yen_son, members=[leader], joined_on=joined)
    dissolved = teams.team_dissolve(actor=bavi, team=dissolved, on=timezone.localdate(), reason="Sáp nhập thôn")
    hop_nhat = Village.objects.get(commune=ba_vi, name="Thôn Hợp Nhất", valid_to=None)
    leader = teams.MemberIn(full_name="Hà Thị Mai", role=MemberRole.LEADER)
    return dissolved, make_team(actor=bavi, village=hop_nhat, members=[leader], joined_on=joined)


def _demo_decision_superseded(xa: User, village: Village) -> Team:
    """The demo team's signed decision superseded by a new one after a member joined."""
    today = timezone.localdate()
    demo_team = Team.objects.get(village=village, status=TeamStatus.ACTIVE)
    teams.member_join(actor=xa, team=demo_team, data=teams.MemberIn(full_name="Đỗ Văn Phúc"), on=today)
    draft = demo_team.decisions.get(status=DecisionStatus.DRAFT)  # type: ignore[attr-defined]
    sign_decision(
        actor=xa,
        decision=draft,
        number="27/QĐ-UBND",
        on=today,
        signer_name="Nguyễn Văn Hải",
        signer_title=SignerTitle.CHAIRMAN,
    )
    return demo_team


def _reports_reopened_and_returned(users: dict[str, User], units: dict[str, AdminUnit]) -> None:
    """The team's approved report reopened, the commune's returned by the province."""
    for report in Report.objects.filter(status=ReportStatus.APPROVED, village__isnull=False):
        reports.report_reopen(actor=users["xa"], report=report, version=report.version, reason="Sửa số hộ")
    for report in Report.objects.filter(status=ReportStatus.SUBMITTED, unit=units["bat_trang"]):
        reports.report_return(actor=users["tinh"], report=report, version=report.version, comment="Bổ sung số liệu")


def _hcm_without_quarterly_reports(hcm: AdminUnit) -> None:
    """Hồ Chí Minh asks for no quarterly reports."""
    rule = reports_selectors.deadline_rule(hcm, PeriodKind.QUARTER)
    reports.deadline_set(
        actor=User.objects.get(username="tinhhcm"),
        province=hcm,
        kind=PeriodKind.QUARTER,
        month_offset=rule[0],
        day=rule[1],
        required=False,
    )


def _record_last_year(xa: User, bat_trang: AdminUnit) -> None:
    """A record dated last year (the year pickers offer it): its last day, which the service's one-year
    backdating limit always accepts."""
    activity_record(
        actor=xa,
        data=ActivityIn(
            kind="propaganda",
            occurred_on=datetime.date(timezone.localdate().year - 1, 12, 31),
            commune_id=bat_trang.pk,
            channel="meeting",
            people_reached=40,
        ),
    )
