"""Load benchmark (issue 17 point 7): the deadline-week mix, replayed with Locust against the cluster.

    .venv/bin/python bench/bench_load.py                  (everything: cluster, SF 0.1 data, steps, report)
    .venv/bin/python bench/bench_load.py --sf 0.01        (smaller data, same steps)
    .venv/bin/python bench/bench_load.py --serve          (start and fill the cluster, then keep it up)
    .venv/bin/python bench/bench_load.py --target http://127.0.0.1:28040 --world /tmp/cdtt-load-…/world.json

It starts the cluster of ``scripts/drill.py`` (etcd, two PostgreSQL nodes under Patroni with a synchronous
standby, HAProxy, two gunicorn app nodes, two task workers; with pg_stat_statements), migrates, fills it with
the national synthetic data of ``bench/bench_progress.py`` at scale factor ``--sf`` (timed), adds the people
of the mix (members with phone tokens, team leaders, commune, province and national officers, signed in), and
then steps the number of simulated users. Each step reports requests/s, p50/p95 per endpoint class, the CPU
seconds the app nodes (gunicorn) and the databases (both PostgreSQL nodes) spent per second, and the time
PostgreSQL spent executing statements (pg_stat_statements, both nodes) against the time the requests took.

The mix (``MIX``) is a deadline week from PRODUCT.md: members syncing their phones (push of a batch of records
with their UUIDs, then pull), team leaders opening and submitting the month's report, commune officers
reviewing (status tree, report, approve or return), province and national staff on dashboards (pages and the
JSON API), and exports (consolidated XLSX, a report's DOCX). Why these weights: bench/README.md.

The figure asked for: requests/s per app core at p95 ≤ 300 ms: the highest step whose p95 over all requests is
≤ 300 ms, its requests/s divided by the app nodes' CPU in cores during that step. The machine is shared:
``uptime`` is printed with each step, and ratios are to a baseline step (one user, ``/healthz``) of the same run.
"""

# ruff: noqa: S603, S608
# A driver of its own throw-away cluster on loopback ports: the Python interpreter run by path, SQL built from
# a fixed list of table names. Locust needs gevent's patches before anything else is imported.
from __future__ import annotations

import sys

if "--drive" in sys.argv:
    from gevent import monkey

    monkey.patch_all()

import argparse
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
P95_GOAL_MS = 300.0

# -- the mix ---------------------------------------------------------------------------------------------
# name -> (weight, endpoint class). A weight is the share of *actions*; an action is one request, except
# "review" (status tree, report, decision: 3) and "report" (open, then submit or read: 2). The derivation from
# PRODUCT.md's figures is in bench/README.md ("The deadline-week mix"). Every URL a task uses is built from
# the templates in world.json, resolved by Django's reverse() (tests/test_bench_load.py checks they resolve).
# The weights are the actions per second of the national peak hour derived there (about 145 requests/s).
MIX: dict[str, tuple[float, str]] = {
    "sync_push": (11.6, "member: sync push"),
    "sync_pull": (83.0, "member: sync pull"),
    "leader_report": (4.3, "leader: report open/submit"),
    "commune_review": (6.7, "commune: review (tree, report, decision)"),
    "commune_report_page": (7.7, "commune: report pages"),
    "province_dashboard_page": (6.5, "province: dashboard page"),
    "province_dashboard_api": (3.4, "province: dashboard API"),
    "province_scorecard": (1.5, "province: scorecard page"),
    "nation_dashboard": (1.0, "nation: dashboard page"),
    "export_commune_xlsx": (1.0, "export: consolidated XLSX"),
    "export_report_docx": (1.2, "export: report DOCX"),
    "export_province_xlsx": (0.3, "export: consolidated XLSX"),
}

# URL names the mix uses: name -> (url name, the arguments' placeholders). Resolved in the cluster's Django.
URLS: dict[str, tuple[str, list[int]]] = {
    "dashboard_page": ("dashboards:unit", [990000001]),
    "scorecard_page": ("dashboards:scorecard", [990000001]),
    "report_unit_page": ("reports:unit", [990000001]),
    "report_page": ("reports:detail", [990000001]),
    "report_docx": ("reports:docx", [990000001]),
    "unit_xlsx": ("reports:unit_xlsx", [990000001]),
}
API = "/api/v1"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def uptime() -> str:
    """The load averages, as ``uptime`` prints them: the machine is shared."""
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def resolve_urls() -> dict[str, str]:
    """Each URL of the mix with ``{id}`` where its argument goes (run inside Django)."""
    from django.urls import reverse

    resolved = {}
    for key, (name, args) in URLS.items():
        url = reverse(name, args=args)
        resolved[key] = url.replace(str(args[0]), "{id}")
    return resolved


# -- the people and the data (run inside Django, against the cluster) ------------------------------------


def generate(out: Path, sf: float, communes: int, seed: int) -> None:
    """The national synthetic data of bench_progress.py at ``sf``, then the people of the mix; world.json."""
    os.environ["BENCH_SF"] = str(sf)
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_progress as bp  # sets Django up against DATABASE_URL
    from django.utils import timezone

    from cdtt.catalog.models import Platform
    from cdtt.geo.models import AdminUnit, UnitKind

    started = time.perf_counter()
    bp.admin_units_load()
    bp.catalog_load()
    root = AdminUnit.objects.get(kind=UnitKind.NATIONAL)
    current = AdminUnit.objects.current()
    world = bp.World(
        today=timezone.localdate(),
        root=root.pk,
        provinces=list(current.filter(kind=UnitKind.PROVINCE).values_list("pk", flat=True)),
        communes=list(current.communes().values_list("pk", flat=True)),
    )
    world.guidance = bp.guidance_draws()
    world.platforms = list(Platform.objects.values_list("pk", flat=True))
    bp.load(random.Random(bp.SEED), world)
    bp.build_cells()
    generated = time.perf_counter() - started
    print(f"generated SF {sf:g} in {generated:.0f} s: {bp.counts()}", flush=True)
    people = people_create(random.Random(seed), root.pk, communes)
    people["generation_s"] = generated
    people["sf"] = sf
    people["counts"] = bp.counts()
    out.write_text(json.dumps(people))


def people_create(rng: random.Random, nation_id: int, commune_count: int) -> dict[str, Any]:
    """Members (phone tokens), team leaders, commune, province and national officers (signed in) in
    ``commune_count`` communes with teams, one per province first; last month is the period being reported."""
    import datetime

    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from cdtt.accounts.models import Role, RoleAssignment, User
    from cdtt.accounts.services import token_create
    from cdtt.geo.models import AdminUnit
    from cdtt.households.models import Household
    from cdtt.targets.models import PeriodKind
    from cdtt.targets.periods import calendar_period
    from cdtt.teams.models import Team

    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    period = calendar_period(PeriodKind.MONTH, last_month.year, last_month.month)
    client = Client()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise

    def person(username: str, role: str, unit: AdminUnit, village_id: int | None = None) -> dict[str, Any]:
        user = User.objects.create_user(username=username, password=None, full_name=username)
        RoleAssignment.objects.create(user=user, role=role, unit=unit, village_id=village_id)
        _token, raw = token_create(user=user, name="bench")
        client.force_login(user)
        session = client.cookies["sessionid"].value
        client.logout()
        return {"user_id": user.pk, "token": raw, "session": session, "unit_id": unit.pk}

    with_teams = Team.objects.filter(village__isnull=False).values_list("commune_id").annotate(n=Count("id"))
    teamed = AdminUnit.objects.filter(pk__in=[c for c, _n in with_teams.order_by()]).select_related("parent")
    by_province: dict[int, list[AdminUnit]] = {}
    for commune in teamed:
        by_province.setdefault(commune.parent_id or 0, []).append(commune)
    chosen: list[AdminUnit] = []
    pools = [rng.sample(found, len(found)) for found in by_province.values()]
    while len(chosen) < commune_count and any(pools):
        for pool in pools:
            if pool and len(chosen) < commune_count:
                chosen.append(pool.pop())
    world: dict[str, Any] = {
        "period_id": period.pk,
        "urls": resolve_urls(),
        "members": [],
        "leaders": [],
        "communes": [],
        "provinces": [],
    }
    provinces: dict[int, AdminUnit] = {}
    for c, commune in enumerate(chosen):
        world["communes"].append(person(f"xa{c}", Role.COMMUNE_OFFICER, commune))
        if commune.parent is not None:
            provinces[commune.parent.pk] = commune.parent
        teams = list(Team.objects.filter(commune=commune, village__isnull=False).order_by("pk")[:4])
        for t, team in enumerate(teams):
            village = team.village_id or 0  # never 0: the teams were filtered on having a village
            leader = person(f"to{c}_{t}", Role.TEAM_LEADER, commune, village)
            world["leaders"].append({**leader, "village_id": village})
            homes = list(Household.objects.filter(village_id=village).order_by("pk").values_list("pk", flat=True)[:30])
            for m in range(2):
                member = person(f"tv{c}_{t}_{m}", Role.TEAM_MEMBER, commune, village)
                world["members"].append({**member, "village_id": village, "households": homes})
    for p, province in enumerate(provinces.values()):
        world["provinces"].append(person(f"tinh{p}", Role.PROVINCE_OFFICER, province))
    nation = AdminUnit.objects.get(pk=nation_id)
    world["nation"] = person("trunguong", Role.NATIONAL_ADMIN, nation)
    print(
        f"people: {len(world['members'])} members, {len(world['leaders'])} team leaders, "
        f"{len(world['communes'])} communes, {len(world['provinces'])} provinces; period {period.name}",
        flush=True,
    )
    return world


# -- the load (Locust, in its own process: gevent) -------------------------------------------------------


@dataclass
class Step:
    users: int
    only: str = ""  # a single task for the baseline step


def drive(args: argparse.Namespace) -> int:
    """Run the steps against ``--target``; one JSON line of figures per step on stdout, prefixed ``STEP ``."""
    import gevent
    import psutil
    from locust import FastHttpUser, between
    from locust.env import Environment

    world = json.loads(Path(args.world).read_text())
    urls: dict[str, str] = world["urls"]
    today = time.strftime("%Y-%m-%d")
    cursors: dict[int, str] = {}
    reports: dict[int, int] = {}  # village -> its report of the period, as the leaders opened them

    def url(key: str, pk: int) -> str:
        return urls[key].replace("{id}", str(pk))

    def bearer(who: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {who['token']}"}

    def cookie(who: dict[str, Any]) -> dict[str, str]:
        return {"Cookie": f"sessionid={who['session']}"}

    class DeadlineWeek(FastHttpUser):
        host = args.target
        wait_time = between(args.think * 0.5, args.think * 1.5)

        def _get(self, path: str, name: str, headers: dict[str, str]) -> Any:
            with self.client.get(path, name=name, headers=headers, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code}")
                return r

        def _post(self, path: str, name: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
            with self.client.post(path, name=name, headers=headers, json=body, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code}: {r.text[:200]}")
                return r

        def sync_push(self) -> None:
            member = random.choice(world["members"])
            records = []
            for _ in range(args.batch):
                if random.random() < 0.8 and member["households"]:  # PRODUCT.md: most activity is guidance
                    data = {"kind": "guidance", "household_id": random.choice(member["households"]),
                            "platform": random.choice(["vneid", "dvc", "epayment", "ehealth", "vssid"]),
                            "channel": "door_to_door", "occurred_on": today, "people_reached": 1}  # fmt: skip
                else:
                    data = {"kind": "propaganda", "village_id": member["village_id"], "channel": "loudspeaker",
                            "people_reached": random.randint(10, 120), "occurred_on": today}  # fmt: skip
                records.append({"uuid": str(uuid.uuid4()), "type": "activity", "data": data})
            r = self._post(f"{API}/sync/push", MIX["sync_push"][1], bearer(member), {"records": records})
            if r.status_code == 200:
                refused = [a for a in r.json()["results"] if a["status"] not in {"accepted", "duplicate"}]
                if refused:
                    r.failure(f"refused: {refused[0]}")

        def sync_pull(self) -> None:
            member = random.choice(world["members"])
            since = cursors.get(member["user_id"], "")
            r = self._get(f"{API}/sync/pull?since={since}", MIX["sync_pull"][1], bearer(member))
            if r.status_code == 200:
                cursors[member["user_id"]] = r.json()["next"]

        def leader_report(self) -> None:
            leader = random.choice(world["leaders"])
            name = MIX["leader_report"][1]
            body = {"period_id": world["period_id"], "village_id": leader["village_id"]}
            r = self._post(f"{API}/reports", name, bearer(leader), body)
            if r.status_code != 200:
                return
            report = r.json()
            reports[leader["village_id"]] = report["id"]
            if report["status"] in {"draft", "returned"}:
                self._post(f"{API}/reports/{report['id']}/submit", name, bearer(leader), {"version": report["version"]})
            else:
                self._get(url("report_page", report["id"]), name, cookie(leader))

        def commune_review(self) -> None:
            commune = random.choice(world["communes"])
            name = MIX["commune_review"][1]
            tree = self._get(f"{API}/reports/units/{commune['unit_id']}?period_id={world['period_id']}", name,
                             bearer(commune))  # fmt: skip
            if tree.status_code != 200:
                return
            submitted = [n["report_id"] for n in tree.json() if n["state"] == "submitted" and n["report_id"]]
            if not submitted:
                return
            report_id = random.choice(submitted)
            r = self._get(f"{API}/reports/{report_id}", name, bearer(commune))
            if r.status_code != 200:
                return
            version = r.json()["version"]
            # Most are approved; one in four goes back to the team, which submits again: the week goes on.
            if random.random() < 0.25:
                body = {"version": version, "comment": "Bổ sung số liệu hộ gia đình"}
                self._post(f"{API}/reports/{report_id}/return", name, bearer(commune), body)
            else:
                self._post(f"{API}/reports/{report_id}/approve", name, bearer(commune), {"version": version})

        def commune_report_page(self) -> None:
            commune = random.choice(world["communes"])
            self._get(url("report_unit_page", commune["unit_id"]), MIX["commune_report_page"][1], cookie(commune))

        def province_dashboard_page(self) -> None:
            officer = random.choice(world["provinces"])
            self._get(url("dashboard_page", officer["unit_id"]), MIX["province_dashboard_page"][1], cookie(officer))

        def province_dashboard_api(self) -> None:
            officer = random.choice(world["provinces"])
            path = f"{API}/dashboards/units/{officer['unit_id']}"
            self._get(path, MIX["province_dashboard_api"][1], bearer(officer))

        def province_scorecard(self) -> None:
            officer = random.choice(world["provinces"])
            self._get(url("scorecard_page", officer["unit_id"]), MIX["province_scorecard"][1], cookie(officer))

        def nation_dashboard(self) -> None:
            nation = world["nation"]
            self._get(url("dashboard_page", nation["unit_id"]), MIX["nation_dashboard"][1], cookie(nation))

        def export_commune_xlsx(self) -> None:
            commune = random.choice(world["communes"])
            self._get(url("unit_xlsx", commune["unit_id"]), MIX["export_commune_xlsx"][1], cookie(commune))

        def export_province_xlsx(self) -> None:
            officer = random.choice(world["provinces"])
            self._get(url("unit_xlsx", officer["unit_id"]), MIX["export_province_xlsx"][1], cookie(officer))

        def export_report_docx(self) -> None:
            leader = random.choice(world["leaders"])
            report_id = reports.get(leader["village_id"])
            if report_id is None:  # not opened yet: the leader writes it first
                self.leader_report()
                return
            self._get(url("report_docx", report_id), MIX["export_report_docx"][1], cookie(leader))

        def healthz(self) -> None:
            self._get("/healthz", "baseline: /healthz", {})

    def weighted(only: str) -> dict[Any, float]:
        if only:
            return {getattr(DeadlineWeek, only): 1.0}
        return {getattr(DeadlineWeek, name): weight for name, (weight, _label) in MIX.items()}

    app_pids = [int(p) for p in args.app_pids.split(",") if p]
    db_pids = [int(p) for p in args.db_pids.split(",") if p]

    def tree_rss_mb(pids: list[int]) -> float:
        total = 0
        for pid in pids:
            try:
                root = psutil.Process(pid)
                total += sum(proc.memory_info().rss for proc in [root, *root.children(recursive=True)])
            except psutil.Error:
                continue
        return total / 1e6

    def tree_cpu(pids: list[int]) -> float:
        total = 0.0
        for pid in pids:
            try:
                root = psutil.Process(pid)
                for proc in [root, *root.children(recursive=True)]:
                    t = proc.cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                continue
        return total

    def db_time_ms() -> float:
        import psycopg

        total = 0.0
        for dsn in [d for d in args.db_dsns.split(",") if d]:
            try:
                with psycopg.connect(dsn, connect_timeout=3) as conn:
                    row = conn.execute("SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements").fetchone()
                    total += float(row[0]) if row else 0.0
            except psycopg.Error:
                continue
        return total

    steps = [Step(1, only="healthz")] + [Step(int(n)) for n in args.steps.split(",")]
    for step in steps:
        # Locust draws a task uniformly from this list: each appears as often as a tenth of its weight.
        DeadlineWeek.tasks = [t for t, w in weighted(step.only).items() for _ in range(max(1, round(w * 10)))]
        env = Environment(user_classes=[DeadlineWeek])
        runner = env.create_local_runner()
        runner.start(step.users, spawn_rate=max(step.users / 3, 1))
        gevent.sleep(args.warmup)
        env.stats.reset_all()
        app0, db0, me0, sql0 = tree_cpu(app_pids), tree_cpu(db_pids), tree_cpu([os.getpid()]), db_time_ms()
        start = time.monotonic()
        gevent.sleep(args.step_seconds)
        elapsed = time.monotonic() - start
        app1, db1, me1, sql1 = tree_cpu(app_pids), tree_cpu(db_pids), tree_cpu([os.getpid()]), db_time_ms()
        classes = {}
        for (name, _method), entry in env.stats.entries.items():
            if name.startswith("("):
                continue
            classes[name] = {
                "n": entry.num_requests,
                "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.5),
                "p95": entry.get_response_time_percentile(0.95),
                "total_ms": entry.total_response_time,
            }
        total = env.stats.total
        errors = [f"{e.name}: {e.error} ×{e.occurrences}" for e in env.stats.errors.values()][:5]
        runner.quit()
        figures = {
            "users": step.users,
            "only": step.only,
            "seconds": elapsed,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": total.num_requests / elapsed,
            "p50": total.get_response_time_percentile(0.5),
            "p95": total.get_response_time_percentile(0.95),
            "request_ms": total.total_response_time,
            "app_cores": (app1 - app0) / elapsed,
            "db_cores": (db1 - db0) / elapsed,
            "driver_cores": (me1 - me0) / elapsed,
            "sql_ms": sql1 - sql0,
            "app_rss_mb": tree_rss_mb(app_pids),
            "db_rss_mb": tree_rss_mb(db_pids),
            "load": uptime(),
            "classes": classes,
            "errors": errors,
        }
        print("STEP " + json.dumps(figures), flush=True)
        gevent.sleep(2)
        if not step.only and figures["p95"] > args.stop_ms:
            break  # past the knee: more users only lengthen the queue
    return 0


# -- the report --------------------------------------------------------------------------------------------


def report(steps: list[dict[str, Any]], sizes: list[tuple[str, int, int]], world: dict[str, Any]) -> None:
    base = steps[0]
    mixed = [s for s in steps if not s["only"]]
    print()
    print(f"baseline (1 user, /healthz): {base['rps']:.1f} req/s, p50 {base['p50']:.0f} ms, p95 {base['p95']:.0f} ms; "
          f"app {base['app_cores']:.2f} cores, databases {base['db_cores']:.2f} cores; {base['load']}")  # fmt: skip
    print()
    head = (f"{'users':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'fail':>5} {'app cores':>9} {'req/s/app core':>14} "
            f"{'db cores':>8} {'db CPU share':>12} {'SQL time share':>14} {'driver':>6}  load")  # fmt: skip
    print(head)
    for s in mixed:
        per_core = s["rps"] / s["app_cores"] if s["app_cores"] > 0 else float("nan")
        cpu_share = s["db_cores"] / (s["app_cores"] + s["db_cores"]) if s["app_cores"] + s["db_cores"] else 0.0
        sql_share = s["sql_ms"] / s["request_ms"] if s["request_ms"] else 0.0
        print(f"{s['users']:>5} {s['rps']:>7.1f} {s['p50']:>6.0f} {s['p95']:>6.0f} {s['failures']:>5} "
              f"{s['app_cores']:>9.2f} {per_core:>14.1f} {s['db_cores']:>8.2f} {100 * cpu_share:>11.0f}% "
              f"{100 * sql_share:>13.0f}% {s['driver_cores']:>6.2f}  {s['load']}")  # fmt: skip
        for error in s["errors"]:
            print(f"      error: {error}")
    within = [s for s in mixed if s["p95"] <= P95_GOAL_MS and s["requests"] and s["app_cores"] > 0]
    knee = max(within, key=lambda s: s["rps"]) if within else None
    print()
    if knee is None:
        print(f"no step had p95 ≤ {P95_GOAL_MS:.0f} ms")
        return
    print(f"at p95 ≤ {P95_GOAL_MS:.0f} ms (step of {knee['users']} users), per endpoint class "
          f"(× the baseline's p50 of {base['p50']:.0f} ms):")  # fmt: skip
    print(f"  {'class':<42} {'share':>6} {'p50 ms':>7} {'p95 ms':>7} {'× base p50':>10} {'fail':>5}")
    for name, c in sorted(knee["classes"].items(), key=lambda kv: -kv[1]["n"]):
        share = c["n"] / max(1, knee["requests"])
        ratio = c["p50"] / base["p50"] if base["p50"] else float("nan")
        print(f"  {name:<42} {100 * share:>5.1f}% {c['p50']:>7.0f} {c['p95']:>7.0f} {ratio:>10.1f} {c['failures']:>5}")
    per_core = knee["rps"] / knee["app_cores"]
    db_per_request = 1000 * knee["db_cores"] / knee["rps"]
    app_per_request = 1000 * knee["app_cores"] / knee["rps"]
    print()
    print(f"RESULT: {knee['rps']:.1f} req/s at p95 {knee['p95']:.0f} ms with {knee['users']} users; "
          f"{per_core:.1f} req/s per app core (app CPU {app_per_request:.1f} ms a request, database CPU "
          f"{db_per_request:.1f} ms a request: the database's share of CPU "
          f"{100 * knee['db_cores'] / (knee['app_cores'] + knee['db_cores']):.0f}%, of the requests' time in SQL "
          f"{100 * knee['sql_ms'] / max(1.0, knee['request_ms']):.0f}%); {knee['load']}")  # fmt: skip
    if "app_rss_mb" in knee:
        print(f"app processes' resident memory (2 nodes' gunicorn and the 2 task workers): {knee['app_rss_mb']:.0f} MB")
    print(f"data: SF {world['sf']:g} generated in {world['generation_s']:.0f} s ({world['counts']})")
    print()
    print(f"{'table':<32} {'rows':>12} {'total size MB':>14} {'bytes/row':>10}")
    for table, rows, size in sizes:
        print(f"{table:<32} {rows:>12,} {size / 1e6:>14.1f} {size / max(rows, 1):>10.0f}")


SIZED = [
    "activities_activity",
    "households_household",
    "households_resident",
    "households_adoptionstatus",
    "progress_progresscell",
    "targets_target",
    "core_auditevent",
    "sync_syncreceipt",
    "activities_activitychange",
]


def table_sizes(c: Any) -> list[tuple[str, int, int]]:
    sizes = []
    for table in SIZED:
        found = c.psql(f"SELECT to_regclass('{table}') IS NOT NULL")
        if found != "t":
            continue
        # The planner's count, exact after the VACUUM ANALYZE of the load (a count(*) of 10 million rows is slow).
        rows = int(float(c.psql(f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass")))
        size = int(c.psql(f"SELECT pg_total_relation_size('{table}')"))
        sizes.append((table, rows, size))
    return sizes


# -- the whole run -------------------------------------------------------------------------------------------


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    import drill

    # `kill <pid>` (and Ctrl-C, which a shell's background job ignores) stops the cluster before exiting.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)

    tmp = Path(tempfile.mkdtemp(prefix="cdtt-load-"))
    os.chmod(tmp, 0o755)  # noqa: S103 - the postgres user walks into it (as in the drill)
    c = drill.Cluster(
        tmp,
        drill.Ports(args.port_base),
        pg_parameters={
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.track": "top",
            "shared_buffers": args.shared_buffers,
            "max_wal_size": "8GB",
            "checkpoint_timeout": "30min",
        },
    )
    started = time.monotonic()
    log(f"load bench folder {tmp}; {uptime()}")
    code = 1
    try:
        drill.bring_up(c)
        drill.migrate(c)
        c.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        log(f"generating the national synthetic data at SF {args.sf:g} (bench_progress.py) and the people")
        world_file = tmp / "world.json"
        env = {**c.app_env("setup"), "PGOPTIONS": "-c synchronous_commit=local"}  # a load, not a measurement
        subprocess.run(
            [PY, str(Path(__file__).resolve()), "--generate", str(world_file), "--sf", str(args.sf),
             "--communes", str(args.communes)],
            env=env, cwd=ROOT, check=True, timeout=6 * 3600,
        )  # fmt: skip
        world = json.loads(world_file.read_text())
        drill.start_apps(c, workers=args.workers, threads=args.threads)
        target = f"http://127.0.0.1:{c.ports.web}"
        log(f"cluster up and filled in {time.monotonic() - started:.0f} s; {target}; {uptime()}")
        sizes = table_sizes(c)
        (tmp / "sizes.json").write_text(json.dumps(sizes))
        app_pids = [c.procs[name].pid for name in ("app1", "app2", "worker1", "worker2")]
        db_pids = [int((tmp / f"pg{n}" / "postmaster.pid").read_text().split()[0]) for n in (1, 2)]
        argv = drive_argv(args, target, world_file, app_pids, db_pids, c)
        if args.serve:
            (tmp / "drive.json").write_text(json.dumps(argv))
            log(f"serving {target}; the steps: {PY} {__file__} --drive-again {tmp / 'drive.json'} (Ctrl-C stops)")
            while True:
                time.sleep(3600)
        steps = drive_steps(argv)
        # Kept beside the log: the figures can be read again whatever happens to the report below.
        (tmp / "steps.json").write_text(json.dumps({"steps": steps, "sizes": sizes, "world": world}))
        report(steps, sizes, world)
        log(f"total {time.monotonic() - started:.0f} s")
        code = 0
    except KeyboardInterrupt:
        code = 0
    finally:
        c.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


def drive_argv(
    args: argparse.Namespace, target: str, world: Path, app_pids: list[int], db_pids: list[int], c: Any
) -> list[str]:
    """The command of the Locust process that runs the steps."""
    password = sys.modules["drill"].PASSWORD  # the throw-away cluster's, from scripts/drill.py
    dsns = [f"postgresql://postgres:{password}@127.0.0.1:{getattr(c.ports, f'pg{n}')}/cdtt" for n in (1, 2)]
    argv = [
        PY, str(Path(__file__).resolve()), "--drive", "--target", target, "--world", str(world),
        "--steps", args.steps, "--step-seconds", str(args.step_seconds), "--warmup", str(args.warmup),
        "--think", str(args.think), "--batch", str(args.batch), "--stop-ms", str(args.stop_ms),
        "--app-pids", ",".join(map(str, app_pids)), "--db-pids", ",".join(map(str, db_pids)),
        "--db-dsns", ",".join(dsns),
    ]  # fmt: skip
    return argv


def drive_steps(argv: list[str]) -> list[dict[str, Any]]:
    """The steps, in a Locust process of their own (gevent); their figures."""
    steps = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("STEP "):
                step = json.loads(line[5:])
                steps.append(step)
                label = step["only"] or "mix"
                log(f"step {step['users']} users ({label}): {step['rps']:.1f} req/s, p50 {step['p50']:.0f} ms, "
                    f"p95 {step['p95']:.0f} ms, failures {step['failures']}, app {step['app_cores']:.2f} cores, "
                    f"db {step['db_cores']:.2f} cores; {step['load']}")  # fmt: skip
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", type=float, default=float(os.environ.get("BENCH_SF", "0.1")))
    parser.add_argument("--steps", default="4,8,16,32,48,64,96,128", help="simulated users per step")
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of each step not measured")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a user waits between actions")
    parser.add_argument("--batch", type=int, default=5, help="records per sync push")
    parser.add_argument("--stop-ms", type=float, default=1000.0, help="stop stepping once p95 exceeds this")
    parser.add_argument("--communes", type=int, default=60, help="communes whose people take part")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app node")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--shared-buffers", default="1GB")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("CDTT_LOAD_PORT_BASE", "28000")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--serve", action="store_true", help="start and fill the cluster, then keep it up")
    parser.add_argument("--target", help="drive an already running cluster (with --world)")
    parser.add_argument("--world", help="world.json of a running cluster")
    parser.add_argument("--drive-again", type=Path, help="the steps again against a --serve cluster (drive.json)")
    parser.add_argument("--report", type=Path, help="print the report of a kept run again (its steps.json)")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--app-pids", default="", help=argparse.SUPPRESS)
    parser.add_argument("--db-pids", default="", help=argparse.SUPPRESS)
    parser.add_argument("--db-dsns", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.sf, args.communes, seed=20261207)
        return 0
    if args.drive:
        return drive(args)
    if args.drive_again:  # the steps against a cluster kept up by --serve, then the report
        argv = json.loads(args.drive_again.read_text())
        for flag in ("--steps", "--step-seconds", "--warmup", "--stop-ms"):
            if flag in sys.argv:
                argv[argv.index(flag) + 1] = sys.argv[sys.argv.index(flag) + 1]
        steps = drive_steps(argv)
        world = json.loads(Path(argv[argv.index("--world") + 1]).read_text())
        kept = args.drive_again.parent
        sizes = [tuple(size) for size in json.loads((kept / "sizes.json").read_text())]
        (kept / "steps.json").write_text(json.dumps({"steps": steps, "sizes": sizes, "world": world}))
        report(steps, sizes, world)
        return 0
    if args.report:
        kept = json.loads(args.report.read_text())
        report(kept["steps"], [tuple(size) for size in kept["sizes"]], kept["world"])
        return 0
    if args.target:
        if not args.world:
            parser.error("--target needs --world")
        argv = list(sys.argv[1:])
        return subprocess.call([PY, str(Path(__file__).resolve()), "--drive", *argv], cwd=ROOT)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
