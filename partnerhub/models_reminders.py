"""The reminders outbox: the database is the source of truth, Celery only moves it.

* ``Reminder`` -- one thing one person should be reminded of, created once: the unique
  key (recipient, kind, subject, occurrence) makes a sweep that runs twice change nothing.
  It is also the person's in-app notification (``read_at``).
* ``ReminderEmail`` -- the email that carries a person's due reminders: one per person and
  delivery window (a daily or weekly digest, or an immediate email). The sender claims it
  with a lease (``FOR UPDATE SKIP LOCKED``), sends it with a Message-ID derived from its
  id, and marks it sent; a worker that dies leaves a lease that expires, so the email is
  picked up again (a duplicate at most per crash, recognisable by its Message-ID).
* ``ReminderPolicy`` -- a workspace's adjustable rules (days, hours, kinds).
* ``NotificationPreference`` -- how a person wants reminders in one workspace.

Imported by ``partnerhub.models``; the rules that create reminders live in the apps
whose objects they remind about (see ``partnerhub.reminders``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from partnerhub.models import TenantModel


def _default_due_days() -> list[int]:
    return [7, 1]


def _default_missing_repeat_days() -> list[int]:
    return [7, 14]


class ReminderKind(models.TextChoices):
    MILESTONE_DUE = "milestone_due", "Milestone due soon"
    MILESTONE_OVERDUE = "milestone_overdue", "Milestone overdue"
    MILESTONE_STALE = "milestone_stale", "Milestone without an update"
    FIGURE_MISSING = "figure_missing", "Figure missing"
    FIGURE_RETURNED = "figure_returned", "Figure returned"
    FIGURES_WAITING = "figures_waiting", "Figures waiting for review"
    HEALTH_CHECK = "health_check", "Health check closing"
    MANUAL = "manual", "Reminder sent by a coordinator"


def _all_kinds() -> list[str]:
    return [kind.value for kind in ReminderKind]


class ReminderPolicy(TenantModel):
    """When a workspace's reminders fire. One row per workspace (defaults until an admin
    changes them)."""

    enabled_kinds = models.JSONField(default=_all_kinds)
    digest_hour = models.PositiveSmallIntegerField(
        default=8, help_text="Local hour (0-23) at which daily and weekly digests go out"
    )
    weekly_digest_weekday = models.PositiveSmallIntegerField(
        default=0, help_text="0 = Monday ... 6 = Sunday"
    )
    milestone_due_days = models.JSONField(
        default=_default_due_days, help_text="Days before the due date"
    )
    overdue_repeat_days = models.PositiveSmallIntegerField(default=7)
    overdue_escalate_days = models.PositiveSmallIntegerField(default=14)
    stale_update_days = models.PositiveSmallIntegerField(default=30)
    missing_repeat_days = models.JSONField(
        default=_default_missing_repeat_days, help_text="Days after the period closed"
    )
    missing_escalate_days = models.PositiveSmallIntegerField(default=14)
    health_check_days_before_close = models.PositiveSmallIntegerField(default=3)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["workspace"], name="reminder_policy_one_per_ws"),
            models.CheckConstraint(
                condition=Q(digest_hour__lte=23), name="reminder_policy_hour_of_day"
            ),
            models.CheckConstraint(
                condition=Q(weekly_digest_weekday__lte=6), name="reminder_policy_weekday"
            ),
        ]


class Cadence(models.TextChoices):
    DAILY = "daily", "A daily digest"
    IMMEDIATE = "immediate", "Immediately, one email each time"
    WEEKLY = "weekly", "A weekly digest"
    OFF = "off", "No reminder emails"


class NotificationPreference(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.DAILY)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["workspace", "user"], name="notification_pref_one_per_user"
            ),
        ]


class ReminderState(models.TextChoices):
    PENDING = "pending", "Waiting for its email"
    QUEUED = "queued", "In an email"
    SENT = "sent", "Sent"
    NOT_EMAILED = "not_emailed", "Not emailed (preference off)"


class Reminder(TenantModel):
    """Every sweep inserts thousands of these, and each index and each foreign-key
    trigger costs every insert: the indexes are the ones the pages and tasks read
    through (listed in ``Meta``), each also serving a foreign key's checks, and no
    single-column index repeats the start of another one. ``partnership`` and ``email``
    have no single-column foreign key of their own: their composite same-workspace keys
    (``partnerhub.rls.TenantForeignKey`` in the migration) already require the row to
    exist, and Django's ``on_delete`` does the cascade and the SET NULL."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # reminder_recipient_ws leads with it
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    subject_type = models.CharField(max_length=30, help_text="e.g. milestone, period, figure")
    subject_id = models.BigIntegerField()
    occurrence = models.CharField(
        max_length=80, help_text="Which firing of the rule, e.g. the due date or the step"
    )
    partnership = models.ForeignKey(
        "partners.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,  # (workspace, partnership) -> partners_partnership instead
        db_index=False,  # reminder_ws_pship serves it
    )
    title = models.CharField(max_length=300)
    detail = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, help_text="Where the link in the email leads")
    state = models.CharField(
        max_length=12, choices=ReminderState.choices, default=ReminderState.PENDING
    )
    email = models.ForeignKey(
        "ReminderEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
        db_constraint=False,  # (workspace, email) -> partnerhub_reminderemail instead
        db_index=False,  # reminder_ws_email serves it
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=[
                    "workspace",
                    "recipient",
                    "kind",
                    "subject_type",
                    "subject_id",
                    "occurrence",
                ],
                name="reminder_once",
            ),
        ]
        indexes = [
            # The batcher walks pending reminders in id order.
            models.Index(
                fields=["workspace", "id"],
                condition=Q(state="pending"),
                name="reminder_ws_pending",
            ),
            # The in-app list (one person in one workspace, newest first). The person
            # first: deleting a user checks and deletes their reminders through it too.
            models.Index(
                fields=["recipient", "workspace", "created_at", "id"],
                name="reminder_recipient_ws",
            ),
            # The unread count of every page's navigation.
            models.Index(
                fields=["workspace", "recipient"],
                condition=Q(read_at__isnull=True),
                name="reminder_ws_unread",
            ),
            # The partnership's reminder log; the (workspace, partnership) key's checks.
            models.Index(
                fields=["workspace", "partnership", "created_at", "id"], name="reminder_ws_pship"
            ),
            # An email's reminders (building, sending, withdrawing it); the (workspace,
            # email) key's checks. Only reminders in an email: a new one is not, so the
            # sweep's inserts skip this index.
            models.Index(
                fields=["workspace", "email"],
                condition=Q(email__isnull=False),
                name="reminder_ws_email",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReminderEmail(TenantModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    window = models.CharField(
        max_length=40, help_text="daily:YYYY-MM-DD, weekly:YYYY-Www or now:<first reminder id>"
    )
    send_after = models.DateTimeField()
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-send_after", "-id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["workspace", "recipient", "window"], name="reminder_email_one_per_window"
            ),
        ]
        indexes = [
            # The sender's claim: due pending emails and expired leases, oldest first.
            models.Index(
                fields=["workspace", "send_after", "id"],
                condition=Q(state__in=["pending", "sending"]),
                name="reminder_email_ws_due",
            ),
            models.Index(
                fields=["workspace", "recipient", "state"], name="reminder_email_ws_recipient"
            ),
        ]
