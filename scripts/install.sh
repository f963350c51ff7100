#!/usr/bin/env bash
# Create .venv with the system python3 (>= 3.11) and install requirements-dev.txt.
# pip runs only when requirements*.txt changed since the last successful install
# (recorded in .venv/.stamp-<sha256>), so re-running is fast.
#
# Env: PYTHON (default python3), VENV (default .venv).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

die() { echo "install: $*" >&2; exit 1; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    die "'$PYTHON' not found. Install Python >= 3.11 (Debian 12: apt-get install python3 python3-venv)."
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    die "$("$PYTHON" --version 2>&1) found at $(command -v "$PYTHON"), but Python >= 3.11 is required." \
        "Install it, or point PYTHON=/path/to/python3.11 at one."
fi

# Hash of every requirements file (name and content), so editing either one triggers pip.
reqs=(requirements*.txt)
[[ -e ${reqs[0]} ]] || die "no requirements*.txt in $(pwd)"
hash=$(for f in "${reqs[@]}"; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -d' ' -f1)
stamp="$VENV/.stamp-$hash"

# A venv whose interpreter no longer runs (python upgraded or removed, half-created) is rebuilt.
if [[ -d $VENV ]] && ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "install: $VENV is broken or too old; recreating it"
    rm -rf "$VENV"
fi

if [[ ! -x $VENV/bin/python ]]; then
    # Debian ships venv/ensurepip separately (python3-venv).
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            echo "install: installing python${ver}-venv with apt-get…"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q >/dev/null
            apt-get install -y -q "python${ver}-venv" >/dev/null || apt-get install -y -q python3-venv >/dev/null
        else
            die "'$PYTHON -m venv' is unavailable. Install it first (Debian: sudo apt-get install python3-venv)."
        fi
    fi
    echo "install: creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi

if [[ -e $stamp ]]; then
    exit 0
fi

echo "install: installing requirements-dev.txt into $VENV…"
rm -f "$VENV"/.stamp-*
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
touch "$stamp"
echo "install: done"
