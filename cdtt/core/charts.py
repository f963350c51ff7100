"""What the server-drawn SVG charts share: the round number at the top of an axis."""

from __future__ import annotations

import math


def nice_ceiling(value: float) -> float:
    """A round number at or above ``value`` for the top of an axis (1, 1.2, 1.5, 2, ... 8 × a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power
