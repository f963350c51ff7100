from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "cdtt.targets"
    label = "targets"
