"""Celery tasks: measurement imports."""
