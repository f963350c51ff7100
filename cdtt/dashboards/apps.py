from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "cdtt.dashboards"
    label = "dashboards"
