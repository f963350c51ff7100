"""An import-linter contract the built-in ones lack: no import circle between any two modules.

``acyclic_siblings`` checks packages (apps); this checks modules, wherever they are, so a circle held
together by imports inside functions (grimp sees those too) breaks the lint. Used from ``.importlinter``.
"""

from __future__ import annotations

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    """No module imports itself back through any chain of imports, at module level or inside a function."""

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        prefixes = tuple(str(package) for package in self.packages)  # type: ignore[attr-defined]
        modules = sorted(m for m in graph.modules if m.startswith(prefixes))
        circles = _strongly_connected(modules, graph)
        details = [[_edges(circle, graph)] for circle in circles]
        return ContractCheck(kept=not circles, metadata={"circles": circles, "details": details})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for circle, (edges,) in zip(check.metadata["circles"], check.metadata["details"], strict=True):
            output.print_error(f"Import circle of {len(circle)} modules:", bold=True)
            for line in edges:
                output.print_error(f"  {line}", bold=False)
            output.new_line()


def _strongly_connected(modules: list[str], graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the module graph is deep enough to hit Python's recursion limit)."""
    inside = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                circle = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    circle.append(member)
                    if member == node:
                        break
                if len(circle) > 1:
                    found.append(sorted(circle))
    return found


def _edges(circle: list[str], graph: grimp.ImportGraph) -> list[str]:
    members = set(circle)
    lines = []
    for importer in circle:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"{importer}:{detail['line_number']} -> {imported}  ({detail['line_contents']})")
    return lines
