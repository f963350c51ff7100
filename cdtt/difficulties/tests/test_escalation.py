"""Unanswered difficulties move up a level the day after their due date, once, and the new handlers hear."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command

from cdtt.core.models import AuditEvent
from cdtt.difficulties.models import Difficulty, Status
from cdtt.difficulties.services import difficulties_escalate_overdue, difficulty_answer
from cdtt.difficulties.tests.conftest import NOW, raise_one
from cdtt.notices.models import NoticeKind, Notification
from conftest import Tree, Users


def _day(n: int) -> datetime.datetime:
    return NOW + datetime.timedelta(days=n)


def test_nothing_moves_on_the_due_date_itself(users: Users, tree: Tree) -> None:
    d = raise_one(users.team_member)
    assert d.due_on == datetime.date(2026, 3, 9)
    assert difficulties_escalate_overdue(now=_day(7)).moved == 0
    assert Difficulty.objects.get(pk=d.pk).handler_unit == tree.c1


def test_the_day_after_it_goes_up_once_and_the_province_is_told(users: Users, tree: Tree) -> None:
    d = raise_one(users.team_member)
    assert difficulties_escalate_overdue(now=_day(8)).moved == 1
    moved = Difficulty.objects.get(pk=d.pk)
    assert (moved.handler_unit, moved.status, moved.escalations) == (tree.p1, Status.ESCALATED, 1)
    assert moved.due_on == datetime.date(2026, 3, 17)
    assert moved.messages.filter(kind="event", event="escalate").count() == 1  # type: ignore[attr-defined]
    notice = Notification.objects.get(recipient=users.province_officer)
    assert notice.kind == NoticeKind.DIFFICULTY_ESCALATED and notice.url == f"/kho-khan/{d.pk}/"
    assert Notification.objects.filter(recipient=users.team_member, kind=NoticeKind.DIFFICULTY_ESCALATED).exists()
    audit = AuditEvent.objects.get(action="difficulty.escalate")
    assert audit.actor is None and audit.details["automatic"] is True

    # Run again the same day (or twice from cron): nothing more moves, nobody is told twice.
    assert difficulties_escalate_overdue(now=_day(8)).moved == 0
    assert difficulties_escalate_overdue(now=_day(8) + datetime.timedelta(hours=3)).moved == 0
    assert Difficulty.objects.get(pk=d.pk).escalations == 1
    assert Notification.objects.filter(recipient=users.province_officer).count() == 1


def test_it_climbs_to_the_nation_and_stops_there(users: Users, tree: Tree) -> None:
    d = raise_one(users.team_member)
    difficulties_escalate_overdue(now=_day(8))
    assert difficulties_escalate_overdue(now=_day(16)).moved == 1
    assert Difficulty.objects.get(pk=d.pk).handler_unit == tree.vn
    assert Notification.objects.filter(recipient=users.national_admin).exists()
    result = difficulties_escalate_overdue(now=_day(30))
    assert (result.moved, result.at_top) == (0, 1)
    assert Difficulty.objects.get(pk=d.pk).escalations == 2


def test_an_answered_difficulty_does_not_move(users: Users, tree: Tree) -> None:
    d = raise_one(users.team_member)
    difficulty_answer(actor=users.commune_officer, difficulty=d, text="Đã xử lý.", now=_day(3))
    assert difficulties_escalate_overdue(now=_day(20)).moved == 0
    assert Difficulty.objects.get(pk=d.pk).handler_unit == tree.c1


def test_a_reopened_difficulty_gets_a_new_week(users: Users, tree: Tree) -> None:
    from cdtt.difficulties.services import difficulty_reopen

    d = raise_one(users.team_member)
    difficulty_answer(actor=users.commune_officer, difficulty=d, text="Đã xử lý.", now=_day(3))
    difficulty_reopen(actor=users.team_member, difficulty=d, text="Chưa được.", now=_day(10))
    assert difficulties_escalate_overdue(now=_day(17)).moved == 0
    assert difficulties_escalate_overdue(now=_day(18)).moved == 1


def test_the_command_moves_overdue_ones(users: Users, tree: Tree) -> None:
    d = raise_one(users.team_member)
    Difficulty.objects.filter(pk=d.pk).update(due_on=datetime.date(2020, 1, 1))
    out = StringIO()
    call_command("escalate_difficulties", stdout=out)
    assert "1" in out.getvalue()
    assert Difficulty.objects.get(pk=d.pk).handler_unit == tree.p1
    out = StringIO()
    call_command("escalate_difficulties", stdout=out)
    assert Difficulty.objects.get(pk=d.pk).escalations == 1
