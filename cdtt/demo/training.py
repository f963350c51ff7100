"""Demo training: VNPT Hà Nội as the province's enterprise partner, a course by the
province with two sessions, the members of two communes invited, attendance recorded, and a few guides.

Everything goes through the services an officer uses; it runs once (it stops if the partner exists).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.catalog.models import Platform
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, Village
from cdtt.teams.models import MemberRole, Team
from cdtt.teams.services import MemberIn, team_propose
from cdtt.training import services
from cdtt.training.models import Enterprise, Presence

PARTNER = "VNPT Hà Nội"
SECOND_COMMUNE = "00004"  # Phường Ba Đình
SECOND_VILLAGE = "Tổ dân phố số 1"
SECOND_TEAM = [
    ("Đỗ Minh Hoàng", MemberRole.LEADER, "male", 1985, "0913222111"),
    ("Ngô Thị Lan", MemberRole.MEMBER, "female", 1995, "0988111222"),
    ("Vũ Đức Giang", MemberRole.MEMBER, "male", 2000, ""),
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _second_team(officer: User, province: AdminUnit) -> None:
    """A proposed team in a Ba Đình street group, so that two communes have members to invite."""
    commune = AdminUnit.objects.current().filter(code=SECOND_COMMUNE, parent=province).first()
    if commune is None:
        return
    village = Village.objects.filter(commune=commune, name_folded=fold(SECOND_VILLAGE), valid_to=None).first()
    if village is None or Team.objects.filter(village=village).exists():
        return
    members = [
        MemberIn(full_name=name, role=role, gender=gender, birth_year=year, phone=phone)
        for name, role, gender, year, phone in SECOND_TEAM
    ]
    joined = datetime.date(timezone.localdate().year - 1, 10, 1)  # last autumn, like the demo team
    team_propose(actor=officer, commune=commune, village=village, members=members, joined_on=joined)


def training_seed(*, province_code: str, first_commune_code: str) -> bool:
    """Make the demo training once; whether anything was made."""
    officer = User.objects.filter(username="tinh").first()
    partner = User.objects.filter(username="doanhnghiep").first()
    province = AdminUnit.objects.current().filter(code=province_code).first()
    first = AdminUnit.objects.current().filter(code=first_commune_code).first()
    if officer is None or partner is None or province is None or first is None:
        return False
    if Enterprise.objects.filter(name=PARTNER).exists():
        return False
    _second_team(officer, province)
    platforms = {p.code: p for p in Platform.objects.filter(code__in=["vneid", "dvc", "epayment"])}
    enterprise = services.enterprise_save(
        actor=officer,
        data=services.EnterpriseIn(
            name=PARTNER,
            owner_id=province.pk,
            area_ids=[province.pk],
            platform_ids=[p.pk for p in platforms.values()],
            account_ids=[partner.pk],
            contact="Trung tâm Kinh doanh VNPT Hà Nội · 18001166",
        ),
    )
    today = timezone.localdate()
    course = services.course_create(
        actor=officer,
        data=services.CourseIn(
            title="Tập huấn kích hoạt định danh điện tử mức 2 và dịch vụ công trực tuyến",
            unit_id=province.pk,
            organiser="province",
            starts_on=today - datetime.timedelta(days=14),
            ends_on=today + datetime.timedelta(days=30),
            enterprise_id=enterprise.pk,
            covers_policy=True,
            platform_ids=[platforms[c].pk for c in ("vneid", "dvc") if c in platforms],
            description="Sở KH&CN phối hợp VNPT Hà Nội bồi dưỡng kỹ năng cho các Tổ công nghệ số cộng đồng.",
        ),
    )
    first_session = services.session_create(
        actor=officer,
        course=course,
        data=services.SessionIn(
            starts_at=_at(today - datetime.timedelta(days=10), 8),
            ends_at=_at(today - datetime.timedelta(days=10), 11),
            title="Buổi 1: Kích hoạt VNeID mức 2",
            place="Hội trường UBND xã Bát Tràng",
            trainers="Kỹ sư VNPT Hà Nội; chuyên viên Sở KH&CN",
        ),
    )
    follow_up = services.session_create(
        actor=officer,
        course=course,
        data=services.SessionIn(
            starts_at=_at(today - datetime.timedelta(days=3), 14),
            ends_at=_at(today - datetime.timedelta(days=3), 16),
            title="Buổi 2: Nộp hồ sơ dịch vụ công trực tuyến",
            mode="online",
            meeting_link="https://meet.vnpt.vn/tap-huan-cdtt",
            trainers="Kỹ sư VNPT Hà Nội",
            follow_up_of_id=first_session.pk,
        ),
    )
    second = AdminUnit.objects.current().filter(code=SECOND_COMMUNE).first()
    units = [first.pk] + ([second.pk] if second is not None else [])
    services.invitation_create(actor=officer, course=course, unit_ids=units)
    invited = list(course.invitations.order_by("pk").values_list("member_id", flat=True))  # type: ignore[attr-defined]
    first_rows = []
    for n, member_id in enumerate(invited):
        status = Presence.ABSENT if n == 3 else Presence.EXCUSED if n == 5 else Presence.PRESENT
        done = status == Presence.PRESENT and n != 2
        first_rows.append(services.AttendanceIn(member_id, status, done, Decimal(8 + n % 3) if done else None))
    services.attendance_record(actor=officer, session=first_session, rows=first_rows)
    services.attendance_record(
        actor=officer,
        session=follow_up,
        rows=[services.AttendanceIn(member_id, Presence.PRESENT, True) for member_id in invited[:3]],
    )
    national = province.parent or province
    last_year = today.year - 1  # the guides were written last year, whatever year the demo is loaded in
    admin = User.objects.filter(username="admin").first() or officer
    if "vneid" in platforms:
        services.material_create(
            actor=admin,
            data=services.MaterialIn(
                platforms["vneid"].pk,
                "Hướng dẫn kích hoạt tài khoản định danh điện tử mức 2",
                national.pk,
                datetime.date(last_year, 8, 15),
                url="https://vneid.gov.vn",
                version="2.1",
            ),
        )
    if "dvc" in platforms:
        services.material_create(
            actor=officer,
            data=services.MaterialIn(
                platforms["dvc"].pk,
                "Sổ tay nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia (Hà Nội)",
                province.pk,
                datetime.date(last_year, 10, 1),
                url="https://dichvucong.gov.vn/p/home/dvc-huong-dan-cong-dan.html",
                version="1.0",
            ),
        )
    return True
