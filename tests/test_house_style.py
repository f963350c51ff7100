"""The house style's rule for pages and endpoints (../shared/STYLE.md, issue 18): a view or an API endpoint parses
its input, calls a service or a selector and renders; the queries live in the app's selectors (reads, given the
user) and services (writes). Checked here on the source: no view or API module uses a model manager."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "cdtt"
PAGE_MODULES = sorted([*ROOT.glob("*/views.py"), *ROOT.glob("*/views/*.py"), *ROOT.glob("*/api.py")])


def _manager_uses(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            line = lines[node.lineno - 1]
            if ".objects.none()" in line:
                continue  # an empty queryset for a form field to fill: no query
            found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {line.strip()}")
    return found


def test_the_check_sees_the_page_modules() -> None:
    names = {str(p.relative_to(ROOT)) for p in PAGE_MODULES}
    assert {"reports/views.py", "reports/api.py", "transfers/views/__init__.py", "sync/api.py"} <= names


def test_no_view_or_api_module_queries_a_model_manager() -> None:
    found = [use for path in PAGE_MODULES for use in _manager_uses(path)]
    assert found == [], "queries belong in the app's selectors or services:\n" + "\n".join(found)
