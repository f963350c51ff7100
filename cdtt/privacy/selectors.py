"""Reads of the personal-data map and the breach register, always given the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import Forbidden
from cdtt.households.models import ProcessingActivity
from cdtt.privacy import datamap


@dataclass(frozen=True)
class RegisterEntry:
    dataset: datamap.Dataset
    locations: list[str]  # "app.Model.field" of every declared place, for the operator and the inspector
    notice_version: str  # of the consent notice, for datasets processed on consent


def may_read_register(user: Any) -> bool:
    scope = scope_for(user)
    return any(scope.has(perm) for perm in (Perm.VIEW_HOUSEHOLDS, Perm.MANAGE_PRIVACY))


def register_entries(*, user: Any) -> list[RegisterEntry]:
    """The register of processing, one entry per dataset of the map, with where its data is stored."""
    if not may_read_register(user):
        raise Forbidden(_("Your role does not allow this action."))
    notices = dict(ProcessingActivity.objects.values_list("code", "notice_version"))
    return [
        RegisterEntry(
            dataset=item,
            locations=[f"{field.model}.{field.field}" for field in datamap.dataset_fields(item.code)],
            notice_version=notices.get(item.code, "") if item.consent else "",
        )
        for item in datamap.DATASETS
    ]
