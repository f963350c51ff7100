from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "cdtt.channels"
    label = "channels"
