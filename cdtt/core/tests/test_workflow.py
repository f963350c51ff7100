"""The one workflow helper: a refused step leaves no trace; every subject's history is one model with its own labels."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from cdtt.core.errors import DomainError
from cdtt.core.models import AuditEvent, WorkflowEvent
from cdtt.core.text import clean_text
from cdtt.practices import services
from cdtt.practices.models import Practice, PracticeStatus
from cdtt.practices.tests.helpers import draft, submitted
from cdtt.reports.models import Report
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def test_a_step_from_the_wrong_state_is_refused_in_vietnamese_and_changes_nothing(tree: Tree, users: Users) -> None:
    post = draft(users.team_member, tree.v1)
    events, audits = post.events.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError, match="Chỉ bài đang chờ duyệt"):
        services.practice_publish(actor=users.commune_officer, practice=post)
    post.refresh_from_db()
    assert post.status == PracticeStatus.DRAFT and post.published_at is None
    assert (post.events.count(), AuditEvent.objects.count()) == (events, audits)


def test_a_step_keeps_its_history_line_and_its_audit_entry(tree: Tree, users: Users) -> None:
    post = submitted(users.team_member, tree.v1)
    services.practice_return(actor=users.commune_officer, practice=post, comment="Thêm ảnh")
    line = post.events.last()
    assert line is not None
    assert (line.action, line.comment, line.actor) == ("returned", "Thêm ảnh", users.commune_officer)
    audit = AuditEvent.objects.filter(action="practice.return", target_id=str(post.pk)).get()
    assert audit.unit_id == tree.c1.pk and audit.details == {"comment": "Thêm ảnh"}


def test_each_subject_labels_the_same_action_its_own_way(tree: Tree, users: Users) -> None:
    post = draft(users.team_member, tree.v1)
    created = post.events.get(action="created")
    assert created.get_action_display() == str(Practice.EventAction.CREATED.label)
    on_a_report = WorkflowEvent(content_type=ContentType.objects.get_for_model(Report), object_id=1, action="created")
    assert on_a_report.get_action_display() == str(Report.EventAction.CREATED.label)
    assert on_a_report.get_action_display() != created.get_action_display()


def test_deleting_a_subject_deletes_its_history(tree: Tree, users: Users) -> None:
    post = draft(users.team_member, tree.v1)
    assert WorkflowEvent.objects.filter(practice=post).exists()
    post.delete()
    assert not WorkflowEvent.objects.exists()


def test_the_text_cleaner_keeps_lines_of_prose_and_joins_a_one_line_field() -> None:
    raw = "  Do\u0300ng   một  \r\n\n Dòng\x00 hai  "  # decomposed "ò", a NUL pasted in
    assert clean_text(raw, limit=100) == "Dòng một\n\nDòng hai"
    assert clean_text(raw, limit=100, lines=False) == "Dòng một Dòng hai"
    with pytest.raises(DomainError) as refused:
        clean_text("  ", limit=10, field="text", required="Hãy viết nội dung.")
    assert (refused.value.message, refused.value.field) == ("Hãy viết nội dung.", "text")
    with pytest.raises(DomainError, match="quá dài"):
        clean_text("x" * 11, limit=10)
