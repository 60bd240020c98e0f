"""PartnerHub: the project and its tenancy core."""

from partnerhub.celery import app as celery_app

__all__ = ["celery_app"]
