"""The state machine: every step × every role, through the page's action endpoint and the API."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cdtt.core.models import AuditEvent
from cdtt.difficulties.models import Difficulty, DifficultyMessage, Status
from cdtt.difficulties.services import difficulty_answer
from conftest import Tree, Users

HANDLERS = {"commune_officer", "province_officer", "national_admin"}
RAISERS = {"team_leader", "team_member"}
# Roles that see the team's difficulty but may not take the step get 403; enterprise partners have no
# access to difficulties at all (403 from the role check); the other province's officer gets 404.
ROLES = ["national_admin", "province_officer", "commune_officer", "team_leader", "team_member", "leader"]


def _post(difficulty: Difficulty, users: Users, step: str) -> dict[str, str]:
    return {
        "answer": {"action": "answer", "text": "Nhà mạng sẽ lắp trạm mới trong tuần."},
        "assign": {"action": "assign", "assignee": str(users.commune_officer.pk)},
        "escalate": {"action": "escalate", "text": "Cần tỉnh làm việc với nhà mạng."},
        "resolve": {"action": "resolve", "text": "Đã có sóng."},
        "reopen": {"action": "reopen", "text": "Vẫn mất sóng."},
        "comment": {"action": "comment", "text": "Bổ sung: mất sóng buổi tối."},
    }[step]


# step → (status it starts from, roles allowed, the change that proves it happened)
STEPS: dict[str, tuple[str, set[str], Callable[[Difficulty], bool]]] = {
    "answer": (Status.OPEN, HANDLERS, lambda d: d.status == Status.ANSWERED),
    "assign": (Status.OPEN, HANDLERS, lambda d: d.assignee_id is not None),
    "escalate": (Status.OPEN, HANDLERS, lambda d: d.status == Status.ESCALATED and d.escalations == 1),
    "resolve": (Status.ANSWERED, RAISERS, lambda d: d.status == Status.RESOLVED),
    "reopen": (Status.ANSWERED, RAISERS, lambda d: d.status == Status.REOPENED),
    "comment": (Status.OPEN, HANDLERS | RAISERS, lambda d: d.messages.filter(kind="comment").exists()),
}


def _prepare(difficulty: Difficulty, users: Users, start: str) -> None:
    if start == Status.ANSWERED:
        difficulty_answer(actor=users.commune_officer, difficulty=difficulty, text="Đã báo nhà mạng.")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_is_allowed_to_its_side_only(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty, step: str, role: str
) -> None:
    start, allowed, happened = STEPS[step]
    _prepare(team_difficulty, users, start)
    before = team_difficulty.messages.count()  # type: ignore[attr-defined]
    response = signed_in(role).post(f"/kho-khan/{team_difficulty.pk}/thao-tac/", _post(team_difficulty, users, step))
    after = Difficulty.objects.get(pk=team_difficulty.pk)
    if role in allowed:
        assert response.status_code == 302, response.content[:300]
        assert happened(after)
        assert AuditEvent.objects.filter(action=f"difficulty.{'message' if step == 'comment' else step}").exists()
    else:
        assert response.status_code == 403
        assert not happened(after)
        assert after.messages.count() == before  # type: ignore[attr-defined]


def test_the_due_date_is_set_by_handlers_only(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty
) -> None:
    day = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    for role in ROLES:
        response = signed_in(role).post(f"/kho-khan/{team_difficulty.pk}/thao-tac/", {"action": "due", "due_on": day})
        expected = 302 if role in HANDLERS else 403
        assert response.status_code == expected, role
    assert Difficulty.objects.get(pk=team_difficulty.pk).due_on.isoformat() == day
    late = (timezone.localdate() + datetime.timedelta(days=91)).isoformat()
    response = signed_in("commune_officer").post(
        f"/kho-khan/{team_difficulty.pk}/thao-tac/", {"action": "due", "due_on": late}, follow=True
    )
    assert "tối đa 90 ngày" in response.content.decode()
    assert Difficulty.objects.get(pk=team_difficulty.pk).due_on.isoformat() == day


@pytest.mark.parametrize("role", ["outsider", "enterprise_partner", "nobody"])
def test_others_cannot_touch_it(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty, role: str
) -> None:
    response = signed_in(role).post(
        f"/kho-khan/{team_difficulty.pk}/thao-tac/", {"action": "answer", "text": "Trả lời."}
    )
    assert response.status_code == (404 if role == "outsider" else 403)
    assert Difficulty.objects.get(pk=team_difficulty.pk).status == Status.OPEN


def test_a_commune_difficulty_is_answered_by_the_province_and_resolved_by_the_commune(
    signed_in: Callable[..., Client], users: Users, tree: Tree, commune_difficulty: Difficulty
) -> None:
    url = f"/kho-khan/{commune_difficulty.pk}/thao-tac/"
    assert commune_difficulty.handler_unit == tree.p1
    assert signed_in("commune_officer").post(url, {"action": "answer", "text": "Tự trả lời"}).status_code == 403
    assert signed_in("team_member").post(url, {"action": "comment", "text": "?"}).status_code == 404
    assert signed_in("province_officer").post(url, {"action": "answer", "text": "Tỉnh cấp 5 máy."}).status_code == 302
    assert signed_in("province_officer").post(url, {"action": "resolve"}).status_code == 403
    assert signed_in("commune_officer").post(url, {"action": "resolve"}).status_code == 302
    assert Difficulty.objects.get(pk=commune_difficulty.pk).status == Status.RESOLVED


def test_a_step_from_the_wrong_state_is_refused_with_a_message(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty
) -> None:
    client = signed_in("team_member")
    response = client.post(
        f"/kho-khan/{team_difficulty.pk}/thao-tac/", {"action": "reopen", "text": "Chưa được"}, follow=True
    )
    assert "Chỉ có thể mở lại" in response.content.decode()
    assert Difficulty.objects.get(pk=team_difficulty.pk).status == Status.OPEN
    officer = signed_in("commune_officer")
    officer.post(f"/kho-khan/{team_difficulty.pk}/thao-tac/", {"action": "answer", "text": "Đã xử lý."})
    again = officer.post(
        f"/kho-khan/{team_difficulty.pk}/thao-tac/", {"action": "answer", "text": "Lần hai."}, follow=True
    )
    assert "không còn chờ trả lời" in again.content.decode()
    assert DifficultyMessage.objects.filter(difficulty=team_difficulty, kind="answer").count() == 1


def test_a_blank_answer_or_reopen_reason_is_refused(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty
) -> None:
    url = f"/kho-khan/{team_difficulty.pk}/thao-tac/"
    response = signed_in("commune_officer").post(url, {"action": "answer", "text": "   "}, follow=True)
    assert "Hãy viết câu trả lời" in response.content.decode()
    assert Difficulty.objects.get(pk=team_difficulty.pk).status == Status.OPEN


def test_the_full_cycle_and_its_thread(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty
) -> None:
    url = f"/kho-khan/{team_difficulty.pk}/thao-tac/"
    officer, member = signed_in("commune_officer"), signed_in("team_member")
    officer.post(url, {"action": "assign", "assignee": users.commune_officer.pk})
    officer.post(url, {"action": "answer", "text": "Đã báo nhà mạng."})
    member.post(url, {"action": "reopen", "text": "Vẫn mất sóng."})
    assert Difficulty.objects.get(pk=team_difficulty.pk).status == Status.REOPENED
    officer.post(url, {"action": "answer", "text": "Trạm mới đã chạy."})
    member.post(url, {"action": "resolve", "text": "Cảm ơn."})
    d = Difficulty.objects.get(pk=team_difficulty.pk)
    assert d.status == Status.RESOLVED and d.resolved_at is not None
    events = list(d.messages.values_list("kind", "event"))  # type: ignore[attr-defined]
    assert events == [
        ("event", "raise"),
        ("event", "assign"),
        ("answer", ""),
        ("comment", ""),
        ("event", "reopen"),
        ("answer", ""),
        ("event", "resolve"),
    ]
    page = member.get(f"/kho-khan/{d.pk}/").content.decode()
    assert "Trạm mới đã chạy." in page and "Vẫn mất sóng." in page


# -- the API ------------------------------------------------------------------------------------------


def _api(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", ["answer", "escalate", "resolve"])
def test_the_api_takes_the_same_steps_with_the_same_rules(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty, step: str, role: str
) -> None:
    start, allowed, happened = STEPS[step]
    _prepare(team_difficulty, users, start)
    response = _api(
        signed_in(role), "POST", f"/api/v1/difficulties/{team_difficulty.pk}/actions", {"action": step, "text": "Được."}
    )
    if role in allowed:
        assert response.status_code == 200, response.content
        assert happened(Difficulty.objects.get(pk=team_difficulty.pk))
    else:
        assert response.status_code == 403
        assert not happened(Difficulty.objects.get(pk=team_difficulty.pk))


RAISE_ALLOWED = {"team_leader": "c1", "team_member": "c1", "commune_officer": "p1", "province_officer": "vn"}


@pytest.mark.parametrize(
    "role",
    [
        "national_admin",
        "province_officer",
        "commune_officer",
        "team_leader",
        "team_member",
        "leader",
        "enterprise_partner",
        "nobody",
    ],
)
def test_raising_by_role_and_where_it_goes(
    signed_in: Callable[..., Client], tree: Tree, users: Users, role: str
) -> None:
    response = signed_in(role).post("/kho-khan/moi/", {"category": "training", "description": "Cần tập huấn thêm."})
    if role in RAISE_ALLOWED:
        assert response.status_code == 302
        assert Difficulty.objects.get().handler_unit == getattr(tree, RAISE_ALLOWED[role])
    else:
        assert response.status_code == 403
        assert not Difficulty.objects.exists()


def test_a_difficulty_is_assigned_only_to_an_officer_of_the_handling_unit(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty
) -> None:
    url = f"/kho-khan/{team_difficulty.pk}/thao-tac/"
    for someone in (users.team_member, users.outsider, users.province_officer):
        response = signed_in("commune_officer").post(url, {"action": "assign", "assignee": someone.pk}, follow=True)
        assert "Hãy chọn một cán bộ của đơn vị đang xử lý" in response.content.decode()
    assert Difficulty.objects.get(pk=team_difficulty.pk).assignee is None
    signed_in("commune_officer").post(url, {"action": "assign", "assignee": users.commune_officer.pk})
    assert Difficulty.objects.get(pk=team_difficulty.pk).assignee == users.commune_officer
