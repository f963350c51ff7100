"""Chart geometry for server-drawn SVG: the trend's lines and the map's points (no script, no outside asset).

The templates draw what these functions compute: coordinates in a fixed viewBox, colour classes from a
sequential palette readable by colour-blind users (viridis, light to dark as the share of target rises;
every mark also carries its number as text or in its <title>), and the texts of the <title>s.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cdtt.core.charts import nice_ceiling
from cdtt.dashboards.selectors import ChildRow, MapData, Trend, amount

# Viridis in five steps, from the lowest share of target to the target reached; dark text reads on the
# first two, white on the others.
PALETTE = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
CLASS_EDGES = (25, 50, 75, 100)  # below 25%, 25-50%, 50-75%, 75-100%, at least 100%
NO_TARGET = "#ffffff"


def colour_class(percent: float | None) -> int | None:
    """The palette index for a share of target (None: no target to compare with)."""
    if percent is None:
        return None
    return sum(1 for edge in CLASS_EDGES if percent >= edge)


def legend() -> list[tuple[str, str]]:
    """(colour, label) for each class, lowest first."""
    labels = [
        _("under %(n)s%%") % {"n": CLASS_EDGES[0]},
        *[f"{low}–{high}%" for low, high in itertools.pairwise(CLASS_EDGES)],
        _("%(n)s%% or more") % {"n": CLASS_EDGES[-1]},
    ]
    return list(zip(PALETTE, labels, strict=True))


# -- the trend --------------------------------------------------------------------------------------


@dataclass
class TrendMark:
    x: float
    y: float
    title: str


@dataclass
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    line: str  # polyline points of the values so far
    marks: list[TrendMark]
    target_y: float | None
    target_label: str
    pace: str  # polyline points of an even pace to the target (empty for a level such as a ratio)
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    title: str


def trend_chart(trend: Trend, *, percent: bool = False) -> TrendChart:
    width, height, left, right, top, bottom = 400, 220, 46, 390, 12, 190
    values = [float(p.so_far) for p in trend.points]
    target = float(trend.target) if trend.target is not None else None
    top_value = nice_ceiling(max([*values, target or 0.0, 1.0]) * 1.05)

    def x(month: int) -> float:
        return round(left + (month - 1) * (right - left) / 11, 1)

    def y(value: float) -> float:
        return round(bottom - value * (bottom - top) / top_value, 1)

    name = trend.indicator.name
    marks = [
        TrendMark(
            x(p.month),
            y(float(p.so_far)),
            _("Month %(m)s/%(y)s: %(value)s so far")
            % {"m": p.month, "y": trend.year, "value": amount(p.so_far, percent=percent)}
            + (_(" (%(value)s in the month)") % {"value": amount(p.in_month)} if p.in_month is not None else ""),
        )
        for p in trend.points
    ]
    pace = ""
    if target and not trend.is_state:
        pace = " ".join(f"{x(m)},{y(target * m / 12)}" for m in (1, 12))
    title = _("%(name)s: achieved month by month in %(year)s") % {"name": name, "year": trend.year}
    if target is not None:
        title += ", " + _("target %(value)s") % {"value": amount(trend.target, percent=percent)}
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        line=" ".join(f"{m.x},{m.y}" for m in marks),
        marks=marks,
        target_y=y(target) if target is not None else None,
        target_label=_("Target %(value)s") % {"value": amount(trend.target, percent=percent)},
        pace=pace,
        y_ticks=[(y(top_value * share), amount(top_value * share, percent=percent)) for share in (0, 0.5, 1)],
        x_ticks=[(x(m), str(m)) for m in range(1, 13)],
        title=title,
    )


# -- the map ----------------------------------------------------------------------------------------


@dataclass
class MapPoint:
    x: float
    y: float
    r: float
    fill: str  # the class's colour (the stylesheet draws it)
    dashed: bool  # no target: an open circle with a dashed edge
    title: str
    row: ChildRow

    @property
    def css(self) -> str:
        """The point's class in dashboard.css: c0-c4 along the palette, cn without a target (an open circle)."""
        klass = colour_class(self.row.percent)
        return "cn" if klass is None else f"c{klass}"


@dataclass
class MapChart:
    width: int
    height: int
    points: list[MapPoint]
    title: str


def map_chart(data: MapData, *, indicator_name: str, percent_measure: bool = False) -> MapChart:
    """Points placed by longitude and latitude (equirectangular, corrected for the latitude), the best on top."""
    rows = data.points
    pad, width, max_height = 12, 400, 460
    if not rows:
        return MapChart(width, 2 * pad, [], "")
    lats = [float(r.latitude or 0) for r in rows]
    lons = [float(r.longitude or 0) for r in rows]
    shrink = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = (max(lons) - min(lons)) * shrink
    span_y = max(lats) - min(lats)
    scale = min(
        (width - 2 * pad) / span_x if span_x else math.inf, (max_height - 2 * pad) / span_y if span_y else math.inf
    )
    if math.isinf(scale):
        scale = 1.0
    used_width = span_x * scale + 2 * pad
    offset = (width - used_width) / 2  # centre a tall map
    height = math.ceil(span_y * scale + 2 * pad)
    radius = 9 if len(rows) <= 40 else 6 if len(rows) <= 200 else 3.5
    points = []
    for row, lat, lon in zip(rows, lats, lons, strict=True):
        klass = colour_class(row.percent)
        if row.percent is None:
            detail = _("no target")
            if row.achieved:
                detail += ", " + _("achieved %(value)s") % {"value": amount(row.achieved, percent=percent_measure)}
        else:
            detail = _("%(percent)s of the target (%(achieved)s / %(target)s)") % {
                "percent": amount(row.percent, percent=True),
                "achieved": amount(row.achieved, percent=percent_measure),
                "target": amount(row.target, percent=percent_measure),
            }
        points.append(
            MapPoint(
                x=round(offset + pad + (lon - min(lons)) * shrink * scale, 1),
                y=round(pad + (max(lats) - lat) * scale, 1),
                r=radius,
                fill=NO_TARGET if klass is None else PALETTE[klass],
                dashed=klass is None,
                title=f"{row.subject.name}: {detail}",
                row=row,
            )
        )
    points.sort(key=lambda p: (p.row.percent is not None, p.row.percent or 0))  # the darkest drawn last
    title = _("Map: %(name)s, share of the target by unit") % {"name": indicator_name}
    return MapChart(width, height, points, title)
