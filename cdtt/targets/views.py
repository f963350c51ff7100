"""Target boards: "my targets" for teams, the commune and province boards, setting and splitting targets.

Every figure comes from the progress cells (``progress.selectors``); pages show aggregates only. The reads
of targets and periods are in ``targets.selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.catalog.models import Indicator
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import selectors
from cdtt.targets import selectors as target_selectors
from cdtt.targets import services as targets
from cdtt.targets import sheets
from cdtt.targets.models import Period, SplitMethod

# -- periods ----------------------------------------------------------------------------------------


def chosen_period(request: HttpRequest) -> tuple[Period, list[Period]]:
    return target_selectors.period_chosen(wanted=request.GET.get("period", ""))


# -- boards -----------------------------------------------------------------------------------------


@dataclass
class ChildRow:
    subject: AdminUnit | Village
    achieved: Decimal
    target: Decimal | None
    url: str

    @property
    def percent(self) -> float | None:
        if not self.target:
            return None
        return round(float(self.achieved) * 100 / float(self.target), 1)

    @property
    def bar(self) -> int:
        return min(100, int(self.percent or 0))


def _children_rows(
    user: Any, subject: AdminUnit, indicator: Indicator, period: Period
) -> tuple[list[ChildRow], targets.Reconciliation | None]:
    """Each child's achieved and target for one indicator, and the reconciliation of the parent's target."""
    children = targets.children_of(subject)
    if not children:
        return [], None
    level = selectors.level_and_unit(children[0])[0]
    ids = [child.pk for child in children]
    achieved = selectors.unit_progress([indicator], period, level, ids)
    given = {
        child_id: value for (_i, child_id), value in targets.children_targets(children, period, [indicator]).items()
    }
    villages = target_selectors.village_ids_with_figures(user=user, ids=ids)
    rows = []
    for child in children:
        if isinstance(child, Village):  # a team member opens only their own village
            url = reverse("targets:village", args=[child.pk]) if child.pk in villages else ""
        else:
            url = reverse("targets:unit", args=[child.pk])
        rows.append(ChildRow(child, achieved.get((indicator.pk, child.pk), Decimal(0)), given.get(child.pk), url))
    parent = target_selectors.unit_target(unit=subject, indicator=indicator, period=period)
    return rows, targets.reconcile(parent) if parent else None


def _board(request: HttpRequest, subject: AdminUnit | Village, *, unit: AdminUnit) -> HttpResponse:
    period, periods = chosen_period(request)
    figures = selectors.indicator_figures(subject, period)
    scope = scope_for(request.user)
    can_assign = scope.covers_unit(unit, Perm.ASSIGN_TARGETS)
    context: dict[str, Any] = {
        "subject": subject,
        "unit": unit,
        "is_village": isinstance(subject, Village),
        "period": period,
        "periods": periods,
        "figures": figures,
        "targeted": [f for f in figures if f.target is not None],
        "untargeted": [f for f in figures if f.target is None],
        "elapsed": round(period.elapsed(timezone.localdate()) * 100),
        "can_assign": can_assign,
        "can_decide": scope.has(Perm.MANAGE_GROUPS) and scope.has(Perm.EDIT_HOUSEHOLDS),
        "can_record": isinstance(subject, Village)
        and target_selectors.may_record_in(user=request.user, village=subject),
    }
    if isinstance(subject, AdminUnit):
        with_target = [f.indicator for f in figures if f.target is not None]
        wanted = request.GET.get("indicator", "")
        indicator = next((i for i in with_target if str(i.pk) == wanted), with_target[0] if with_target else None)
        if indicator is None and wanted:
            indicator = next((f.indicator for f in figures if str(f.indicator.pk) == wanted), None)
        context["indicator"] = indicator
        context["indicators"] = [f.indicator for f in figures]
        if indicator is not None:
            rows, reconciliation = _children_rows(request.user, subject, indicator, period)
            context.update(rows=rows, reconciliation=reconciliation)
            context["parent_target"] = target_selectors.unit_target(unit=subject, indicator=indicator, period=period)
    else:
        context["mine"] = target_selectors.activity_counts_mine(user=request.user, village=subject, period=period)
    return render(request, "targets/board.html", context)


@requires(Perm.VIEW_FIGURES)
def unit_board(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """A unit's targets and progress, with its children's (communes of a province, villages of a commune)."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_FIGURES)
    return _board(request, unit, unit=unit)


@requires(Perm.VIEW_FIGURES)
def village_board(request: SignedInRequest, village_id: int) -> HttpResponse:
    """A village team's targets and progress."""
    village = scope_for(request.user).village(village_id, Perm.VIEW_FIGURES)
    return _board(request, village, unit=village.commune)


@requires(Perm.VIEW_FIGURES)
def my_targets(request: SignedInRequest) -> HttpResponse:
    """ "Chỉ tiêu của tôi": a team member's village; an officer's own unit."""
    grants = scope_for(request.user).grants_with(Perm.VIEW_FIGURES)
    village_grant = next((g for g in grants if g.village_id is not None), None)
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if village_grant is not None:
        return redirect(reverse("targets:village", args=[village_grant.village_id]) + query)
    if grants:
        top = min(grants, key=lambda g: g.unit_path.count("/"))
        return redirect(reverse("targets:unit", args=[top.unit_id]) + query)
    raise NotFound(_("The unit was not found."))


# -- setting a target -------------------------------------------------------------------------------


class TargetForm(forms.Form):
    subject = forms.ChoiceField(label=gettext_lazy("For"))
    indicator = forms.ModelChoiceField(queryset=Indicator.objects.none(), label=gettext_lazy("Indicator"))
    value = forms.CharField(label=gettext_lazy("Target"), max_length=20)

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects  # type: ignore[attr-defined]
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]
        self.fields["value"].widget.attrs.update(inputmode="decimal", autocomplete="off")


def _subjects(unit: AdminUnit) -> list[tuple[str, str]]:
    found = [(f"u{unit.pk}", unit.name)]
    for child in targets.children_of(unit):
        key = f"v{child.pk}" if isinstance(child, Village) else f"u{child.pk}"
        found.append((key, f"— {child.name}"))
    return found


def _subject_of(key: str, unit: AdminUnit) -> AdminUnit | Village:
    if key == f"u{unit.pk}":
        return unit
    for child in targets.children_of(unit):
        if key == (f"v{child.pk}" if isinstance(child, Village) else f"u{child.pk}"):
            return child
    raise NotFound(_("The unit was not found."))


@requires(Perm.ASSIGN_TARGETS)
def target_set_view(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Give a target to this unit or one of its children for the chosen period."""
    unit = scope_for(request.user).unit(unit_id, Perm.ASSIGN_TARGETS)
    period, periods = chosen_period(request)
    indicators = target_selectors.indicators_for(unit=unit, period=period)
    form = TargetForm(
        request.POST or None,
        subjects=_subjects(unit),
        indicators=indicators,
        initial={"indicator": request.GET.get("indicator")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            subject = _subject_of(form.cleaned_data["subject"], unit)
            target = targets.target_set(
                actor=request.user,
                subject=subject,
                indicator=form.cleaned_data["indicator"],
                period=period,
                value=form.cleaned_data["value"],
                request=request,
            )
        except Forbidden as exc:
            form.add_error(None, exc.message)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Target set: %(indicator)s, %(name)s, %(period)s: %(value)s.")
                % {
                    "indicator": target.indicator.name,
                    "name": subject.name,
                    "period": period.name,
                    "value": f"{target.value:n}",
                },
            )
            return redirect(_board_url(unit, period, target.indicator))
    return render(
        request, "targets/target_form.html", {"unit": unit, "form": form, "period": period, "periods": periods}
    )


def _board_url(unit: AdminUnit, period: Period, indicator: Indicator | None = None) -> str:
    url = reverse("targets:unit", args=[unit.pk]) + f"?period={period.pk}"
    return url + (f"&indicator={indicator.pk}" if indicator else "")


# -- splitting ----------------------------------------------------------------------------------------


@dataclass
class SplitRow:
    child: AdminUnit | Village
    households: Decimal
    adults: Decimal
    current: Decimal | None
    previews: dict[str, Decimal]


@requires(Perm.ASSIGN_TARGETS)
def target_split_view(request: SignedInRequest, target_id: int) -> HttpResponse:
    """Split a unit's target across its children: preview each method, or enter the shares by hand."""
    parent = target_selectors.target_for_split(user=request.user, target_id=target_id)
    unit = parent.unit
    assert unit is not None  # target_for_split returns a unit's target only
    children = targets.children_of(unit)
    if request.method == "POST":
        method = request.POST.get("method", "")
        manual = {child.pk: request.POST.get(f"share_{child.pk}", "").strip() for child in children}
        try:
            made = targets.target_split(
                actor=request.user, parent=parent, method=method, manual=manual, request=request
            )
        except Forbidden as exc:
            messages.error(request, exc.message)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The target was split across %(n)s units (%(method)s).")
                % {"n": len(made), "method": SplitMethod(method).label},
            )
            return redirect(_board_url(unit, parent.period, parent.indicator))
    households = targets.weights(children, SplitMethod.HOUSEHOLDS, parent.period)
    adults = targets.weights(children, SplitMethod.ADULTS, parent.period)
    previews: dict[str, dict[int, Decimal]] = {}
    for method, weight in ((SplitMethod.HOUSEHOLDS, households), (SplitMethod.ADULTS, adults)):
        try:
            previews[method] = targets.share(parent.value, weight)
        except DomainError:
            previews[method] = {}
    previews[SplitMethod.EVEN] = targets.share(parent.value, {child.pk: Decimal(1) for child in children})
    current = {
        child_id: value
        for (_i, child_id), value in targets.children_targets(children, parent.period, [parent.indicator]).items()
    }
    rows = [
        SplitRow(
            child,
            households.get(child.pk, Decimal(0)),
            adults.get(child.pk, Decimal(0)),
            current.get(child.pk),
            {method: values.get(child.pk, Decimal(0)) for method, values in previews.items()},
        )
        for child in children
    ]
    context = {
        "parent": parent,
        "unit": unit,
        "rows": rows,
        "reconciliation": targets.reconcile(parent),
        "percent": parent.indicator.measure == "percent",
        "methods": [
            (m, SplitMethod(m).label, bool(previews.get(m)))
            for m in (SplitMethod.ADULTS, SplitMethod.HOUSEHOLDS, SplitMethod.EVEN)
        ],
    }
    return render(request, "targets/split.html", context)


# -- target sheets (XLSX) -----------------------------------------------------------------------------

SHEET_SESSION_KEY = "cdtt_target_sheet"
SHEET_MAX_BYTES = 1024 * 1024


@requires(Perm.VIEW_FIGURES)
def sheet_export(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The unit's children × indicators with their targets, as an XLSX to fill in and read back."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_FIGURES)
    period, _periods = chosen_period(request)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="chi-tieu-{unit.code}-{period.pk}.xlsx"'
    sheets.write_sheet(unit, period, out=response)  # type: ignore[arg-type]  # a file-like response
    return response


@requires(Perm.ASSIGN_TARGETS)
def sheet_import(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Read a filled-in target sheet: every cell is checked and shown; nothing is written until confirmed."""
    import base64

    unit = scope_for(request.user).unit(unit_id, Perm.ASSIGN_TARGETS)
    period, periods = chosen_period(request)
    context: dict[str, Any] = {"unit": unit, "period": period, "periods": periods}
    if request.method == "POST" and request.POST.get("action") == "confirm":
        stored = request.session.get(SHEET_SESSION_KEY) or {}
        if stored.get("unit") != unit.pk or stored.get("period") != period.pk:
            messages.error(request, _("Upload the sheet again."))
            return redirect(reverse("targets:sheet", args=[unit.pk]) + f"?period={period.pk}")
        data = base64.b64decode(stored["data"])
        reading = sheets.read_sheet(data, stored["name"], unit=unit, period=period)
        try:
            written = sheets.apply_sheet(actor=request.user, reading=reading, period=period, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session.pop(SHEET_SESSION_KEY, None)
            messages.success(request, _("%(n)s targets were written from the sheet.") % {"n": written})
            return redirect(_board_url(unit, period))
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a file.")
        elif upload.size is not None and upload.size > SHEET_MAX_BYTES:
            context["error"] = _("The file is larger than 1 MB; a target sheet is much smaller.")
        else:
            data = upload.read()
            try:
                reading = sheets.read_sheet(data, upload.name or "", unit=unit, period=period)
            except DomainError as exc:
                context["error"] = exc.message
            else:
                context["reading"] = reading
                if not reading.errors and reading.changes:
                    request.session[SHEET_SESSION_KEY] = {
                        "unit": unit.pk,
                        "period": period.pk,
                        "name": upload.name or "",
                        "data": base64.b64encode(data).decode(),
                    }
    return render(request, "targets/sheet.html", context, status=400 if context.get("error") else 200)


# -- campaigns --------------------------------------------------------------------------------------


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Campaign name"), max_length=150)
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))


@requires(Perm.ASSIGN_TARGETS)
def campaign_new(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Declare a named campaign with dates; targets can then be set for it like for a year."""
    unit = scope_for(request.user).unit(unit_id, Perm.ASSIGN_TARGETS)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = targets.campaign_create(actor=request.user, unit=unit, request=request, **form.cleaned_data)
        except NotFound:
            raise
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Campaign “%(name)s” created.") % {"name": period.name})
            return redirect(_board_url(unit, period))
    return render(request, "catalog/form.html", {"form": form, "title": _("New campaign")})
