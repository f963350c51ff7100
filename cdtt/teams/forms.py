"""Team forms: input only; the rules (scope, one team per village, one team per person) live in services."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdtt.teams.models import ChatPlatform, Gender, Member, MemberRole, Organisation
from cdtt.teams.services import MAX_MEMBERS, MemberIn

START_ROWS = 4
ROWS_STEP = 4


def _date_input() -> forms.DateInput:
    # A type=date input only understands ISO dates; the Vietnamese input format (dd/mm/yyyy) comes first otherwise.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=_date_input())


class MemberForm(forms.Form):
    """A person's details, as a decision lists them."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    birth_year = forms.IntegerField(
        label=_("Birth year"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    organisation = forms.ChoiceField(label=_("Organisation"), choices=Organisation.choices, initial=Organisation.OTHER)
    occupation = forms.CharField(label=_("Occupation"), max_length=150, required=False)
    is_village_head = forms.BooleanField(label=_("Village head"), required=False)
    publish_phone = forms.BooleanField(
        label=_("Agrees to publish the phone"),
        required=False,
        help_text=_("The phone is shown in the public team finder only with the person's consent."),
    )

    def member_in(self, *, role: str = MemberRole.MEMBER) -> MemberIn:
        data = self.cleaned_data
        return MemberIn(
            full_name=data["full_name"],
            role=data.get("role") or role,
            gender=data["gender"],
            birth_year=data["birth_year"],
            phone=data["phone"],
            organisation=data["organisation"],
            occupation=data["occupation"],
            is_village_head=data["is_village_head"],
            publish_phone=data["publish_phone"],
        )

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        return {
            "full_name": member.full_name,
            "gender": member.gender,
            "birth_year": member.birth_year,
            "phone": member.phone,
            "organisation": member.organisation,
            "occupation": member.occupation,
            "is_village_head": member.is_village_head,
            "publish_phone": member.publish_phone,
        }


class MemberRowForm(MemberForm):
    """One row of the set-up form: a person and their role on the team."""

    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)

    field_order = ["full_name", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publish_phone"].help_text = ""  # said once above the rows, not in every row


class BaseMemberFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # The first row is usually the leader, the second the deputy; given as initial values (not initial
        # forms) so that rows left empty are still skipped.
        kwargs = super().get_form_kwargs(index)
        role = {0: MemberRole.LEADER, 1: MemberRole.DEPUTY}.get(index or 0, MemberRole.MEMBER)
        return {**kwargs, "initial": {"role": role}}

    def filled(self) -> list[MemberForm]:
        """The rows the user typed something into (call after ``is_valid``)."""
        return [form for form in self.forms if form.has_changed() and form.cleaned_data]


def row_count(value: Any) -> int:
    """The number of empty rows asked for by ``?rows=``: at least START_ROWS, at most MAX_MEMBERS."""
    try:
        rows = int(value)
    except (TypeError, ValueError):
        return START_ROWS
    return max(START_ROWS, min(rows, MAX_MEMBERS))


def member_formset(*, rows: int, data: Any = None) -> BaseMemberFormSet:
    formset_class = forms.formset_factory(
        MemberRowForm,
        formset=BaseMemberFormSet,
        extra=rows,
        max_num=MAX_MEMBERS,
        absolute_max=MAX_MEMBERS,
        validate_max=True,
    )
    return cast(BaseMemberFormSet, formset_class(data, prefix="m"))


class TeamSetupForm(forms.Form):
    joined_on = _date_field(_("Members join on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["joined_on"].initial = timezone.localdate()


class MemberAddForm(MemberRowForm):
    joined_on = _date_field(_("Joins on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["joined_on"].initial = timezone.localdate()


class _DatedChangeForm(forms.Form):
    """A roster change from a date, with the reason kept in the history."""

    on_label: Any = _("From")

    on = _date_field(_("From"))
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].label = self.on_label


class LeaveForm(_DatedChangeForm):
    on_label = _("First day off the team")


class DissolveForm(_DatedChangeForm):
    on_label = _("Dissolved from")


class MemberReplaceForm(MemberForm):
    """The person who takes over the role, from a date."""

    on = _date_field(_("Takes over from"))
    reason = forms.CharField(label=_("Reason the previous member left"), max_length=255, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class AccountLinkForm(forms.Form):
    account = forms.ChoiceField(label=_("Account"), required=False)

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["account"])
        field.choices = [("", _("— no account —")), *[(str(pk), label) for pk, label in accounts]]


class RosterDateForm(forms.Form):
    on = _date_field(_("Roster on"))

    def day(self) -> datetime.date | None:
        return self.cleaned_data["on"] if self.is_valid() else None


class ChatGroupForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=ChatPlatform.choices, initial=ChatPlatform.ZALO)
    name = forms.CharField(label=_("Group name"), max_length=200)
    invite_link = forms.URLField(
        label=_("Invite link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Starts with https://, e.g. https://zalo.me/g/…"),
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    households_in_group = forms.IntegerField(label=_("Households in the group"), min_value=0, required=False)
    households_total = forms.IntegerField(
        label=_("Households in the village"),
        min_value=0,
        required=False,
        help_text=_("Your own count, until the household register exists."),
    )
    counted_on = _date_field(_("Counted on"), required=False)

    def __init__(self, *args: Any, commune_level: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if commune_level:
            self.fields["households_total"].label = _("Households in the commune")
