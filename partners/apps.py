from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and partnerships"

    def ready(self) -> None:
        # The core's activity trail asks partners who sees which partnership.
        from partners.activity_hooks import register

        register()

        # Webhook payloads carry partners' objects as the API returns them.
        from partners.webhook_resources import register as register_webhook_resources

        register_webhook_resources()
