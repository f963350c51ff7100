"""The year so far in the four demo communes: targets set and split, guidance and propaganda recorded month
by month (each commune at its own pace), and each village's Zalo group counted from the register."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.models import Indicator, Outcome, Platform
from cdtt.core.text import fold
from cdtt.demo.places import DEMO_COMMUNE, DEMO_VILLAGE, PROVINCE, YEAR_COMMUNES
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import AdoptionStatus, Household, Relationship, Resident
from cdtt.quality import checks
from cdtt.targets.models import PeriodKind, SplitMethod, Target
from cdtt.targets.periods import calendar_period
from cdtt.targets.services import target_set, target_split
from cdtt.teams.models import ChatGroup
from cdtt.teams.services import chat_group_save

# Each village's yearly target per indicator; the province's is their sum over the demo villages.
VILLAGE_TARGETS = {"guidance_visits": 60, "propaganda_sessions": 12, "people_reached": 2000, "vneid_level2": 25}


def year_seed(*, communes: dict[str, AdminUnit]) -> None:
    """The year so far, seeded as history recorded before the data-quality checks were on: its sessions reach
    more people than the dozen households the demo registers per village (a partial register, which the
    capacity rule can only tell with an official population figure), and whether the checks saw them depended
    on a 30-second cache. A session recorded after loading is checked (the README's walk-through)."""
    checks.ENABLED = False
    try:
        _year_of_work(communes)
    finally:
        checks.ENABLED = True


def _achievements(households: list[Household]) -> list[tuple[Household, Resident | None, str]]:
    """What the village's households reached over the year, as (household, person, "platform.outcome"), in
    the order it was reached. Every item is left unreached for some: the heads of household never have VNeID
    level 2 (the older people the guidance is for), so the README's walk (open any household, tap "level 2"
    for the head, save) moves every board; some adults, some households' accounts, groups and stalls are
    left too. Every demo village keeps a Zalo group, counted from these ticks (``_group``), so that a
    report's "households in the group" and its share of the register's households agree at every level."""
    this_year = timezone.localdate().year
    per_household: list[list[tuple[Household, Resident | None, str]]] = []
    for n, household in enumerate(households):
        residents = list(household.residents.all())
        head, others = residents[0], residents[1:]
        adults = [r for r in others if r.birth_year and this_year - r.birth_year >= 15]
        children = [r for r in others if r.relationship in (Relationship.CHILD, Relationship.GRANDCHILD)]
        found: list[tuple[Household, Resident | None, str]] = []
        for k, adult in enumerate(adults):
            if (n + k) % 3 != 2:
                found.append((household, adult, "vneid.installed"))
                found.append((household, adult, "vneid.level2"))
        if n % 3 == 0:
            found.append((household, head, "vneid.installed"))
        if n % 4 != 3:
            found.append((household, None, "village_group.joined"))
        if n % 2 == 0:
            found.append((household, head, "epayment.opened"))
        if n % 4 == 1:
            found.append((household, head, "dvc.dossier"))
        if children and n % 3 == 1:
            found.append((household, children[0], "ehealth.book"))
        if n % 5 == 0:
            found.append((household, None, "ecommerce.stall"))
        per_household.append(found)
    # Round by round across the households (each one's first step, then each one's second, ...), so that a
    # commune that keeps a slower pace has reached many households a little rather than a few fully.
    ordered: list[tuple[Household, Resident | None, str]] = []
    for step in range(max((len(found) for found in per_household), default=0)):
        ordered.extend(found[step] for found in per_household if step < len(found))
    return ordered


def _year_of_work(communes: dict[str, AdminUnit]) -> None:
    """Targets for the year (set and split by the province, split again by a commune) and activities spread
    over the months so far, all through the services officers and members use (once). The province's own
    officer sets them, so that the walk-through in the README can still change them."""
    today = timezone.localdate()
    year = calendar_period(PeriodKind.YEAR, today.year)
    province = AdminUnit.objects.current().get(code=PROVINCE)
    if Target.objects.filter(unit=province, period=year).exists():
        return
    tinh = User.objects.get(username="tinh")
    villages = {
        code: list(Village.objects.filter(commune=communes[code], valid_to__isnull=True).order_by("pk"))
        for code, _login, _pace in YEAR_COMMUNES
    }
    for code, per_village in VILLAGE_TARGETS.items():
        indicator = Indicator.objects.get(code=code)
        total = sum(per_village * len(found) for found in villages.values())
        parent = target_set(actor=tinh, subject=province, indicator=indicator, period=year, value=total)
        shares = {communes[c].pk: per_village * len(villages[c]) for c, _login, _pace in YEAR_COMMUNES}
        target_split(actor=tinh, parent=parent, method=SplitMethod.MANUAL, manual=shares)
        bat_trang = Target.objects.get(unit=communes[DEMO_COMMUNE], indicator=indicator, period=year)
        target_split(actor=User.objects.get(username="xa"), parent=bat_trang, method=SplitMethod.EVEN)
    outcomes = {
        f"{platform}.{code}": pk for pk, platform, code in Outcome.objects.values_list("pk", "platform__code", "code")
    }
    platforms = list(Platform.objects.filter(code__in=["vneid", "dvc", "epayment"]).values_list("pk", flat=True))
    member = User.objects.get(username="tovien")
    for code, login, pace in YEAR_COMMUNES:
        officer = User.objects.get(username=login)
        for v_index, village in enumerate(villages[code]):
            actor = member if village.name_folded == fold(DEMO_VILLAGE) else officer
            households = list(Household.objects.filter(village=village).prefetch_related("residents").order_by("pk"))
            plan = _achievements(households)
            plan = plan[: round(pace * len(plan))]  # each commune at its own pace
            visit = 0
            for month in range(1, today.month + 1):
                # The pace picks up over the year, as teams settle in.
                visits = round(pace * (2.5 + 4 * month / 12))
                for n in range(visits):
                    day = datetime.date(today.year, month, 1 + (n * 5 + v_index * 3) % 27)
                    if day > today:
                        continue
                    outcome_id = platform_id = None
                    if visit < len(plan):
                        household, resident, outcome = plan[visit]
                        outcome_id = outcomes[outcome]
                    else:  # once the plan is done: guided again, no new result yet
                        household = households[(month * 7 + n) % len(households)]
                        resident = household.residents.all()[0]
                        platform_id = platforms[visit % len(platforms)]
                    visit += 1
                    activity_record(
                        actor=actor,
                        data=ActivityIn(
                            kind="guidance",
                            occurred_on=day,
                            household_id=household.pk,
                            resident_id=resident.pk if resident else None,
                            outcome_id=outcome_id,
                            platform_id=platform_id,
                        ),
                    )
                day = datetime.date(today.year, month, min(today.day if month == today.month else 28, 10 + v_index))
                if pace * 10 + month % 3 >= 4:
                    activity_record(
                        actor=actor,
                        data=ActivityIn(
                            kind="propaganda",
                            occurred_on=day,
                            village_id=village.pk,
                            channel="loudspeaker",
                            people_reached=round(60 + 60 * pace + 5 * month),
                        ),
                    )
            if not ChatGroup.objects.filter(village=village).exists():
                _group(officer, village, len(households))


def _group(officer: User, village: Village, households: int) -> None:
    """The village's Zalo group, counted from the register: the households marked as having joined it, out
    of the village's households (the report shows these figures beside the register's own)."""
    joined = AdoptionStatus.objects.filter(household__village=village, item__code="village_group").count()
    slug = "giang-cao" if village.name_folded == fold(DEMO_VILLAGE) else str(village.pk)
    chat_group_save(
        actor=officer,
        commune=village.commune,
        village=village,
        platform="zalo",
        name=f"{village.name} - Chuyển đổi số",
        invite_link=f"https://zalo.me/g/demo-{slug}",
        households_in_group=joined,
        households_total=households,
        counted_on=timezone.localdate(),
    )
