"""Loaded only by the Celery workers the reminder integration and fault tests start
(through ``reminder_worker_settings``): registers the test rule, and a file email
backend that writes each message to a file of its own (two worker processes never
append to one file)."""

from __future__ import annotations

import os
import uuid

from django.apps import AppConfig
from django.core.mail.backends.filebased import EmailBackend


class ReminderTestRulesConfig(AppConfig):
    name = "tests.partnerhub.reminder_worker_app"
    label = "reminder_test_rules"

    def ready(self) -> None:
        from partnerhub.reminders import register_reminder_rule
        from tests.partnerhub.reminder_fixtures import MemberRule

        per_member = int(os.environ.get("REMINDER_TEST_PER_MEMBER", "1"))
        register_reminder_rule(MemberRule(per_member=per_member))


class MessageFileBackend(EmailBackend):
    """Django's file backend with a file per connection named by process and a random
    id (the stock name, timestamp and object id, can repeat across forked processes)."""

    def _get_filename(self) -> str:
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{os.getpid()}-{uuid.uuid4().hex}.eml")
        return self._fname
