from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "cdtt.channels"
    label = "channels"

    def ready(self) -> None:
        # The channel plugs itself into notice delivery, so cdtt.notices never imports a channel.
        from cdtt.channels.hooks import notices_made
        from cdtt.notices.delivery import register_channel

        register_channel("zalo", notices_made)
