"""The load benchmark's mix (bench/bench_load.py) names pages that exist: a renamed URL breaks this, not a
20-minute benchmark run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from django.urls import resolve

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_load.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_load", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)  # stdlib imports only at module level: no Locust, no gevent patches
    return module


def test_every_page_of_the_mix_resolves_to_its_view() -> None:
    bench = _bench()
    templates = bench.resolve_urls()
    assert set(templates) == set(bench.URLS)
    for key, (name, _args) in bench.URLS.items():
        assert "{id}" in templates[key], key
        match = resolve(templates[key].replace("{id}", "7"))
        assert match.view_name == name, key


def test_every_task_of_the_mix_is_defined_and_weighted() -> None:
    bench = _bench()
    source = BENCH.read_text()
    for name, (weight, label) in bench.MIX.items():
        assert weight > 0 and label, name
        assert f"def {name}(self) -> None:" in source, name
