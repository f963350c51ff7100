"""Model fields that keep Vietnamese text in one normal form."""

from __future__ import annotations

from typing import Any

from django.db import models

from cdtt.core.text import nfc


class NFCCharField(models.CharField):  # type: ignore[type-arg]
    """A CharField whose value is always stored (and looked up) in NFC with tidy spaces."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return nfc(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return nfc(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = nfc(value)
            setattr(model_instance, self.attname, value)
        return value
