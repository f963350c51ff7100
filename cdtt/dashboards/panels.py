"""The dashboard's panels, in the order the screen shows them.

A panel is one function ``(dashboard) -> Panel | None`` listed in ``PANELS``. It reads what it needs
from the ``Dashboard`` (each read is made once, on first use, and shared with the other panels) and
returns the template that draws it with that template's context, or None when it does not apply at
this level (the map, for instance, is drawn for the national and province screens only).

Adding a panel is one function and one line here. For example, "late reports" (once the reports app
exists) would be::

    def late_reports_panel(dashboard: Dashboard) -> Panel | None:
        rows = report_late_list(user=dashboard.user, unit=dashboard.commune, period=dashboard.period)
        return Panel("late-reports", _("Late reports"), "reports/panels/late.html", {"rows": rows})

and an entry ``late_reports_panel`` in ``PANELS`` at the place it should appear. The page draws each panel
as a card with its title and includes its template, which receives the panel's context as ``c`` beside
``dashboard``, ``period`` and ``query`` (the period and indicator, to keep in links). "Open difficulties"
is added the same way. A panel that should also be in the JSON API adds its field to ``api.DashboardOut``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.dashboards import charts
from cdtt.dashboards.selectors import Dashboard, amount
from cdtt.difficulties.selectors import OpenCounts, open_difficulties
from cdtt.geo.models import Village
from cdtt.quality.selectors import WITHOUT_FLAGGED, may_leave_out
from cdtt.reports.selectors import late_reports
from cdtt.training.selectors import coverage_of


@dataclass
class Panel:
    key: str  # the HTML id of the panel, for links (#trend)
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


def _open_flags(dashboard: Dashboard) -> Any:
    """Open data-quality flags under the subject, per indicator (one grouped read, kept for the other panels);
    None for a user who may not read flags."""
    from cdtt.quality.selectors import open_flags

    if "_open_flags" not in dashboard.__dict__:
        dashboard.__dict__["_open_flags"] = open_flags(
            user=dashboard.user, subject=dashboard.subject, period=dashboard.period
        )
    return dashboard.__dict__["_open_flags"]


def progress_panel(dashboard: Dashboard) -> Panel | None:
    """Every indicator with a target: a bar of the share reached, with the share and the numbers as text,
    and the open data-quality flags beside a figure that has any; with ``?bo_co=1``, each figure without
    the records of the open flags (and a sentence saying how many records were left out)."""
    flags = _open_flags(dashboard)
    shown, taken = dashboard.progress_figures

    def row(figure: Any) -> dict[str, Any]:
        percent = figure.is_ratio
        achieved = amount(figure.achieved, percent=percent)
        target = amount(figure.target, percent=percent)
        klass = charts.colour_class(figure.percent)
        return {
            "figure": figure,
            "achieved": achieved,
            "target": target,
            "amounts": f"{achieved} / {target}" if figure.target is not None else achieved,
            "text": _("%(percent)s of the target (%(achieved)s / %(target)s)")
            % {"percent": amount(figure.percent, percent=True), "achieved": achieved, "target": target},
            "colour": charts.PALETTE[klass] if klass is not None else charts.NO_TARGET,
            "flags": flags.by_indicator.get(figure.indicator.pk, 0) if flags is not None else 0,
        }

    elapsed = round(dashboard.period.elapsed(dashboard.today) * 100)
    return Panel(
        "progress",
        _("Progress against targets"),
        "dashboards/panels/progress.html",
        {
            "targeted": [row(f) for f in shown if f.target is not None],
            "untargeted": [row(f) for f in shown if f.target is None],
            # The link to the figures without the flagged records, for those who may read flags.
            "can_leave_out": may_leave_out(dashboard.user),
            "left_out": taken,
            "parameter": WITHOUT_FLAGGED,
            "elapsed": elapsed if 0 < elapsed < 100 else 0,
            "flags_url": reverse(
                "quality:unit", args=[dashboard.commune.pk if dashboard.is_village else dashboard.subject.pk]
            ),
        },
    )


def trend_panel(dashboard: Dashboard) -> Panel | None:
    """The chosen indicator month by month over the year, against the year's target."""
    trend = dashboard.trend
    if trend is None:
        return None
    percent = dashboard.is_percent
    rows = [
        {
            "month": point.month,
            "in_month": amount(point.in_month, percent=percent),
            "so_far": amount(point.so_far, percent=percent),
            "percent": amount(round(float(point.so_far) * 100 / float(trend.target), 1), percent=True)
            if trend.target
            else "—",
        }
        for point in trend.points
    ]
    return Panel(
        "trend",
        _("Monthly trend, %(year)s") % {"year": trend.year},
        "dashboards/panels/trend.html",
        {"trend": trend, "chart": charts.trend_chart(trend, percent=percent), "rows": rows},
    )


def ranking_panel(dashboard: Dashboard) -> Panel | None:
    """The units (or villages) below, ranked, in a table sorted by any column."""
    if not dashboard.children:
        return None
    rows, sort = dashboard.sorted_rows
    return Panel(
        "ranking",
        _("Ranking of %(children)s") % {"children": dashboard.child_kind.lower()},
        "dashboards/panels/ranking.html",
        {
            "rows": rows,
            "sort": sort,
            "columns": (columns := _columns(sort)),
            "labels": {column["key"]: column["label"] for column in columns},
            "sort_options": _sort_options(),
        },
    )


def _columns(sort: str) -> list[dict[str, Any]]:
    """Each sortable column's header: its label, the sort a click asks for, and aria-sort."""
    labels = {
        "rank": _("Rank"),
        "name": _("Unit"),
        "achieved": _("Achieved"),
        "target": _("Target"),
        "percent": _("Share of target"),
        "score": _("Average over targets"),
    }
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    found = []
    for key, label in labels.items():
        # The first click sorts as people expect: names A-Z and rank 1 first, numbers largest first.
        natural = "" if key in ("rank", "name") else "-"
        if key == current:
            ask = key if descending else f"-{key}"
            state = "descending" if descending else "ascending"
        else:
            ask, state = f"{natural}{key}", "none"
        found.append({"key": key, "label": label, "sort": ask, "aria": state})
    return found


def _sort_options() -> list[tuple[str, str]]:
    """The same sorts as the column headers, for a phone, where the table shows as cards without headers."""
    found = []
    for column in _columns(""):
        for sort, text in (
            (column["key"], _("%(column)s, ascending")),
            (f"-{column['key']}", _("%(column)s, descending")),
        ):
            found.append((sort, text % {"column": column["label"]}))
    return found


def map_panel(dashboard: Dashboard) -> Panel | None:
    """For the nation and a province: each province or commune as a point coloured by its share of target."""
    data = dashboard.map
    if data is None or dashboard.indicator is None:
        return None
    chart = charts.map_chart(data, indicator_name=dashboard.indicator.name, percent_measure=dashboard.is_percent)
    return Panel(
        "map",
        _("Map of %(children)s") % {"children": dashboard.child_kind.lower()},
        "dashboards/panels/map.html",
        {"map": data, "chart": chart, "legend": charts.legend(), "no_target": charts.NO_TARGET},
    )


def coverage_panel(dashboard: Dashboard) -> Panel | None:
    """Villages with a team, teams and members, households in the village chat groups."""
    return Panel("coverage", _("Coverage"), "dashboards/panels/coverage.html", {"coverage": dashboard.coverage})


def late_reports_panel(dashboard: Dashboard) -> Panel | None:
    """Per kind of report, the latest period already due and who below the unit has not sent it."""
    if isinstance(dashboard.subject, Village) or not scope_for(dashboard.user).has(Perm.VIEW_REPORTS):
        return None
    late = late_reports(dashboard.subject, today=dashboard.today)
    return Panel("late-reports", _("Late reports"), "dashboards/panels/late_reports.html", {"late": late})


def difficulties_panel(dashboard: Dashboard) -> Panel | None:
    """Unresolved difficulties raised in the unit (or the village): open, waiting for an answer, overdue."""
    if not scope_for(dashboard.user).has(Perm.VIEW_DIFFICULTIES):
        return None
    found = open_difficulties(user=dashboard.user, unit=dashboard.commune, today=dashboard.today)
    counts = found.by_child.get(dashboard.subject.pk, OpenCounts()) if dashboard.is_village else found.total
    return Panel(
        "difficulties",
        _("Open difficulties"),
        "dashboards/panels/difficulties.html",
        {"counts": counts, "unit": dashboard.commune},
    )


def quality_panel(dashboard: Dashboard) -> Panel | None:
    """Open data-quality flags on the subject's records, for those who review or read them."""
    flags = _open_flags(dashboard)
    if flags is None:
        return None
    unit = dashboard.commune if dashboard.is_village else dashboard.subject
    context = {"flags": flags, "url": reverse("quality:unit", args=[unit.pk])}
    return Panel("quality", _("Data-quality flags"), "quality/panels/open.html", context)


def training_panel(dashboard: Dashboard) -> Panel | None:
    """Province and commune screens: members trained (on anything, and per platform), teams with a trained
    member, and the enterprises that trained here (``cdtt.training``; counts only)."""
    if dashboard.level not in ("province", "commune"):
        return None
    found = coverage_of(dashboard.commune)
    platforms = sorted((p for p in found.platforms if p.trained), key=lambda p: -p.trained)
    context = {"coverage": found, "platforms": platforms}
    return Panel("training", _("Training coverage"), "training/panels/coverage.html", context)


def official_panel(dashboard: Dashboard) -> Panel | None:
    """Unit screens: the figures against the official ones of the period's year, and the chosen indicator year
    by year across the 2025 reform with the old communes' figures shared out (``cdtt.official``). No panel, and
    two queries, when nothing of the kind has been imported here."""
    from cdtt.official import charts as official_charts
    from cdtt.official import selectors as official

    if dashboard.is_village:
        return None
    unit = dashboard.subject
    assert not isinstance(unit, Village)
    year = dashboard.period.start.year
    own = []
    if official.has_official(unit=unit):
        comparison = official.official_comparison(user=dashboard.user, unit=unit, bucket=year, rank=False)
        own = [gap for gap in comparison.own if gap.official is not None]
    history, chart = None, None
    ids = official.legacy_indicator_ids(unit=unit)
    if ids:
        indicators = official.history_indicators(unit=unit, ids=ids)
        wanted = dashboard.indicator
        chosen = wanted if wanted is not None and wanted.pk in ids else indicators[0]
        history = official.history(user=dashboard.user, unit=unit, indicator=chosen, today=dashboard.today)
        chart = official_charts.history_chart(history)
    if not own and history is None:
        return None  # nothing of the kind imported here: the unit's page still offers the imports
    context = {"own": own, "period_label": str(year), "history": history, "chart": chart, "unit": unit}
    return Panel(
        "official", _("Official figures and the years before the reform"), "official/panels/official.html", context
    )


PANELS: list[Callable[[Dashboard], Panel | None]] = [
    progress_panel,
    trend_panel,
    map_panel,
    ranking_panel,
    coverage_panel,
    late_reports_panel,
    difficulties_panel,
    quality_panel,
    training_panel,
    official_panel,
]


def panels_for(dashboard: Dashboard) -> list[Panel]:
    """The panels that apply to this dashboard, in order."""
    return [panel for make in PANELS if (panel := make(dashboard)) is not None]
