"""Household register forms: input only; the rules (scope, ranges, phones, stopped processing) live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cdtt.core.text import mask_phone
from cdtt.households.models import ConsentMethod, Household, Internet, Relationship, Resident
from cdtt.households.selectors import FilterCounts, HouseholdFilters
from cdtt.households.services import MAX_MEMBERS, HouseholdIn, ResidentIn
from cdtt.teams.models import Gender

WITHOUT = "without:"
WITH = "with:"


def _count_input() -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_MEMBERS})


def _phone_input() -> forms.TextInput:
    return forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


class HouseholdFilterForm(forms.Form):
    """The list's filters (GET). An invalid choice is dropped and shown as an error, never widens the scope."""

    q = forms.CharField(
        label=_("Name or phone"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("Find: name or phone")}),
    )
    adoption = forms.ChoiceField(label=_("Digital adoption"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    caretaker = forms.ChoiceField(label=_("Looked after by"), required=False)

    def __init__(self, *args: Any, villages: list[Any], caretakers: list[Any], items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.villages, self.caretakers, self.items = villages, caretakers, items
        self.show_counts(None)

    def show_counts(self, counts: FilterCounts | None) -> None:
        """(Re)label the choices, with the number of households beside each when ``counts`` is given."""

        def label(text: Any, n: int | None) -> str:
            return f"{text} ({n})" if n is not None else str(text)

        villages = counts.villages if counts else {}
        caretakers = counts.caretakers if counts else {}
        reached = counts.reached if counts else {}
        total = counts.total if counts else 0
        _choice(self, "village").choices = [("", _("All villages"))] + [
            (str(v.pk), label(v.name, villages.get(v.pk, 0) if counts else None)) for v in self.villages
        ]
        _choice(self, "caretaker").choices = [("", _("Anyone"))] + [
            (str(m.pk), label(m.full_name, caretakers.get(m.pk, 0) if counts else None)) for m in self.caretakers
        ]
        # The selected option alone must say which way it filters: the group label is hidden in a closed select.
        without = [
            (
                WITHOUT + item.code,
                label(
                    _("Without: %(item)s") % {"item": item.name}, total - reached.get(item.code, 0) if counts else None
                ),
            )
            for item in self.items
        ]
        with_ = [
            (
                WITH + item.code,
                label(_("With: %(item)s") % {"item": item.name}, reached.get(item.code, 0) if counts else None),
            )
            for item in self.items
        ]
        _choice(self, "adoption").choices = [
            ("", _("Any")),
            (_("Not yet reached (gaps)"), without),
            (_("Already reached"), with_),
        ]

    def active(self) -> list[str]:
        """The filters in force, in words, for the line above the list (call after ``is_valid``)."""
        data = getattr(self, "cleaned_data", {})
        adoption = data.get("adoption") or ""
        shown: list[str] = []
        for item in self.items:
            if adoption == WITHOUT + item.code:
                shown.append(_("Without: %(item)s") % {"item": item.name})
            elif adoption == WITH + item.code:
                shown.append(_("With: %(item)s") % {"item": item.name})
        shown += [v.name for v in self.villages if str(v.pk) == data.get("village")]
        shown += [m.full_name for m in self.caretakers if str(m.pk) == data.get("caretaker")]
        if data.get("q"):
            shown.append(_("“%(q)s”") % {"q": data["q"]})
        return shown

    def filters(self) -> HouseholdFilters:
        """The valid filters (call after ``is_valid``); invalid fields are left out."""
        data = getattr(self, "cleaned_data", {})
        adoption = data.get("adoption") or ""
        return HouseholdFilters(
            village_id=_int_or_none(data.get("village")),
            caretaker_id=_int_or_none(data.get("caretaker")),
            q=data.get("q") or "",
            missing_item=adoption.removeprefix(WITHOUT) if adoption.startswith(WITHOUT) else "",
            has_item=adoption.removeprefix(WITH) if adoption.startswith(WITH) else "",
        )


def _mask_phones(form: forms.Form, names: tuple[str, ...], current: Any | None, *, full: bool) -> set[str]:
    """For roles that see phones masked: the phone fields start empty and say the masked number.

    Left empty, the stored number is kept (see ``_phone_value``); the full number never reaches the page.
    """
    masked: set[str] = set()
    if full or current is None:
        return masked
    for name in names:
        stored = getattr(current, name)
        if stored:
            masked.add(name)
            form.initial[name] = ""
            form.fields[name].help_text = _("Now %(phone)s. Leave empty to keep it, or enter a new number.") % {
                "phone": mask_phone(stored)
            }
    return masked


def _phone_value(form: forms.Form, name: str, masked: set[str], current: Any | None) -> str:
    value: str = form.cleaned_data[name]
    if not value.strip() and name in masked and current is not None:
        return str(getattr(current, name))
    return value


class HouseholdForm(forms.Form):
    village = forms.ChoiceField(label=_("Village"))
    head_name = forms.CharField(label=_("Head of household"), max_length=150)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=_phone_input())
    phone2 = forms.CharField(label=_("Second phone"), max_length=20, required=False, widget=_phone_input())
    members_count = forms.IntegerField(label=_("Members"), required=False, widget=_count_input())
    adults_count = forms.IntegerField(label=_("Adults (15+)"), required=False, widget=_count_input())
    smartphones = forms.IntegerField(label=_("Smartphones"), required=False, widget=_count_input())
    internet = forms.ChoiceField(label=_("Internet at home"), choices=Internet.choices, required=False)
    is_business = forms.BooleanField(label=_("Business household"), required=False)
    caretaker = forms.ChoiceField(label=_("Team member who looks after it"), required=False)
    consent = forms.ChoiceField(
        label=_("How the head of household agreed to give the phone numbers"),
        choices=[("", "—"), *ConsentMethod.choices],
        required=False,
        help_text=_(
            "Required with a phone number: phones are kept only with consent (see the register of processing)."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No ID-card numbers, account numbers or passwords."),
    )

    def __init__(
        self,
        *args: Any,
        villages: list[Any] | None,
        caretakers: list[Any],
        household: Household | None = None,
        full_phones: bool = True,
        **kwargs: Any,
    ) -> None:
        if household is not None:
            kwargs.setdefault("initial", self.initial_for(household))
        super().__init__(*args, **kwargs)
        self.household = household
        if villages is None:  # editing: a household does not move between villages here
            del self.fields["village"]
            del self.fields["consent"]  # recorded on the consents page once the household exists
        else:
            _choice(self, "village").choices = [("", "—")] + [(str(v.pk), v.name) for v in villages]
            if len(villages) == 1:
                self.initial.setdefault("village", str(villages[0].pk))
        _choice(self, "caretaker").choices = [("", "—")] + [(str(m.pk), m.full_name) for m in caretakers]
        self.masked = _mask_phones(self, ("phone", "phone2"), household, full=full_phones)

    @staticmethod
    def initial_for(household: Household) -> dict[str, Any]:
        return {
            "head_name": household.head_name,
            "address": household.address,
            "phone": household.phone,
            "phone2": household.phone2,
            "members_count": household.members_count,
            "adults_count": household.adults_count,
            "smartphones": household.smartphones,
            "internet": household.internet,
            "is_business": household.is_business,
            "caretaker": str(household.caretaker_id or ""),
            "notes": household.notes,
        }

    def village_id(self) -> int | None:
        return _int_or_none(self.cleaned_data.get("village"))

    def household_in(self) -> HouseholdIn:
        data = self.cleaned_data
        return HouseholdIn(
            head_name=data["head_name"],
            address=data["address"],
            phone=_phone_value(self, "phone", self.masked, self.household),
            phone2=_phone_value(self, "phone2", self.masked, self.household),
            members_count=data["members_count"],
            adults_count=data["adults_count"],
            smartphones=data["smartphones"],
            internet=data["internet"] or "",
            is_business=data["is_business"],
            caretaker_id=_int_or_none(data["caretaker"]),
            notes=data["notes"],
            consent=data.get("consent") or "",
        )


class ResidentForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    relationship = forms.ChoiceField(
        label=_("Relationship to the head"), choices=Relationship.choices, initial=Relationship.OTHER
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=_phone_input())

    def __init__(self, *args: Any, resident: Resident | None = None, full_phones: bool = True, **kwargs: Any) -> None:
        if resident is not None:
            kwargs.setdefault(
                "initial",
                {
                    "full_name": resident.full_name,
                    "relationship": resident.relationship,
                    "birth_year": resident.birth_year,
                    "gender": resident.gender,
                    "phone": resident.phone,
                },
            )
        super().__init__(*args, **kwargs)
        self.resident = resident
        self.masked = _mask_phones(self, ("phone",), resident, full=full_phones)

    def resident_in(self) -> ResidentIn:
        data = self.cleaned_data
        return ResidentIn(
            full_name=data["full_name"],
            birth_year=data["birth_year"],
            gender=data["gender"],
            relationship=data["relationship"],
            phone=_phone_value(self, "phone", self.masked, self.resident),
        )


class AdoptionForm(forms.Form):
    """One tap of the checklist: tick or undo one item, for the household or one of its people."""

    item = forms.SlugField(max_length=40)
    resident = forms.IntegerField(required=False, min_value=1)
    action = forms.ChoiceField(choices=[("set", "set"), ("unset", "unset")])
