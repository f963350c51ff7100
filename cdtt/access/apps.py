from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "cdtt.access"
    label = "access"
