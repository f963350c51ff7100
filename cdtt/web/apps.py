from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cdtt.web"
    label = "web"
