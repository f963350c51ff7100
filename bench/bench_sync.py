"""Benchmark sync push throughput behind the production server (gunicorn), against one-by-one posts.

Run:  DATABASE_URL=postgres://... .venv/bin/python bench/bench_sync.py     (the goal is set on PostgreSQL)
      .venv/bin/python bench/bench_sync.py                                 (SQLite in a temp folder: a smoke run)

It makes a small tree (one province, commune and village with a team member and a device token), starts
gunicorn on the same database (2 workers × 4 threads, as ``make demo``), and in one run measures:

  (a) baseline: the same kind of records posted one by one (POST /api/v1/activities), BENCH_CLIENTS at once;
  (b) sync: batches of 50 records (POST /api/v1/sync/push), BENCH_CLIENTS at once.

It prints records/s for each, the p50/p99 latency of a batch, the ratio (b)/(a), the CPU time the server's
processes and the database's backends spent per record in each phase (read from /proc: on a machine shared
with other work, these move much less than records/s do), the SQL queries one 50-record batch takes through
the batch path and through the one-by-one path (``sync.services._one``, what every record went through
before the batch path), checks that the server stored every record exactly once, and PASS/FAIL for the
goal: ≥ 2,000 records/s with p99 ≤ 300 ms.
Knobs: BENCH_RECORDS (default 10000 for (b); (a) sends a fifth), BENCH_CLIENTS (default 4), BENCH_WORKERS
and BENCH_THREADS (gunicorn's, default 2 and 4).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATABASE_URL" not in os.environ and "BENCH_TEMP_DIR" not in os.environ:
    os.environ["CDTT_VAR_DIR"] = os.environ["BENCH_TEMP_DIR"] = tempfile.mkdtemp(prefix="cdtt-bench-sync-")
os.environ.setdefault("CDTT_VAR_DIR", tempfile.mkdtemp(prefix="cdtt-bench-sync-var-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cdtt.accounts.models import Role, RoleAssignment, User  # noqa: E402
from cdtt.accounts.services import token_create  # noqa: E402
from cdtt.activities.models import Activity  # noqa: E402
from cdtt.catalog.services import catalog_load  # noqa: E402
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village  # noqa: E402

RECORDS = int(os.environ.get("BENCH_RECORDS", "10000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
BATCH = 50
GOAL_RATE = 2000.0
GOAL_P99_MS = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def world() -> tuple[Village, str]:
    call_command("migrate", verbosity=0)
    catalog_load()
    root, _ = AdminUnit.objects.get_or_create(
        code="VN", defaults={"name": "Việt Nam", "short_name": "Việt Nam", "kind": UnitKind.NATIONAL}
    )
    province, _ = AdminUnit.objects.get_or_create(
        code="BENCH01",
        defaults={
            "name": "Tỉnh Thử",
            "short_name": "Thử",
            "kind": UnitKind.PROVINCE,
            "parent": root,
            "valid_from": REFORM_DATE,
        },
    )
    commune, _ = AdminUnit.objects.get_or_create(
        code="BENCH0001",
        defaults={
            "name": "Xã Thử",
            "short_name": "Thử",
            "kind": UnitKind.COMMUNE,
            "parent": province,
            "valid_from": REFORM_DATE,
        },
    )
    village = Village.objects.filter(commune=commune).first() or Village.objects.create(
        commune=commune, name="Thôn Thử"
    )
    user, _ = User.objects.get_or_create(username="bench_member")
    RoleAssignment.objects.get_or_create(user=user, role=Role.TEAM_MEMBER, unit=commune, village=village)
    _token, raw = token_create(user=user, name="bench device")
    return village, raw


def record(village: Village, n: int) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "type": "activity",
        "data": {
            "kind": "propaganda",
            "occurred_on": str(timezone.localdate()),
            "village_id": village.pk,
            "channel": "loudspeaker",
            "people_reached": n % 90 + 1,
        },
    }


class Client:
    """One keep-alive HTTP connection per thread."""

    local = threading.local()

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: Any) -> tuple[int, Any, float]:
        connection_ = getattr(self.local, "conn", None)
        if connection_ is None:
            connection_ = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        connection_.request("POST", path, json.dumps(body), self.headers)
        response = connection_.getresponse()
        data = json.loads(response.read() or b"null")
        return response.status, data, time.perf_counter() - start


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each of these processes so far (Linux /proc; left out if unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


class CpuMeter:
    """CPU seconds the server's processes and the database's backends spend between start() and stop()."""

    def __init__(self, server: subprocess.Popen[bytes]) -> None:
        self.server = server

    def _now(self) -> tuple[dict[int, float], dict[int, float]]:
        return cpu_seconds(server_pids(self.server)), cpu_seconds(backend_pids())

    def start(self) -> None:
        self.before = self._now()

    def stop(self) -> tuple[float, float]:
        """(server seconds, database seconds); a process started meanwhile counts from zero."""
        after = self._now()
        return tuple(  # type: ignore[return-value]
            sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
            for now, before in zip(after, self.before, strict=True)
        )


def server_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The gunicorn master and its workers."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    try:
        return [server.pid, *map(int, children.read_text().split())]
    except OSError:
        return [server.pid]


def backend_pids() -> list[int]:
    """The database's server processes of this database's connections (PostgreSQL on this machine)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cursor.fetchall()]


def queries_per_batch(village: Village) -> tuple[int, int]:
    """SQL queries for one batch of new records: (the batch path, the one-by-one path), in this process."""
    from django.test.utils import CaptureQueriesContext

    from cdtt.sync import services

    user = User.objects.get(username="bench_member")
    services.push(actor=user, records=[record(village, n) for n in range(BATCH)])  # rules and places cached
    with CaptureQueriesContext(connection) as batched:
        services.push(actor=user, records=[record(village, n) for n in range(BATCH)])
    with CaptureQueriesContext(connection) as single:
        for item in [record(village, n) for n in range(BATCH)]:
            services._one(user, item)
    return len(batched.captured_queries), len(single.captured_queries)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_phase(label: str, work: list[Any], send: Any) -> tuple[float, list[float]]:
    latencies: list[float] = []
    start = time.perf_counter()
    done = 0
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for latency in pool.map(send, work):
            latencies.append(latency)
            done += 1
            if done % max(1, len(work) // 5) == 0:
                print(f"  {label}: {done:,} of {len(work):,} requests", flush=True)
    return time.perf_counter() - start, latencies


def main() -> None:
    vendor = connection.vendor
    print(f"database: {vendor}; records: {RECORDS:,} in batches of {BATCH}; clients: {CLIENTS}")
    village, token = world()
    batch_queries, single_queries = queries_per_batch(village)
    connection.close()
    port = free_port()
    env = {**os.environ, "CDTT_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(  # noqa: S603 - our own server, our own arguments
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--threads", str(THREADS), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        for _attempt in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        client = Client(port, token)
        before = Activity.objects.count()

        def one(item: dict[str, Any]) -> float:
            body = {"uuid": item["uuid"], **item["data"]}
            status, _data, latency = client.post("/api/v1/activities", body)
            assert status == 201, (status, _data)
            return latency

        def batch(items: list[dict[str, Any]]) -> float:
            status, data, latency = client.post("/api/v1/sync/push", {"records": items})
            assert status == 200, (status, data)
            assert all(r["status"] == "accepted" for r in data["results"]), data
            return latency

        warm = [record(village, n) for n in range(BATCH * CLIENTS)]
        run_phase("warm-up", [warm[i : i + BATCH] for i in range(0, len(warm), BATCH)], batch)
        singles = [record(village, n) for n in range(RECORDS // 5)]
        meter = CpuMeter(server)
        meter.start()
        single_time, single_lat = run_phase("(a) one by one", singles, one)
        single_cpu = meter.stop()
        batched = [record(village, n) for n in range(RECORDS)]
        groups = [batched[i : i + BATCH] for i in range(0, len(batched), BATCH)]
        meter.start()
        batch_time, batch_lat = run_phase("(b) batches", groups, batch)
        batch_cpu = meter.stop()
        stored = Activity.objects.count() - before
        expected = len(warm) + len(singles) + len(batched)
        # A resend of a few batches: all duplicates, nothing stored twice.
        resend_time, _lat = run_phase("resend", groups[: CLIENTS * 2], batch_resend(client))
        again = Activity.objects.count() - before
    finally:
        server.terminate()
        server.wait(timeout=30)

    single_rate = len(singles) / single_time
    batch_rate = len(batched) / batch_time
    p50, p99 = percentile(batch_lat, 0.5) * 1000, percentile(batch_lat, 0.99) * 1000
    print()
    print(f"{'phase':<40} {'records/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    print(
        f"{'(a) one by one (per record)':<40} {single_rate:10.0f} {statistics.median(single_lat) * 1000:8.1f} "
        f"{percentile(single_lat, 0.99) * 1000:8.1f}"
    )
    print(f"{'(b) batches of 50 (per batch)':<40} {batch_rate:10.0f} {p50:8.1f} {p99:8.1f}")
    print(f"batches are {batch_rate / single_rate:.1f}× the records/s of one-by-one posts")
    print(f"server: {WORKERS} gunicorn workers × {THREADS} threads; {os.cpu_count()} cores on this machine")
    for label, (server_cpu, db_cpu), count in (
        ("(a) one by one", single_cpu, len(singles)),
        ("(b) batches", batch_cpu, len(batched)),
    ):
        print(
            f"CPU per record, {label}: server {server_cpu / count * 1000:.2f} ms, "
            f"database {db_cpu / count * 1000:.2f} ms" + ("" if db_cpu else " (database backends not readable here)")
        )
    print(
        f"SQL queries for one batch of {BATCH} new records (in this process, without the request's token and "
        f"role lookups): batch path {batch_queries}, one by one {single_queries}"
    )
    print(f"stored {stored:,} of {expected:,} records sent; after resending {CLIENTS * 2} batches: {again:,}")
    print(f"resend of {CLIENTS * 2} batches (all duplicates): {resend_time:.2f} s")
    ok = stored == expected == again
    print(f"{'PASS' if ok else 'FAIL'}: every record stored exactly once")
    verdict = "PASS" if batch_rate >= GOAL_RATE and p99 <= GOAL_P99_MS else "FAIL"
    print(
        f"{verdict}: {batch_rate:.0f} records/s (goal ≥ {GOAL_RATE:.0f}), p99 {p99:.0f} ms per batch "
        f"(goal ≤ {GOAL_P99_MS:.0f} ms) on {vendor}"
    )


def batch_resend(client: Client) -> Any:
    def send(items: list[dict[str, Any]]) -> float:
        status, data, latency = client.post("/api/v1/sync/push", {"records": items})
        assert status == 200 and all(r["status"] == "duplicate" for r in data["results"]), data
        return latency

    return send


if __name__ == "__main__":
    try:
        main()
    finally:
        if os.environ.get("BENCH_TEMP_DIR"):
            shutil.rmtree(os.environ["BENCH_TEMP_DIR"], ignore_errors=True)
