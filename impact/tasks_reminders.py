"""Celery tasks: reminders of missing figures."""
