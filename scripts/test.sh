#!/usr/bin/env bash
# The whole check, as `make test` and CI run it:
#   1. make install, then lint (ruff check, ruff format --check, mypy, lint-imports)
#   2. make sure Chromium and the PostgreSQL server binaries are installed (apt-get when root)
#   3. pytest on SQLite (what can differ there: the tests that touch the database, browser tests aside), then
#      the whole suite on a throw-away PostgreSQL cluster (browser tests included)
# Extra arguments go to both pytest runs:  scripts/test.sh -k healthz -x
#
# Env knobs (all optional):
#   CDTT_TEST_LINT=0                 skip lint
#   CDTT_TEST_DBS="sqlite postgres"  which database phases to run, in order
#   CDTT_TEST_WORKERS=auto           pytest-xdist workers (auto = one per core; 0 = no xdist)
#   CDTT_TEST_DRILL=1                the short cluster drill, in the PostgreSQL pass (scripts/drill.sh --short; 0 skips it)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${VENV:-.venv}
CHROMIUM=/usr/bin/chromium
LINT=${CDTT_TEST_LINT:-1}
DBS=${CDTT_TEST_DBS:-sqlite postgres}

T0=$SECONDS
header() { printf '\n========== %s (at %ss) ==========\n' "$*" "$((SECONDS - T0))"; }
die() { echo "test.sh: $*" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }

declare -a SUMMARY=()
FAILED=0
record() { # record <phase> <exit code>
    if [[ $2 -eq 0 ]]; then SUMMARY+=("ok      $1"); else SUMMARY+=("FAILED  $1 (exit $2)"); FAILED=1; fi
}

# ---------------------------------------------------------------------------- cleanup
PGTMP=""
PGDATA=""
PG_AS=()
PGBIN=""
TEST_VAR=""
WATCHDOG=""
cleanup() {
    local rc=$?
    # Must run to the end even if stdout is gone (scripts/test.sh | head): no errexit, no SIGPIPE.
    set +e
    trap '' PIPE INT TERM HUP
    trap - EXIT
    if [[ -n $PGDATA && -e $PGDATA/postmaster.pid ]]; then
        echo "test.sh: stopping the throw-away PostgreSQL cluster"
        (cd / && "${PG_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1)
    fi
    [[ -n $PGTMP ]] && rm -rf "$PGTMP"
    [[ -n $TEST_VAR ]] && rm -rf "$TEST_VAR"
    [[ -n $WATCHDOG ]] && kill -KILL "$WATCHDOG" 2>/dev/null
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE  # e.g. scripts/test.sh | head: still stop the cluster

# ---------------------------------------------------------------------------- install + lint
header "install"
"${MAKE:-make}" --no-print-directory install

# The linters run in the background, beside the first test pass: they use one core for about half a minute while
# the set-up steps below (packages, collectstatic, the template database) use the other. Their output and
# results are printed when they are done (finish_lint, before the PostgreSQL pass and the summary).
LINT_PID=""
LINT_OUT=""
if [[ $LINT != 0 ]]; then
    LINT_OUT=$(mktemp -d /tmp/cdtt-lint.XXXXXX)
    (
        lint() { # lint <name> <command...>: output to <dir>/<n>.log, exit code to <dir>/<n>.rc
            local name=$1 n=$2; shift 2
            local rc=0
            "$@" >"$LINT_OUT/$n.log" 2>&1 || rc=$?
            echo "$rc $name" >"$LINT_OUT/$n.rc"
        }
        lint "ruff check" 1 "$VENV/bin/ruff" check .
        lint "ruff format --check" 2 "$VENV/bin/ruff" format --check .
        lint "mypy" 3 "$VENV/bin/mypy" .
        lint "lint-imports" 4 "$VENV/bin/lint-imports"
    ) </dev/null &
    LINT_PID=$!
fi
finish_lint() {
    [[ -n $LINT_PID ]] || return 0
    wait "$LINT_PID" || true
    LINT_PID=""
    local n rc name
    for n in 1 2 3 4; do
        if [[ -f $LINT_OUT/$n.rc ]]; then
            read -r rc name <"$LINT_OUT/$n.rc"
        else
            rc=1; name="lint step $n (did not finish)"
        fi
        header "lint: $name (ran beside the tests)"
        cat "$LINT_OUT/$n.log" 2>/dev/null || true
        record "$name" "$rc"
    done
    rm -rf "$LINT_OUT"
}

# ---------------------------------------------------------------------------- system packages
APT_UPDATED=0
apt_install() { # apt_install <what, for messages> <package>...
    local what=$1; shift
    if ! is_root; then
        die "$what is not installed and this is not root, so it cannot be installed here.
    Install it once:  sudo apt-get install -y $*"
    fi
    command -v apt-get >/dev/null || die "$what is missing and there is no apt-get; install it ($*) by hand."
    local log
    log=$(mktemp)
    export DEBIAN_FRONTEND=noninteractive
    if [[ $APT_UPDATED -eq 0 ]]; then
        echo "test.sh: apt-get update…"
        if ! apt-get update -q >"$log" 2>&1; then tail -n 30 "$log" >&2; rm -f "$log"; die "apt-get update failed"; fi
        APT_UPDATED=1
    fi
    echo "test.sh: installing $what (apt-get install $*)…"
    local t=$SECONDS
    if ! apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1; then
        tail -n 30 "$log" >&2; rm -f "$log"; die "apt-get install $* failed"
    fi
    rm -f "$log"
    echo "test.sh: installed $what in $((SECONDS - t))s"
}

header "system packages"
if [[ ! -x $CHROMIUM ]]; then
    apt_install Chromium chromium fonts-liberation
    [[ -x $CHROMIUM ]] || die "apt-get installed chromium but $CHROMIUM is still missing"
fi
echo "chromium:   $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

# GNU gettext: the translation test runs makemessages (it skips without xgettext).
if ! command -v xgettext >/dev/null; then
    if is_root; then
        apt_install "GNU gettext" gettext
    else
        echo "test.sh: warning: GNU gettext (xgettext) is missing; the translation check will be skipped." \
            "Install it with: sudo apt-get install -y gettext" >&2
    fi
fi
echo "gettext:    $(xgettext --version 2>/dev/null | head -n 1 || echo missing)"

find_pgbin() { # newest /usr/lib/postgresql/<ver>/bin holding initdb, pg_ctl and postgres
    local b found=""
    for b in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
        if [[ -x $b/initdb && -x $b/pg_ctl && -x $b/postgres ]]; then found=$b; fi
    done
    echo "$found"
}
if [[ " $DBS " == *" postgres "* ]]; then
    PGBIN=$(find_pgbin)
    if [[ -z $PGBIN ]]; then
        apt_install "the PostgreSQL server" postgresql
        PGBIN=$(find_pgbin)
        [[ -n $PGBIN ]] || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found"
    fi
    echo "postgresql: $("$PGBIN/postgres" --version)"
fi

# ---------------------------------------------------------------------------- throw-away PostgreSQL
free_port() {
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
    local t=$SECONDS
    PGTMP=$(mktemp -d /tmp/cdtt-pg.XXXXXX)
    PGDATA=$PGTMP/data
    if is_root; then
        # The server refuses to run as root: the cluster belongs to the postgres system user.
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to own the cluster"
        chown postgres: "$PGTMP"
        PG_AS=(runuser -u postgres --)
        PGUSER_NAME=postgres
    else
        PG_AS=()
        PGUSER_NAME=$(id -un)
    fi
    # cd / so the postgres user is never left in a directory it cannot read.
    if ! (cd / && "${PG_AS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U "$PGUSER_NAME" -A trust -E UTF8 \
            --locale=C.UTF-8 --no-sync --no-instructions) >"$PGTMP/initdb.log" 2>&1; then
        cat "$PGTMP/initdb.log" >&2
        die "initdb failed"
    fi
    local attempt
    for attempt in 1 2 3; do
        PGPORT_NUM=$(free_port)
        cat >>"$PGDATA/postgresql.conf" <<EOF

# --- throw-away test cluster (scripts/test.sh), attempt $attempt
listen_addresses = '127.0.0.1'
port = $PGPORT_NUM
unix_socket_directories = '$PGTMP'
fsync = off
full_page_writes = off
synchronous_commit = off
max_connections = 100
EOF
        if (cd / && "${PG_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGTMP/server.log" -w -t 60 start) >/dev/null 2>&1; then
            break
        fi
        # Most likely someone took the port between picking and binding it: try another one.
        echo "test.sh: PostgreSQL did not start on port $PGPORT_NUM (attempt $attempt):" >&2
        tail -n 5 "$PGTMP/server.log" >&2 || true
        [[ $attempt -lt 3 ]] || die "could not start the throw-away PostgreSQL cluster"
    done
    # If this script dies without running its EXIT trap (SIGKILL), this stops the cluster anyway.
    local parent=$$
    (
        trap '' INT TERM HUP PIPE
        while kill -0 "$parent" 2>/dev/null; do sleep 2; done
        cd / && "${PG_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop
        rm -rf "$PGTMP" "$TEST_VAR"
    ) </dev/null >/dev/null 2>&1 &
    WATCHDOG=$!
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT_NUM" -U "$PGUSER_NAME" cdtt
    DATABASE_URL_PG="postgres://$PGUSER_NAME@127.0.0.1:$PGPORT_NUM/cdtt"
    echo "test.sh: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') ready at $DATABASE_URL_PG" \
        "(data in $PGDATA, started in $((SECONDS - t))s)"
}

# ---------------------------------------------------------------------------- pytest
# A private var dir (SQLite file, secret key, collected static files) so the tests never touch var/.
TEST_VAR=$(mktemp -d /tmp/cdtt-test-var.XXXXXX)
export CDTT_VAR_DIR=$TEST_VAR
# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse ORM calls there.
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Compiled modules (and pytest's assertion-rewritten test modules) go to the test var dir, not beside the sources:
# without a cache every pytest process compiled and rewrote every module again (about half its collection time).
export PYTHONPYCACHEPREFIX=$TEST_VAR/pycache
unset PYTHONDONTWRITEBYTECODE
unset DATABASE_URL

header "collectstatic (checks the production static build; into the test var dir)"
rc=0; "$VENV/bin/python" manage.py collectstatic --noinput -v 0 || rc=$?
record "collectstatic" $rc

# Two workers by default (pytest-xdist): CI has 2 cores and the suite is CPU-bound; each worker gets its own
# test database. CDTT_TEST_WORKERS=0 runs in one process (easier to debug).
WORKERS=${CDTT_TEST_WORKERS:-$(nproc)}
PYTEST=("$VENV/bin/pytest" -p no:cacheprovider --durations=10 --reuse-db)
XDIST=()
if [[ $WORKERS != 0 ]]; then XDIST=(-n "$WORKERS" --dist loadfile); fi

# One migration per database, not one per process: the schema and the data migrations' rows are built once in
# a template, copied for every process that runs tests (xdist workers: <name>_gw0, _gw1, …; the real tree's
# process and the world's: <name>_realtree, <name>_world), and pytest runs with --reuse-db, so each process
# only checks that nothing is left to migrate. CDTT_TEST_DATABASE_NAME (config/settings.py) names them.
# A copy that is missing is made by pytest-django as before (full migration), so this only saves time.
TEST_DB_COPIES=(realtree world)
for ((i = 0; i < WORKERS; i++)); do TEST_DB_COPIES+=("gw$i"); done
[[ $WORKERS == 0 ]] && TEST_DB_COPIES+=("")

prepare_sqlite_template() {
    local t=$SECONDS template=$TEST_VAR/test-template.sqlite3 copy
    DATABASE_URL="sqlite:///$template" "$VENV/bin/python" manage.py migrate --noinput -v 0 || return 1
    for copy in "${TEST_DB_COPIES[@]}"; do
        # The SQLite backup API: a consistent copy, the write-ahead log included.
        "$VENV/bin/python" -c 'import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()' "$template" "$TEST_VAR/test.sqlite3${copy:+_$copy}" || return 1
    done
    export CDTT_TEST_DATABASE_NAME=$TEST_VAR/test.sqlite3
    echo "test.sh: SQLite test databases migrated once and copied ${#TEST_DB_COPIES[@]} times in $((SECONDS - t))s"
}

prepare_postgres_template() {
    local t=$SECONDS base=${DATABASE_URL_PG%/*} copy
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT_NUM" -U "$PGUSER_NAME" test_cdtt_template || return 1
    DATABASE_URL="$base/test_cdtt_template" "$VENV/bin/python" manage.py migrate --noinput -v 0 || return 1
    for copy in "${TEST_DB_COPIES[@]}"; do
        "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT_NUM" -U "$PGUSER_NAME" -T test_cdtt_template \
            "test_cdtt${copy:+_$copy}" || return 1
    done
    export CDTT_TEST_DATABASE_NAME=test_cdtt
    echo "test.sh: PostgreSQL test databases migrated once and copied ${#TEST_DB_COPIES[@]} times in $((SECONDS - t))s"
}

# Which tests each pass runs (markers, see pyproject.toml and the root conftest):
#   PostgreSQL, the production database: every test.
#   SQLite: only what can behave differently there, i.e. every test that touches the database, except
#     - `nodb`: the tests without a database fixture (pytest-django blocks their queries: pure Python, templates,
#       static files, translations), marked by the root conftest; their result cannot depend on the database;
#     - `browser`: the Chromium flows drive the pages whose reads and writes the view and service tests check on
#       both databases; they run once, on PostgreSQL;
#     - `dbneutral`: tests whose outcome is settled before the database could make a difference: the access
#       matrix and each app's own anonymous / wrong role / other unit tests (decided by the decorators and
#       access.scope), the old paths' redirects, and the API fuzzer (PostgreSQL is the stricter database for
#       what it sends: NUL, surrogates).
#       Every page and API read still runs on SQLite for every role: the crawler over the national-shaped world.
SQLITE_SKIPS="not nodb and not browser and not dbneutral"

# run_db <label> <marker expression, or "" for every test>: the suite on the database in $DATABASE_URL (unset:
# SQLite). The tests on the real administrative tree (marker `realtree`: the tree and the demo loaded once) and on
# the national-shaped world (marker `world`: the crawler) keep their data in one open transaction until their
# process ends, so no other test may run after them in that process (the root conftest fails one that would).
# pytest-xdist cannot promise that (a worker that ran them may be handed more files), so they run apart, beside
# the xdist workers: first the real tree's tests in a process of their own, then the world's in another. Their
# output is printed after the others'.
run_alone() { # run_alone <only> <args...>: the realtree process, then the world process; exit codes "r w"
    local only=$1 rrc=0 wrc=0 name=${CDTT_TEST_DATABASE_NAME:-}
    shift
    CDTT_TEST_DATABASE_NAME=${name:+${name}_realtree} "${PYTEST[@]}" -m "realtree and not world$only" "$@" || rrc=$?
    CDTT_TEST_DATABASE_NAME=${name:+${name}_world} "${PYTEST[@]}" -m "world$only" "$@" || wrc=$?
    echo "$rrc $wrc" >"$ALONE_RC"
}

# The short cluster drill (issue 17; Patroni + etcd, HAProxy, two app nodes, two workers on loopback ports; it
# kills the primary, an app node and a worker under load and restores with pgBackRest: about two minutes,
# docs/deploy.md). Its own cluster, ports (27001–27051) and folders. It uses about one core, much of its time
# waiting (a failover, a base backup, a restore), so it runs beside the PostgreSQL pass's real-tree and world
# processes (one core), after the xdist workers (two). Output printed at the end. Skipped when extra pytest
# arguments narrow the run, with CDTT_TEST_DRILL=0, or (with a warning) when its Debian packages are missing
# and this is not root to install them.
DRILL_LOG=""
DRILL_RC=""
run_drill() {
    local rc=0
    (unset DATABASE_URL CDTT_TEST_DATABASE_NAME; VENV=$VENV scripts/drill.sh --short) >"$DRILL_LOG" 2>&1 || rc=$?
    echo "$rc" >"$DRILL_RC"
}

run_db() { # run_db <label> <markers to leave out> [--drill] <pytest args...>
    local label=$1 only=${2:+ and ($2)} rc=0 rrc=0 wrc=0 wlog drill=0
    shift 2
    if [[ ${1:-} == --drill ]]; then drill=1; shift; fi
    wlog=$(mktemp /tmp/cdtt-world.XXXXXX)
    ALONE_RC=$(mktemp /tmp/cdtt-alone-rc.XXXXXX)
    if [[ $drill -eq 1 ]]; then
        # The workers first, on both cores; then the real tree's and the world's processes beside the drill.
        "${PYTEST[@]}" "${XDIST[@]}" -m "not world and not realtree$only" "$@" || rc=$?
        run_alone "$only" "$@" >"$wlog" 2>&1 &
        local wpid=$!
        run_drill
    else
        # The real tree's and the world's processes beside the workers.
        run_alone "$only" "$@" >"$wlog" 2>&1 &
        local wpid=$!
        "${PYTEST[@]}" "${XDIST[@]}" -m "not world and not realtree$only" "$@" || rc=$?
    fi
    wait "$wpid" || true
    read -r rrc wrc <"$ALONE_RC" || { rrc=1; wrc=1; }
    rm -f "$ALONE_RC"
    # Extra arguments (-k …) may select no test at all in one run: pytest's "no tests collected" (5) is fine then.
    # Without them, a run that collects nothing fails.
    if [[ $# -gt 0 ]]; then
        [[ $rrc -eq 5 ]] && rrc=0
        [[ $wrc -eq 5 ]] && wrc=0
        [[ $rc -eq 5 ]] && rc=0
    fi
    header "pytest on $label: the real tree and the demo, then the national-shaped world (crawler)"
    cat "$wlog"
    rm -f "$wlog"
    record "pytest on $label" $rc
    record "pytest on $label, real tree and demo" $rrc
    record "pytest on $label, world and crawler" $wrc
}

ARGS=("$@")
for db in $DBS; do
    case $db in
        sqlite)
            header "pytest on SQLite (CDTT_VAR_DIR=$TEST_VAR)"
            prepare_sqlite_template || die "could not migrate the SQLite template test database"
            run_db SQLite "$SQLITE_SKIPS" "${ARGS[@]}"
            unset CDTT_TEST_DATABASE_NAME
            ;;
        postgres)
            finish_lint
            header "PostgreSQL: throw-away cluster"
            start_postgres
            header "pytest on PostgreSQL ($DATABASE_URL_PG)"
            prepare_postgres_template || die "could not migrate the PostgreSQL template test database"
            export DATABASE_URL=$DATABASE_URL_PG
            if [[ ${CDTT_TEST_DRILL:-1} != 0 && ${#ARGS[@]} -eq 0 ]]; then
                DRILL_LOG=$(mktemp /tmp/cdtt-drill-log.XXXXXX)
                DRILL_RC=$(mktemp /tmp/cdtt-drill-rc.XXXXXX)
                run_db PostgreSQL "" --drill
            else
                run_db PostgreSQL "" "${ARGS[@]}"
            fi
            unset DATABASE_URL CDTT_TEST_DATABASE_NAME
            ;;
        *) die "unknown database phase '$db' in CDTT_TEST_DBS (use sqlite and/or postgres)" ;;
    esac
done

# ---------------------------------------------------------------------------- cluster drill (issue 17)
# Run in the PostgreSQL pass (run_drill above); after everything when there was no PostgreSQL pass.
if [[ ${CDTT_TEST_DRILL:-1} != 0 && ${#ARGS[@]} -eq 0 ]]; then
    where="beside the PostgreSQL pass's real-tree and world processes"
    if [[ -z $DRILL_LOG ]]; then
        DRILL_LOG=$(mktemp /tmp/cdtt-drill-log.XXXXXX)
        DRILL_RC=$(mktemp /tmp/cdtt-drill-rc.XXXXXX)
        where="after the tests"
        run_drill
    fi
    header "cluster drill (short: scripts/drill.sh --short; ran $where)"
    cat "$DRILL_LOG"
    rc=1; read -r rc <"$DRILL_RC" || rc=1
    rm -f "$DRILL_LOG" "$DRILL_RC"
    if [[ $rc -eq 2 ]] && ! is_root; then
        echo "test.sh: warning: the drill's Debian packages are missing and this is not root: drill skipped" >&2
        SUMMARY+=("skipped cluster drill (Debian packages missing; see scripts/drill.sh)")
    else
        record "cluster drill (short)" $rc
    fi
fi

finish_lint
header "summary"
printf '%s\n' "${SUMMARY[@]}"
if [[ $FAILED -ne 0 ]]; then
    echo "test.sh: FAILED"
    exit 1
fi
echo "test.sh: all passed"
