from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = "Impact measurement"

    def ready(self) -> None:
        from goals.hooks import register_goal_status_adjuster
        from impact.goal_status import weigh_indicators

        register_goal_status_adjuster(weigh_indicators)

        # The core's activity trail asks where an impact object is shown.
        from impact.activity_hooks import register as register_activity_links

        register_activity_links()

        # Reminders about missing, returned and waiting figures and health checks.
        from impact.reminders import register as register_reminder_rules

        register_reminder_rules()

        # Webhook payloads carry impact objects as the API returns them.
        from impact.webhook_resources import register as register_webhook_resources

        register_webhook_resources()
