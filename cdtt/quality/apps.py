from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "cdtt.quality"
    label = "quality"
