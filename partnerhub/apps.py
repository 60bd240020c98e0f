from django.apps import AppConfig


class PartnerHubConfig(AppConfig):
    name = "partnerhub"
    verbose_name = "PartnerHub core"
    default_auto_field = "django.db.models.BigAutoField"
