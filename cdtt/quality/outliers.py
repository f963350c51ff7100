"""The daily statistical rule: a unit's month far from its own history and from its siblings.

The choice (issue 19 asks to choose and document): the **modified z-score** of Iglewicz and Hoaglin,
M = 0.6745 · (x − median) / MAD, where MAD is the median absolute deviation. Unlike the plain z-score it
is not dragged by the very outliers it looks for (a mean and a standard deviation are), and unlike
min–max it needs no bounds set by hand per indicator. Where more than half the values are equal the MAD
is 0; the score then uses the mean absolute deviation, M = (x − median) / (1.253314 · MeanAD), as IBM
and DHIS2 do. A month is flagged when both scores exceed the rule's threshold (3.5, the authors'
recommendation): far from the unit's own last 12 months **and** from its siblings' same month (the
villages of its commune, the communes of its province). Only high values are flagged (inflation is what
the rule is for; a low month is a late report, which the reports already chase) and only from
``MIN_VALUE`` up, so that 3 against a history of zeros is not an alarm. Both samples need at least
``MIN_SAMPLE`` values.

It reads the progress cells only (month buckets of the counted indicators at the village and commune
levels), one indicator at a time, so its memory stays bounded whatever the number of records.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cdtt.catalog.models import COUNTED_METHODS, Indicator, Method
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import engine
from cdtt.progress.models import Level, ProgressCell
from cdtt.quality.checks import rule
from cdtt.quality.raising import flag_raise

MIN_VALUE = 20
MIN_SAMPLE = 3
HISTORY_MONTHS = 12


def modified_z(value: float, sample: Sequence[float]) -> float | None:
    """The modified z-score of ``value`` against ``sample``; None when the sample is too small, inf when
    every value of the sample is the same and ``value`` is not."""
    if len(sample) < MIN_SAMPLE:
        return None
    median = statistics.median(sample)
    deviations = [abs(x - median) for x in sample]
    mad = statistics.median(deviations)
    if mad > 0:
        return 0.6745 * (value - median) / mad
    mean_ad = statistics.fmean(deviations)
    if mean_ad > 0:
        return (value - median) / (1.253314 * mean_ad)
    return 0.0 if value == median else float("inf") * (1 if value > median else -1)


def months_back(bucket: int, n: int) -> list[int]:
    """The ``n`` month buckets before ``bucket`` (yyyymm), oldest first."""
    year, month = divmod(bucket, 100)
    found = []
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        found.append(year * 100 + month)
    return found[::-1]


@dataclass
class OutlierRun:
    indicators: int = 0
    units: int = 0
    flags: int = 0


def _fmt(x: float) -> float | str:
    return round(x, 1) if x != float("inf") else "∞"


def check_outliers(
    *, month: int | None = None, progress: Callable[[str], None] | None = None, today: datetime.date | None = None
) -> OutlierRun:
    """Check every counted indicator's month at the village and commune levels; raise the flags found."""
    conf = rule("outlier")
    result = OutlierRun()
    if not conf.active:
        return result
    month = month or engine.month_bucket(today or timezone.localdate())
    history = months_back(month, HISTORY_MONTHS)
    commune_of = dict(Village.objects.filter(valid_to__isnull=True).values_list("pk", "commune_id"))
    province_of = dict(AdminUnit.objects.communes().current().values_list("pk", "parent_id"))
    siblings: dict[tuple[int, int], list[int]] = defaultdict(list)  # (level, parent) -> units
    for village, commune in commune_of.items():
        siblings[(Level.VILLAGE.value, commune)].append(village)
    for commune, province in province_of.items():
        siblings[(Level.COMMUNE.value, province or 0)].append(commune)
    counted = [m for m in COUNTED_METHODS if m != Method.REGISTER]
    indicators = Indicator.objects.filter(is_active=True, method__in=counted).order_by("order", "pk")
    started = time.monotonic()
    for indicator in indicators:
        result.indicators += 1
        raised = 0
        for level, parent_of in ((Level.VILLAGE.value, commune_of), (Level.COMMUNE.value, province_of)):
            cells: dict[int, dict[int, int]] = defaultdict(dict)
            rows = ProgressCell.objects.filter(
                indicator=indicator, level=level, bucket__in=[*history, month]
            ).values_list("unit", "bucket", "value")
            for unit, bucket, value in rows.iterator(chunk_size=5000):
                cells[unit][bucket] = value
            for unit, values in cells.items():
                value = values.get(month, 0)
                if value < MIN_VALUE or unit not in parent_of:
                    continue
                result.units += 1
                own = modified_z(value, [values.get(b, 0) for b in history])
                parent = parent_of[unit] or 0
                others = [cells.get(u, {}).get(month, 0) for u in siblings[(level, parent)] if u != unit]
                near = modified_z(value, others)
                if own is None or near is None or own <= conf.threshold or near <= conf.threshold:
                    continue
                commune = parent if level == Level.VILLAGE.value else unit
                numbers = {
                    "value": value,
                    "month": month,
                    "own_median": statistics.median([values.get(b, 0) for b in history]),
                    "own_z": _fmt(own),
                    "sibling_median": statistics.median(others),
                    "sibling_z": _fmt(near),
                    "threshold": conf.threshold,
                }
                with transaction.atomic():
                    flag = flag_raise(
                        rule="outlier",
                        unit_id=commune,
                        village_id=unit if level == Level.VILLAGE.value else None,
                        indicator_id=indicator.pk,
                        day=datetime.date(month // 100, month % 100, 1),
                        numbers=numbers,
                        key=f"outlier:{level}:{unit}:i{indicator.pk}:{month}",
                        records=[],
                    )
                raised += flag is not None
        result.flags += raised
        if progress is not None:
            progress(
                f"{indicator.code}: {raised} flag(s); {result.units:,} unit-months checked so far, "
                f"{time.monotonic() - started:.1f} s"
            )
    return result
