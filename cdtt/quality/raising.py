"""Raising a data-quality flag, the one write the per-record checks make.

Apart from ``services`` (the officer's review), which voids records through ``cdtt.activities``: the checks run
inside ``cdtt.activities.services``, so what they call must not lead back there.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction

from cdtt.core.audit import audit_record
from cdtt.geo.models import AdminUnit
from cdtt.quality.models import Flag, FlagStatus


def flag_raise(
    *,
    rule: str,
    unit_id: int,
    village_id: int | None,
    indicator_id: int | None,
    day: datetime.date,
    numbers: dict[str, Any],
    key: str,
    records: list[int],
) -> Flag | None:
    """Open a flag, or join the open one of the same key (its numbers updated, the records added).

    Nothing is raised again for a key an officer already confirmed as real. Runs inside the caller's
    transaction (the record's, or the daily job's)."""
    if Flag.objects.filter(key=key, status=FlagStatus.CONFIRMED).exists():
        return None
    flag = Flag.objects.select_for_update().filter(key=key, status=FlagStatus.OPEN).first()
    created = flag is None
    if flag is None:
        try:
            with transaction.atomic():  # a concurrent writer may open the same key: then join theirs
                flag = Flag.objects.create(
                    rule=rule,
                    unit_id=unit_id,
                    village_id=village_id,
                    indicator_id=indicator_id,
                    day=day,
                    numbers=numbers,
                    key=key,
                )
        except IntegrityError:
            flag = Flag.objects.select_for_update().get(key=key, status=FlagStatus.OPEN)
            created = False
    if not created:
        flag.numbers = numbers
        flag.save(update_fields=["numbers", "updated_at"])
    if records:
        flag.records.add(*records)
    if created:
        # The key says what is wrong (the rule, the place or member, the day); the numbers and records, which
        # grow as records join, are on the flag itself.
        audit_record(
            actor=None,
            actor_name="quality",
            action="quality.flag.raise",
            target=flag,
            unit=AdminUnit(pk=unit_id),
            rule=rule,
            key=key,
        )
    return flag
