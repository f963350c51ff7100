from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cdtt.reports"
    label = "reports"
