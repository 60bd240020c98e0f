from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"

    def ready(self) -> None:
        # The core's activity trail asks goals where its objects' pages are.
        from goals.activity_hooks import register

        register()

        # Webhook payloads carry goals' objects as the API returns them.
        from goals.webhook_resources import register as register_webhook_resources

        register_webhook_resources()
