"""Forms of the practice and announcement pages (the services do the real checks)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cdtt.accounts.models import Role
from cdtt.catalog.models import Platform
from cdtt.practices.models import PracticeKind


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


class PracticeForm(forms.Form):
    subject = forms.ChoiceField(label=_("Written by"))
    kind = forms.ChoiceField(label=_("Kind"), choices=PracticeKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20_000)
    platforms = forms.ModelMultipleChoiceField(
        label=_("Platforms"),
        queryset=Platform.objects.filter(is_active=True).order_by("order", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=700, help_text=_("Separated by commas, e.g. elderly, market day")
    )
    images = MultipleImageField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects  # type: ignore[attr-defined]
        if editing or len(subjects) <= 1:
            self.fields["subject"].required = False
            self.fields["subject"].widget = forms.HiddenInput()


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("What should be changed"), widget=forms.Textarea(attrs={"rows": 3}))


RECIPIENT_ROLES = [
    (Role.PROVINCE_OFFICER, Role.PROVINCE_OFFICER.label),
    (Role.COMMUNE_OFFICER, Role.COMMUNE_OFFICER.label),
    (Role.TEAM_LEADER, Role.TEAM_LEADER.label),
    (Role.TEAM_MEMBER, Role.TEAM_MEMBER.label),
    (Role.LEADER, Role.LEADER.label),
    (Role.ENTERPRISE_PARTNER, Role.ENTERPRISE_PARTNER.label),
]


class AnnouncementForm(forms.Form):
    sender = forms.ChoiceField(label=_("Sent by"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10_000)
    units = forms.MultipleChoiceField(label=_("To the units"), widget=forms.CheckboxSelectMultiple)
    roles = forms.MultipleChoiceField(
        label=_("To the roles"), choices=RECIPIENT_ROLES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, senders: list[tuple[str, str]], units: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sender"].choices = senders  # type: ignore[attr-defined]
        self.fields["units"].choices = units  # type: ignore[attr-defined]
        if len(senders) <= 1:
            self.fields["sender"].required = False
            self.fields["sender"].widget = forms.HiddenInput()
