"""Writers at scale (issue 17 point 7): records/s of ``activity_record`` with 1, 8 and 32 concurrent writers.

Run:  DATABASE_URL=postgres://…/benchdb .venv/bin/python bench/bench_writers.py     (PostgreSQL only)
      .venv/bin/python bench/bench_writers.py --cluster    (the drill's cluster: Patroni, a synchronous standby)

Every recorded activity upserts, inside its own transaction, the progress cells of its village, commune,
province and nation (``cdtt/progress/engine.py``). Writers in different provinces share no village, commune
or province cell, but they all update the nation's cells, and each holds the rows it updated locked from its
upsert until its commit. Until issue 17.7 a nation cell was one row per counted indicator and bucket, shared by
every writer; now it is spread over ``engine.SLOTS`` rows, one per slot chosen by the record's commune. This
measures whether records/s keeps growing with the writers or stops there (``--compare-with`` runs the code
before and after a change in turn on one cluster).

The world: the real tree (34 provinces), and in each of the first ``max(writers)`` provinces
``--communes`` communes with ``--villages`` villages each, an active team per village with
``--members`` members, and a commune officer per commune who records. Each writer is a separate process
(forked after setup) with its own database connection, bound to its own province; it records propaganda
sessions (a village, a few people reached, a day of this year, so the year's nation cell is the same row for
everyone) through ``cdtt.activities.services.activity_record``: the checks, the record, its cells, the
per-record data-quality rules, its audit event, one commit. Each phase runs ``--seconds`` of wall time after
a short warm-up; phases: the 1-writer baseline, 8, 32, then 1 writer again (to see how much the machine
itself moved during the run). While a phase runs, the parent samples ``pg_stat_activity`` for the writers'
backends: the share of samples waiting on a lock (``wait_event_type = 'Lock'``: the hot row) tells whether
the writers queue on the nation cells or on something else (CPU, the WAL flush).

``--without-nation`` (a diagnostic, on its own throw-away database) runs the same writers with the nation's
cells left out (they then drift by design, so the check is skipped): if records/s is the same, the shared row is
not what limits this machine.

A deadlock or serialization failure (SQLSTATE 40P01 / 40001) is retried with the same UUID and counted.
At the end it runs the aggregate check (``cdtt.progress.rebuild.check``: every cell against a rebuild from
the raw records) and prints the drift, which must be 0.

It adds records to the database it is given (and creates the world's villages, teams and officers once):
give it a throw-away database. ``synchronous_commit`` is the server's (printed); with a synchronous
standby each commit also waits for the standby, which lengthens the time the nation row stays locked.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_on_cluster(args: list[str]) -> int:
    """``--cluster``: start the drill's cluster (``scripts/drill.py``: etcd, two PostgreSQL nodes under Patroni
    in synchronous mode, HAProxy, pgBackRest) in a temporary folder, build the schema, run this benchmark
    against the primary through HAProxy (as the app nodes reach it), then stop the cluster.

    ``--compare-with DIR``: another tree of the code (e.g. ``git archive`` of the commit before a change, this
    script copied in) gets its own database on the same cluster, and the two run in turn, ``--rounds`` times
    (default 2): before and after measured side by side, under the same load of a shared machine."""
    import importlib.util
    import shutil
    import subprocess
    import tempfile

    spec = importlib.util.spec_from_file_location("drill", ROOT / "scripts" / "drill.py")
    assert spec is not None and spec.loader is not None
    drill = importlib.util.module_from_spec(spec)
    sys.modules["drill"] = drill  # its dataclasses look their module up there
    spec.loader.exec_module(drill)
    keep = "--keep" in args
    args = [a for a in args if a != "--keep"]
    trees = [(ROOT, "cdtt")]
    rounds = 1
    if "--compare-with" in args:
        at = args.index("--compare-with")
        trees.append((Path(args[at + 1]).resolve(), "cdtt_other"))
        del args[at : at + 2]
        rounds = 2
    if "--rounds" in args:
        at = args.index("--rounds")
        rounds = int(args[at + 1])
        del args[at : at + 2]
    tmp = Path(tempfile.mkdtemp(prefix="cdtt-writers-"))
    os.chmod(tmp, 0o755)  # noqa: S103 - the postgres user walks into it, as in the drill
    # Its own ports (not the drill's default 27000), so that it can run beside a drill or a load run.
    cluster = drill.Cluster(tmp, drill.Ports(int(os.environ.get("CDTT_WRITERS_PORT_BASE", "29500"))))
    failed = 0
    try:
        drill.bring_up(cluster)
        env = cluster.app_env("bench")
        env.pop("CDTT_REPLICA_DATABASE_URL", None)  # the writers and the final check read the primary
        urls = {}
        for tree, database in trees:
            if database != "cdtt":
                cluster.psql(f"CREATE DATABASE {database}", db="postgres")
            urls[tree] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database
            drill.log(f"migrate {tree} (synchronous_commit=local for the schema only, as the drill does)")
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                env={**env, "DATABASE_URL": urls[tree], "PGOPTIONS": "-c synchronous_commit=local"},
                cwd=tree,
                check=True,
                timeout=1200,
            )
        for n in range(rounds):
            for tree, _database in trees:
                drill.log(f"round {n + 1}: the benchmark of {tree}, against the primary through HAProxy")
                command = [sys.executable, str(tree / "bench" / "bench_writers.py"), *args]
                run = subprocess.run(  # noqa: S603 - this interpreter, a copy of this script
                    command, env={**env, "DATABASE_URL": urls[tree]}, cwd=tree, timeout=7200, check=False
                )
                failed = failed or run.returncode
        return failed
    finally:
        cluster.stop_all()
        if keep:
            print(f"cluster folder kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__" and "--cluster" in sys.argv[1:]:
    raise SystemExit(run_on_cluster([a for a in sys.argv[1:] if a != "--cluster"]))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise SystemExit(
        "bench_writers.py: PostgreSQL only (concurrent writers on SQLite serialise on the whole database file, "
        "which says nothing about the cells' hot rows). Set DATABASE_URL=postgres://…/a-throw-away-database."
    )

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cdtt.accounts.models import Role, RoleAssignment, User  # noqa: E402
from cdtt.activities.models import Activity, ActivityKind, Channel  # noqa: E402
from cdtt.activities.services import ActivityIn, activity_record  # noqa: E402
from cdtt.catalog.services import catalog_load  # noqa: E402
from cdtt.geo.loader import admin_units_load  # noqa: E402
from cdtt.geo.models import AdminUnit, UnitKind, Village  # noqa: E402
from cdtt.progress import engine  # noqa: E402
from cdtt.progress.models import Level  # noqa: E402
from cdtt.progress.rebuild import check  # noqa: E402
from cdtt.teams.models import Member, MemberRole, Membership, Team, TeamStatus  # noqa: E402

RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure
APP_NAME = "bench_writers"
WARM_UP = 5  # records per writer before the clock (scope, counting rules, connection)
WITHOUT_NATION = False  # diagnostic (--without-nation): the writers skip the nation's cells

# One writer's province: its communes, each commune's officer and villages.
Province = list[tuple[int, int, list[int]]]  # (commune id, officer user id, village ids)


def build_world(provinces: int, communes: int, villages: int, members: int) -> list[Province]:
    """The first ``provinces`` current provinces, each with ``communes`` communes of ``villages`` villages, an
    active team per village with ``members`` members, and an officer per commune. Idempotent (names fixed)."""
    since = timezone.localdate().replace(month=1, day=1)
    world: list[Province] = []
    current = AdminUnit.objects.current()
    chosen = list(current.filter(kind=UnitKind.PROVINCE).order_by("pk").values_list("pk", flat=True)[:provinces])
    if len(chosen) < provinces:
        raise SystemExit(f"bench_writers.py: only {len(chosen)} provinces in the tree, {provinces} writers asked")
    with transaction.atomic():
        for province in chosen:
            place: Province = []
            units = current.communes().filter(parent_id=province).order_by("pk").values_list("pk", flat=True)
            for commune in list(units)[:communes]:
                officer, _new = User.objects.get_or_create(username=f"bench_writer_{commune}")
                RoleAssignment.objects.get_or_create(user=officer, role=Role.COMMUNE_OFFICER, unit_id=commune)
                ids = []
                for n in range(1, villages + 1):
                    village, new = Village.objects.get_or_create(commune_id=commune, name=f"Thôn Thử {n}")
                    ids.append(village.pk)
                    if new:
                        team = Team.objects.create(
                            commune_id=commune,
                            village=village,
                            name=f"Tổ CNSCĐ thôn Thử {n}",
                            status=TeamStatus.ACTIVE,
                            established_on=since,
                        )
                        for m in range(members):
                            member = Member.objects.create(commune_id=commune, full_name=f"Thành Viên {n}-{m}")
                            Membership.objects.create(
                                team=team,
                                member=member,
                                joined_on=since,
                                role=MemberRole.LEADER if m == 0 else MemberRole.MEMBER,
                            )
                place.append((commune, officer.pk, ids))
            world.append(place)
    return world


def record_one(rng: random.Random, place: Province, officers: dict[int, User], first: datetime.date, days: int) -> int:
    """Record one propaganda session in a random village of the writer's province; the retries it took."""
    _commune, officer, villages = rng.choice(place)
    data = ActivityIn(
        kind=ActivityKind.PROPAGANDA,
        occurred_on=first + datetime.timedelta(days=rng.randrange(days)),
        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        village_id=rng.choice(villages),
        channel=Channel.MEETING,
        people_reached=1 + rng.randrange(20),
    )
    retries = 0
    while True:
        try:
            activity_record(actor=officers[officer], data=data)
            return retries
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) not in RETRYABLE or retries >= 10:
                raise
            retries += 1  # the same UUID again: a retry of a stored record would return the first


def writer(index: int, place: Province, seconds: float, barrier: Any, results: Any) -> None:
    """One writer process: its own connection, warm-up, then records until the phase's time is up."""
    if WITHOUT_NATION:  # the control: the same writes minus the one row every writer shares
        every_place = engine.places
        engine.places = lambda commune, village: [  # type: ignore[assignment]
            found for found in every_place(commune, village) if found[0] != Level.NATION.value
        ]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SET application_name = %s", [APP_NAME])
    officers = {u.pk: u for u in User.objects.filter(pk__in=[o for _c, o, _v in place])}
    rng = random.Random(f"{index}-{time.time_ns()}")
    today = timezone.localdate()
    first = today.replace(month=1, day=1)
    days = (today - first).days + 1
    for _ in range(WARM_UP):
        record_one(rng, place, officers, first, days)
    barrier.wait(timeout=120)
    start = time.perf_counter()
    latencies: list[float] = []
    retries = 0
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        retries += record_one(rng, place, officers, first, days)
        latencies.append((time.perf_counter() - began) * 1000)
    results.put((index, len(latencies), time.perf_counter() - start, retries, latencies))
    connection.close()


def sample_waits(stop_at: float) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """Sample the writers' backends every 50 ms: (samples of a backend in a transaction, of those waiting
    on a lock, what they waited on, the table the waiting statement writes)."""
    busy = waiting = 0
    events: dict[str, int] = {}
    tables: dict[str, int] = {}
    with connection.cursor() as cursor:
        while time.perf_counter() < stop_at:
            cursor.execute(
                "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE application_name = %s",
                [APP_NAME],
            )
            for state, kind, event, query in cursor.fetchall():
                if state in ("active", "idle in transaction"):
                    busy += 1
                    if kind is not None:
                        key = f"{kind}:{event}"
                        events[key] = events.get(key, 0) + 1
                    if kind == "Lock":
                        waiting += 1
                        table = _table(query)
                        tables[table] = tables.get(table, 0) + 1
            time.sleep(0.05)
    return busy, waiting, events, tables


def _table(query: str) -> str:
    """The table a blocked INSERT/UPDATE writes (what the writers queue on)."""
    words = query.replace('"', "").split()
    for n, word in enumerate(words[:-1]):
        if word.upper() in ("INTO", "UPDATE"):
            return words[n + 1]
    return " ".join(words[:3])


def phase(writers: int, world: list[Province], seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers + 1)
    results = context.Queue()
    connections.close_all()  # never share a connection with the forked children
    processes = [context.Process(target=writer, args=(n, world[n], seconds, barrier, results)) for n in range(writers)]
    for process in processes:
        process.start()
    load = os.getloadavg()[0]
    barrier.wait(timeout=300)
    busy, waiting, events, tables = sample_waits(time.perf_counter() + seconds)
    found = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"bench_writers.py: a writer failed (exit code {process.exitcode})")
    records = sum(n for _i, n, _s, _r, _l in found)
    elapsed = max(s for _i, _n, s, _r, _l in found)
    latencies = sorted(ms for *_rest, lats in found for ms in lats)
    return {
        "writers": writers,
        "records": records,
        "rate": records / elapsed,
        "retries": sum(r for _i, _n, _s, r, _l in found),
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p95": latencies[max(0, int(0.95 * len(latencies)) - 1)] if latencies else 0.0,
        "lock_share": waiting / busy if busy else 0.0,
        "events": sorted(events.items(), key=lambda kv: -kv[1])[:3],
        "load": load,
        "tables": sorted(tables.items(), key=lambda kv: -kv[1])[:2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", default="1,8,32", help="concurrencies, comma-separated (default 1,8,32)")
    parser.add_argument("--seconds", type=float, default=20.0, help="wall time of each phase (default 20)")
    parser.add_argument("--communes", type=int, default=4, help="communes per province (default 4)")
    parser.add_argument("--villages", type=int, default=5, help="villages per commune (default 5)")
    parser.add_argument("--members", type=int, default=5, help="members per village team (default 5)")
    parser.add_argument("--no-repeat", action="store_true", help="skip the closing 1-writer phase")
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="start the drill's cluster (Patroni, synchronous standby, HAProxy) on loopback ports "
        "(CDTT_WRITERS_PORT_BASE, default 29500) and run against it; needs root and the Debian packages",
    )
    parser.add_argument(
        "--compare-with",
        metavar="DIR",
        help="with --cluster: another tree of the code (this script copied in), run in turn on its own database",
    )
    parser.add_argument("--rounds", type=int, help="with --compare-with: how many turns each (default 2)")
    parser.add_argument(
        "--without-nation",
        action="store_true",
        help="diagnostic only, on its own throw-away database: the writers skip the nation's cells (which then "
        "drift by design), to see what the shared row costs",
    )
    options = parser.parse_args()
    global WITHOUT_NATION
    WITHOUT_NATION = options.without_nation
    levels = [int(n) for n in options.writers.split(",")]
    if levels[0] != 1:
        levels.insert(0, 1)  # the baseline is always measured in the same run
    if not options.no_repeat:
        levels.append(1)

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit'), current_setting('fsync'), version()")
        sync_commit, fsync, version = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')")
        (standbys,) = cursor.fetchone()
    print(
        f"database: {version.split(',')[0]}; synchronous_commit={sync_commit}, fsync={fsync}, "
        f"synchronous standbys: {standbys}",
        flush=True,
    )
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    admin_units_load()
    catalog_load()
    world = build_world(max(levels), options.communes, options.villages, options.members)
    print(
        f"world: {len(world)} provinces × {options.communes} communes × {options.villages} villages "
        f"(a team of {options.members} each), built in {time.perf_counter() - start:.1f} s; "
        f"{Activity.objects.count():,} activities already stored",
        flush=True,
    )

    rows = []
    for writers in levels:
        print(f"  {writers} writer(s), {options.seconds:g} s …", flush=True)
        rows.append(phase(writers, world, options.seconds))
    base = rows[0]["rate"]
    print()
    print(
        f"{'writers':>7} {'records':>8} {'records/s':>10} {'× 1 writer':>10} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'retries':>7} {'lock wait':>9} {'load':>5}  top waits"
    )
    for row in rows:
        waits = ", ".join(f"{name} {n}" for name, n in row["events"])
        waits += "; blocked on: " + (", ".join(f"{name} {n}" for name, n in row["tables"]) or "-")
        print(
            f"{row['writers']:>7} {row['records']:>8,} {row['rate']:>10.1f} {row['rate'] / base:>10.2f} "
            f"{row['p50']:>8.1f} {row['p95']:>8.1f} {row['retries']:>7} {row['lock_share']:>8.0%} "
            f"{row['load']:>5.1f}  {waits}"
        )
    print(
        "lock wait: share of samples (every 50 ms) of the writers' busy backends waiting on a row or "
        "transaction lock (the nation cells' rows they share)"
    )

    connections.close_all()
    if WITHOUT_NATION:
        print("aggregate check skipped: --without-nation leaves the nation's cells behind by design")
        return
    started = time.perf_counter()
    drifts = check()
    print(
        f"aggregate check (every cell against a rebuild from the raw records): drift {len(drifts)} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    if drifts:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
