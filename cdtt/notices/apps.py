from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "cdtt.notices"
    label = "notices"
