"""The Celery application: one worker image, one beat, a static schedule in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings")

app = Celery("partnerhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
