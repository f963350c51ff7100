from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "cdtt.activities"
    label = "activities"
