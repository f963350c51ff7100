"""Benchmark the consolidated report exports at national size: the real tree (34 provinces, 3,321 communes),
every commune with this year's cells and targets for every indicator of the default catalogue, and a
report (in a mix of states) for every commune.

Run:  .venv/bin/python bench/bench_report_export.py            (SQLite in a temp folder)
      DATABASE_URL=postgres://… .venv/bin/python bench/bench_report_export.py   (a throw-away database)

Measures (median of BENCH_REPEAT runs, after one warm-up):
  (a) baseline: the reads alone: the communes' achieved values from the cells, their targets and report
      states (the same three queries the export makes), and a CSV of the same grid written with the csv
      module: the least any export must do;
  (b) the national consolidated XLSX (34 provinces + 3,321 communes × indicators × target, in the period,
      year to date and %; an approved report's figures where there is one; the nation's report as the total);
  (c) a province's consolidated XLSX (its communes);
  (d) the national status tree (34 provinces with the counts of their communes' reports) and the nation's
      consolidated numbers (what the report pages read).
Prints the ratio of each to (a) and PASS/FAIL for (b) ≤ 3 s (issue 6).
"""

from __future__ import annotations

import csv
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["CDTT_VAR_DIR"] = tempfile.mkdtemp(prefix="cdtt-bench-")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cdtt.catalog.models import Indicator  # noqa: E402
from cdtt.catalog.services import catalog_load  # noqa: E402
from cdtt.geo.loader import admin_units_load  # noqa: E402
from cdtt.geo.models import AdminUnit, UnitKind  # noqa: E402
from cdtt.progress.engine import NATION_UNIT  # noqa: E402
from cdtt.progress.models import Level, ProgressCell  # noqa: E402
from cdtt.progress.selectors import unit_progress  # noqa: E402
from cdtt.reports import exports, selectors  # noqa: E402
from cdtt.reports.models import Report, ReportStatus  # noqa: E402
from cdtt.targets.models import Period, PeriodKind, Target  # noqa: E402
from cdtt.targets.periods import calendar_period  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
GOAL_SECONDS = 3.0


def timed(fn: Callable[[], object]) -> float:
    fn()
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def load() -> tuple[AdminUnit, AdminUnit, Period]:
    call_command("migrate", verbosity=0)
    if not AdminUnit.objects.filter(kind=UnitKind.PROVINCE).exists():
        print("loading the administrative tree…", flush=True)
        admin_units_load()
    catalog_load()
    year = calendar_period(PeriodKind.YEAR, timezone.localdate().year)
    nation = AdminUnit.objects.get(kind=UnitKind.NATIONAL)
    provinces = list(AdminUnit.objects.current().filter(kind=UnitKind.PROVINCE))
    communes = list(AdminUnit.objects.current().filter(parent__in=provinces).exclude(kind=UnitKind.PROVINCE))
    indicators = list(Indicator.objects.filter(is_active=True))
    counted = [i for i in indicators if i.is_counted]
    rng = random.Random(6)
    with transaction.atomic():
        ProgressCell.objects.all().delete()
        Target.objects.filter(period=year).delete()
        Report.objects.filter(period=year).delete()
        print(f"making cells and targets for {len(communes):,} communes × {len(indicators)} indicators…", flush=True)
        cells, targets = [], []
        by_province: dict[tuple[int, int], int] = {}
        for commune in communes:
            for indicator in counted:
                value = rng.randint(0, 5000)
                cells.append(
                    ProgressCell(
                        level=Level.COMMUNE, unit=commune.pk, indicator=indicator, bucket=year.start.year, value=value
                    )
                )
                key = (commune.parent_id or 0, indicator.pk)
                by_province[key] = by_province.get(key, 0) + value
            for indicator in indicators:
                targets.append(Target(unit=commune, indicator=indicator, period=year, value=rng.randint(100, 8000)))
        for (province_id, indicator_id), value in by_province.items():
            cells.append(
                ProgressCell(
                    level=Level.PROVINCE,
                    unit=province_id,
                    indicator_id=indicator_id,
                    bucket=year.start.year,
                    value=value,
                )
            )
        nation_totals: dict[int, int] = {}
        for (_p, indicator_id), value in by_province.items():
            nation_totals[indicator_id] = nation_totals.get(indicator_id, 0) + value
        for indicator_id, value in nation_totals.items():
            cells.append(
                ProgressCell(
                    level=Level.NATION, unit=NATION_UNIT, indicator_id=indicator_id, bucket=year.start.year, value=value
                )
            )
        ProgressCell.objects.bulk_create(cells, batch_size=5000)
        Target.objects.bulk_create(targets, batch_size=5000)
        states = [ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.RETURNED]
        by_id = {p.pk: p for p in provinces}
        Report.objects.bulk_create(
            [
                Report(
                    period=year,
                    level=Level.COMMUNE,
                    unit=commune,
                    reviewer=by_id[commune.parent_id or 0],
                    status=rng.choice(states),
                    due_on=year.end,
                )
                for commune in communes
            ],
            batch_size=5000,
        )
    counts = (ProgressCell.objects.count(), Target.objects.count(), Report.objects.count())
    print("cells: {:,}; targets: {:,}; reports: {:,}".format(*counts))
    hanoi = AdminUnit.objects.current().get(code="01")
    return nation, hanoi, year


def baseline(year: Period) -> None:
    """The reads an export cannot avoid, and a CSV of the same grid."""
    communes = list(
        AdminUnit.objects.current()
        .filter(parent__kind=UnitKind.PROVINCE)
        .exclude(kind=UnitKind.PROVINCE)
        .order_by("name")
    )
    indicators = selectors.report_indicators(year, communes[0])
    ids = [c.pk for c in communes]
    achieved = unit_progress(indicators, year, Level.COMMUNE, ids)
    targets = {
        (i, u): v
        for i, u, v in Target.objects.filter(period=year, unit_id__in=ids).values_list(
            "indicator_id", "unit_id", "value"
        )
    }
    states = dict(Report.objects.filter(period=year, unit_id__in=ids).values_list("unit_id", "status"))
    out = io.StringIO()
    writer = csv.writer(out)
    for commune in communes:
        line: list[object] = [commune.code, commune.name, states.get(commune.pk, "")]
        for indicator in indicators:
            line += [targets.get((indicator.pk, commune.pk)), achieved.get((indicator.pk, commune.pk))]
        writer.writerow(line)


def main() -> None:
    print(f"database: {connection.vendor}")
    nation, hanoi, year = load()
    size = len(exports.consolidated_xlsx(nation, year))
    print(f"national XLSX: {size / 1024:,.0f} KB; median of {REPEAT} runs")
    base = timed(lambda: baseline(year))
    cases: list[tuple[str, Callable[[], object]]] = [
        ("(b) national consolidated XLSX", lambda: exports.consolidated_xlsx(nation, year)),
        ("(c) Hà Nội consolidated XLSX", lambda: exports.consolidated_xlsx(hanoi, year)),
        ("(d) national status tree", lambda: selectors.status_tree(nation, year)),
        ("(d) the nation's consolidated numbers", lambda: selectors.live_rows(nation, year)),
    ]
    print(f"{'case':<42} {'seconds':>8} {'× baseline':>11}")
    print(f"{'(a) baseline: the reads + a CSV':<42} {base:8.3f} {1:11.1f}")
    national = 0.0
    for label, fn in cases:
        seconds = timed(fn)
        national = national or seconds
        print(f"{label:<42} {seconds:8.3f} {seconds / base:11.1f}")
    verdict = "PASS" if national <= GOAL_SECONDS else "FAIL"
    print(f"national XLSX ≤ {GOAL_SECONDS:.0f} s: {verdict} ({national:.2f} s)")


if __name__ == "__main__":
    main()
