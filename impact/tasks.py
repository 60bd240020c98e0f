"""Celery tasks of the impact app (Celery discovers this module; the tasks live by use case)."""

from impact.tasks_imports import *  # noqa: F403
