"""Village forms: input only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cdtt.geo.models import VillageKind


class VillageForm(forms.Form):
    name = forms.CharField(label=_("Village name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=VillageKind.choices, initial=VillageKind.THON)
    code = forms.CharField(label=_("Code (optional)"), max_length=32, required=False)


class RetireForm(forms.Form):
    on = forms.DateField(label=_("Retired from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
