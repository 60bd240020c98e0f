"""Settings of the Celery workers and beats started by the reminder integration and
fault tests: the project's settings plus the test rule, emails written to files in
REMINDER_TEST_MAIL_DIR, and (for the beat) a schedule of only the reminders sweep every
REMINDER_TEST_BEAT_SECONDS."""

import os

from partnerhub.settings import *  # noqa: F403
from partnerhub.settings import CELERY_BEAT_SCHEDULE, INSTALLED_APPS, VAR_DIR

INSTALLED_APPS = [*INSTALLED_APPS, "tests.partnerhub.reminder_worker_app.ReminderTestRulesConfig"]
EMAIL_BACKEND = "tests.partnerhub.reminder_worker_app.MessageFileBackend"
EMAIL_FILE_PATH = os.environ.get("REMINDER_TEST_MAIL_DIR") or str(VAR_DIR / "test-mail")

_beat = float(os.environ.get("REMINDER_TEST_BEAT_SECONDS", "0") or 0)
if _beat:
    CELERY_BEAT_SCHEDULE = {
        "sweep-reminders": {**CELERY_BEAT_SCHEDULE["sweep-reminders"], "schedule": _beat}
    }
