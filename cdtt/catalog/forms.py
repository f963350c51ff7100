"""The catalogue's edit forms: an indicator, a platform and its outcomes (saved by ``catalog.services``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.accounts.models import User
from cdtt.activities.models import ActivityKind
from cdtt.catalog import selectors
from cdtt.catalog.models import Indicator, Outcome, Platform, ReachMeasure
from cdtt.catalog.selectors import deactivation_refusal
from cdtt.core.text import fold


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

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
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
