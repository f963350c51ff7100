from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "cdtt.teams"
    label = "teams"

    def ready(self) -> None:
        # The team's check plugs into village retirement, so cdtt.geo never imports teams.
        from cdtt.geo.retirement import register_retirement_check
        from cdtt.teams.retirement import refuse_with_open_team

        register_retirement_check("teams", refuse_with_open_team)
