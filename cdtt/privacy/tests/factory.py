"""One valid row of any model, for tests that must touch every place the map of personal data declares."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import models
from django.utils import timezone

from cdtt.households.models import Household
from conftest import Tree, Users


class Factory:
    """Makes one valid row of any model (required fields filled, foreign keys pointing into commune C1)."""

    def __init__(self, tree: Tree, users: Users, household: Household) -> None:
        from cdtt.accounts.models import User
        from cdtt.geo.models import AdminUnit, Village
        from cdtt.households.models import Resident

        self.known: dict[type[models.Model], models.Model] = {  # rows made already, by model
            AdminUnit: tree.c1,
            Village: tree.v1,
            User: users.team_member,
            Household: household,
        }
        self.counter = 0
        resident = household.residents.first()
        if resident is not None:
            self.known[Resident] = resident

    def get(self, model: type[models.Model]) -> models.Model:
        if model not in self.known:
            self.known[model] = self.make(model)
        return self.known[model]

    def make(self, model: type[models.Model]) -> models.Model:
        values: dict[str, Any] = {}
        for f in model._meta.concrete_fields:
            if f.name in ("unit", "commune", "household") and f.is_relation:
                values[f.name] = self.get(f.related_model)  # type: ignore[arg-type]
                continue
            if f.primary_key or f.has_default() or f.null or getattr(f, "auto_now", False):
                continue
            if getattr(f, "auto_now_add", False):
                continue
            values[f.name] = self._fill(f)
        obj = model(**values)
        obj.save()
        return obj

    def _fill(self, f: models.Field[Any, Any]) -> Any:
        self.counter += 1
        if f.is_relation:
            return self.get(f.related_model)  # type: ignore[arg-type]
        if f.choices:
            return f.choices[-1][0]
        if isinstance(f, models.UUIDField):
            return uuid.uuid4()
        if isinstance(f, models.JSONField):
            return {}
        if isinstance(f, models.FileField):
            return ""
        if isinstance(f, models.CharField | models.TextField):
            return f"x{self.counter}"[: f.max_length or 20]
        if isinstance(f, models.DateTimeField):
            return timezone.now()
        if isinstance(f, models.DateField):
            return timezone.localdate()
        if isinstance(f, models.BooleanField):
            return False
        if isinstance(f, models.IntegerField | models.FloatField | models.DecimalField):
            return 1
        if isinstance(f, models.DurationField):
            return datetime.timedelta(days=1)
        raise AssertionError(f"no value for {f}")
