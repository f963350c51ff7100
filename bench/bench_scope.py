"""Benchmark scoped reads at national size: ~95,000 villages over the real 3,321 communes.

Run:  .venv/bin/python bench/bench_scope.py            (SQLite in a temp folder)
      DATABASE_URL=postgres://... .venv/bin/python bench/bench_scope.py

Absolute times drift on a shared machine, so every figure is also printed as a ratio to a baseline
measured in the same run: an unscoped primary-key fetch of one village (the cheapest useful read).
"""

from __future__ import annotations

import os
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
from django.db import connection  # noqa: E402

from cdtt.access.scope import Scope  # noqa: E402
from cdtt.accounts.models import Role, RoleAssignment, User  # noqa: E402
from cdtt.core.text import fold  # noqa: E402
from cdtt.geo import selectors  # noqa: E402
from cdtt.geo.loader import admin_units_load  # noqa: E402
from cdtt.geo.models import AdminUnit, UnitKind, Village  # noqa: E402

VILLAGES_PER_COMMUNE = int(os.environ.get("BENCH_VILLAGES_PER_COMMUNE", "29"))  # 3,321 × 29 ≈ 96,000
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def timed(fn: Callable[[], object]) -> float:
    """Median wall time of ``fn`` in milliseconds over REPEAT runs (after one warm-up)."""
    fn()
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def fresh(user: User) -> User:
    """A user without the per-request scope cache, as a new request would have."""
    return User.objects.get(pk=user.pk)


def main() -> None:
    print(f"database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    admin_units_load()
    communes = list(AdminUnit.objects.current().communes().only("id"))
    if Village.objects.count() < len(communes) * VILLAGES_PER_COMMUNE:
        Village.objects.all().delete()
        print(f"creating {len(communes) * VILLAGES_PER_COMMUNE:,} villages…", flush=True)
        batch = []
        for commune in communes:
            for n in range(1, VILLAGES_PER_COMMUNE + 1):
                name = f"Thôn {n}" if n % 3 else f"Tổ dân phố số {n}"
                batch.append(Village(commune=commune, name=name, name_folded=fold(name)))
            if len(batch) >= 20000:
                Village.objects.bulk_create(batch, batch_size=2000)
                batch = []
        Village.objects.bulk_create(batch, batch_size=2000)
    hanoi = AdminUnit.objects.current().get(code="01")
    commune = AdminUnit.objects.current().get(code="00583")
    root = AdminUnit.objects.get(kind=UnitKind.NATIONAL)
    users = {}
    for username, role, unit in [
        ("b_admin", Role.NATIONAL_ADMIN, root),
        ("b_province", Role.PROVINCE_OFFICER, hanoi),
        ("b_commune", Role.COMMUNE_OFFICER, commune),
    ]:
        user, _ = User.objects.get_or_create(username=username)
        RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
        users[role] = user
    some_village = Village.objects.filter(commune=commune).first()
    assert some_village is not None
    far_village = Village.objects.exclude(commune__parent=hanoi).first()
    assert far_village is not None

    baseline = timed(lambda: Village.objects.get(pk=some_village.pk))
    cases: list[tuple[str, Callable[[], object]]] = [
        ("scope of a user (one query)", lambda: Scope(fresh(users[Role.PROVINCE_OFFICER]))),
        ("village by id, commune officer", lambda: Scope(users[Role.COMMUNE_OFFICER]).village(some_village.pk)),
        ("village of another province → 404", lambda: _expect_404(users[Role.PROVINCE_OFFICER], far_village.pk)),
        ("count villages, province officer", lambda: Scope(users[Role.PROVINCE_OFFICER]).villages().count()),
        ("count villages, national admin", lambda: Scope(users[Role.NATIONAL_ADMIN]).villages().count()),
        (
            "search 'to dan pho so 2', province",
            lambda: selectors.unit_search(user=fresh(users[Role.PROVINCE_OFFICER]), q="to dan pho so 2"),
        ),
        (
            "search 'ha noi', national",
            lambda: selectors.unit_search(user=fresh(users[Role.NATIONAL_ADMIN]), q="ha noi"),
        ),
        (
            "34 provinces with counts",
            lambda: list(selectors.unit_children(user=fresh(users[Role.NATIONAL_ADMIN]), unit=root)),
        ),
        (
            "communes of Hà Nội with counts",
            lambda: list(selectors.unit_children(user=fresh(users[Role.PROVINCE_OFFICER]), unit=hanoi)),
        ),
    ]
    print(f"villages: {Village.objects.count():,}; communes: {len(communes):,}; median of {REPEAT} runs")
    print(f"{'case':<40} {'ms':>9} {'× baseline':>11}")
    print(f"{'baseline: village by primary key':<40} {baseline:9.2f} {1:11.1f}")
    for label, fn in cases:
        ms = timed(fn)
        print(f"{label:<40} {ms:9.2f} {ms / baseline:11.1f}")


def _expect_404(user: User, village_id: int) -> None:
    from cdtt.core.errors import NotFound

    try:
        Scope(user).village(village_id)
    except NotFound:
        return
    raise AssertionError("a village of another province was visible")


if __name__ == "__main__":
    main()
