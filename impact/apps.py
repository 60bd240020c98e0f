from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = "Impact measurement"

    def ready(self) -> None:
        from goals.hooks import register_goal_status_adjuster
        from impact.goal_status import weigh_indicators

        register_goal_status_adjuster(weigh_indicators)
