from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class CatalogConfig(AppConfig):
    name = "cdtt.catalog"
    label = "catalog"

    def ready(self) -> None:
        from cdtt.catalog.models import Indicator, Outcome, Platform
        from cdtt.progress.engine import forget_rules

        # This process counts with the new rules at once; other processes within engine.RULES_TTL.
        for model in (Indicator, Outcome, Platform):
            post_save.connect(forget_rules, sender=model, dispatch_uid=f"forget_rules_save_{model.__name__}")
            post_delete.connect(forget_rules, sender=model, dispatch_uid=f"forget_rules_delete_{model.__name__}")
        m2m_changed.connect(forget_rules, sender=Indicator.outcomes.through, dispatch_uid="forget_rules_outcomes")
