"""Issue 16.5: a lifecycle change that would orphan live work is refused with what to do first, on the pages and
in the API; every delete/retire/dissolve/deactivate action is found by walking the URLconf and listed in the
README with what it refuses."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import Village
from cdtt.households.models import Household
from cdtt.reports import services as reports
from cdtt.targets.models import PeriodKind, Target
from cdtt.targets.periods import calendar_period
from cdtt.teams import services as teams
from cdtt.teams.models import MemberRole, Membership, Team, TeamStatus
from cdtt.teams.services import MemberIn
from conftest import Tree, Users
from tests.builders import make_team
from tests.security.walk import routes

REMOVAL = re.compile(r"delete|retire|dissolve|deactivat|leave|remove|revoke|cancel|erase|withdraw|unlink")
JOINED = timezone.localdate() - datetime.timedelta(days=60)


def _removal_actions() -> set[str]:
    return {r.name for r in routes() if REMOVAL.search(r.name) or REMOVAL.search(r.route)}


def _readme_security() -> str:
    text = (Path(settings.BASE_DIR) / "README.md").read_text()
    return text[text.index("## Security") :]


def test_every_removal_action_is_listed_in_the_readme_with_what_it_refuses() -> None:
    found = _removal_actions() | {"catalog:platform_edit", "catalog:indicator_edit"}  # "active" ticked off
    assert len(found) > 20
    section = _readme_security()
    missing = sorted(name for name in found if f"`{name}`" not in section)
    assert not missing, f"not in the README's Security section: {missing}"


# -- live work ------------------------------------------------------------------------------------------------


def _open_team(users: Users, tree: Tree) -> Team:
    members = [
        MemberIn(full_name="Nguyễn Văn An", role=MemberRole.LEADER, phone="0912345678"),
        MemberIn(full_name="Trần Thị Bình", role=MemberRole.DEPUTY, phone="0987654321"),
        MemberIn(full_name="Lê Văn Cường"),
    ]
    return make_team(actor=users.commune_officer, village=tree.v1, members=members, joined_on=JOINED)


def _api(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _refused(response: Any, fragment: str) -> None:
    assert response.status_code in {200, 400}
    if response["Content-Type"].startswith("application/json"):
        body = response.json()["detail"]
    else:
        body = response.content.decode()
    assert fragment in body or escape(fragment) in body, body[-3000:]


# (label, set up the live work, the action as a client call, the fragment the refusal says, the state unchanged)
Case = tuple[str, Callable[[Users, Tree], Any], Callable[[Client, Tree, Any], Any], str, Callable[[Tree, Any], bool]]


def _retire_page(client: Client, tree: Tree, _live: Any) -> Any:
    return client.post(f"/don-vi/thon/{tree.v1.pk}/ngung/", {"on": timezone.localdate().isoformat()}, follow=True)


def _retire_api(client: Client, tree: Tree, _live: Any) -> Any:
    return _api(client, f"/api/v1/villages/{tree.v1.pk}/retire", {})


def _village_active(tree: Tree, _live: Any) -> bool:
    return Village.objects.get(pk=tree.v1.pk).valid_to is None


def _households(users: Users, tree: Tree) -> Any:
    return Household.objects.create(commune=tree.c1, village=tree.v1, head_name="Nguyễn Văn Hộ")


def _leader(team: Team) -> Membership:
    return Membership.objects.get(team=team, role=MemberRole.LEADER, left_on__isnull=True)


def _leave_page(client: Client, tree: Tree, team: Team) -> Any:
    url = f"/to-cong-nghe/{team.pk}/thanh-vien/{_leader(team).pk}/roi-to/"
    return client.post(url, {"on": timezone.localdate().isoformat(), "reason": "Chuyển công tác"}, follow=True)


def _leave_api(client: Client, tree: Tree, team: Team) -> Any:
    return _api(client, f"/api/v1/teams/{team.pk}/members/{_leader(team).pk}/leave", {"reason": "Chuyển công tác"})


def _submitted_report(users: Users, tree: Tree) -> Team:
    catalog_load()
    team = Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ CNSCĐ", status=TeamStatus.ACTIVE)
    today = timezone.localdate()
    period = calendar_period(PeriodKind.MONTH, today.year, today.month)
    report = reports.report_open(actor=users.team_member, subject=tree.v1, period=period)
    reports.report_submit(actor=users.team_member, report=report, version=report.version)
    return team


def _dissolve_page(client: Client, tree: Tree, team: Team) -> Any:
    body = {"on": timezone.localdate().isoformat(), "reason": "Sáp nhập"}
    return client.post(f"/to-cong-nghe/{team.pk}/giai-the/", body, follow=True)


def _open_target(users: Users, tree: Tree) -> Indicator:
    catalog_load()
    indicator = Indicator.objects.filter(platform__isnull=False, is_active=True).first()
    assert indicator is not None
    today = timezone.localdate()
    period = calendar_period(PeriodKind.MONTH, today.year, today.month)
    Target.objects.create(unit=tree.p1, indicator=indicator, period=period, value=100)
    return indicator


def _switch_off_platform(client: Client, tree: Tree, indicator: Indicator) -> Any:
    url = f"/danh-muc/nen-tang/{indicator.platform_id}/"
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "is_active"}
    data.update({"outcomes-TOTAL_FORMS": "0", "outcomes-INITIAL_FORMS": "0"})
    return client.post(url, data)


def _switch_off_indicator(client: Client, tree: Tree, indicator: Indicator) -> Any:
    url = f"/danh-muc/chi-tieu/{indicator.pk}/"
    form = client.get(url).context["form"]
    data: dict[str, Any] = {}
    for key, value in form.initial.items():
        if value is None or key == "is_active":
            continue
        data[key] = (
            [getattr(v, "pk", v) for v in value] if isinstance(value, list | tuple) else getattr(value, "pk", value)
        )
    return client.post(url, data)


CASES: list[tuple[str, str, Callable[..., Any], Callable[..., Any], str, Callable[..., bool]]] = [
    (
        "retire a village with an open team (page)",
        "commune_officer",
        _open_team,
        _retire_page,
        "giải thể Tổ",
        _village_active,
    ),
    (
        "retire a village with an open team (API)",
        "commune_officer",
        _open_team,
        _retire_api,
        "giải thể Tổ",
        _village_active,
    ),
    ("retire a village with households (page)", "commune_officer", _households, _retire_page, "hộ", _village_active),
    ("retire a village with households (API)", "commune_officer", _households, _retire_api, "hộ", _village_active),
    (
        "remove the leader (page)",
        "commune_officer",
        _open_team,
        _leave_page,
        "Nguyễn Văn An",
        lambda tree, team: _leader(team).left_on is None,
    ),
    (
        "remove the leader (API)",
        "commune_officer",
        _open_team,
        _leave_api,
        "Nguyễn Văn An",
        lambda tree, team: _leader(team).left_on is None,
    ),
    (
        "dissolve a team with a submitted report",
        "commune_officer",
        _submitted_report,
        _dissolve_page,
        "báo cáo",
        lambda tree, team: Team.objects.get(pk=team.pk).is_open,
    ),
    (
        "switch off a platform that open targets count",
        "national_admin",
        _open_target,
        _switch_off_platform,
        "chỉ tiêu",
        lambda tree, ind: Indicator.objects.get(pk=ind.pk).platform.is_active,  # type: ignore[union-attr]
    ),
    (
        "switch off an indicator that open targets count",
        "national_admin",
        _open_target,
        _switch_off_indicator,
        "chỉ tiêu",
        lambda tree, ind: Indicator.objects.get(pk=ind.pk).is_active,
    ),
]


@pytest.mark.parametrize(("label", "who", "live", "act", "says", "unchanged"), CASES, ids=[c[0] for c in CASES])
def test_a_change_that_would_orphan_live_work_is_refused_with_what_to_do_first(
    signed_in: Callable[..., Client],
    tree: Tree,
    users: Users,
    label: str,
    who: str,
    live: Callable[..., Any],
    act: Callable[..., Any],
    says: str,
    unchanged: Callable[..., bool],
) -> None:
    work = live(users, tree)
    response = act(signed_in(who), tree, work)
    _refused(response, says)
    assert unchanged(tree, work), label


def test_a_village_without_live_work_is_retired(signed_in: Callable[..., Client], tree: Tree, users: Users) -> None:
    assert _retire_api(signed_in("commune_officer"), tree, None).status_code == 200
    assert not _village_active(tree, None)


def test_an_ordinary_member_still_leaves_and_a_leader_is_replaced(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    team = _open_team(users, tree)
    client = signed_in("commune_officer")
    member = Membership.objects.get(team=team, member__full_name="Lê Văn Cường")
    assert _api(client, f"/api/v1/teams/{team.pk}/members/{member.pk}/leave", {}).status_code == 200
    teams.member_replace(
        actor=users.commune_officer,
        membership=_leader(team),
        data=MemberIn(full_name="Phạm Thị Dung", role=MemberRole.LEADER, phone="0977111222"),
    )
    assert _leader(team).member.full_name == "Phạm Thị Dung"
