"""Account forms: input only; services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from cdtt.accounts.models import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ChoiceField(label=_("Unit"), choices=[])
    village = forms.ChoiceField(label=_("Village (team roles only)"), choices=[], required=False)

    def __init__(
        self, *args: Any, units: list[tuple[int, str]], villages: list[tuple[int, str]], roles: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r, Role(r).label) for r in Role.values if r in roles]
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(str(pk), name) for pk, name in units]
        cast(forms.ChoiceField, self.fields["village"]).choices = [("", "—")] + [
            (str(pk), name) for pk, name in villages
        ]


class UserCreateForm(GrantForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=20, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=_("At least 10 characters; the person changes it after signing in."),
    )

    field_order = ["username", "full_name", "phone", "password", "role", "unit", "village"]


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name (e.g. the device or system using it)"), max_length=100)
