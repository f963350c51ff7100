"""The demo team: the village of the demo team accounts, with a signed decision. The commune's other villages
are left without a team so that setting one up can be tried from the demo."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.core.text import fold
from cdtt.demo.places import DEMO_VILLAGE
from cdtt.geo.models import AdminUnit, Village
from cdtt.teams.models import Member, MemberRole, Organisation, SignerTitle, Team
from cdtt.teams.services import MemberIn, decision_sign, decision_update, team_propose

# (name, role, gender, birth year, phone, organisation, occupation, village head, demo login)
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


def team_seed(*, commune: AdminUnit) -> bool:
    """Set up the demo team through the same services an officer uses (once); whether it was made."""
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
    # Set up last September, so that the year the demo records (from January) is the team's first full year,
    # whatever year the demo is loaded in.
    last_year = timezone.localdate().year - 1
    joined = datetime.date(last_year, 9, 1)
    team = team_propose(actor=officer, commune=commune, village=village, members=members, joined_on=joined)
    decision = team.decisions.get()  # type: ignore[attr-defined]
    decision_update(
        actor=officer,
        decision=decision,
        number="15/QĐ-UBND",
        issued_on=datetime.date(last_year, 9, 5),
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
