"""Reads for import jobs and for resolving imported rows; every one is given the user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import NotFound
from cdtt.geo.models import AdminUnit
from cdtt.transfers.models import ImportJob


def import_job_get(*, user: Any, job_id: Any) -> ImportJob:
    """A job whose unit lies in the user's village-managing scope; 404 for missing and not yours alike."""
    scope = scope_for(user)
    scope.require(Perm.MANAGE_VILLAGES)
    pk = int(job_id) if str(job_id).isdigit() else None
    job = ImportJob.objects.select_related("unit", "created_by", "applied_by").filter(pk=pk).first() if pk else None
    if job is None or not scope.covers_unit(job.unit, Perm.MANAGE_VILLAGES):
        raise NotFound(_("The import was not found."))
    return job


def import_job_list(*, user: Any, unit: AdminUnit, limit: int = 10) -> list[ImportJob]:
    """The latest jobs run at ``unit``, or nothing when the user does not manage it."""
    scope = scope_for(user)
    if not scope.covers_unit(unit, Perm.MANAGE_VILLAGES):
        return []
    return list(ImportJob.objects.filter(unit=unit).select_related("created_by")[:limit])


def import_communes(*, user: Any, unit: AdminUnit) -> list[AdminUnit]:
    """Current communes under ``unit`` (itself included) where the user manages villages."""
    units = scope_for(user).units(Perm.MANAGE_VILLAGES).current().communes().in_subtree(unit.path)
    return list(units.only("id", "code", "name", "short_name", "name_folded", "kind", "path", "valid_to"))


def import_legacy_units(
    *, user: Any, unit: AdminUnit, codes: Iterable[str], folded_names: Iterable[str]
) -> list[AdminUnit]:
    """Units under ``unit`` that the user manages, no longer current, matching a code or folded name."""
    codes, folded_names = list(codes), list(folded_names)
    if not codes and not folded_names:
        return []
    units = scope_for(user).units(Perm.MANAGE_VILLAGES).in_subtree(unit.path).filter(valid_to__isnull=False)
    by_code = units.filter(code__in=codes) if codes else units.none()
    by_name = units.filter(name_folded__in=folded_names) if folded_names else units.none()
    return list(by_code.only("id", "code", "name_folded", "short_name")) + list(
        by_name.only("id", "code", "name_folded", "short_name")
    )


def village_names_taken(*, user: Any, commune_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(commune id, folded name) -> name, for the active villages of those communes."""
    ids = list(commune_ids)
    if not ids:
        return {}
    villages: QuerySet[Any] = scope_for(user).villages(Perm.MANAGE_VILLAGES).active().filter(commune_id__in=ids)
    return {(cid, folded): name for cid, folded, name in villages.values_list("commune_id", "name_folded", "name")}
