from django.apps import AppConfig


class DifficultiesConfig(AppConfig):
    name = "cdtt.difficulties"
    label = "difficulties"
