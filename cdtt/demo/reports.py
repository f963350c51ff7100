"""Last month's reports: the demo team's, approved by the commune; the commune's, awaiting the province."""

from __future__ import annotations

from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.core.text import fold
from cdtt.demo.places import DEMO_VILLAGE
from cdtt.geo.models import Village
from cdtt.reports.models import Report
from cdtt.reports.services import report_approve, report_open, report_submit
from cdtt.targets.models import PeriodKind
from cdtt.targets.periods import calendar_period


def reports_seed() -> None:
    """Last month's reports (once). This month's are left for the demo to write, submit and review."""
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
