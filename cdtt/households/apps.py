from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "cdtt.households"
    label = "households"

    def ready(self) -> None:
        # The register's check plugs into village retirement, so cdtt.geo never imports households.
        from cdtt.geo.retirement import register_retirement_check
        from cdtt.households.retirement import refuse_with_households

        register_retirement_check("households", refuse_with_households)
