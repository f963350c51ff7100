"""Upload forms of the figure imports: input only; the checks live in the importers and the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cdtt.official.models import ApportionRule
from cdtt.transfers.forms import ImportUploadForm


class LegacyUploadForm(ImportUploadForm):
    rule = forms.ChoiceField(
        label=_("A commune divided between several of today's communes counts"),
        choices=ApportionRule.choices,
        initial=ApportionRule.DEFAULT,
        widget=forms.RadioSelect,
    )
