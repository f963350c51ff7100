from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "cdtt.progress"
    label = "progress"
