"""The history across the reform as a server-drawn SVG: one bar a year, the part counted under the old units
(apportioned where a commune was divided) below the part recorded under today's units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from cdtt.core.charts import nice_ceiling
from cdtt.official.selectors import History


@dataclass
class Bar:
    x: float
    width: float
    label_x: float
    year: int
    before_y: float
    before_h: float
    after_y: float
    after_h: float
    title: str
    apportioned: bool


@dataclass
class HistoryChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[Bar]
    y_ticks: list[tuple[float, str]]
    reform_x: float | None
    title: str


def amount(value: float | Decimal | int) -> str:
    """A whole number the Vietnamese way (1.234.567); the chart's values are counts."""
    return f"{round(value):,}".replace(",", ".")


def history_chart(history: History) -> HistoryChart | None:
    """The bars of a history, or None when it has no value at all."""
    years = history.years
    if history.indicator is None or not any(y.total for y in years):
        return None
    width, height, left, right, top, bottom = 400, 220, 52, 390, 12, 190
    top_value = nice_ceiling(max(float(y.total or 0) for y in years) * 1.05)
    slot = (right - left) / len(years)

    def h(value: float) -> float:
        return round(value * (bottom - top) / top_value, 1)

    bars = []
    reform_x = None
    for index, year in enumerate(years):
        x = round(left + index * slot + slot * 0.15, 1)
        before_h = h(float(year.before or 0))
        after_h = h(float(year.reported or 0))
        if year.year == history.reform_year:
            reform_x = round(left + index * slot + slot / 2, 1)
        title = _("%(year)s: %(before)s under the communes before the reform, %(after)s recorded since") % {
            "year": year.year,
            "before": amount(year.before or 0),
            "after": amount(year.reported or 0),
        }
        if year.apportioned:
            title += " · " + _("includes shares of divided communes")
        bars.append(
            Bar(
                x=x,
                width=round(slot * 0.7, 1),
                label_x=round(x + slot * 0.35, 1),
                year=year.year,
                before_y=round(bottom - before_h, 1),
                before_h=before_h,
                after_y=round(bottom - before_h - after_h, 1),
                after_h=after_h,
                title=title,
                apportioned=year.apportioned,
            )
        )
    return HistoryChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=bars,
        y_ticks=[(round(bottom - h(top_value * share), 1), amount(top_value * share)) for share in (0, 0.5, 1)],
        reform_x=reform_x,
        title=_("%(name)s, year by year across the reform of 1 July 2025") % {"name": history.indicator.name},
    )
