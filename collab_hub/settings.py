"""Collab Hub settings: one module, every deployment difference an environment variable.

| variable        | default                                   |
|-----------------|-------------------------------------------|
| DEBUG           | true when no SECRET_KEY is set, else false |
| SECRET_KEY      | a development key, only while DEBUG       |
| ALLOWED_HOSTS   | localhost,127.0.0.1 (comma separated)     |
| DATABASE_URL    | sqlite:///<project>/db.sqlite3            |
| REDIS_URL       | unset: eager Celery, local-memory cache   |
| EMAIL_URL       | console:// (mails printed to stdout)  |
| DEFAULT_FROM_EMAIL | Collab Hub <noreply@localhost>         |
| ACCOUNT_EMAIL_VERIFICATION | none while DEBUG, else optional |

The README carries the same table for operators.
"""

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# DEBUG defaults on only for a checkout with no secret configured (a developer's machine).
DEBUG = env_bool("DEBUG", default="SECRET_KEY" not in os.environ)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "collab_hub.apps.CollabHubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "accounts",
    "leads",
    "roadmap",
    "handoffs",
    "feedback",
    "collab_hub.notifications",
    "collab_hub.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # RateLimit / RateLimit-Policy on responses of throttled API views (collab_hub.throttling).
    "collab_hub.throttling.RateLimitHeadersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "collab_hub.tenancy.ActiveOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "collab_hub.urls"
WSGI_APPLICATION = "collab_hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collab_hub.tenancy.tenancy_context",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The development database: WAL lets the server read while a job writes, and skipping
    # the fsync of every commit keeps eager Celery tasks (one commit each) fast.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "collab_hub"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    # Without a broker every task runs in-process, right where it is dispatched.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it finished, so a worker killed mid-task hands it on.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Every 5 minutes: MQLs past their response deadline are flagged (once) and the owner,
    # sales managers and marketing told; a breach found within minutes is still actionable.
    "flag-lead-sla-breaches": {"task": "leads.tasks.flag_sla_breaches", "schedule": 300.0},
    # Hourly: forget Idempotency-Key records (every API client's and the capture forms')
    # older than 48 hours (keys are honoured for at least 24), so the table stays small.
    "delete-expired-idempotency-keys": {
        "task": "accounts.tasks.delete_expired_idempotency_keys",
        "schedule": 3600.0,
    },
    # Hourly: open lead-quality complaints past their answer date are flagged (once) and the
    # marketing managers told; answer windows are days long, so an hour's delay is harmless.
    "flag-overdue-quality-complaints": {
        "task": "leads.tasks.flag_overdue_complaints",
        "schedule": 3600.0,
    },
    # Every 5 minutes: CSV imports whose worker stopped (no progress for 10 minutes) are marked
    # failed and their uploader told, so the import can be resumed from where it stopped.
    "fail-stalled-imports": {"task": "leads.tasks.fail_stalled_imports", "schedule": 300.0},
    # Every 15 minutes: submitted handoffs past CS's acceptance SLA (hours long) are reported
    # once to CS's managers.
    "flag-overdue-handoffs": {"task": "handoffs.tasks.flag_overdue_handoffs", "schedule": 900.0},
    # Hourly: upsell signals sales left open past the answer window (days long) are reported
    # once to the sales managers.
    # Every 5 minutes: feedback rounds open when their start comes, get their one reminder
    # before closing and close when their end comes (each exactly once).
    "advance-feedback-rounds": {"task": "feedback.tasks.advance_rounds", "schedule": 300.0},
    # Hourly: open action items past their due date are reported once to their owners.
    "flag-overdue-action-items": {
        "task": "feedback.tasks.flag_overdue_action_items",
        "schedule": 3600.0,
    },
    "flag-unanswered-upsell-signals": {
        "task": "handoffs.tasks.flag_unanswered_signals",
        "schedule": 3600.0,
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get(
    "ACCOUNT_EMAIL_VERIFICATION", "none" if DEBUG else "optional"
)
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_SESSION_REMEMBER = None
# Login attempts are limited per IP and per account (allauth rate limits use the cache).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# --- Email ----------------------------------------------------------------------------------
_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Collab Hub <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages and formats ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Off: with it on, every integer in a template (ids in URLs, form values, htmx targets) gets
# grouped ("1,234"). Figures meant for people go through the |number and |money filters.
USE_THOUSAND_SEPARATOR = False
# Where Django's per-language formats are corrected (Polish short dates with dots).
FORMAT_MODULE_PATH = ["collab_hub.formats"]

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files are never served from MEDIA_URL, only by views that check who asks
# (leads/files.py). Who sends the bytes: "stream" (the app, default; runserver and gunicorn),
# "x-accel-redirect" (nginx in front, with an internal location at the prefix aliased to
# MEDIA_ROOT) or "x-sendfile" (Apache mod_xsendfile, lighttpd).
FILES_SERVE = os.environ.get("FILES_SERVE", "stream").strip().lower()
if FILES_SERVE not in ("stream", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("FILES_SERVE must be stream, x-accel-redirect or x-sendfile.")
FILES_ACCEL_REDIRECT_PREFIX = os.environ.get("FILES_ACCEL_REDIRECT_PREFIX", "/protected-media/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal tokens (scripts): Authorization: Token <token>.
        "rest_framework.authentication.TokenAuthentication",
        # Organization API keys (integrations): Authorization: Bearer <key>.
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "collab_hub.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter whose model choices are the member's rows (a foreign id is a 400).
        "collab_hub.filters.TenantFilterBackend",
        # ?ordering= always ending in id; unknown keys are a 400 (cursors page by it).
        "collab_hub.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "collab_hub.exceptions.api_exception_handler",
    # Request bodies are JSON (size and depth bounded); views that take a file upload or a
    # website's form post add collab_hub.parsers.MultiPartParser / FormParser themselves.
    "DEFAULT_PARSER_CLASSES": ["collab_hub.parsers.JSONParser"],
    # DRF's throttles plus the RateLimit / RateLimit-Policy headers (IETF draft).
    "DEFAULT_THROTTLE_CLASSES": [
        "collab_hub.throttling.AnonRateThrottle",
        "collab_hub.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "user": os.environ.get("THROTTLE_USER", "1200/min"),
        # The token endpoint per client address, and per account (the email asked for) from
        # any address; failed passwords also count toward the login page's lock
        # (ACCOUNT_RATE_LIMITS["login_failed"]), which the endpoint honours.
        "token": os.environ.get("THROTTLE_TOKEN", "10/min"),
        "token_account": os.environ.get("THROTTLE_TOKEN_ACCOUNT", "20/hour"),
        # Public lead capture: per form (capture key) and per client address.
        "capture_key": os.environ.get("THROTTLE_CAPTURE_KEY", "600/min"),
        "capture_ip": os.environ.get("THROTTLE_CAPTURE_IP", "30/min"),
        # CSV imports per user (each may write 100,000 rows).
        "lead_import": os.environ.get("THROTTLE_LEAD_IMPORT", "20/hour"),
    },
    # Proxies in front of the app that append to X-Forwarded-For (1 behind one proxy); unset,
    # the client address is the connection's, so nobody can dodge per-IP limits by a header.
    "NUM_PROXIES": int(os.environ["NUM_PROXIES"]) if os.environ.get("NUM_PROXIES") else None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Request body limits (collab_hub/parsers.py; the README's error contract): JSON and form
# bodies up to 1 MB (100 leads with every field at its longest: about 130 KB), nested at
# most 64 levels; multipart uploads (CSV import, collateral) up to 26 MB: a 25 MB file
# (collateral's limit; 100,000 CSV rows are about 11 MB) and its fields. Larger is a 413,
# deeper a 400.
API_MAX_BODY_BYTES = 1024 * 1024
API_MAX_UPLOAD_BYTES = 26 * 1024 * 1024
API_MAX_JSON_DEPTH = 64
# Django's limits for every form (pages too): the fields of a form other than its files, and
# how many fields and files one request may send (over them: a 413 / 400).
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100
SPECTACULAR_SETTINGS = {
    "TITLE": "Collab Hub API",
    "DESCRIPTION": (
        "Lead qualification, feature requests, handoffs, feedback and the shared goal. "
        "Authenticate with `POST /api/v1/auth/token/`, then send `Authorization: Token <token>`; "
        "choose the organization with `X-Organization: <slug>` when you belong to several. "
        "Integrations use an organization API key: `Authorization: Bearer <key>`. Request "
        "bodies are JSON (multipart only where a file is uploaded). Every error is JSON with "
        "`detail` and a stable `code` (validation errors add field messages); a 429 says when "
        "to retry in `Retry-After`, and `RateLimit`/`RateLimit-Policy` describe the limits."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Loads collab_hub/schema.py (and its extensions) before the first view is described.
    "DEFAULT_GENERATOR_CLASS": "collab_hub.schema.SchemaGenerator",
    # Docstrings of the API's base classes describe the bases, not each endpoint.
    "GET_LIB_DOC_EXCLUDES": "collab_hub.schema.schema_doc_excludes",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name per vocabulary, however many fields use it (status, from_status, to_status…).
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "leads.models.LeadStatus",
        "RejectionReasonEnum": "leads.models.RejectionReason",
        "DealStageEnum": "leads.models.DealStage",
        "LostReasonEnum": "leads.models.LostReason",
        "LeadSourceEnum": "leads.models.LeadSource",
        "DealSourceEnum": "leads.models.DealSource",
        "DealKindEnum": "leads.models.DealKind",
        "RoleEnum": "accounts.models.Role",
        "DepartmentKindEnum": "accounts.models.DepartmentKind",
        "ApiKeyStatusEnum": "accounts.models.ApiKeyStatus",
        "ImportStatusEnum": "leads.models.ImportStatus",
        "FeatureStatusEnum": "roadmap.models.FeatureStatus",
        "DemandKindEnum": "roadmap.models.DemandKind",
        "DemandOutcomeEnum": "roadmap.models.DemandOutcome",
        "PromiseStatusEnum": "roadmap.models.PromiseStatus",
        "HandoffStatusEnum": "handoffs.models.HandoffStatus",
        "DiscrepancyKindEnum": "handoffs.models.DiscrepancyKind",
        "UpsellKindEnum": "handoffs.models.UpsellKind",
        "UpsellStatusEnum": "handoffs.models.UpsellStatus",
        "ConfidenceEnum": "handoffs.models.Confidence",
        "RoundStatusEnum": "feedback.models.RoundStatus",
        "ActionStatusEnum": "feedback.models.ActionStatus",
        "HealthBandEnum": "handoffs.models.HealthBand",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "collab_hub.schema.document_error_responses",
        # X-Organization on every member's operation; ids typed as integers.
        "collab_hub.schema.document_parameters",
        # Idempotency-Key (and its 422) on every POST of the API base.
        "collab_hub.idempotency.document_idempotency_key",
    ],
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie (token is in hx-headers), but admin JS may
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The directive only allows submitting the domain to the preload list; it enrols nothing.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# Absolute address of this installation: every link in emails (invitations, notifications)
# and the API's record ``url``s. The default is what ``make run`` serves; ``make run`` passes
# http://$(HOST):$(PORT) itself unless SITE_URL is set in the environment.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
