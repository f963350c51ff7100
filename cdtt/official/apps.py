from django.apps import AppConfig


class OfficialConfig(AppConfig):
    name = "cdtt.official"
    label = "official"
    default_auto_field = "django.db.models.BigAutoField"
