"""python manage.py load_demo: a demo slice of Hà Nội with villages and one account per role (idempotent)."""

from __future__ import annotations

import datetime
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.catalog.services import catalog_load
from cdtt.core.audit import audit_record
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, UnitKind, Village, VillageKind
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
                user.set_password(password)
                user.is_active = True
                user.save()
                RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit, village=village)
                if created:
                    audit_record(actor=None, action="user.create", target=user, unit=unit, actor_name="load_demo")
            team_created = _demo_team(communes[DEMO_COMMUNE])
            catalog_load()
            households = _demo_households(communes)
            _demo_guidance()
            from cdtt.difficulties.demo import demo_difficulties

            difficulties = demo_difficulties()
            _demo_year(communes)
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
    chat_group_save(
        actor=officer,
        commune=commune,
        village=village,
        platform="zalo",
        name="Thôn Giang Cao - Chuyển đổi số",
        invite_link="https://zalo.me/g/demo-giang-cao",
        households_in_group=212,
        households_total=287,
        counted_on=datetime.date(2025, 10, 1),
    )
    return True


HOUSEHOLDS_PER_VILLAGE = 12
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Đức Giang", "Thị Hạnh", "Minh Khánh", "Thị Lan"]


def _demo_households(communes: dict[str, AdminUnit]) -> int:
    """A dozen households (head listed as a person) in each demo village that has none yet."""
    made = 0
    villages = Village.objects.filter(commune__in=communes.values(), valid_to__isnull=True).order_by("pk")
    for v_index, village in enumerate(villages):
        if Household.objects.filter(village=village).exists():
            continue
        for n in range(HOUSEHOLDS_PER_VILLAGE):
            name = f"{SURNAMES[(n + v_index) % len(SURNAMES)]} {GIVEN[n % len(GIVEN)]}"
            members = 2 + (n * 3 + v_index) % 5
            household = Household.objects.create(
                commune_id=village.commune_id,
                village=village,
                head_name=name,
                head_name_folded=fold(name),
                address=f"Số {n + 1}, {village.name}",
                members_count=members,
                adults_count=max(1, members - (n % 3)),
                smartphones=1 + n % 3,
            )
            Resident.objects.create(
                household=household,
                full_name=name,
                name_folded=fold(name),
                birth_year=1960 + (n * 7) % 40,
                relationship=Relationship.HEAD,
            )
            made += 1
    return made


def _demo_guidance() -> None:
    """A few records by the demo member, so the demo team's board is not empty (once)."""
    from cdtt.activities.models import Activity
    from cdtt.activities.services import ActivityIn, activity_record
    from cdtt.catalog.models import Outcome

    member = User.objects.filter(username="tovien").first()
    village = Village.objects.filter(name_folded=fold(DEMO_VILLAGE), valid_to__isnull=True).first()
    if member is None or village is None or Activity.objects.filter(village=village).exists():
        return
    level2 = Outcome.objects.get(platform__code="vneid", code="level2")
    today = timezone.localdate()
    for n, household in enumerate(Household.objects.filter(village=village).order_by("pk")[:4]):
        head = household.residents.first()
        activity_record(
            actor=member,
            data=ActivityIn(
                kind="guidance",
                occurred_on=today - datetime.timedelta(days=n),
                household_id=household.pk,
                resident_id=head.pk if head else None,
                outcome_id=level2.pk,
            ),
        )
    activity_record(
        actor=member,
        data=ActivityIn(
            kind="propaganda", occurred_on=today, village_id=village.pk, channel="loudspeaker", people_reached=120
        ),
    )


def _demo_reports() -> None:
    """Last month's reports (once): the demo team's, approved by the commune; the commune's, awaiting the
    province. This month's are left for the demo to write, submit and review."""
    from cdtt.reports.models import Report
    from cdtt.reports.services import report_approve, report_open, report_submit
    from cdtt.targets.models import PeriodKind
    from cdtt.targets.services import calendar_period

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
VILLAGE_TARGETS = {"guidance_visits": 50, "propaganda_sessions": 12, "people_reached": 1000, "vneid_level2": 10}


def _demo_year(communes: dict[str, AdminUnit]) -> None:
    """Targets for the year (set and split by the province, split again by a commune) and activities spread
    over the months so far, all through the services officers and members use (once). The province's own
    officer sets them, so that the walk-through in the README can still change them."""
    from cdtt.activities.services import ActivityIn, activity_record
    from cdtt.catalog.models import Indicator, Outcome
    from cdtt.targets.models import PeriodKind, SplitMethod, Target
    from cdtt.targets.services import calendar_period, target_set, target_split

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
    level2 = Outcome.objects.get(platform__code="vneid", code="level2")
    dossier = Outcome.objects.get(platform__code="dvc", code="dossier")
    member = User.objects.get(username="tovien")
    for code, login, pace in YEAR_COMMUNES:
        officer = User.objects.get(username=login)
        for v_index, village in enumerate(villages[code]):
            actor = member if village.name_folded == fold(DEMO_VILLAGE) else officer
            households = list(Household.objects.filter(village=village).prefetch_related("residents").order_by("pk"))
            reached = 0
            for month in range(1, today.month + 1):
                # The pace picks up over the year, as teams settle in.
                visits = round(pace * (2.5 + 4 * month / 12))
                for n in range(visits):
                    day = datetime.date(today.year, month, 1 + (n * 5 + v_index * 3) % 27)
                    if day > today:
                        continue
                    household = households[(month * 7 + n) % len(households)]
                    head = household.residents.all()[0]
                    first_time = reached < round(pace * len(households)) and n == 0
                    reached += int(first_time)
                    activity_record(
                        actor=actor,
                        data=ActivityIn(
                            kind="guidance",
                            occurred_on=day,
                            household_id=household.pk,
                            resident_id=head.pk,
                            outcome_id=(level2 if first_time else dossier).pk,
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
            if v_index < 2 and not ChatGroup.objects.filter(village=village).exists():
                chat_group_save(
                    actor=officer,
                    commune=village.commune,
                    village=village,
                    platform="zalo",
                    name=f"{village.name} - Chuyển đổi số",
                    households_in_group=round(len(households) * (0.5 + pace / 2)),
                    households_total=len(households),
                    counted_on=today,
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
