from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "cdtt.sync"
    label = "sync"
