from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "cdtt.households"
    label = "households"
