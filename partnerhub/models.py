"""The tenancy core: accounts, workspaces, memberships, invitations and API keys.

These tables are read before the tenant is known (login, URL resolution, API key
lookup), so they live outside Row-Level Security and are scoped by the application.
Every domain model inherits ``TenantModel`` and lives inside it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_tz


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """One global login (an email address) that may belong to many workspaces."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Workspace(models.Model):
    """The tenant. Every domain row belongs to exactly one workspace."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    require_mfa = models.BooleanField(
        default=False,
        help_text="Members must set up two-factor authentication before they see the workspace.",
    )
    created_at = models.DateTimeField(default=dj_tz.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    COORDINATOR = "coordinator", "Coordinator"
    PARTNER = "partner", "Partner"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's access to one workspace; a partner represents one organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        "partners.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organization a partner represents.",
    )
    created_at = models.DateTimeField(default=dj_tz.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["workspace", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user"], name="membership_one_per_workspace"
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.PARTNER) | models.Q(organization__isnull=False),
                name="membership_partner_has_organization",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="membership_ws_updated")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class Invitation(models.Model):
    """An emailed, single-use invitation. Only the token's hash is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_tz.now, editable=False)
    sent_at = models.DateTimeField(default=dj_tz.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(Lower("email"), name="invitation_email_lower")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.PARTNER) | models.Q(organization__isnull=False),
                name="invitation_partner_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.workspace}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= dj_tz.now():
            return "expired"
        return "pending"


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class ApiKey(models.Model):
    """A workspace's key for external tools. The secret is stored as a SHA-256 hash."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=10, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_tz.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = dj_tz.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


# --- The base every tenant model inherits ---------------------------------------------


class TenantQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace | int) -> TenantQuerySet:
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        return self.filter(workspace_id=workspace_id)


class TenantModel(models.Model):
    """A row owned by one workspace.

    Subclasses get a non-null, indexed ``workspace`` foreign key and a unique
    ``(workspace, id)`` pair that composite foreign keys from other tenant rows point at.
    Their migrations add Row-Level Security with ``partnerhub.rls.EnableRowLevelSecurity``.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=True
    )
    created_at = models.DateTimeField(default=dj_tz.now, editable=False)
    updated_at = models.DateTimeField(default=dj_tz.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "id"], name="%(app_label)s_%(class)s_ws_id"
            ),
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # A timestamp, not business logic: every write moves updated_at for incremental sync.
        self.updated_at = dj_tz.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


# --- The activity trail ---------------------------------------------------------------


class EventAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class ActivityEvent(TenantModel):
    """One append-only entry of the audit trail: who (a person or an API key) did what
    to which object, when (UTC), with the before/after of each changed field.

    The target is named by type and id rather than a foreign key, so an event outlives
    the object it describes. On PostgreSQL the application role may INSERT and SELECT
    here but never UPDATE or DELETE (see partnerhub.db.APPEND_ONLY_TABLES).
    """

    # No database constraint and no cascade: deleting a person or a key must not touch
    # the append-only trail (the app role may not UPDATE it); actor_label keeps the name.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_key = models.ForeignKey(
        ApiKey,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, help_text="Who, as shown at the time")
    action = models.CharField(max_length=10, choices=EventAction.choices)
    object_type = models.CharField(max_length=100, help_text="app_label.model")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300)
    partnership_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="event_ws_created"),
            models.Index(
                fields=["workspace", "partnership_id", "created_at", "id"], name="event_ws_pship"
            ),
            models.Index(fields=["workspace", "object_type", "object_id"], name="event_ws_object"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_id}"


# The reminders outbox lives in its own module; importing it here registers its models.
from partnerhub.models_reminders import (  # noqa: E402, F401
    Cadence,
    EmailState,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderKind,
    ReminderPolicy,
    ReminderState,
)

# Webhook endpoints and their delivery outbox (see partnerhub.webhooks).
from partnerhub.models_webhooks import (  # noqa: E402, F401
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
)
