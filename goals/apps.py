from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"

    def ready(self) -> None:
        # The core's activity trail asks goals where its objects' pages are.
        from goals.activity_hooks import register

        register()
