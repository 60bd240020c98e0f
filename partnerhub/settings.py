"""PartnerHub settings: one module, driven by environment variables.

Every setting is documented in .env.example. The embedded default (no environment at
all) is SQLite, no Redis, a filesystem Celery broker and emails printed to the console,
so that `make run` works on a machine with nothing but Python.
"""

from __future__ import annotations

import sys
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Development and tests only: a fixed, obviously unsafe key.
        SECRET_KEY = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The tenancy core comes first so that its management commands (migrate, flush
    # with the owner role) take precedence over Django's.
    "partnerhub",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "partners",
    "goals",
    "roles",
    "impact",
    "demo",
    "bench",
]

MIDDLEWARE = [
    "partnerhub.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "partnerhub.urls"
WSGI_APPLICATION = "partnerhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerhub.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL is the application's role. On PostgreSQL it must be neither superuser nor
# BYPASSRLS and own no table; MIGRATION_DATABASE_URL names the owner role that `migrate`
# (and test database creation) connect as.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'partnerhub.sqlite3'}")
}
MIGRATION_DATABASE = (
    env.db("MIGRATION_DATABASE_URL") if env.str("MIGRATION_DATABASE_URL", default="") else None
)
DATABASES["default"]["ATOMIC_REQUESTS"] = True
APP_DATABASE_ROLE = DATABASES["default"].get("USER") or None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
        "TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}"
    )
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "partnerhub.User"

# --- Cache, Redis, Celery ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "partnerhub.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "partnerhub",
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by every process on the machine (web, worker), so rate limits hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are written through to the database and read from the cache (Redis, or the
# machine-wide file cache, or the test run's memory): a signed-in page does not query
# the session table; a session missing from the cache is read from the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_FOLDER.mkdir(exist_ok=True)
    # kombu's filesystem transport with atomic writes (see partnerhub/celery_filesystem.py).
    CELERY_BROKER_TRANSPORT = "partnerhub.celery_filesystem:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(VAR_DIR / "celery-control"),
    }
else:
    # Longer than any task runs; no ETA or countdown may exceed it (redelivery otherwise).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "partnerhub.tasks.heartbeat", "schedule": 60.0},
    "purge-expired-invitations": {
        "task": "partnerhub.tasks.purge_expired_invitations",
        "schedule": 3600.0,
    },
    "refresh-goal-statuses": {"task": "goals.tasks.refresh_goal_statuses", "schedule": 86400.0},
    # Every 5 minutes: fill the reminders outbox and send what is due (see partnerhub.reminders).
    "sweep-reminders": {"task": "partnerhub.tasks.reminders_sweep", "schedule": 300.0},
    # Every minute: send due webhook deliveries (see partnerhub.webhooks_sender).
    "sweep-webhooks": {"task": "partnerhub.tasks.webhooks_sweep", "schedule": 60.0},
}

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="PartnerHub <noreply@partnerhub.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Reminders (the outbox in partnerhub.reminders) -----------------------------------
# A claimed email is someone else's to send again after this lease (a crashed worker's).
REMINDER_EMAIL_LEASE_SECONDS = env.int("REMINDER_EMAIL_LEASE_SECONDS", default=300)
REMINDER_EMAIL_MAX_ATTEMPTS = env.int("REMINDER_EMAIL_MAX_ATTEMPTS", default=8)
# Backoff between attempts: base x 2^(attempt-1), capped, with +-50 % jitter (~a day in all).
REMINDER_EMAIL_RETRY_BASE_SECONDS = env.int("REMINDER_EMAIL_RETRY_BASE_SECONDS", default=120)
REMINDER_EMAIL_RETRY_MAX_SECONDS = env.int("REMINDER_EMAIL_RETRY_MAX_SECONDS", default=6 * 3600)
# The domain part of reminder Message-IDs (a duplicate after a crash keeps its Message-ID).
REMINDER_MESSAGE_ID_DOMAIN = env.str("REMINDER_MESSAGE_ID_DOMAIN", default="partnerhub.localhost")
# Workspaces one sweep task covers, one after the other (the beat's sweep enqueues one
# task per group).
REMINDER_SWEEP_WORKSPACES_PER_TASK = env.int("REMINDER_SWEEP_WORKSPACES_PER_TASK", default=25)

# --- Benchmarks (`make bench`) ----------------------------------------------------------
# On only for the benchmark suite's own server: mounts the reference views under /bench/
# (a minimal JSON view and raw-SQL versions of measured pages) and adds the
# X-PartnerHub-Queries response header (queries run by the request). Off in production.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)
if BENCH_ENDPOINTS:
    MIDDLEWARE.insert(0, "bench.middleware.QueryCountHeaderMiddleware")

# --- Webhooks (the outbox in partnerhub.webhooks_sender) --------------------------------
# Off in production: targets must be https and resolve only to public addresses (no
# server-side request forgery into the hosting network). On for development and tests.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=120)
# 16 attempts from 30 s doubling, capped at 3 h, with +-50 % jitter: about 22 h in all.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=16)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3 * 3600)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=15)

# --- Authentication (django-allauth) ----------------------------------------------------
# Django's and allauth's backends, reading the signed-in person by a prepared statement
# (partnerhub/auth_backends.py). A session signed in under their former paths (before
# this change) ends: its holder signs in again, once.
AUTHENTICATION_BACKENDS = [
    "partnerhub.auth_backends.ModelBackend",
    "partnerhub.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "partnerhub.accounts.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # keep this session; the others end (auth hash)
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PartnerHub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PartnerHub"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnerhub.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["partnerhub.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "partnerhub.api.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": [
        "partnerhub.api.filters.UpdatedSinceFilter",
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["partnerhub.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"principal": env.str("API_RATE_LIMIT", default="1200/min")},
    "EXCEPTION_HANDLER": "partnerhub.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    # ?format=csv picks the CSV renderer of list endpoints (JSON stays the default).
    "URL_FORMAT_OVERRIDE": "format",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PartnerHub API",
    "DESCRIPTION": (
        "Partnerships, shared goals, milestones, roles and impact figures of a workspace. "
        "Authenticate with `Authorization: Bearer <key>`; lists use cursor pagination."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used under several field names (or the same name for different sets).
    "ENUM_NAME_OVERRIDES": {
        "ResourceEnum": "partners.models.Resource.choices",
        "PartnershipStatusEnum": "partners.models.PartnershipStatus.choices",
        "CommitmentKindEnum": "partners.models.CommitmentKind.choices",
        "DocumentKindEnum": "partners.models.DocumentKind.choices",
        "GoalStatusEnum": "goals.models.GoalStatus.choices",
        "MilestoneStatusEnum": "goals.models.MilestoneStatus.choices",
    },
    # Tags and operation ids start after the workspace part: ".../w/{slug}/members/" -> members.
    "SCHEMA_PATH_PREFIX": r"^/api/v1(/w/\{workspace_slug\})?",
    # Security schemes come from the authentication classes (partnerhub.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partnerhub.api.schema.add_problem_responses",
    ],
}

# --- Internationalisation and static files ----------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "partnerhub.staticfiles.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
    }
}

# --- Logging: JSON lines with the request id -------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "partnerhub.observability.RequestIdFilter"}},
    "formatters": {"json": {"()": "partnerhub.observability.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- PartnerHub -------------------------------------------------------------------------
# The core reaches the organization directory only through these selectors (it imports
# no domain app; see partnerhub/organizations.py).
PARTNERHUB_ORGANIZATION_LIST = "partners.selectors.organization_list"
PARTNERHUB_ORGANIZATION_GET = "partners.selectors.organization_get"
INVITATION_TTL_DAYS = 7
# Organization CSV imports: files with more rows run in a Celery task with progress.
ORGANIZATION_IMPORT_ASYNC_ROWS = env.int("ORGANIZATION_IMPORT_ASYNC_ROWS", default=1000)
ORGANIZATION_IMPORT_MAX_ROWS = env.int("ORGANIZATION_IMPORT_MAX_ROWS", default=100_000)
ORGANIZATION_IMPORT_MAX_BYTES = env.int("ORGANIZATION_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60
