"""The catalogue pages: platforms and indicators for everyone signed in; national admins edit the national
catalogue, a province officer adds and edits the province's own platforms and indicators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.forms import inlineformset_factory
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import catalog_owner_for
from cdtt.activities.models import ActivityKind
from cdtt.catalog import selectors
from cdtt.catalog.models import Indicator, Outcome, Platform, ReachMeasure
from cdtt.catalog.selectors import deactivation_refusal
from cdtt.core.audit import audit_record
from cdtt.core.errors import Forbidden
from cdtt.core.text import fold
from cdtt.progress.engine import forget_rules


@requires(Perm.VIEW_UNITS)
def catalog_home(request: SignedInRequest) -> HttpResponse:
    """Platforms with their outcomes, and indicators with how each is computed."""
    return render(request, "catalog/home.html", selectors.catalog_home_page(user=request.user))


# -- indicators -------------------------------------------------------------------------------------


class IndicatorForm(forms.ModelForm):  # type: ignore[type-arg]
    activity_kinds = forms.MultipleChoiceField(
        choices=ActivityKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("activity kinds"),
    )
    reach_measure = forms.ChoiceField(
        choices=ReachMeasure.choices,
        required=False,
        label=gettext_lazy("reach counted in"),
        help_text=gettext_lazy("For people reached by activities: count the people or the households reached."),
    )
    aliases = forms.CharField(
        required=False,
        max_length=500,
        label=gettext_lazy("chat words"),
        help_text=gettext_lazy("Comma-separated words members may use for it in a chat report, e.g. vneid, dinh danh."),
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "measure",
            "pillar",
            "method",
            "activity_kinds",
            "reach_measure",
            "platform",
            "outcomes",
            "adoption_item",
            "register_metric",
            "numerator",
            "denominator",
            "valid_from_year",
            "valid_to_year",
            "description",
            "aliases",
            "is_active",
        ]
        widgets = {"outcomes": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 3})}

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        if self.instance.pk and self.instance.is_active and not active:
            refusal = deactivation_refusal(indicator=self.instance)
            if refusal:
                raise forms.ValidationError(refusal)
        return active

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = selectors.ratio_parts(user=user, indicator=self.instance)
        self.fields["numerator"].queryset = visible  # type: ignore[attr-defined]
        self.fields["denominator"].queryset = visible  # type: ignore[attr-defined]
        self.fields["platform"].queryset = selectors.platform_list(user=user)  # type: ignore[attr-defined]
        self.fields["outcomes"].queryset = selectors.outcome_choices(user=user)  # type: ignore[attr-defined]
        self.fields["adoption_item"].queryset = selectors.adoption_item_choices()  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["code"].disabled = True  # aggregates and sheets refer to it
            self.initial["aliases"] = ", ".join(self.instance.aliases or [])

    def clean_reach_measure(self) -> str:
        """People unless households are chosen (older forms and API clients leave it out)."""
        return str(self.cleaned_data.get("reach_measure") or ReachMeasure.PEOPLE)

    def clean_aliases(self) -> list[str]:
        """Folded (no case, no diacritics), without repeats; a word with a digit would read as a number."""
        words: list[str] = []
        for raw in str(self.cleaned_data.get("aliases") or "").split(","):
            word = fold(raw)
            if not word:
                continue
            if any(ch.isdigit() for ch in word) or len(word) > 40:
                raise forms.ValidationError(
                    _("A chat word has no digits and at most 40 letters: “%(word)s”.") % {"word": raw.strip()}
                )
            if word not in words:
                words.append(word)
        return words

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        outcomes = cleaned.get("outcomes") or []
        platform = cleaned.get("platform")
        if platform is not None and any(o.platform_id != platform.pk for o in outcomes):
            self.add_error("outcomes", _("Choose outcomes of the chosen platform only."))
        return cleaned


@requires(Perm.MANAGE_CATALOG)
def indicator_edit(request: SignedInRequest, indicator_id: int | None = None) -> HttpResponse:
    """Add or change an indicator; a province officer's new indicator belongs to the province."""
    owner = catalog_owner_for(request.user)
    if not owner.edits_any:
        raise Forbidden(_("Your role does not allow this action."))
    instance = (
        selectors.indicator_get_for_edit(user=request.user, indicator_id=indicator_id)
        if indicator_id is not None
        else Indicator()
    )
    form = IndicatorForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            indicator = form.save(commit=False)
            if indicator.pk is None:
                indicator.owner = owner.new_entry_owner
                indicator.created_by = request.user
            indicator.save()
            form.save_m2m()
            audit_record(
                actor=request.user,
                action="indicator.save",
                target=indicator,
                unit=indicator.owner,
                request=request,
                code=indicator.code,
                fields=form.changed_data,
            )
        forget_rules()
        from cdtt.progress.tasks import recount_indicator

        transaction.on_commit(lambda: recount_indicator.enqueue(indicator.pk))
        messages.success(request, _("Saved. Its totals are being counted again from the records in the background."))
        return redirect(reverse("catalog:home") + f"#i{indicator.pk}")
    return render(request, "catalog/form.html", {"form": form, "title": instance.name or _("New indicator")})


# -- platforms --------------------------------------------------------------------------------------


class PlatformForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(label=gettext_lazy("link"), required=False, assume_scheme="https")

    class Meta:
        model = Platform
        fields = ["code", "name", "operator", "pillar", "url", "install_guide", "in_use_from", "in_use_to", "is_active"]
        widgets = {"install_guide": forms.Textarea(attrs={"rows": 4})}

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        if self.instance.pk and self.instance.is_active and not active:
            refusal = deactivation_refusal(platform=self.instance)
            if refusal:
                raise forms.ValidationError(refusal)
        return active


OutcomeFormSet = inlineformset_factory(
    Platform, Outcome, fields=["code", "name", "adoption_item"], extra=2, can_delete=False
)


@requires(Perm.MANAGE_CATALOG)
def platform_edit(request: SignedInRequest, platform_id: int | None = None) -> HttpResponse:
    """Add or change a platform and its outcomes."""
    owner = catalog_owner_for(request.user)
    if not owner.edits_any:
        raise Forbidden(_("Your role does not allow this action."))
    if platform_id is not None:
        instance = selectors.platform_get_for_edit(user=request.user, platform_id=platform_id)
    else:
        instance = Platform()
    form = PlatformForm(request.POST or None, instance=instance)
    outcomes = OutcomeFormSet(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid() and outcomes.is_valid():
        with transaction.atomic():
            platform = form.save(commit=False)
            if platform.pk is None:
                platform.owner = owner.new_entry_owner
            platform.save()
            outcomes.instance = platform
            outcomes.save()
            audit_record(
                actor=request.user, action="platform.save", target=platform, unit=platform.owner, request=request
            )
        forget_rules()
        messages.success(request, _("Saved."))
        return redirect(reverse("catalog:home") + f"#p{platform.pk}")
    context = {"form": form, "formset": outcomes, "title": instance.name or _("New platform")}
    return render(request, "catalog/form.html", context)
