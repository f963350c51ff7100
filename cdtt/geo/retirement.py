"""What may stop a village from retiring: checks other apps plug in from their ``AppConfig.ready()``.

A retired village refuses every sync of its members, so retiring one with live work (an open team, households
in the register) is refused. Those records belong to apps above ``geo``; each registers its own check here,
so that ``geo`` imports none of them (the app-level layering in ``.importlinter``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cdtt.geo.models import Village


class RetirementCheck(Protocol):
    def __call__(self, village: Village) -> None: ...


_checks: dict[str, RetirementCheck] = {}


def register_retirement_check(name: str, check: RetirementCheck) -> None:
    """Plug a check in (it raises DomainError to refuse); the same name again replaces it (``ready()`` can run
    twice in tests). Checks run in the order they were first registered: INSTALLED_APPS order."""
    _checks[name] = check


def retirement_refusals(village: Village) -> None:
    """Run every registered check on ``village``; the first that refuses raises its DomainError."""
    for check in list(_checks.values()):
        check(village)
