"""The failover drill (docs/deploy.md): a whole CDTT cluster on loopback ports, machines killed under load.

    scripts/drill.sh [--short] [--keep]     (make drill; make restore-drill runs it with --restore-only)

It starts, in a temporary folder: etcd, two PostgreSQL 15 nodes under Patroni (synchronous replication),
HAProxy (PostgreSQL primary and replica ports, and the HTTP balancer), two gunicorn app nodes, two task workers,
with WAL archived by pgBackRest. Then a write load (phone sync pushes, each record by its UUID, retried until
answered; every acknowledged UUID remembered) and a read load (dashboards) run while the primary's machine
(Patroni and the postmaster) is killed with SIGKILL, then an app node, then a worker in the middle of a household
import. It checks that no acknowledged record is lost or stored twice and that the import finishes on the other
worker, restores the database and the uploads to a chosen time on a fresh cluster with pgBackRest, and compares
counts and checksums with the source at that time. The last line is the verdict.
"""

# ruff: noqa: S603, S607, S608, S310
# A driver of local processes: it runs the Debian tools by name, psql with SQL built from integers and UUIDs it
# made itself, and HTTP to its own loopback ports.
from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "drill-Secret-2026"  # noqa: S105 - the throw-away cluster's database and app passwords (loopback only)
SECRET_KEY = "drill-" + uuid.uuid4().hex + uuid.uuid4().hex
STANZA = "cdtt"
TABLES = [  # compared between the source at the restore point and the restored cluster
    "activities_activity",
    "sync_syncreceipt",
    "households_household",
    "accounts_user",
    "transfers_importjob",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not versions:
        sys.exit("drill: PostgreSQL server binaries not found under /usr/lib/postgresql")
    return versions[-1].parent


@dataclass
class Ports:
    base: int

    def __getattr__(self, name: str) -> int:
        offsets = {
            "etcd": 1,
            "etcd_peer": 2,
            "pg1": 11,
            "pg2": 12,
            "rest1": 21,
            "rest2": 22,
            "primary": 31,
            "replica": 32,
            "web": 40,
            "app1": 41,
            "app2": 42,
            "restore": 51,
        }
        if name not in offsets:
            raise AttributeError(name)
        return self.base + offsets[name]


@dataclass
class Cluster:
    tmp: Path
    ports: Ports
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Extra PostgreSQL settings for both nodes (bench/bench_load.py: pg_stat_statements, a bigger cache).
    pg_parameters: dict[str, Any] = field(default_factory=dict)

    # --- processes ---------------------------------------------------------------------------------------
    def start(
        self, name: str, argv: list[str], *, env: dict[str, str] | None = None, as_postgres: bool = False
    ) -> None:
        if as_postgres and os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        out = open(self.tmp / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env or os.environ.copy(), start_new_session=True, cwd=ROOT
        )

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name in list(self.procs):
            try:
                self.procs[name].wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(name)
        # Patroni's postmasters run in Patroni's session; a killed Patroni leaves its postgres running.
        for data in ("pg1", "pg2", "restore"):
            pid_file = self.tmp / data / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

    # --- environment -------------------------------------------------------------------------------------
    def app_env(self, node: str) -> dict[str, str]:
        env = os.environ.copy()
        env.update(
            {
                "DATABASE_URL": f"postgres://postgres:{PASSWORD}@127.0.0.1:{self.ports.primary}/cdtt",
                "CDTT_REPLICA_DATABASE_URL": f"postgres://postgres:{PASSWORD}@127.0.0.1:{self.ports.replica}/cdtt",
                "CDTT_VAR_DIR": str(self.tmp / "var"),  # the shared volume every node mounts
                "CDTT_SECRET_KEY": SECRET_KEY,
                "CDTT_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CDTT_LOG_FORMAT": "json",
                "CDTT_ACCESS_LOG": "false",
                "CDTT_METRICS_TOKEN": "drill-metrics-token",
                # Short, so that the readers (who signed in: a write) reach the replica within the drill.
                "CDTT_READ_YOUR_WRITES_SECONDS": "5",
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        if node.startswith("app"):  # gunicorn's worker processes share their metrics through this folder
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.tmp / "prom" / node)
        return env

    def psql(self, sql: str, *, port: int | None = None, db: str = "cdtt", check: bool = True) -> str:
        env = {**os.environ, "PGPASSWORD": PASSWORD, "PGCONNECT_TIMEOUT": "3"}
        script = self.tmp / "query.sql"
        script.write_text(sql)  # a file, not an argument: the acknowledged UUIDs are more than argv takes
        result = subprocess.run(
            ["psql", "-X", "-qAt", "-h", "127.0.0.1", "-p", str(port or self.ports.primary), "-U", "postgres", "-d", db,
             "-v", "ON_ERROR_STOP=1", "-f", str(script)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def pgbackrest(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = ["pgbackrest", f"--config={self.tmp / 'pgbackrest.conf'}", f"--stanza={STANZA}", *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"pgbackrest {args[0]} failed: {result.stdout[-2000:]} {result.stderr[-2000:]}")
        return result


def wait_for(what: str, check: Any, timeout: float, every: float = 0.3) -> float:
    """Poll ``check`` until it is true; the seconds it took. Bounded: a drill must never hang."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(every)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def http_status(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# --- configuration files ---------------------------------------------------------------------------------


def _pg_listen(name: str, port: int, check: str, p: Ports) -> str:
    """An HAProxy TCP listener that sends to whichever PostgreSQL node Patroni's REST API answers 200 on
    ``check`` for (GET /primary or GET /replica)."""
    return f"""listen {name}
    mode tcp
    bind 127.0.0.1:{port}
    option httpchk GET {check}
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
    server pg1 127.0.0.1:{p.pg1} check port {p.rest1}
    server pg2 127.0.0.1:{p.pg2} check port {p.rest2}
"""


def write_configs(c: Cluster) -> None:
    p = c.ports
    bindir = pg_bin()
    for n in (1, 2):
        rest = getattr(p, f"rest{n}")
        # Per node: pgBackRest checks that it archives from the data folder it was told about.
        archive = (
            f"pgbackrest --config={c.tmp / 'pgbackrest.conf'} --stanza={STANZA} --pg1-path={c.tmp / f'pg{n}'} "
            "archive-push %p"
        )
        conf = {
            "scope": "cdtt-drill",
            "name": f"pg{n}",
            "restapi": {"listen": f"127.0.0.1:{rest}", "connect_address": f"127.0.0.1:{rest}"},
            "etcd3": {"hosts": f"127.0.0.1:{p.etcd}"},
            "bootstrap": {
                "dcs": {
                    # A dead leader's key expires after ttl: the failover time is about ttl + loop_wait.
                    "ttl": 10,
                    "loop_wait": 2,
                    "retry_timeout": 4,
                    "maximum_lag_on_failover": 1048576,
                    # A commit returns only once the synchronous standby has it on disk: what the API
                    # acknowledged survives the primary's loss.
                    "synchronous_mode": True,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "parameters": {
                            "synchronous_commit": "on",
                            "wal_level": "replica",
                            "wal_log_hints": "on",
                            "archive_mode": "on",
                            "max_wal_senders": 10,
                            "max_connections": 200,
                            "wal_keep_size": "256MB",
                            **c.pg_parameters,
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
                "pg_hba": [
                    "local all all trust",
                    "host replication replicator 127.0.0.1/32 scram-sha-256",
                    "host all all 127.0.0.1/32 scram-sha-256",
                ],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{getattr(p, f'pg{n}')}",
                "connect_address": f"127.0.0.1:{getattr(p, f'pg{n}')}",
                "data_dir": str(c.tmp / f"pg{n}"),
                "bin_dir": str(bindir),
                "pgpass": str(c.tmp / f"pgpass{n}"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": PASSWORD},
                    "replication": {"username": "replicator", "password": PASSWORD},
                    "rewind": {"username": "postgres", "password": PASSWORD},
                },
                "parameters": {"unix_socket_directories": str(c.tmp / "sock"), "archive_command": archive},
            },
        }  # fmt: skip
        (c.tmp / f"patroni{n}.yml").write_text(json.dumps(conf, indent=1))  # JSON is YAML
    sock = c.tmp / "sock"
    (c.tmp / "pgbackrest.conf").write_text(
        f"""[global]
repo1-path={c.tmp / "repo"}
repo1-retention-full=2
log-path={c.tmp / "logs"}
lock-path={c.tmp / "lock"}
spool-path={c.tmp / "spool"}
log-level-console=warn
log-level-file=info
start-fast=y
archive-async=n
compress-type=lz4

[{STANZA}]
pg1-path={c.tmp / "pg1"}
pg1-port={p.pg1}
pg1-socket-path={sock}
pg2-path={c.tmp / "pg2"}
pg2-port={p.pg2}
pg2-socket-path={sock}
"""
    )
    (c.tmp / "haproxy.cfg").write_text(
        f"""global
    maxconn 4000

defaults
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 2s

# PostgreSQL: the primary and the replica, as Patroni's REST API says (GET /primary, GET /replica).
{_pg_listen("pg_primary", p.primary, "/primary", p)}
{_pg_listen("pg_replica", p.replica, "/replica", p)}

# The app nodes. TLS ends here in production (docs/deploy.md). Only a request that never reached a node is
# sent to the other: one that reached a node which then died may have been written, and only the client (the
# phone, resending by UUID) may decide to send it again.
listen web
    mode http
    bind 127.0.0.1:{p.web}
    option httpchk GET /healthz
    http-check expect status 200
    unique-id-format %{{+X}}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    http-request set-header X-Request-ID %[unique-id] unless {{ req.hdr(X-Request-ID) -m found }}
    retries 3
    option redispatch 1
    retry-on conn-failure
    timeout server 30s
    default-server inter 1s fall 2 rise 2
    server app1 127.0.0.1:{p.app1} check
    server app2 127.0.0.1:{p.app2} check
"""
    )


# --- bringing the cluster up ---------------------------------------------------------------------------


def patroni_role(c: Cluster, n: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{getattr(c.ports, f'rest{n}')}/patroni", timeout=2) as r:
        return str(json.load(r).get("role", ""))


def sync_standby_ready(c: Cluster) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{c.ports.rest1}/cluster", timeout=2) as r:
        members = json.load(r)["members"]
    return any(m.get("role") == "sync_standby" and m.get("state") in {"running", "streaming"} for m in members)


def bring_up(c: Cluster) -> None:
    p = c.ports
    for folder in ("logs", "var", "repo", "lock", "spool", "sock", "prom/app1", "prom/app2"):
        (c.tmp / folder).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(c.tmp, "postgres")
        for folder in ("logs", "repo", "lock", "spool", "sock"):
            shutil.chown(c.tmp / folder, "postgres")
    write_configs(c)
    log("etcd")
    c.start(
        "etcd",
        ["etcd", "--name", "drill", "--data-dir", str(c.tmp / "etcd"),
         "--listen-client-urls", f"http://127.0.0.1:{p.etcd}", "--advertise-client-urls", f"http://127.0.0.1:{p.etcd}",
         "--listen-peer-urls", f"http://127.0.0.1:{p.etcd_peer}",
         "--initial-advertise-peer-urls", f"http://127.0.0.1:{p.etcd_peer}",
         "--initial-cluster", f"drill=http://127.0.0.1:{p.etcd_peer}"],
    )  # fmt: skip
    wait_for("etcd", lambda: http_status(f"http://127.0.0.1:{p.etcd}/health") == 200, 30)
    log("PostgreSQL pg1 under Patroni (initdb)")
    c.start("patroni1", ["patroni", str(c.tmp / "patroni1.yml")], as_postgres=True)
    wait_for("pg1 primary", lambda: http_status(f"http://127.0.0.1:{p.rest1}/primary") == 200, 90)
    log("PostgreSQL pg2 under Patroni (base backup, synchronous standby)")
    c.start("patroni2", ["patroni", str(c.tmp / "patroni2.yml")], as_postgres=True)
    wait_for("pg2 replica", lambda: http_status(f"http://127.0.0.1:{p.rest2}/replica") == 200, 90)
    wait_for("pg2 synchronous", lambda: sync_standby_ready(c), 60)
    c.start("haproxy", ["haproxy", "-db", "-f", str(c.tmp / "haproxy.cfg")])
    # HAProxy counts a server up until its health checks say otherwise, so at first it may send a connection to
    # the standby: wait until five connections in a row land on the primary (a loaded machine lost this race).
    wait_for("HAProxy to the primary", lambda: _on_primary_5_times(c), 60)
    c.psql("CREATE DATABASE cdtt", db="postgres")
    log("pgBackRest stanza and full backup")
    c.pgbackrest("stanza-create")
    c.pgbackrest("backup", "--type=full")


def _on_primary_5_times(c: Cluster) -> bool:
    for _ in range(5):
        if c.psql("SELECT pg_is_in_recovery()", db="postgres", check=False) != "f":
            return False
        time.sleep(0.2)
    return True


def prepare_app(c: Cluster, args: argparse.Namespace) -> dict[str, Any]:
    env = c.app_env("setup")
    migrate(c)
    out = c.tmp / "world.json"
    subprocess.run(
        [PY, str(Path(__file__).resolve()), "--setup-world", str(out), "--writers", str(args.writers)],
        env=env, cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    world: dict[str, Any] = json.loads(out.read_text())
    return world


def migrate(c: Cluster) -> None:
    """The schema and the static files, through the primary."""
    env = c.app_env("setup")
    log("migrate and collectstatic")
    # The schema is built once, before any record exists: no need to wait for the standby at each of the
    # hundreds of migration commits (the standby still receives all of it).
    migrate_env = {**env, "PGOPTIONS": "-c synchronous_commit=local"}
    # The static files do not need the database: collected while the schema is built.
    collect = subprocess.Popen([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT)
    try:
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v", "0"], env=migrate_env, cwd=ROOT, check=True, timeout=600
        )
        if collect.wait(timeout=900) != 0:
            raise subprocess.CalledProcessError(collect.returncode, collect.args)
    finally:
        if collect.poll() is None:
            collect.kill()


def start_apps(c: Cluster, *, workers: int = 2, threads: int = 4) -> None:
    for n in (1, 2):
        c.start(
            f"app{n}",
            [str(Path(PY).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{getattr(c.ports, f'app{n}')}",
             "--workers", str(workers), "--threads", str(threads), "--timeout", "30", "--graceful-timeout", "5"],
            env=c.app_env(f"app{n}"),
        )  # fmt: skip
    for n in (1, 2):
        # As systemd's Restart=always does (docs/deploy.md): db_worker exits when its database connection breaks
        # (a failover), and is started again. Killing the group kills the node's worker for good.
        loop = f"while :; do {PY} manage.py db_worker --interval 0.5 --worker-id worker{n}; sleep 1; done"
        c.start(f"worker{n}", ["bash", "-c", loop], env=c.app_env(f"worker{n}"))
    wait_for("app nodes", lambda: http_status(f"http://127.0.0.1:{c.ports.web}/healthz") == 200, 60)


# --- the world the load runs against (run inside Django, against the cluster) ------------------------------


def setup_world(out: Path, writers: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from cdtt.accounts.models import Role, RoleAssignment, User
    from cdtt.accounts.services import token_create
    from cdtt.catalog.services import catalog_load
    from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village, VillageKind

    catalog_load()

    def unit(code: str, name: str, kind: str, parent: AdminUnit | None) -> AdminUnit:
        return AdminUnit.objects.create(
            code=code, name=name, short_name=name, kind=kind, parent=parent,
            valid_from=REFORM_DATE if parent else None,
        )  # fmt: skip

    nation = unit("VN", "Việt Nam", UnitKind.NATIONAL, None)
    provinces = [unit(f"{10 + i:02d}", f"Tỉnh Diễn tập {i}", UnitKind.PROVINCE, nation) for i in range(writers)]
    members = []
    for i, province in enumerate(provinces):
        commune = unit(f"9{i:04d}", f"Xã Diễn tập {i}", UnitKind.COMMUNE, province)
        village = Village.objects.create(
            commune=commune, name=f"Thôn {i}", kind=VillageKind.THON, valid_from=REFORM_DATE
        )
        user = User.objects.create_user(username=f"member{i}", password=PASSWORD, full_name=f"Tổ viên {i}")
        RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, unit=commune, village=village)
        _token, raw = token_create(user=user, name="drill phone")
        members.append({"user_id": user.pk, "token": raw, "village_id": village.pk})
    officer = User.objects.create_user(username="officer", password=PASSWORD, full_name="Cán bộ Trung ương")
    RoleAssignment.objects.create(user=officer, role=Role.NATIONAL_ADMIN, unit=nation)
    commune0 = AdminUnit.objects.get(code="90000")
    importer = User.objects.create_user(username="importer", password=PASSWORD, full_name="Cán bộ Xã")
    RoleAssignment.objects.create(user=importer, role=Role.COMMUNE_OFFICER, unit=commune0)
    out.write_text(
        json.dumps(
            {
                "members": members,
                "nation_id": nation.pk,
                "province_id": provinces[0].pk,
                "commune_id": commune0.pk,
                "village_id": members[0]["village_id"],
                "today": str(timezone.localdate()),
            }
        )
    )


# --- load ------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    acked: set[str] = field(default_factory=set)
    requests: int = 0
    errors: int = 0
    reads: int = 0
    read_errors: int = 0
    replica_reads: int = 0
    # (sent, acknowledged) of each answered push, monotonic seconds
    ack_times: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer(
    c: Cluster, member: dict[str, Any], today: str, tally: Tally, stop: threading.Event, gate: threading.Event
) -> None:
    url = f"http://127.0.0.1:{c.ports.web}/api/v1/sync/push"
    while not stop.is_set():
        gate.wait(timeout=5)
        batch = [
            {
                "uuid": str(uuid.uuid4()),
                "type": "activity",
                "author": member["user_id"],
                "data": {"kind": "propaganda", "occurred_on": today, "village_id": member["village_id"],
                         "channel": "loudspeaker", "people_reached": 10, "note": "drill"},
            }
            for _ in range(5)
        ]  # fmt: skip
        body = json.dumps({"records": batch}).encode()
        # The phone's rule: a batch is sent again, unchanged, until it is answered; the UUIDs make it idempotent.
        for _attempt in range(200):
            if stop.is_set() and _attempt > 100:
                break
            sent = time.monotonic()
            request = urllib.request.Request(
                url, data=body, method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {member['token']}"},
            )  # fmt: skip
            with tally.lock:
                tally.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=20) as response:
                    answers = json.load(response)["results"]
                ok = {a["uuid"] for a in answers if a["status"] in {"accepted", "duplicate", "edited"}}
                with tally.lock:
                    tally.acked |= ok
                    tally.ack_times.append((sent, time.monotonic()))
                break
            except (urllib.error.URLError, OSError, ValueError, KeyError):
                with tally.lock:
                    tally.errors += 1
                time.sleep(0.5)


def reader(c: Cluster, world: dict[str, Any], tally: Tally, stop: threading.Event) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{c.ports.web}"
    signed_in = False
    while not stop.is_set():
        try:
            if not signed_in:
                opener.open(f"{base}/dang-nhap/", timeout=10).read()
                token = next(ck.value for ck in jar if ck.name == "csrftoken")
                form = urllib.parse.urlencode(
                    {"username": "officer", "password": PASSWORD, "csrfmiddlewaretoken": token}
                )
                opener.open(
                    urllib.request.Request(
                        f"{base}/dang-nhap/", data=form.encode(), headers={"Referer": f"{base}/dang-nhap/"}
                    ),
                    timeout=10,
                ).read()
                signed_in = True
                time.sleep(1)  # past nothing: the read-your-writes window only matters for the pages' source
            with opener.open(f"{base}/api/v1/dashboards/units/{world['province_id']}", timeout=10) as response:
                response.read()
                source = response.headers.get("X-Data-Source", "")
            with tally.lock:
                tally.reads += 1
                tally.replica_reads += source == "replica"
        except (urllib.error.URLError, OSError, StopIteration):
            with tally.lock:
                tally.read_errors += 1
            time.sleep(0.5)
        time.sleep(0.2)


# --- the household import a worker is killed in the middle of ---------------------------------------------


def start_import(c: Cluster, world: dict[str, Any], rows: int) -> int:
    """Upload a household file as the commune officer; the job id."""
    import io

    from openpyxl import Workbook

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{c.ports.web}"
    opener.open(f"{base}/dang-nhap/", timeout=10).read()
    token = next(ck.value for ck in jar if ck.name == "csrftoken")
    form = urllib.parse.urlencode({"username": "importer", "password": PASSWORD, "csrfmiddlewaretoken": token})
    opener.open(
        urllib.request.Request(f"{base}/dang-nhap/", data=form.encode(), headers={"Referer": f"{base}/dang-nhap/"}),
        timeout=10,
    ).read()
    page_url = f"{base}/nhap-du-lieu/ho/{world['commune_id']}/"
    opener.open(page_url, timeout=10).read()
    token = next(ck.value for ck in jar if ck.name == "csrftoken")
    book = Workbook()
    sheet = book.active
    sheet.append(["Thôn/Tổ dân phố", "Họ tên chủ hộ", "Số điện thoại", "Số nhân khẩu"])
    for i in range(rows):
        sheet.append(["Thôn 0", f"Nguyễn Văn Hộ {i}", f"09{i:08d}", 3])
    data = io.BytesIO()
    book.save(data)
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'.encode(),
        (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="ho.xlsx"\r\n'
         "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
        + data.getvalue() + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]  # fmt: skip
    request = urllib.request.Request(
        page_url, data=b"".join(parts),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": page_url},
    )  # fmt: skip
    with opener.open(request, timeout=30) as response:
        final = response.geturl()
    job = final.rstrip("/").split("/")[-1]
    if not job.isdigit():
        raise RuntimeError(f"import upload did not lead to a job page: {final}")
    return int(job)


# --- verification -----------------------------------------------------------------------------------------


def table_sums(c: Cluster, port: int) -> dict[str, str]:
    sums = {}
    for table in TABLES:
        sums[table] = c.psql(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM {table} t",
            port=port,
        )
    return sums


def file_sums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def acked_check(c: Cluster, acked: set[str]) -> tuple[int, int]:
    """(lost, duplicates) of the acknowledged records, read on the primary after the drill."""
    if not acked:
        return 0, 0
    (c.tmp / "acked.txt").write_text("\n".join(sorted(acked)))
    c.psql("CREATE TABLE IF NOT EXISTS drill_acked (uuid uuid)")
    c.psql("TRUNCATE drill_acked")
    values = ",".join(f"('{u}')" for u in sorted(acked))
    c.psql(f"INSERT INTO drill_acked VALUES {values}")
    lost = int(
        c.psql(
            "SELECT count(*) FROM drill_acked a "
            "WHERE NOT EXISTS (SELECT 1 FROM activities_activity x WHERE x.uuid = a.uuid)"
        )
    )
    dup = int(
        c.psql("SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n FROM activities_activity GROUP BY uuid) s")
    )
    c.psql("DROP TABLE drill_acked")
    return lost, dup


def restore_check(c: Cluster, target: str, expected: dict[str, str], files: dict[str, str]) -> bool:
    """Restore the database to ``target`` on a fresh data folder, and the uploads; compare with the source then."""
    data = c.tmp / "restore"
    data.mkdir()
    os.chmod(data, 0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    log(f"pgBackRest restore to {target}")
    c.pgbackrest(
        "restore", f"--pg1-path={data}", "--type=time", f"--target={target}", "--target-action=promote",
        "--target-timeline=latest", "--archive-mode=off",
    )  # fmt: skip
    c.start(
        "restore",
        [str(pg_bin() / "postgres"), "-D", str(data), "-p", str(c.ports.restore), "-c", "listen_addresses=127.0.0.1",
         "-c", f"unix_socket_directories={c.tmp / 'sock'}", "-c", "archive_mode=off",
         "-c", "synchronous_standby_names=",
         "-c", "hba_file=" + str(data / "pg_hba.conf")],
        as_postgres=True,
    )  # fmt: skip
    wait_for("restored cluster", lambda: c.psql("SELECT pg_is_in_recovery()", port=c.ports.restore) == "f", 300)
    restored = table_sums(c, c.ports.restore)
    restored_files = file_sums(c.tmp / "restore-media")
    ok = True
    for table, value in expected.items():
        same = restored[table] == value
        ok &= same
        log(
            f"  {table}: source {value.split(':')[0]} rows, restored {restored[table].split(':')[0]} rows, "
            f"checksum {'same' if same else 'DIFFERENT'}"
        )
    same_files = restored_files == files
    log(
        f"  uploads: {len(files)} files, restored {len(restored_files)}, "
        f"checksums {'same' if same_files else 'DIFFERENT'}"
    )
    return ok and same_files


# --- the drill --------------------------------------------------------------------------------------------


def drill(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="cdtt-drill-"))
    os.chmod(tmp, 0o755)  # noqa: S103 - the postgres user walks into it; nothing secret lives outside pgN/
    c = Cluster(tmp, Ports(args.port_base))
    started = time.monotonic()
    log(f"drill folder {tmp}")
    tally = Tally()
    stop = threading.Event()
    gate = threading.Event()
    gate.set()
    threads: list[threading.Thread] = []
    failover = float("nan")
    restore_ok = False
    import_note = "not run"
    verdict = {"lost": -1, "dup": -1}
    try:
        bring_up(c)
        world = prepare_app(c, args)
        start_apps(c)
        log(f"cluster up in {time.monotonic() - started:.0f} s; load: {args.writers} writers, {args.readers} readers")
        for member in world["members"]:
            threads.append(
                threading.Thread(target=writer, args=(c, member, world["today"], tally, stop, gate), daemon=True)
            )
        for _ in range(args.readers):
            threads.append(threading.Thread(target=reader, args=(c, world, tally, stop), daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(args.phase)

        if not args.restore_only:
            primary = 1 if patroni_role(c, 1) in {"primary", "master"} else 2
            time.sleep(args.phase)
            log(f"kill -9: the primary's machine (Patroni and postmaster of pg{primary})")
            killed_at = time.monotonic()
            kill_machine(c, primary)

            def after() -> list[float]:  # acknowledgements of pushes sent after the kill
                return [acked for sent, acked in list(tally.ack_times) if sent > killed_at]

            wait_for("an acknowledged write sent after the kill", lambda: bool(after()), 120)
            failover = min(after()) - killed_at
            log(f"writes acknowledged again after {failover:.1f} s")
            # The machine comes back: Patroni rewinds the old primary and it rejoins as the standby.
            c.start(f"patroni{primary}", ["patroni", str(c.tmp / f"patroni{primary}.yml")], as_postgres=True)
            time.sleep(args.phase)
            log("kill -9: app node 1 (gunicorn master and workers)")
            c.kill("app1")
            time.sleep(args.phase)
            import_note = import_with_worker_kill(c, world)
        # On the new timeline after a failover: the restore has to follow the history pgBackRest archived.
        point = restore_point(c, gate)
        time.sleep(args.phase)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        lost, dup = acked_check(c, tally.acked)
        verdict["lost"], verdict["dup"] = lost, dup
        log(f"acknowledged {len(tally.acked)} records in {tally.requests} push requests; reads {tally.reads} "
            f"({tally.replica_reads} from the replica), read errors {tally.read_errors}; "
            f"import: {import_note}")  # fmt: skip
        # The WAL up to the restore point must be in the repository: switch and wait for the archive.
        c.psql("SELECT pg_switch_wal()")
        c.pgbackrest("check")
        restore_ok = restore_check(c, *point)
        if import_note.startswith("FAIL"):
            restore_ok = restore_ok and False
        log(f"total {time.monotonic() - started:.0f} s")
    except Exception as exc:  # noqa: BLE001 - the verdict line is printed whatever happened
        log(f"drill stopped: {exc!r}; logs in {tmp / 'logs'}")
        stop.set()
    finally:
        stop.set()
        c.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    lost, dup = verdict["lost"], verdict["dup"]
    fail = lost != 0 or dup != 0 or not restore_ok or import_note.startswith("FAIL")
    fo = "-" if failover != failover else f"{failover:.1f}"
    print(
        f"drill: failover {fo} s, acknowledged lost {lost}, duplicates {dup}, "
        f"client errors {tally.errors} of {tally.requests}, restore {'ok' if restore_ok else 'FAIL'}",
        flush=True,
    )
    return 1 if fail else 0


def kill_machine(c: Cluster, n: int) -> None:
    """SIGKILL Patroni, the postmaster and every backend of node n at once: the machine's loss, not a crash that
    Patroni would restart in place."""
    postmaster = int((c.tmp / f"pg{n}" / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:  # the parent pid
            children.append(int(stat.parent.name))
    for pid in [postmaster, *children]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    c.kill(f"patroni{n}")


def restore_point(c: Cluster, gate: threading.Event) -> tuple[str, dict[str, str], dict[str, str]]:
    """Writers paused and drained; the time, the tables' sums and a copy of the uploads; then the load goes on."""
    gate.clear()
    time.sleep(2)
    target = c.psql("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')")
    expected = table_sums(c, c.ports.primary)
    media = c.tmp / "var" / "media"
    media.mkdir(parents=True, exist_ok=True)
    shutil.copytree(media, c.tmp / "restore-media")  # the uploads' backup taken with the restore point
    files = file_sums(c.tmp / "restore-media")
    time.sleep(1.1)
    gate.set()
    log(f"restore point {target}: {expected['activities_activity'].split(':')[0]} activities, {len(files)} files")
    return target, expected, files


def import_with_worker_kill(c: Cluster, world: dict[str, Any]) -> str:
    """Kill the worker that is checking an import; the job must end on the other worker."""
    # Worker 2 is held (SIGSTOP) while the file is uploaded, so that worker 1 takes the check; it is killed in
    # the middle, worker 2 goes on, and the sweep (every few minutes from the timer) hands it the job.
    os.killpg(c.procs["worker2"].pid, signal.SIGSTOP)
    try:
        job = start_import(c, world, rows=30000)
        log(f"household import job {job} uploaded")

        def status() -> str:
            return c.psql(f"SELECT status FROM transfers_importjob WHERE id = {int(job)}")

        try:
            wait_for("worker 1 checking the import", lambda: status() == "checking", 60, every=0.1)
        except TimeoutError:
            return f"job {job} {status()} before a worker could be killed (not exercised)"
        log(f"kill -9: worker 1 in the middle of checking import job {job}")
        c.kill("worker1")
    finally:
        os.killpg(c.procs["worker2"].pid, signal.SIGCONT)
    if status() != "checking":
        return f"job {job} {status()} as the worker was killed (not exercised)"
    # Its heartbeat is aged rather than waiting the 10 minutes after which the sweep calls a check dead.
    c.psql(f"UPDATE transfers_importjob SET heartbeat_at = now() - interval '1 hour' WHERE id = {int(job)}")
    subprocess.run(
        [PY, "manage.py", "run_once", "sweep_import_jobs", "--period", "1m"],
        env=c.app_env("sweep"), cwd=ROOT, check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    try:
        wait_for("the import to finish on worker 2", lambda: status() in {"preview", "failed"}, 180)
    except TimeoutError:
        return f"FAIL: job {job} stuck in {status()}"
    final = status()
    return f"job {job} {final} on worker 2" if final == "preview" else f"FAIL: job {job} {final}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the CI form: shorter phases")
    parser.add_argument("--restore-only", action="store_true", help="no kills: load, restore to a time, compare")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, data)")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("CDTT_DRILL_PORT_BASE", "27000")))
    parser.add_argument("--setup-world", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_world:
        setup_world(args.setup_world, args.writers)
        return 0
    args.phase = 6.0 if args.short else 15.0
    return drill(args)


if __name__ == "__main__":
    sys.exit(main())
