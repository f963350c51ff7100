"""Forms of the training pages: they parse input into the services' dataclasses; the services check it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdtt.access.scope import Scope
from cdtt.catalog.models import Platform
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, UnitKind
from cdtt.training import services
from cdtt.training.models import Course, Enterprise, Material, Mode, Organiser


def _managed_units(scope: Scope, kinds: tuple[str, ...]) -> Any:
    where = Q(pk__in=[])
    for path in services._manage_paths(scope):
        where |= Q(path__startswith=path)
    # The user's own unit first (the highest level), then the units below it.
    return AdminUnit.objects.current().filter(where, kind__in=kinds).order_by("depth", "kind", "code")


def _unit_label(unit: AdminUnit) -> str:
    return f"{unit.name} ({unit.get_kind_display()})"


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime.datetime):
            return (
                timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
                if timezone.is_aware(value)
                else value.strftime("%Y-%m-%dT%H:%M")
            )
        return super().format_value(value)


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    organiser = forms.ChoiceField(label=_("Organiser"), choices=Organiser.choices)
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    enterprise = forms.TypedChoiceField(label=_("Enterprise partner"), coerce=int, required=False, empty_value=None)
    covers_policy = forms.BooleanField(label=_("DX policy and law"), required=False)
    platforms = forms.TypedMultipleChoiceField(
        label=_("Platforms"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = (UnitKind.PROVINCE, *COMMUNE_KINDS)
        units = list(_managed_units(scope, kinds))
        enterprises = list(services.enterprise_choices(scope))
        if scope.has(services.Perm.RUN_TRAINING):
            own = [e for e in enterprises if e.accounts.filter(pk=scope.user.pk).exists()]
            for enterprise in own:
                units += [a for a in enterprise.areas.all() if a not in units]
        self.fields["unit"].choices = [(u.pk, _unit_label(u)) for u in units]  # type: ignore[attr-defined]
        if units and not self.is_bound and "unit" not in self.initial:
            # A new course defaults to the user's own unit, organised at its level: a province officer's to
            # the province by the department (a commune here would be refused with the default organiser).
            own = units[0]
            self.initial["unit"] = own.pk
            self.initial["organiser"] = Organiser.PROVINCE if own.kind == UnitKind.PROVINCE else Organiser.COMMUNE
        self.fields["enterprise"].choices = [("", "—"), *[(e.pk, e.name) for e in enterprises]]  # type: ignore[attr-defined]
        self.fields["platforms"].choices = [  # type: ignore[attr-defined]
            (p.pk, p.name) for p in Platform.objects.filter(is_active=True).order_by("order", "name")
        ]

    @staticmethod
    def initial_for(course: Course) -> dict[str, Any]:
        return {
            "title": course.title,
            "organiser": course.organiser,
            "unit": course.unit_id,
            "enterprise": course.enterprise_id,
            "covers_policy": course.covers_policy,
            "platforms": list(course.platforms.values_list("pk", flat=True)),
            "starts_on": course.starts_on,
            "ends_on": course.ends_on,
            "description": course.description,
        }

    def course_in(self) -> services.CourseIn:
        data = self.cleaned_data
        return services.CourseIn(
            title=data["title"],
            unit_id=data["unit"],
            organiser=data["organiser"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            enterprise_id=data["enterprise"],
            covers_policy=data["covers_policy"],
            platform_ids=list(data["platforms"]),
            description=data["description"],
        )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, widget=forms.RadioSelect, initial=Mode.IN_PERSON)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput, required=False)
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    meeting_link = forms.CharField(label=_("Meeting link"), max_length=500, required=False)
    trainers = forms.CharField(label=_("Trainers"), max_length=500, required=False)
    follow_up_of = forms.TypedChoiceField(label=_("Follow-up of"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, course: Course, exclude: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        earlier = [
            (s.pk, f"{timezone.localtime(s.starts_at):%d/%m/%Y %H:%M} {s.title}".strip())
            for s in course.sessions.all()  # type: ignore[attr-defined]
            if exclude is None or s.pk != exclude.pk
        ]
        self.fields["follow_up_of"].choices = [("", "—"), *earlier]  # type: ignore[attr-defined]

    def session_in(self) -> services.SessionIn:
        data = self.cleaned_data
        return services.SessionIn(
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            mode=data["mode"],
            title=data["title"],
            place=data["place"],
            meeting_link=data["meeting_link"],
            trainers=data["trainers"],
            follow_up_of_id=data["follow_up_of"],
        )


class InviteForm(forms.Form):
    units = forms.TypedMultipleChoiceField(
        label=_("Invite the team members of"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, scope: Scope, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = _managed_units(scope, COMMUNE_KINDS).filter(path__startswith=course.unit.path)
        self.fields["units"].choices = [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]


class MaterialForm(forms.Form):
    platform = forms.TypedChoiceField(label=_("Platform"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=255)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.CharField(label=_("Link"), max_length=500, required=False)
    version = forms.CharField(label=_("Version"), max_length=40, required=False)
    issued_on = forms.DateField(label=_("Date"), widget=DateInput)
    owner = forms.TypedChoiceField(label=_("For the members of"), coerce=int)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [  # type: ignore[attr-defined]
            (p.pk, p.name) for p in Platform.objects.filter(is_active=True).order_by("order", "name")
        ]
        units = _managed_units(scope, (UnitKind.NATIONAL, UnitKind.PROVINCE, *COMMUNE_KINDS))
        self.fields["owner"].choices = [(u.pk, _unit_label(u)) for u in units[:500]]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(material: Material) -> dict[str, Any]:
        """A guide's values for its change form (a file guide keeps its file unless a new one is chosen)."""
        return {
            "platform": material.platform_id,
            "title": material.title,
            "url": material.url,
            "version": material.version,
            "issued_on": material.issued_on,
            "owner": material.owner_id,
        }

    def material_in(self) -> services.MaterialIn:
        data = self.cleaned_data
        return services.MaterialIn(
            platform_id=data["platform"],
            title=data["title"],
            owner_id=data["owner"],
            issued_on=data["issued_on"],
            url=data["url"],
            version=data["version"],
        )


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.TypedChoiceField(label=_("Registered by"), coerce=int)
    areas = forms.TypedMultipleChoiceField(label=_("Assigned areas"), coerce=int)
    platforms = forms.TypedMultipleChoiceField(
        label=_("Platforms"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    accounts = forms.TypedMultipleChoiceField(
        label=_("Partner accounts"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    contact = forms.CharField(label=_("Contact"), max_length=255, required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = _managed_units(scope, (UnitKind.NATIONAL, UnitKind.PROVINCE))
        self.fields["owner"].choices = [(u.pk, u.name) for u in owners]  # type: ignore[attr-defined]
        areas = _managed_units(scope, (UnitKind.PROVINCE, *COMMUNE_KINDS))
        self.fields["areas"].choices = [(u.pk, _unit_label(u)) for u in areas[:2000]]  # type: ignore[attr-defined]
        self.fields["platforms"].choices = [  # type: ignore[attr-defined]
            (p.pk, p.name) for p in Platform.objects.filter(is_active=True).order_by("order", "name")
        ]
        self.fields["accounts"].choices = [  # type: ignore[attr-defined]
            (u.pk, f"{u.username} · {u.full_name}") for u in services.partner_accounts(scope)
        ]

    @staticmethod
    def initial_for(enterprise: Enterprise) -> dict[str, Any]:
        return {
            "name": enterprise.name,
            "owner": enterprise.owner_id,
            "areas": list(enterprise.areas.values_list("pk", flat=True)),
            "platforms": list(enterprise.platforms.values_list("pk", flat=True)),
            "accounts": list(enterprise.accounts.values_list("pk", flat=True)),
            "contact": enterprise.contact,
        }

    def enterprise_in(self) -> services.EnterpriseIn:
        data = self.cleaned_data
        return services.EnterpriseIn(
            name=data["name"],
            owner_id=data["owner"],
            area_ids=list(data["areas"]),
            platform_ids=list(data["platforms"]),
            account_ids=list(data["accounts"]),
            contact=data["contact"],
        )
