from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "cdtt.privacy"
    label = "privacy"
