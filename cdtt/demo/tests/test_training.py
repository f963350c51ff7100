"""The demo shows issue 9's "done when": a course by the province with VNPT Hà Nội, two communes' members
invited, attendance recorded, coverage on the province's page; the partner sees counts only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from cdtt.accounts.models import User
from cdtt.geo.models import AdminUnit
from cdtt.training import selectors
from cdtt.training.models import Attendance, Course, Enterprise, Invitation

pytestmark = [pytest.mark.realtree, pytest.mark.django_db]


def test_the_demo_has_a_course_with_an_enterprise_two_communes_and_attendance(real_demo: None) -> None:
    course = Course.objects.get(enterprise__name="VNPT Hà Nội")
    assert course.organiser == "province"
    assert course.sessions.count() == 2  # type: ignore[attr-defined]
    communes = set(Invitation.objects.filter(course=course).values_list("commune__code", flat=True))
    assert communes == {"00583", "00004"}
    assert Attendance.objects.filter(session__course=course, status="present").exists()
    hanoi = AdminUnit.objects.current().get(code="01")
    coverage = selectors.coverage_of(hanoi)
    assert 0 < coverage.trained_any < coverage.members
    counts = (Course.objects.count(), Invitation.objects.count(), Attendance.objects.count())
    call_command("load_demo", stdout=io.StringIO())  # a second run makes nothing new
    assert (Course.objects.count(), Invitation.objects.count(), Attendance.objects.count()) == counts
    partner = Client()
    partner.force_login(User.objects.get(username="doanhnghiep"))
    enterprise = Enterprise.objects.get(name="VNPT Hà Nội")
    page = partner.get(f"/dao-tao/doanh-nghiep/{enterprise.pk}/").content.decode()
    assert course.title in page
    assert "Trần Thị Bình" not in page
    member = Client()
    member.force_login(User.objects.get(username="tovien"))
    assert course.title in member.get("/dao-tao/cua-toi/").content.decode()
