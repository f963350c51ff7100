from django.apps import AppConfig


class OfficialConfig(AppConfig):
    name = "cdtt.official"
    label = "official"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cdtt.official.eligible import official_eligible
        from cdtt.quality.checks import eligible_source

        eligible_source(official_eligible)
