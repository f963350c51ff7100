from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "cdtt.mobile"
    label = "mobile"
