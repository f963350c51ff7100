"""python manage.py load_demo: a demo slice of Hà Nội with villages and one account per role (idempotent)."""

from __future__ import annotations

import datetime
import os
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.catalog.services import catalog_load
from cdtt.core.audit import audit_record
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, UnitKind, Village, VillageKind
from cdtt.households import privacy as household_privacy
from cdtt.households.models import Household, Relationship, Resident
from cdtt.progress.rebuild import rebuild
from cdtt.teams.models import ChatGroup, Member, MemberRole, Organisation, SignerTitle, Team
from cdtt.teams.services import MemberIn, chat_group_save, decision_sign, decision_update, team_propose
from cdtt.training.demo import demo_training

PROVINCE = "01"  # Thành phố Hà Nội
OTHER_PROVINCE = "79"  # Thành phố Hồ Chí Minh
# Real communes of Hà Nội (codes from the official register); village names are demo data.
VILLAGES: dict[str, list[tuple[str, str]]] = {
    "00583": [  # Xã Bát Tràng
        ("Thôn Giang Cao", VillageKind.THON),
        ("Thôn Kim Lan", VillageKind.THON),
        ("Thôn Văn Đức", VillageKind.THON),
        ("Thôn Bát Tràng", VillageKind.THON),
    ],
    "00004": [  # Phường Ba Đình
        ("Tổ dân phố số 1", VillageKind.TO_DAN_PHO),
        ("Tổ dân phố số 2", VillageKind.TO_DAN_PHO),
        ("Tổ dân phố số 3", VillageKind.TO_DAN_PHO),
    ],
    "09700": [  # Xã Ba Vì
        ("Thôn Yên Sơn", VillageKind.THON),
        ("Thôn Hợp Nhất", VillageKind.THON),
        ("Bản Dao Ba Vì", VillageKind.BAN),
    ],
    "00376": [  # Xã Sóc Sơn
        ("Thôn Đông Hạ", VillageKind.THON),
        ("Thôn Xuân Dương", VillageKind.THON),
    ],
}
DEMO_COMMUNE = "00583"
DEMO_VILLAGE = "Thôn Giang Cao"
# (username, full name, role, unit code or None for the national root, village or None)
ACCOUNTS: list[tuple[str, str, str, str | None, str | None]] = [
    ("admin", "Quản trị quốc gia", Role.NATIONAL_ADMIN, None, None),
    ("tinh", "Cán bộ Sở KH&CN Hà Nội", Role.PROVINCE_OFFICER, PROVINCE, None),
    ("xa", "Cán bộ UBND xã Bát Tràng", Role.COMMUNE_OFFICER, DEMO_COMMUNE, None),
    ("totruong", "Nguyễn Văn An", Role.TEAM_LEADER, DEMO_COMMUNE, DEMO_VILLAGE),
    ("tovien", "Trần Thị Bình", Role.TEAM_MEMBER, DEMO_COMMUNE, DEMO_VILLAGE),
    ("badinh", "Cán bộ UBND phường Ba Đình", Role.COMMUNE_OFFICER, "00004", None),
    ("bavi", "Cán bộ UBND xã Ba Vì", Role.COMMUNE_OFFICER, "09700", None),
    ("socson", "Cán bộ UBND xã Sóc Sơn", Role.COMMUNE_OFFICER, "00376", None),
    ("doanhnghiep", "VNPT Hà Nội", Role.ENTERPRISE_PARTNER, PROVINCE, None),
    ("lanhdao", "Lãnh đạo UBND thành phố", Role.LEADER, PROVINCE, None),
    # Another province's officer: finds Hà Nội's published practices across the network.
    ("tinhhcm", "Cán bộ Sở KH&CN TP. Hồ Chí Minh", Role.PROVINCE_OFFICER, OTHER_PROVINCE, None),
]
DEFAULT_PASSWORD = "CdttDemo@2026"  # noqa: S105 - the documented demo password, printed on purpose


class Command(BaseCommand):
    help = "Create demo villages in a few real Hà Nội communes and one demo account per role."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("CDTT_DEMO_PASSWORD", DEFAULT_PASSWORD)
        root = AdminUnit.objects.filter(kind=UnitKind.NATIONAL).first()
        if root is None or not AdminUnit.objects.current().filter(code=PROVINCE).exists():
            raise CommandError(_("Load the administrative tree first: python manage.py load_admin_units"))
        created_villages = 0
        # One hash for the shared, published demo password: hashing it per account took most of a re-run.
        hashed = make_password(password)
        with transaction.atomic():
            communes = {u.code: u for u in AdminUnit.objects.current().filter(code__in=VILLAGES)}
            for code, villages in VILLAGES.items():
                for name, kind in villages:
                    _village, created = Village.objects.get_or_create(
                        commune=communes[code],
                        name_folded=fold(name),
                        valid_to=None,
                        defaults={"name": name, "kind": kind, "valid_from": root.valid_from},
                    )
                    created_villages += int(created)
            for username, full_name, role, unit_code, village_name in ACCOUNTS:
                unit = (
                    root
                    if unit_code is None
                    else communes.get(unit_code) or AdminUnit.objects.current().get(code=unit_code)
                )
                village = Village.objects.get(commune=unit, name_folded=fold(village_name)) if village_name else None
                user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
                user.password = hashed
                user.is_active = True
                user.save()
                RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit, village=village)
                if created:
                    audit_record(actor=None, action="user.create", target=user, unit=unit, actor_name="load_demo")
            team_created = _demo_team(communes[DEMO_COMMUNE])
            catalog_load()
            households = _demo_households(communes)
            from cdtt.difficulties.demo import demo_difficulties

            difficulties = demo_difficulties()
            _demo_year_unchecked(communes)
            rebuild()  # the progress cells of everything above, whatever order it was made in
            _demo_reports()
            trained = demo_training(PROVINCE, DEMO_COMMUNE)
            _demo_practices()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data ready: %(n)d new villages; %(a)d demo accounts.")
                % {"n": created_villages, "a": len(ACCOUNTS)}
            )
        )
        if households:
            self.stdout.write(_("Demo households: %(n)d in the demo villages.") % {"n": households})
        if difficulties:
            self.stdout.write(_("Demo difficulties: %(n)d, one overdue.") % {"n": difficulties})
        if trained:
            self.stdout.write(
                _("Demo training: a course by the province with VNPT Hà Nội, two communes' members invited.")
            )
        if team_created:
            self.stdout.write(_("Demo team set up in %(village)s with a signed decision.") % {"village": DEMO_VILLAGE})
        self.stdout.write(_("Demo logins (password for all: %(p)s):") % {"p": password})
        names = {u.code: u.name for u in communes.values()}
        for username, _full_name, role, unit_code, village_name in ACCOUNTS:
            where = village_name or (names.get(unit_code or "", "") if role == Role.COMMUNE_OFFICER else "")
            self.stdout.write(f"  {username:<12} {Role(role).label}{' · ' + where if where else ''}")


# The demo team: the village of the demo team accounts, with a signed decision. The commune's other
# villages are left without a team so that setting one up can be tried from the demo.
DEMO_TEAM = [
    (
        "Nguyễn Văn An",
        MemberRole.LEADER,
        "male",
        1978,
        "0912345678",
        Organisation.OTHER,
        "Trưởng thôn",
        True,
        "totruong",
    ),
    (
        "Trần Thị Bình",
        MemberRole.DEPUTY,
        "female",
        1990,
        "0987654321",
        Organisation.WOMENS_UNION,
        "Giáo viên",
        False,
        "tovien",
    ),
    (
        "Lê Văn Cường",
        MemberRole.MEMBER,
        "male",
        1999,
        "0903123456",
        Organisation.YOUTH_UNION,
        "Bí thư chi đoàn",
        False,
        None,
    ),
    ("Phạm Thị Dung", MemberRole.MEMBER, "female", 2001, "", Organisation.YOUTH_UNION, "Sinh viên", False, None),
]


def _demo_team(commune: AdminUnit) -> bool:
    """Set up the demo team through the same services an officer uses (once)."""
    village = Village.objects.get(commune=commune, name_folded=fold(DEMO_VILLAGE), valid_to=None)
    if Team.objects.filter(village=village).exists():
        return False
    officer = User.objects.get(username="xa")
    members = [
        MemberIn(
            full_name=name,
            role=role,
            gender=gender,
            birth_year=year,
            phone=phone,
            organisation=org,
            occupation=job,
            is_village_head=head,
            publish_phone=role == MemberRole.LEADER,
        )
        for name, role, gender, year, phone, org, job, head, _login in DEMO_TEAM
    ]
    joined = datetime.date(2025, 9, 1)
    team = team_propose(actor=officer, commune=commune, village=village, members=members, joined_on=joined)
    decision = team.decisions.get()  # type: ignore[attr-defined]
    decision_update(
        actor=officer,
        decision=decision,
        number="15/QĐ-UBND",
        issued_on=datetime.date(2025, 9, 5),
        signer_name="Nguyễn Văn Hải",
        signer_title=SignerTitle.CHAIRMAN,
        legal_bases=decision.legal_bases,
        proposer=decision.proposer,
        recipients=decision.recipients,
    )
    decision_sign(actor=officer, decision=decision)
    for name, *_rest, login in DEMO_TEAM:
        if login:
            Member.objects.filter(commune=commune, full_name=name).update(user=User.objects.get(username=login))
    return True


HOUSEHOLDS_PER_VILLAGE = 12
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MEN = ["Văn An", "Văn Cường", "Đức Giang", "Minh Khánh", "Quang Huy", "Văn Tùng"]
WOMEN = ["Thị Bình", "Thị Dung", "Thị Hạnh", "Thị Lan", "Thị Mai", "Thị Ngọc"]


def _person(surname: str, n: int, female: bool) -> str:
    return f"{surname} {(WOMEN if female else MEN)[n % 6]}"


def _demo_households(communes: dict[str, AdminUnit]) -> int:
    """A dozen households in each demo village that has none yet, each with its residents: the head, a
    spouse, children (some under 15) and, in the largest, a parent. The register's counts are the residents
    themselves, so the adults the targets are split by and the people the indicators count agree."""
    from cdtt.households.services import adoption_set

    made = 0
    this_year = timezone.localdate().year
    joined = datetime.date(this_year, 1, 1)
    officers = {code: User.objects.get(username=login) for code, login, _pace in YEAR_COMMUNES}
    villages = Village.objects.filter(commune__in=communes.values(), valid_to__isnull=True).order_by("pk")
    for v_index, village in enumerate(villages):
        if Household.objects.filter(village=village).exists():
            continue
        for n in range(HOUSEHOLDS_PER_VILLAGE):
            surname = SURNAMES[(n + v_index) % len(SURNAMES)]
            female_head = n % 4 == 1
            head_year = 1950 + (n * 7 + v_index) % 30
            people = [(_person(surname, n, female_head), head_year, female_head, Relationship.HEAD)]
            size = 2 + (n * 3 + v_index) % 5  # 2 to 6 people
            spouse = SURNAMES[(n + v_index + 3) % len(SURNAMES)]
            wife = not female_head
            people.append((_person(spouse, n + 1, wife), head_year + 2, wife, Relationship.SPOUSE))
            if size == 6:
                people.append((_person(surname, n + 2, True), head_year - 25, True, Relationship.PARENT))
            if len(people) < size:  # a grown-up child who lives at home
                people.append(
                    (_person(surname, n + 3, n % 2 == 1), head_year + 24 + n % 6, n % 2 == 1, Relationship.CHILD)
                )
            for k in range(size - len(people)):
                # Grandchildren born 2008-2023: most are under 15 and not counted as adults.
                born = min(this_year - 2, 2008 + (n * 5 + k * 3 + v_index) % 16)
                girl = (n + k) % 2 == 0
                people.append((_person(surname, n + k + 4, girl), born, girl, Relationship.GRANDCHILD))
            household = Household.objects.create(
                commune_id=village.commune_id,
                village=village,
                head_name=people[0][0],
                head_name_folded=fold(people[0][0]),
                address=f"Số {n + 1}, {village.name}",
                members_count=len(people),
                adults_count=sum(1 for _name, born, _f, _rel in people if this_year - born >= 15),
                smartphones=(n + v_index) % 4,  # some elderly households have none
            )
            # Members are kept on the household's consent (the register of processing): the demo households
            # carry it, recorded as registration records it.
            household_privacy.consent_at_registration(
                actor=officers[village.commune.code], household=household, method="paper"
            )
            for name, born, female, relationship in people:
                Resident.objects.create(
                    household=household,
                    full_name=name,
                    name_folded=fold(name),
                    birth_year=born,
                    gender="female" if female else "male",
                    relationship=relationship,
                )
            if household.smartphones:  # the checklist agrees with the register's count of smartphones
                officer = officers[village.commune.code]
                adoption_set(actor=officer, household=household, item_code="smartphone", reached_on=joined)
            made += 1
    return made


def _achievements(households: list[Household]) -> list[tuple[Household, Resident | None, str]]:
    """What the village's households reached over the year, as (household, person, "platform.outcome"), in
    the order it was reached. Every item is left unreached for some: the heads of household never have VNeID
    level 2 (the older people the guidance is for), so the README's walk (open any household, tap "level 2"
    for the head, save) moves every board; some adults, some households' accounts, groups and stalls are
    left too. Every demo village keeps a Zalo group, counted from these ticks (``_demo_group``), so that a
    report's "households in the group" and its share of the register's households agree at every level."""
    this_year = timezone.localdate().year
    per_household: list[list[tuple[Household, Resident | None, str]]] = []
    for n, household in enumerate(households):
        residents = list(household.residents.all())
        head, others = residents[0], residents[1:]
        adults = [r for r in others if r.birth_year and this_year - r.birth_year >= 15]
        children = [r for r in others if r.relationship in (Relationship.CHILD, Relationship.GRANDCHILD)]
        found: list[tuple[Household, Resident | None, str]] = []
        for k, adult in enumerate(adults):
            if (n + k) % 3 != 2:
                found.append((household, adult, "vneid.installed"))
                found.append((household, adult, "vneid.level2"))
        if n % 3 == 0:
            found.append((household, head, "vneid.installed"))
        if n % 4 != 3:
            found.append((household, None, "village_group.joined"))
        if n % 2 == 0:
            found.append((household, head, "epayment.opened"))
        if n % 4 == 1:
            found.append((household, head, "dvc.dossier"))
        if children and n % 3 == 1:
            found.append((household, children[0], "ehealth.book"))
        if n % 5 == 0:
            found.append((household, None, "ecommerce.stall"))
        per_household.append(found)
    # Round by round across the households (each one's first step, then each one's second, ...), so that a
    # commune that keeps a slower pace has reached many households a little rather than a few fully.
    ordered: list[tuple[Household, Resident | None, str]] = []
    for step in range(max((len(found) for found in per_household), default=0)):
        ordered.extend(found[step] for found in per_household if step < len(found))
    return ordered


def _demo_reports() -> None:
    """Last month's reports (once): the demo team's, approved by the commune; the commune's, awaiting the
    province. This month's are left for the demo to write, submit and review."""
    from cdtt.reports.models import Report
    from cdtt.reports.services import report_approve, report_open, report_submit
    from cdtt.targets.models import PeriodKind
    from cdtt.targets.periods import calendar_period

    leader, officer = User.objects.filter(username="totruong").first(), User.objects.filter(username="xa").first()
    village = Village.objects.filter(name_folded=fold(DEMO_VILLAGE), valid_to__isnull=True).first()
    if leader is None or officer is None or village is None or Report.objects.exists():
        return
    today = timezone.localdate()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    period = calendar_period(PeriodKind.MONTH, year, month)
    team = report_open(actor=leader, subject=village, period=period)
    team.assessment = (
        "Tổ đã tuyên truyền qua loa truyền thanh và hướng dẫn các hộ kích hoạt định danh điện tử mức 2. "
        "Một số hộ người cao tuổi chưa có điện thoại thông minh."
    )
    team.plan = "Tiếp tục hướng dẫn các hộ còn lại; phối hợp với bưu điện mở tài khoản thanh toán."
    team.proposals = "Đề nghị xã hỗ trợ thêm 02 điện thoại dùng chung cho Tổ."
    team.save()
    team = report_submit(actor=leader, report=team, version=team.version)
    report_approve(actor=officer, report=team, version=team.version)
    commune = report_open(actor=officer, subject=village.commune, period=period)
    commune.assessment = "Các Tổ hoạt động đều; số liệu tổng hợp từ báo cáo đã duyệt của các Tổ."
    commune.save()
    report_submit(actor=officer, report=commune, version=commune.version)


# The year's work in the four demo communes, so that the dashboards have targets, a trend and a ranking:
# (commune code, officer who records there, share of the monthly pace the commune keeps up).
YEAR_COMMUNES = [("00583", "xa", 1.0), ("00004", "badinh", 0.8), ("09700", "bavi", 0.55), ("00376", "socson", 0.35)]
# Each village's yearly target per indicator; the province's is their sum over the demo villages.
VILLAGE_TARGETS = {"guidance_visits": 60, "propaganda_sessions": 12, "people_reached": 2000, "vneid_level2": 25}


def _demo_year_unchecked(communes: dict[str, AdminUnit]) -> None:
    """The year so far, seeded as history recorded before the data-quality checks were on: its sessions reach
    more people than the dozen households the demo registers per village (a partial register, which the
    capacity rule can only tell with an official population figure), and whether the checks saw them depended
    on a 30-second cache. A session recorded after loading is checked (the README's walk-through)."""
    from cdtt.quality import checks

    checks.ENABLED = False
    try:
        _demo_year(communes)
    finally:
        checks.ENABLED = True


def _demo_year(communes: dict[str, AdminUnit]) -> None:
    """Targets for the year (set and split by the province, split again by a commune) and activities spread
    over the months so far, all through the services officers and members use (once). The province's own
    officer sets them, so that the walk-through in the README can still change them."""
    from cdtt.activities.services import ActivityIn, activity_record
    from cdtt.catalog.models import Indicator, Outcome, Platform
    from cdtt.targets.models import PeriodKind, SplitMethod, Target
    from cdtt.targets.periods import calendar_period
    from cdtt.targets.services import target_set, target_split

    today = timezone.localdate()
    year = calendar_period(PeriodKind.YEAR, today.year)
    province = AdminUnit.objects.current().get(code=PROVINCE)
    if Target.objects.filter(unit=province, period=year).exists():
        return
    tinh = User.objects.get(username="tinh")
    villages = {
        code: list(Village.objects.filter(commune=communes[code], valid_to__isnull=True).order_by("pk"))
        for code, _login, _pace in YEAR_COMMUNES
    }
    for code, per_village in VILLAGE_TARGETS.items():
        indicator = Indicator.objects.get(code=code)
        total = sum(per_village * len(found) for found in villages.values())
        parent = target_set(actor=tinh, subject=province, indicator=indicator, period=year, value=total)
        shares = {communes[c].pk: per_village * len(villages[c]) for c, _login, _pace in YEAR_COMMUNES}
        target_split(actor=tinh, parent=parent, method=SplitMethod.MANUAL, manual=shares)
        bat_trang = Target.objects.get(unit=communes[DEMO_COMMUNE], indicator=indicator, period=year)
        target_split(actor=User.objects.get(username="xa"), parent=bat_trang, method=SplitMethod.EVEN)
    outcomes = {
        f"{platform}.{code}": pk for pk, platform, code in Outcome.objects.values_list("pk", "platform__code", "code")
    }
    platforms = list(Platform.objects.filter(code__in=["vneid", "dvc", "epayment"]).values_list("pk", flat=True))
    member = User.objects.get(username="tovien")
    for code, login, pace in YEAR_COMMUNES:
        officer = User.objects.get(username=login)
        for v_index, village in enumerate(villages[code]):
            actor = member if village.name_folded == fold(DEMO_VILLAGE) else officer
            households = list(Household.objects.filter(village=village).prefetch_related("residents").order_by("pk"))
            plan = _achievements(households)
            plan = plan[: round(pace * len(plan))]  # each commune at its own pace
            visit = 0
            for month in range(1, today.month + 1):
                # The pace picks up over the year, as teams settle in.
                visits = round(pace * (2.5 + 4 * month / 12))
                for n in range(visits):
                    day = datetime.date(today.year, month, 1 + (n * 5 + v_index * 3) % 27)
                    if day > today:
                        continue
                    outcome_id = platform_id = None
                    if visit < len(plan):
                        household, resident, outcome = plan[visit]
                        outcome_id = outcomes[outcome]
                    else:  # once the plan is done: guided again, no new result yet
                        household = households[(month * 7 + n) % len(households)]
                        resident = household.residents.all()[0]
                        platform_id = platforms[visit % len(platforms)]
                    visit += 1
                    activity_record(
                        actor=actor,
                        data=ActivityIn(
                            kind="guidance",
                            occurred_on=day,
                            household_id=household.pk,
                            resident_id=resident.pk if resident else None,
                            outcome_id=outcome_id,
                            platform_id=platform_id,
                        ),
                    )
                day = datetime.date(today.year, month, min(today.day if month == today.month else 28, 10 + v_index))
                if pace * 10 + month % 3 >= 4:
                    activity_record(
                        actor=actor,
                        data=ActivityIn(
                            kind="propaganda",
                            occurred_on=day,
                            village_id=village.pk,
                            channel="loudspeaker",
                            people_reached=round(60 + 60 * pace + 5 * month),
                        ),
                    )
            if not ChatGroup.objects.filter(village=village).exists():
                _demo_group(officer, village, len(households))


def _demo_group(officer: User, village: Village, households: int) -> None:
    """The village's Zalo group, counted from the register: the households marked as having joined it, out
    of the village's households (the report shows these figures beside the register's own)."""
    from cdtt.households.models import AdoptionStatus

    joined = AdoptionStatus.objects.filter(household__village=village, item__code="village_group").count()
    slug = "giang-cao" if village.name_folded == fold(DEMO_VILLAGE) else str(village.pk)
    chat_group_save(
        actor=officer,
        commune=village.commune,
        village=village,
        platform="zalo",
        name=f"{village.name} - Chuyển đổi số",
        invite_link=f"https://zalo.me/g/demo-{slug}",
        households_in_group=joined,
        households_total=households,
        counted_on=timezone.localdate(),
    )


def _demo_practices() -> None:
    """Once: a good practice of Bát Tràng published by the province, a team's post awaiting the commune's
    review, and an announcement from the province to the commune's officers and teams."""
    from cdtt.practices import announcements, services
    from cdtt.practices.models import Announcement, Practice

    officer, province, leader = (User.objects.filter(username=name).first() for name in ("xa", "tinh", "totruong"))
    village = Village.objects.filter(name_folded=fold(DEMO_VILLAGE), valid_to__isnull=True).first()
    if officer is None or province is None or leader is None or village is None:
        return
    commune, hanoi = village.commune, village.commune.parent
    if not Practice.objects.exists():
        from cdtt.catalog.models import Platform

        platforms = list(Platform.objects.filter(code__in=["ecommerce", "epayment"]).values_list("pk", flat=True))
        vneid = list(Platform.objects.filter(code="vneid").values_list("pk", flat=True))
        post = services.practice_create(
            actor=officer,
            subject=commune,
            data=services.PracticeIn(
                title="Cách làm hay: “Chợ phiên số” đưa gốm Bát Tràng lên sàn thương mại điện tử",
                body=(
                    "Mỗi sáng thứ Bảy, Tổ công nghệ số cộng đồng các thôn mở “Chợ phiên số” tại nhà văn hóa: "
                    "các thành viên Tổ cùng nhân viên bưu điện hướng dẫn hộ làm gốm chụp ảnh sản phẩm, mở gian "
                    "hàng trên postmart.vn và nhận thanh toán không dùng tiền mặt.\n\n"
                    "Sau ba tháng, 46 hộ đã có gian hàng, 120 hộ mở tài khoản thanh toán điện tử. Cách làm: "
                    "chia nhóm theo xóm, mỗi thành viên Tổ kèm 5 hộ; ghi nhận ngay trên ứng dụng của Tổ."
                ),
                kind="good_practice",
                platform_ids=platforms,
                tags=["thương mại điện tử", "làng nghề", "chợ phiên"],
            ),
        )
        post = services.practice_submit(actor=officer, practice=post)
        services.practice_publish(actor=province, practice=post)
        waiting = services.practice_create(
            actor=leader,
            subject=village,
            data=services.PracticeIn(
                title="Điển hình: Tổ thôn Giang Cao hướng dẫn người cao tuổi kích hoạt VNeID mức 2 tại nhà",
                body=(
                    "Tổ chia lịch đến từng hộ có người cao tuổi vào buổi tối, khi con cháu có nhà, để cùng "
                    "hướng dẫn kích hoạt định danh điện tử mức 2 và cài đặt ứng dụng."
                ),
                kind="typical_case",
                platform_ids=vneid,
                tags=["người cao tuổi"],
            ),
        )
        services.practice_submit(actor=leader, practice=waiting)
    if not Announcement.objects.exists() and hanoi is not None:
        announcements.announcement_send(
            actor=province,
            sender=hanoi,
            title="Tập huấn sử dụng nền tảng thương mại điện tử cho các Tổ",
            body=(
                "Sở KH&CN tổ chức tập huấn cho Tổ trưởng và thành viên Tổ công nghệ số cộng đồng vào 8 giờ sáng "
                "thứ Năm tuần sau tại UBND xã. Đề nghị các Tổ cử đủ thành viên tham dự."
            ),
            unit_ids=[commune.pk],
            roles=[Role.COMMUNE_OFFICER, Role.TEAM_LEADER, Role.TEAM_MEMBER],
        )
