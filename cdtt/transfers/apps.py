from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "cdtt.transfers"
    label = "transfers"
