"""bizops settings: everything is read from the environment (and an optional
``.env`` beside ``manage.py``) here, in one place, through ``bizops.env``.
``.env.example`` lists every variable with a one-line comment.

A missing or malformed required setting stops start-up with one line naming it,
whatever the entry point: manage.py, gunicorn, the Celery worker or beat.
"""

import re
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ

from bizops.env import check_bounds as _check_bounds
from bizops.env import decimal as _decimal
from bizops.env import fail as _fail
from bizops.env import read as _env

BASE_DIR = Path(__file__).resolve().parent.parent
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
env = environ.Env()


# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = _env("DEBUG", cast=bool, default=False)
if DEBUG:
    # Development only: a fixed, visibly insecure key so `make demo` needs no setup.
    SECRET_KEY = _env("SECRET_KEY", default="") or "django-insecure-development-only-key"
else:
    SECRET_KEY = _env("SECRET_KEY")
if DEBUG:
    ALLOWED_HOSTS = _env("ALLOWED_HOSTS", cast=list, default=["127.0.0.1", "localhost"])
else:
    ALLOWED_HOSTS = _env("ALLOWED_HOSTS", cast=list)
CSRF_TRUSTED_ORIGINS = _env("CSRF_TRUSTED_ORIGINS", cast=list, default=[])

REPORTING_TIMEZONE = _env("REPORTING_TIMEZONE", default="America/Toronto")
try:
    zoneinfo.ZoneInfo(REPORTING_TIMEZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    _fail(f"REPORTING_TIMEZONE={REPORTING_TIMEZONE!r} is not an IANA time zone name")
REPORTING_CURRENCY = _env("REPORTING_CURRENCY", default="USD")
if not re.fullmatch(r"[A-Z]{3}", REPORTING_CURRENCY):
    _fail(f"REPORTING_CURRENCY={REPORTING_CURRENCY!r} is not an ISO 4217 code like USD")

# A "day" everywhere in the platform is a day in the reporting time zone.
TIME_ZONE = REPORTING_TIMEZONE
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en-us"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "import_export",
    "simple_history",
    "health",
    "bizops.core",
    "etl",
    "finance",
    "flags",
    "bizops.dashboards",
    "bizops.supabase",
    "bizops.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "bizops.urls"
WSGI_APPLICATION = "bizops.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database and cache
# ---------------------------------------------------------------------------
try:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
    if DATABASES["default"]["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ValueError("unsupported database")
except (environ.ImproperlyConfigured, ValueError, KeyError):
    # The message leaves the value out: it would carry the password.
    _fail("DATABASE_URL is malformed (expected e.g. postgres://user:password@host:5432/name)")
DATABASES["default"]["CONN_MAX_AGE"] = _env("CONN_MAX_AGE", cast=int, default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = _env("REDIS_URL", default="")
if REDIS_URL and not re.match(r"(redis|rediss|unix)://", REDIS_URL):
    # The message leaves the value out: it may carry a password.
    _fail("REDIS_URL is malformed (expected redis://host:6379/0, rediss://... or unix://...)")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes (web, commands), unlike the local-memory cache,
    # so the job lock still works without Redis. The table is made by a migration.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bizops_cache",
        }
    }

# ---------------------------------------------------------------------------
# Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html)
# ---------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker, tasks run inline in the calling process (demo, tests).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = _env("CELERY_TASK_TIME_LIMIT", cast=int, default=2 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = _env(
    "CELERY_TASK_SOFT_TIME_LIMIT", cast=int, default=CELERY_TASK_TIME_LIMIT - 60
)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    _fail(
        f"CELERY_TASK_SOFT_TIME_LIMIT={CELERY_TASK_SOFT_TIME_LIMIT} must be above 0 and below "
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT} (it defaults to 60 s less)"
    )
# Redis redelivers an unacknowledged task after this long: it must outlast the
# longest task, or a slow ETL pull would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Namespace of job locks (Redis keys, advisory lock ids, cache keys).
JOB_LOCK_PREFIX = _env("JOB_LOCK_PREFIX", default="bizops")
# A job's lock outlives a killed holder by at most JOB_LOCK_TTL seconds; a live
# holder renews it every JOB_LOCK_HEARTBEAT seconds (Redis, database cache).
JOB_LOCK_TTL = _env("JOB_LOCK_TTL", cast=int, default=60)
JOB_LOCK_HEARTBEAT = _env("JOB_LOCK_HEARTBEAT", cast=int, default=20)
if not 0 < JOB_LOCK_HEARTBEAT < JOB_LOCK_TTL:
    _fail(f"JOB_LOCK_HEARTBEAT={JOB_LOCK_HEARTBEAT} must be above 0 and below JOB_LOCK_TTL={JOB_LOCK_TTL}")
# How long job run history is kept (days) by the nightly prune.
JOB_RUN_RETENTION_DAYS = _env("JOB_RUN_RETENTION_DAYS", cast=int, default=180)

# ---------------------------------------------------------------------------
# Auth, static files, security
# ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Failed logins are throttled by django-axes: after LOGIN_FAILURE_LIMIT failures
# in a row for one username from one address, that pair is locked out for
# LOGIN_LOCKOUT_MINUTES (a success resets the count). Behind a proxy, the
# address is the last X-Forwarded-For entry only when LOGIN_TRUST_X_FORWARDED_FOR
# says the proxy sets it (a client can write that header itself).
INSTALLED_APPS = [*INSTALLED_APPS, "axes"]
MIDDLEWARE = [*MIDDLEWARE, "axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = _env("LOGIN_FAILURE_LIMIT", cast=int, default=5)
LOGIN_LOCKOUT_MINUTES = _env("LOGIN_LOCKOUT_MINUTES", cast=int, default=15)
LOGIN_TRUST_X_FORWARDED_FOR = _env("LOGIN_TRUST_X_FORWARDED_FOR", cast=bool, default=False)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bizops.login_throttle.locked_out"
# No banner at start-up: commands keep their output to the lines they mean.
AXES_VERBOSE = False
if LOGIN_TRUST_X_FORWARDED_FOR:
    AXES_CLIENT_IP_CALLABLE = "bizops.login_throttle.forwarded_client_ip"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # Production: HTTPS only. Behind a TLS-terminating proxy, set
    # SECURE_PROXY_SSL_HEADER so Django knows the request was secure.
    SECURE_SSL_REDIRECT = _env("SECURE_SSL_REDIRECT", cast=bool, default=True)
    # Load balancers probe /health/ over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _env("SECURE_HSTS_SECONDS", cast=int, default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _env("SECURE_PROXY_SSL_HEADER", cast=bool, default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------------------
# Import / export and history
# ---------------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# A control character typed in a text field would make an XLSX export fail: show it as U+FFFD.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
# Every file import (admin and commands) refuses larger files or more rows, naming the limit.
IMPORT_MAX_BYTES = _env("IMPORT_MAX_BYTES", cast=int, default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = _env("IMPORT_MAX_ROWS", cast=int, default=10_000)
# An admin import's file waits for its confirmation in the cache (shared by every web process),
# not in a local temporary folder; it is removed when the import is refused or confirmed.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "bizops.core.admin_imports.PreviewStorage"
SIMPLE_HISTORY_REVERT_DISABLED = False

# ---------------------------------------------------------------------------
# Logging: one configuration; every handler masks secrets in every record.
# ---------------------------------------------------------------------------
LOG_LEVEL = _env("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    _fail(f"LOG_LEVEL={LOG_LEVEL!r} is not a log level (use DEBUG, INFO, WARNING, ERROR or CRITICAL)")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "bizops.redaction.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # urllib3 logs full request URLs at DEBUG; they may carry tokens.
        "urllib3": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Flags ---
# Expected lifetime of a flag per type, in days (0: permanent); a flag past it is listed as stale.
# Defaults follow Unleash's flag types (release and experiment 40 days, operational 7, permission permanent).
FLAGS_LIFETIME_DAYS = {
    "release": _env("FLAGS_LIFETIME_RELEASE_DAYS", cast=int, default=40),
    "experiment": _env("FLAGS_LIFETIME_EXPERIMENT_DAYS", cast=int, default=40),
    "ops": _env("FLAGS_LIFETIME_OPS_DAYS", cast=int, default=7),
    "permission": _env("FLAGS_LIFETIME_PERMISSION_DAYS", cast=int, default=0),
}
# A flag serving one value to everyone (0% or 100%) for longer than this is stale.
FLAGS_STALE_UNIFORM_DAYS = _env("FLAGS_STALE_UNIFORM_DAYS", cast=int, default=14)
# A flag not evaluated for this long is stale.
FLAGS_STALE_UNUSED_DAYS = _env("FLAGS_STALE_UNUSED_DAYS", cast=int, default=30)
# How often a process writes the flags it evaluated (last evaluated time), in seconds.
FLAGS_LAST_EVALUATED_INTERVAL = _env("FLAGS_LAST_EVALUATED_INTERVAL", cast=int, default=300)
# A process checks the flags' version at most once per request and at most this often (seconds).
FLAGS_SNAPSHOT_CHECK_INTERVAL = _env("FLAGS_SNAPSHOT_CHECK_INTERVAL", cast=float, default=1.0)
# Longest regular expression a targeting condition may use (characters).
FLAGS_REGEX_MAX_LENGTH = _env("FLAGS_REGEX_MAX_LENGTH", cast=int, default=256)
# A regex condition reads at most this many characters of an attribute (the rest is ignored).
FLAGS_MAX_ATTRIBUTE_LENGTH = _env("FLAGS_MAX_ATTRIBUTE_LENGTH", cast=int, default=1024)
# A flags import (admin or `manage.py flags import`) takes at most this many rows and bytes.
FLAGS_IMPORT_MAX_ROWS = _env("FLAGS_IMPORT_MAX_ROWS", cast=int, default=10_000)
FLAGS_IMPORT_MAX_BYTES = _env("FLAGS_IMPORT_MAX_BYTES", cast=int, default=20_000_000)
# Seconds front ends may cache the SDK payload (GET /flags/sdk/<key>.json).
FLAGS_SDK_CACHE_SECONDS = _env("FLAGS_SDK_CACHE_SECONDS", cast=int, default=30)
# Cookie holding an anonymous visitor's id, shared with the GrowthBook JS SDK (its default name).
FLAGS_ANONYMOUS_COOKIE = _env("FLAGS_ANONYMOUS_COOKIE", default="gbuuid")
# No verdict before each variant has this many users ...
FLAGS_MIN_USERS_PER_VARIANT = _env("FLAGS_MIN_USERS_PER_VARIANT", cast=int, default=100)
# ... and control plus variant have this many conversions (GrowthBook's default minimum sample).
FLAGS_MIN_CONVERSIONS = _env("FLAGS_MIN_CONVERSIONS", cast=int, default=150)
# Sample ratio mismatch is flagged below this chi-square p-value.
FLAGS_SRM_THRESHOLD = _env("FLAGS_SRM_THRESHOLD", cast=float, default=0.001)
# Significance level of the results (two-sided; 0.05 gives 95% intervals).
FLAGS_ALPHA = _env("FLAGS_ALPHA", cast=float, default=0.05)
MIDDLEWARE = [*MIDDLEWARE, "flags.middleware.FlagsMiddleware"]

# --- Finance ---
# LTV divides by churn: a churn below this floor (zero above all) is replaced
# by it, and the forecast says so. Percent per month.
FINANCE_LTV_CHURN_FLOOR_PCT = _env("FINANCE_LTV_CHURN_FLOOR_PCT", cast=_decimal, default=Decimal("1"))
if not Decimal(0) < FINANCE_LTV_CHURN_FLOOR_PCT <= Decimal(100):
    _fail(f"FINANCE_LTV_CHURN_FLOOR_PCT={FINANCE_LTV_CHURN_FLOOR_PCT} must be above 0 and at most 100")
# The horizon offered for a new assumption set (12 to 36 months).
FINANCE_DEFAULT_HORIZON_MONTHS = _env("FINANCE_DEFAULT_HORIZON_MONTHS", cast=int, default=24)
if not 12 <= FINANCE_DEFAULT_HORIZON_MONTHS <= 36:
    _fail(f"FINANCE_DEFAULT_HORIZON_MONTHS={FINANCE_DEFAULT_HORIZON_MONTHS} must be between 12 and 36")
# How far each lever is moved down and up by the sensitivity analysis, percent.
FINANCE_LEVER_STEP_PCT = _env("FINANCE_LEVER_STEP_PCT", cast=_decimal, default=Decimal("20"))
if not Decimal(0) < FINANCE_LEVER_STEP_PCT < Decimal(100):
    _fail(f"FINANCE_LEVER_STEP_PCT={FINANCE_LEVER_STEP_PCT} must be above 0 and below 100")

# --- Supabase ---
# Row level security, required extensions and the delta (bizops/supabase/,
# `manage.py supabase_delta` and `verify_db`). The commands connect with
# --database-url, else SUPABASE_DB_URL, else DATABASE_URL; the password is
# never printed nor written to a delta file.
SUPABASE_DB_URL = _env("SUPABASE_DB_URL", default="")
if SUPABASE_DB_URL and not re.match(r"(postgres|postgresql|pgsql)://", SUPABASE_DB_URL):
    # The message leaves the value out: it would carry the password.
    _fail("SUPABASE_DB_URL is malformed (expected postgres://user:password@host:5432/postgres)")
# The schema PostgREST exposes: every table in it must have row level security on.
SUPABASE_SCHEMA = _env("SUPABASE_SCHEMA", default="public")
# Where missing extensions are created (Supabase keeps them out of the exposed schema).
SUPABASE_EXTENSIONS_SCHEMA = _env("SUPABASE_EXTENSIONS_SCHEMA", default="extensions")
for _name, _value in (
    ("SUPABASE_SCHEMA", SUPABASE_SCHEMA),
    ("SUPABASE_EXTENSIONS_SCHEMA", SUPABASE_EXTENSIONS_SCHEMA),
):
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", _value):
        _fail(f"{_name}={_value!r} is not a plain lower-case schema name")
SUPABASE_REQUIRED_EXTENSIONS = _env("SUPABASE_REQUIRED_EXTENSIONS", cast=list, default=["pgcrypto"])
if "pgcrypto" not in SUPABASE_REQUIRED_EXTENSIONS or not all(
    re.fullmatch(r"[a-z0-9_-]{1,63}", name) for name in SUPABASE_REQUIRED_EXTENSIONS
):
    _fail(
        f"SUPABASE_REQUIRED_EXTENSIONS={','.join(SUPABASE_REQUIRED_EXTENSIONS)!r} must be extension names "
        "separated by commas, pgcrypto among them"
    )
# How long the delta waits for a table lock before giving up (a PostgreSQL interval: 500ms, 5s, 1min).
SUPABASE_LOCK_TIMEOUT = _env("SUPABASE_LOCK_TIMEOUT", default="5s")
if not re.fullmatch(r"[1-9][0-9]*(ms|s|min)", SUPABASE_LOCK_TIMEOUT):
    _fail(f"SUPABASE_LOCK_TIMEOUT={SUPABASE_LOCK_TIMEOUT!r} is not a duration like 500ms, 5s or 1min")
# Where `supabase_delta` writes its SQL files (the Supabase CLI's layout, for `supabase db push`).
SUPABASE_MIGRATIONS_DIR = BASE_DIR / "supabase" / "migrations"

# --- Metrics ---
# Days the nightly metrics run recomputes, ending yesterday: refunds arrive
# late and the ad platforms restate recent days.
METRICS_TRAILING_DAYS = _env("METRICS_TRAILING_DAYS", cast=int, default=60)
if not 1 <= METRICS_TRAILING_DAYS <= 3660:
    _fail(f"METRICS_TRAILING_DAYS={METRICS_TRAILING_DAYS} must be between 1 and 3660")
# Gross margin assumed for sales whose unit cost is not recorded (CM1).
METRICS_DEFAULT_GROSS_MARGIN = _env("METRICS_DEFAULT_GROSS_MARGIN", cast=_decimal, default=Decimal("0.60"))
if not 0 <= METRICS_DEFAULT_GROSS_MARGIN < 1:
    _fail(f"METRICS_DEFAULT_GROSS_MARGIN={METRICS_DEFAULT_GROSS_MARGIN} must be a share from 0 to below 1")
# Seconds a pipeline pull waits for another run of the same source (started
# by hand, say) to end before giving up on that source for the night.
PIPELINE_PULL_WAIT_SECONDS = _env("PIPELINE_PULL_WAIT_SECONDS", cast=int, default=900)

# --- ETL ---
# Connector settings. Credentials may be empty here: a pull checks the ones
# its source needs when it starts (etl.conf), naming the missing setting, so
# the demo and the tests run without them.
META_API_VERSION = _env("META_API_VERSION", default="v25.0")
META_API_BASE_URL = _env("META_API_BASE_URL", default="https://graph.facebook.com")
META_ACCESS_TOKEN = _env("META_ACCESS_TOKEN", default="")
META_ACCOUNT_ID = _env("META_ACCOUNT_ID", default="")
META_PURCHASE_ACTION_TYPE = _env("META_PURCHASE_ACTION_TYPE", default="offsite_conversion.fb_pixel_purchase")
META_ATTRIBUTION_WINDOWS = _env("META_ATTRIBUTION_WINDOWS", cast=list, default=["7d_click", "1d_view"])
META_LOOKBACK_DAYS = _env("META_LOOKBACK_DAYS", cast=int, default=28)
META_INITIAL_DAYS = _env("META_INITIAL_DAYS", cast=int, default=90)
META_DAYS_PER_REQUEST = _env("META_DAYS_PER_REQUEST", cast=int, default=31)
TIKTOK_API_BASE_URL = _env("TIKTOK_API_BASE_URL", default="https://business-api.tiktok.com")
TIKTOK_ACCESS_TOKEN = _env("TIKTOK_ACCESS_TOKEN", default="")
TIKTOK_ADVERTISER_ID = _env("TIKTOK_ADVERTISER_ID", default="")
TIKTOK_LOOKBACK_DAYS = _env("TIKTOK_LOOKBACK_DAYS", cast=int, default=7)
TIKTOK_INITIAL_DAYS = _env("TIKTOK_INITIAL_DAYS", cast=int, default=90)
SHOPIFY_API_VERSION = _env("SHOPIFY_API_VERSION", default="2025-10")
# "{store}" is replaced by the store's handle (acme-store -> acme-store.myshopify.com).
SHOPIFY_API_BASE_URL = _env("SHOPIFY_API_BASE_URL", default="https://{store}.myshopify.com")
SHOPIFY_STORE = _env("SHOPIFY_STORE", default="")
SHOPIFY_ACCESS_TOKEN = _env("SHOPIFY_ACCESS_TOKEN", default="")
SHOPIFY_API_KEY = _env("SHOPIFY_API_KEY", default="")
SHOPIFY_PASSWORD = _env("SHOPIFY_PASSWORD", default="")
SHOPIFY_OVERLAP_MINUTES = _env("SHOPIFY_OVERLAP_MINUTES", cast=int, default=10)
SHOPIFY_INITIAL_DAYS = _env("SHOPIFY_INITIAL_DAYS", cast=int, default=90)
SHOPIFY_BULK_THRESHOLD_DAYS = _env("SHOPIFY_BULK_THRESHOLD_DAYS", cast=int, default=30)
SHOPIFY_PAGE_SIZE = _env("SHOPIFY_PAGE_SIZE", cast=int, default=25)
ETL_HTTP_CONNECT_TIMEOUT = _env("ETL_HTTP_CONNECT_TIMEOUT", cast=float, default=10.0)
ETL_HTTP_READ_TIMEOUT = _env("ETL_HTTP_READ_TIMEOUT", cast=float, default=120.0)
ETL_HTTP_MAX_RETRIES = _env("ETL_HTTP_MAX_RETRIES", cast=int, default=6)
ETL_HTTP_BACKOFF_MAX = _env("ETL_HTTP_BACKOFF_MAX", cast=float, default=60.0)
ETL_HTTP_MAX_WAIT = _env("ETL_HTTP_MAX_WAIT", cast=float, default=900.0)
ETL_BATCH_SIZE = _env("ETL_BATCH_SIZE", cast=int, default=5000)

# --- Bounds ---
# Numbers that are well-formed but would fail later (a batch of 0 rows, a
# negative retry count) stop start-up here, each naming its setting.
_check_bounds(
    {
        **globals(),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        **{f"FLAGS_LIFETIME_{kind.upper()}_DAYS": days for kind, days in FLAGS_LIFETIME_DAYS.items()},
    },
    {
        "CONN_MAX_AGE": (0, None),
        "CELERY_TASK_TIME_LIMIT": (1, None),
        "JOB_RUN_RETENTION_DAYS": (1, None),
        "FLAGS_STALE_UNIFORM_DAYS": (1, None),
        "FLAGS_STALE_UNUSED_DAYS": (1, None),
        "FLAGS_LAST_EVALUATED_INTERVAL": (1, None),
        "FLAGS_SNAPSHOT_CHECK_INTERVAL": (0, None),
        "FLAGS_REGEX_MAX_LENGTH": (1, None),
        "FLAGS_SDK_CACHE_SECONDS": (0, None),
        "FLAGS_MIN_USERS_PER_VARIANT": (0, None),
        "FLAGS_MIN_CONVERSIONS": (0, None),
        "FLAGS_SRM_THRESHOLD": (0, 1),
        "FLAGS_ALPHA": (0.0001, 0.5),
        "PIPELINE_PULL_WAIT_SECONDS": (0, None),
        "META_LOOKBACK_DAYS": (1, None),
        "META_INITIAL_DAYS": (1, None),
        "META_DAYS_PER_REQUEST": (1, None),
        "TIKTOK_LOOKBACK_DAYS": (1, None),
        "TIKTOK_INITIAL_DAYS": (1, None),
        "SHOPIFY_OVERLAP_MINUTES": (0, None),
        "SHOPIFY_INITIAL_DAYS": (1, None),
        "SHOPIFY_BULK_THRESHOLD_DAYS": (1, None),
        "SHOPIFY_PAGE_SIZE": (1, 250),
        "ETL_HTTP_CONNECT_TIMEOUT": (0.1, None),
        "ETL_HTTP_READ_TIMEOUT": (0.1, None),
        "ETL_HTTP_MAX_RETRIES": (0, None),
        "ETL_HTTP_BACKOFF_MAX": (0, None),
        "ETL_HTTP_MAX_WAIT": (0, None),
        "ETL_BATCH_SIZE": (1, None),
        "LOGIN_FAILURE_LIMIT": (1, None),
        "LOGIN_LOCKOUT_MINUTES": (1, None),
        **{f"FLAGS_LIFETIME_{kind.upper()}_DAYS": (0, None) for kind in FLAGS_LIFETIME_DAYS},
    },
)
