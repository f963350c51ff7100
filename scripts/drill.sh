#!/usr/bin/env bash
# make drill / make restore-drill: the cluster failover and restore drill (scripts/drill.py, docs/deploy.md).
# Installs the Debian packages it needs when run as root; as a normal user they must be installed already.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
need=()
for pair in patroni:patroni etcd:etcd-server etcdctl:etcd-client haproxy:haproxy pgbackrest:pgbackrest psql:postgresql-client; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "drill: missing Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
        exit 2
    fi
    echo "drill: installing ${need[*]} (apt-get)…"
    # A fresh image has no package lists yet.
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian packages start their own services; the drill runs its own copies on other ports.
exec "$VENV/bin/python" scripts/drill.py "$@"
