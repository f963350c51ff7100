"""Bring code written before issue 18.5's renames up to date (for branches merged after them). Idempotent.

    python scripts/issue18_names.py            # rewrites the tracked files in place

- module moves: households/views_privacy -> households/views/privacy, teams/public -> teams/views/finder,
  teams/public_selectors -> teams/selectors/public, transfers/{views,services}_households and views_teams ->
  packages, transfers/queue_households -> transfers/queue;
- progress.selectors values/place_key/figures -> unit_progress/level_and_unit/indicator_figures,
  targets.services show -> target_text, training.selectors counted -> counted_attendance;
- hard-coded old English page paths ("/households/1/edit/") -> the Vietnamese ones ("/ho-gia-dinh/1/sua/"),
  except in API routers (their paths are relative to /api/v1/) and the old-path table itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cdtt.web.old_paths import OLD_PREFIXES, new_path

KEYS = "|".join(sorted(OLD_PREFIXES, key=len, reverse=True))
RX = re.compile(r"(?<![\w.\-/:{])/(" + KEYS + r")/((?:\{[^{}]*\}|[^\"'\s`(){}\]?#|,;*])*)")
HOUSEHOLD_SERVICES = "from cdtt.transfers.services import households as household_services"
MODULES = [
    (
        "from cdtt.transfers import queue_households, services_households, tasks",
        f"from cdtt.transfers import queue, tasks\n{HOUSEHOLD_SERVICES}",
    ),
    (
        "from cdtt.transfers import queue_households, selectors, services, services_households",
        f"from cdtt.transfers import queue, selectors, services\n{HOUSEHOLD_SERVICES}",
    ),
    ("from cdtt.transfers import services_households", HOUSEHOLD_SERVICES),
    ("from cdtt.transfers.services_households import", "from cdtt.transfers.services.households import"),
    ("services_households.", "household_services."),
    ("from cdtt.transfers.queue_households import", "from cdtt.transfers.queue import"),
    ("from cdtt.transfers import queue_households", "from cdtt.transfers import queue"),
    ("queue_households.", "queue."),
    (
        "from cdtt.teams import public_selectors, selectors, services",
        "from cdtt.teams import selectors, services\nfrom cdtt.teams.selectors import public as public_selectors",
    ),
    ("from cdtt.teams.public import MAX_AGE, qr_url", "from cdtt.teams.selectors.public import MAX_AGE, qr_url"),
    ("from cdtt.teams import public_selectors as selectors", "from cdtt.teams.selectors import public as selectors"),
    ("from cdtt.teams.public_selectors import", "from cdtt.teams.selectors.public import"),
]
R = {"values": "unit_progress", "place_key": "level_and_unit", "figures": "indicator_figures"}
T = {"show": "target_text"}
C = {"counted": "counted_attendance"}
SKIP_PATHS = re.compile(
    r"^cdtt/api/(?!tests/)|/api\.py$|/migrations/|^cdtt/web/(views|old_paths)\.py$|^scripts/issue18_names\.py$|^cdtt/web/tests/test_old_paths\.py$"
)


def _paths(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        key, rest = m.group(1), m.group(2)
        if key == "channels" and rest.startswith("zalo/webhook"):
            return m.group(0)
        return new_path(key, rest)

    return RX.sub(sub, s)


def import_sub(s: str, module: str, names: dict[str, str]) -> str:
    def fix(m: re.Match[str]) -> str:
        block = m.group(0)
        for a, b in names.items():
            block = re.sub(rf"\b{a}\b", b, block)
        return block

    return re.sub(rf"from {re.escape(module)} import (\([^)]*\)|[^\n]*)", fix, s)


def main() -> None:
    # git from PATH, as a developer runs it
    files = subprocess.check_output(["git", "ls-files"]).decode().split()  # noqa: S607
    for f in files:
        if not re.search(r"\.(py|html|js|md)$", f):
            continue
        s = o = Path(f).read_text()
        if f.endswith(".py"):
            for a, b in MODULES:
                s = s.replace(a, b)
            s = _names(f, s)
        if not SKIP_PATHS.search(f):
            s = _paths(s)
        if s != o:
            Path(f).write_text(s)
            print(f)


def _imported(s: str, module: str, name: str) -> bool:
    found = re.findall(rf"from {re.escape(module)} import (\([^)]*\)|[^\n]*)", s)
    return any(re.search(rf"\b{name}\b", x) for x in found)


def _names(f: str, s: str) -> str:
    aliases = []
    if re.search(r"from cdtt\.progress import selectors as progress\b", s):
        aliases.append("progress")
    if re.search(r"from cdtt\.progress import (engine, )?selectors\b", s):
        aliases.append("selectors")
    for alias in aliases:
        for a, b in R.items():
            s = re.sub(rf"\b{alias}\.{a}\(", f"{alias}.{b}(", s)
    if re.search(r"from cdtt\.targets import services as targets\b", s):
        s = re.sub(r"\btargets\.show\(", "targets.target_text(", s)
    bare: dict[str, str] = {}
    for module, names in (("cdtt.progress.selectors", R), ("cdtt.targets.services", T), ("cdtt.training.selectors", C)):
        bare.update({a: b for a, b in names.items() if _imported(s, module, a)})
        s = import_sub(s, module, names)
    bare.update(
        {"cdtt/progress/selectors.py": R, "cdtt/targets/services.py": T, "cdtt/training/selectors.py": C}.get(f, {})
    )
    for a, b in bare.items():
        s = re.sub(rf"(?<![\w.]){a}\(", f"{b}(", s)
        s = re.sub(rf"``{a}``", f"``{b}``", s)
    return s


if __name__ == "__main__":
    main()
