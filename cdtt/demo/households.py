"""A dozen households in each demo village, with their residents, consent and smartphones."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.core.text import fold
from cdtt.demo.places import YEAR_COMMUNES
from cdtt.geo.models import AdminUnit, Village
from cdtt.households import privacy as household_privacy
from cdtt.households.models import Household, Relationship, Resident
from cdtt.households.services import adoption_set

HOUSEHOLDS_PER_VILLAGE = 12
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MEN = ["Văn An", "Văn Cường", "Đức Giang", "Minh Khánh", "Quang Huy", "Văn Tùng"]
WOMEN = ["Thị Bình", "Thị Dung", "Thị Hạnh", "Thị Lan", "Thị Mai", "Thị Ngọc"]


def _person(surname: str, n: int, female: bool) -> str:
    return f"{surname} {(WOMEN if female else MEN)[n % 6]}"


def households_seed(*, communes: dict[str, AdminUnit]) -> int:
    """A dozen households in each demo village that has none yet, each with its residents: the head, a
    spouse, children (some under 15) and, in the largest, a parent. The register's counts are the residents
    themselves, so the adults the targets are split by and the people the indicators count agree."""
    made = 0
    this_year = timezone.localdate().year
    joined = datetime.date(this_year, 1, 1)
    officers = {code: User.objects.get(username=login) for code, login, _pace in YEAR_COMMUNES}
    villages = Village.objects.filter(commune__in=communes.values(), valid_to__isnull=True).order_by("pk")
    for v_index, village in enumerate(villages):
        if Household.objects.filter(village=village).exists():
            continue
        for n in range(HOUSEHOLDS_PER_VILLAGE):
            surname = SURNAMES[(n + v_index) % len(SURNAMES)]
            female_head = n % 4 == 1
            head_year = 1950 + (n * 7 + v_index) % 30
            people = [(_person(surname, n, female_head), head_year, female_head, Relationship.HEAD)]
            size = 2 + (n * 3 + v_index) % 5  # 2 to 6 people
            spouse = SURNAMES[(n + v_index + 3) % len(SURNAMES)]
            wife = not female_head
            people.append((_person(spouse, n + 1, wife), head_year + 2, wife, Relationship.SPOUSE))
            if size == 6:
                people.append((_person(surname, n + 2, True), head_year - 25, True, Relationship.PARENT))
            if len(people) < size:  # a grown-up child who lives at home
                people.append(
                    (_person(surname, n + 3, n % 2 == 1), head_year + 24 + n % 6, n % 2 == 1, Relationship.CHILD)
                )
            for k in range(size - len(people)):
                # Grandchildren born 2008-2023: most are under 15 and not counted as adults.
                born = min(this_year - 2, 2008 + (n * 5 + k * 3 + v_index) % 16)
                girl = (n + k) % 2 == 0
                people.append((_person(surname, n + k + 4, girl), born, girl, Relationship.GRANDCHILD))
            household = Household.objects.create(
                commune_id=village.commune_id,
                village=village,
                head_name=people[0][0],
                head_name_folded=fold(people[0][0]),
                address=f"Số {n + 1}, {village.name}",
                members_count=len(people),
                adults_count=sum(1 for _name, born, _f, _rel in people if this_year - born >= 15),
                smartphones=(n + v_index) % 4,  # some elderly households have none
            )
            # Members are kept on the household's consent (the register of processing): the demo households
            # carry it, recorded as registration records it.
            household_privacy.consent_at_registration(
                actor=officers[village.commune.code], household=household, method="paper"
            )
            for name, born, female, relationship in people:
                Resident.objects.create(
                    household=household,
                    full_name=name,
                    name_folded=fold(name),
                    birth_year=born,
                    gender="female" if female else "male",
                    relationship=relationship,
                )
            if household.smartphones:  # the checklist agrees with the register's count of smartphones
                officer = officers[village.commune.code]
                adoption_set(actor=officer, household=household, item_code="smartphone", reached_on=joined)
            made += 1
    return made
