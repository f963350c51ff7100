from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cdtt.accounts"
    label = "accounts"

    def ready(self) -> None:
        from cdtt.accounts import signin_audit  # noqa: F401  (connects the sign-in audit receivers)
