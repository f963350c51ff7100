"""A good practice of Bát Tràng published by the province, a team's post awaiting the commune's review, and
an announcement from the province to the commune's officers and teams."""

from __future__ import annotations

from cdtt.accounts.models import Role, User
from cdtt.catalog.models import Platform
from cdtt.core.text import fold
from cdtt.demo.places import DEMO_VILLAGE
from cdtt.geo.models import Village
from cdtt.practices import announcements, services
from cdtt.practices.models import Announcement, Practice


def practices_seed() -> None:
    """The practices and the announcement (each once)."""
    officer, province, leader = (User.objects.filter(username=name).first() for name in ("xa", "tinh", "totruong"))
    village = Village.objects.filter(name_folded=fold(DEMO_VILLAGE), valid_to__isnull=True).first()
    if officer is None or province is None or leader is None or village is None:
        return
    commune, hanoi = village.commune, village.commune.parent
    if not Practice.objects.exists():
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
