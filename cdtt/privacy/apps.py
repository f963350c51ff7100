from typing import Any

from django.apps import AppConfig, apps


class PrivacyConfig(AppConfig):
    name = "cdtt.privacy"
    label = "privacy"

    def ready(self) -> None:
        # A storage guard, not domain logic: whatever path writes a row (a form, the API, the phone's offline
        # queue, an import, a chat command), ID numbers typed into a free-text field of the map are masked
        # before the row is stored. ``save()`` paths pass through pre_save; the bulk paths call the same
        # function (core.bulk's BEFORE_INSERT, the importer's batches).
        from django.db.models.signals import pre_save

        from cdtt.core import bulk
        from cdtt.privacy import idnumbers
        from cdtt.privacy.datamap import FIELDS

        def guard(sender: Any, instance: Any, **kwargs: Any) -> None:
            idnumbers.mask_instance(instance)

        installed = {model._meta.label: model for model in apps.get_models()}
        for label in {item.model for item in FIELDS}:
            if label in installed and idnumbers.masked_fields(label):
                pre_save.connect(guard, sender=installed[label], weak=False, dispatch_uid=f"privacy.idnumbers.{label}")

        def guard_batch(objs: Any) -> None:
            if objs and idnumbers.masked_fields(objs[0]._meta.label):
                idnumbers.mask_instances(objs)

        if guard_batch not in bulk.BEFORE_INSERT:
            bulk.BEFORE_INSERT.append(guard_batch)
