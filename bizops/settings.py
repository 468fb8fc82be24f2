"""bizops settings: plain declarations, read from the environment (and an optional
``.env`` beside ``manage.py``) here, in one place, through one django-environ ``Env``.
``.env.example`` lists and explains every variable.

A value that cannot be cast stops start-up with one line naming it (``bizops.env``).
Whether a value makes sense is a system check in the ``checks.py`` of the app that
uses it, run at start-up by every process (``bizops.checks.refuse_bad_settings``).
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bizops.core.numbers import decimal  # a finite Decimal: NaN would make every comparison raise
from bizops.env import Env, log_level, time_zone

BASE_DIR = Path(__file__).resolve().parent.parent
Env.read_env(BASE_DIR / ".env", overwrite=False)
env = Env()

# --- Core ---
DEBUG = env.bool("DEBUG", default=False)
# Required when DEBUG is off (bizops.E001); development gets a fixed, visibly
# insecure key and local hosts so `make demo` needs no setup.
SECRET_KEY = env.str("SECRET_KEY", default="") or ("django-insecure-development-only-key" if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

REPORTING_TIMEZONE = env("REPORTING_TIMEZONE", cast=time_zone, default="America/Toronto")
REPORTING_CURRENCY = env.str("REPORTING_CURRENCY", default="USD")

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
    "health_check",
    "bizops.events",
    "bizops.core",
    "etl",
    "finance",
    "flags",
    "bizops.dashboards",
    "bizops.supabase",
    "bizops.audit",
    "bizops.demo",
    "bizops.automations",
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

# --- Database and cache ---
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind a pooler in transaction mode (PgBouncer, Supabase's pooler on port 6543), a
# connection is lent for one transaction: no server-side cursors or prepared statements,
# which outlive it (README, "Past one machine").
if env.bool("DATABASE_TRANSACTION_POOLER", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes (web, commands), unlike the local-memory cache,
    # so the job lock still works without Redis. The table is made by a migration.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bizops_cache"}
    }

# --- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html) ---
# (memory://localhost/: an eager task still takes a producer, and a hostless URL warns each time.)
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
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
# Queues by kind of work, so each kind gets its own workers (one per queue in
# docker-compose.yml, scaled on their own: `docker compose up --scale worker-etl=3`):
#   etl      the pulls (long, I/O bound: waits on the providers' APIs and rate limits)
#   metrics  compute_metrics and the pipeline's metrics step (CPU/SQL bound, short)
#   webhooks outgoing webhook and alert deliveries (short, must not wait behind a pull)
#   default  everything else (health sweep, flags, pruning, the pipeline's starter)
CELERY_TASK_DEFAULT_QUEUE = "default"
# The webhooks queue's name is a setting so a test or a second deployment can have its own.
WEBHOOKS_QUEUE = env.str("WEBHOOKS_QUEUE", default="webhooks")
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in ("default", "etl", "metrics", WEBHOOKS_QUEUE)}
CELERY_TASK_ROUTES = {
    "etl.pull_*": {"queue": "etl"},
    "etl.pipeline_pull": {"queue": "etl"},
    "etl.compute_metrics": {"queue": "metrics"},
    "etl.pipeline_metrics": {"queue": "metrics"},
    "automations.*": {"queue": WEBHOOKS_QUEUE},
}
# A task is acknowledged after it ran (acks_late), so a worker that dies mid-task
# has it redelivered: right for idempotent tasks only. Every task of this project
# is idempotent (upserts by natural key, recomputed ranges, locks that refuse a
# second run), so it is the default here; a task that is not sets acks_late=False.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task reserved per worker process: a pull can take an hour, and a reserved
# task waits behind it while another worker sits idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hard limit for any task; the soft limit (SoftTimeLimitExceeded) lets the job
# wrapper record the run as failed a minute before the kill. Per-task limits in
# CELERY_TASK_ANNOTATIONS below.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=2 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT - 60)
# Seconds: the metrics of a year of a 1M-order store take well under a minute
# (bench/nightly.py); a short task stuck for longer is killed and recorded.
CELERY_METRICS_TIME_LIMIT = env.int("CELERY_METRICS_TIME_LIMIT", default=30 * 60)
CELERY_WEBHOOK_TIME_LIMIT = env.int("CELERY_WEBHOOK_TIME_LIMIT", default=5 * 60)
CELERY_TASK_ANNOTATIONS = {
    name: {"time_limit": limit, "soft_time_limit": limit - 30}
    for name, limit in {
        "etl.compute_metrics": CELERY_METRICS_TIME_LIMIT,
        "etl.pipeline_metrics": CELERY_METRICS_TIME_LIMIT,
        "etl.nightly_pipeline": 5 * 60,  # it only sends the chord
        "automations.dispatch": CELERY_WEBHOOK_TIME_LIMIT,
        "automations.deliver": CELERY_WEBHOOK_TIME_LIMIT,
    }.items()
}
# Redis redelivers an unacknowledged task after this long: it must outlast the
# longest task (the hard limit above, plus a margin), or a slow ETL pull would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Namespace of job locks (Redis keys, advisory lock ids, cache keys).
JOB_LOCK_PREFIX = env.str("JOB_LOCK_PREFIX", default="bizops")
# A job's lock outlives a killed holder by at most JOB_LOCK_TTL seconds; a live
# holder renews it every JOB_LOCK_HEARTBEAT seconds (Redis, database cache).
JOB_LOCK_TTL = env.int("JOB_LOCK_TTL", default=60)
JOB_LOCK_HEARTBEAT = env.int("JOB_LOCK_HEARTBEAT", default=20)
# How long job run history is kept (days) by the nightly prune.
JOB_RUN_RETENTION_DAYS = env.int("JOB_RUN_RETENTION_DAYS", default=180)

# --- The health audit (README, "Health") ---
# Weights of the resilience index's components (printed beside the score).
HEALTH_RESILIENCE_WEIGHTS = {
    "success": env.float("HEALTH_WEIGHT_SUCCESS", default=30.0),
    "on_time": env.float("HEALTH_WEIGHT_ON_TIME", default=20.0),
    "freshness": env.float("HEALTH_WEIGHT_FRESHNESS", default=20.0),
    "recovery": env.float("HEALTH_WEIGHT_RECOVERY", default=15.0),
    "missed": env.float("HEALTH_WEIGHT_MISSED", default=15.0),
}
# A mean time to recovery of this many hours scores 0 in the index (0 h scores 1).
HEALTH_MTTR_TARGET_HOURS = env.float("HEALTH_MTTR_TARGET_HOURS", default=24.0)
# /health/detail/ for machines: "Authorization: Bearer <HEALTH_TOKEN>" (staff may log in instead).
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
# Beat's heartbeat: the newest beat entry's last run must be this recent (seconds).
HEALTH_BEAT_MAX_SILENCE = env.int("HEALTH_BEAT_MAX_SILENCE", default=30 * 60)
# How many fixes the weekly report ranks and turns into backlog tickets.
HEALTH_TOP_FIXES = env.int("HEALTH_TOP_FIXES", default=10)

# --- Auth, static files, security ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}Validator"}
    for name in ("UserAttributeSimilarity", "MinimumLength", "CommonPassword", "NumericPassword")
]
LOGIN_URL = "admin:login"
# Failed logins are throttled by django-axes per username and address (a success
# resets the count). Behind a proxy, the address is the last X-Forwarded-For entry
# only when LOGIN_TRUST_X_FORWARDED_FOR says the proxy sets it (a client can forge it).
INSTALLED_APPS = [*INSTALLED_APPS, "axes"]
MIDDLEWARE = [*MIDDLEWARE, "axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
LOGIN_TRUST_X_FORWARDED_FOR = env.bool("LOGIN_TRUST_X_FORWARDED_FOR", default=False)
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
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe /health/ over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Import / export and history ---
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# A control character typed in a text field would make an XLSX export fail: show it as U+FFFD.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
# Every file import (admin and commands) refuses larger files or more rows, naming the limit.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=10_000)
# An admin import's file waits for its confirmation in the cache (shared by every web process),
# not in a local temporary folder; it is removed when the import is refused or confirmed.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "bizops.core.admin_imports.PreviewStorage"
SIMPLE_HISTORY_REVERT_DISABLED = False

# --- Logging: one configuration; every handler masks secrets in every record ---
LOG_LEVEL = env("LOG_LEVEL", cast=log_level, default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "bizops.redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # urllib3 logs full request URLs at DEBUG; they may carry tokens.
        "urllib3": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run inside the command or request that sends them: a line per task is noise there.
    LOGGING["loggers"]["celery.app.trace"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}

# --- Flags (each variable is explained in .env.example) ---
# Flag lifetimes per type, in days (0: permanent); the defaults follow Unleash's flag types.
FLAGS_LIFETIME_DAYS = {
    "release": env.int("FLAGS_LIFETIME_RELEASE_DAYS", default=40),
    "experiment": env.int("FLAGS_LIFETIME_EXPERIMENT_DAYS", default=40),
    "ops": env.int("FLAGS_LIFETIME_OPS_DAYS", default=7),
    "permission": env.int("FLAGS_LIFETIME_PERMISSION_DAYS", default=0),
}
FLAGS_STALE_UNIFORM_DAYS = env.int("FLAGS_STALE_UNIFORM_DAYS", default=14)
FLAGS_STALE_UNUSED_DAYS = env.int("FLAGS_STALE_UNUSED_DAYS", default=30)
# An experiment running longer than this is past its end (the health audit's feedback loop).
FLAGS_EXPERIMENT_MAX_DAYS = env.int("FLAGS_EXPERIMENT_MAX_DAYS", default=42)
FLAGS_LAST_EVALUATED_INTERVAL = env.int("FLAGS_LAST_EVALUATED_INTERVAL", default=300)
FLAGS_SNAPSHOT_CHECK_INTERVAL = env.float("FLAGS_SNAPSHOT_CHECK_INTERVAL", default=1.0)
FLAGS_REGEX_MAX_LENGTH = env.int("FLAGS_REGEX_MAX_LENGTH", default=256)
FLAGS_MAX_ATTRIBUTE_LENGTH = env.int("FLAGS_MAX_ATTRIBUTE_LENGTH", default=1024)
FLAGS_IMPORT_MAX_ROWS = env.int("FLAGS_IMPORT_MAX_ROWS", default=10_000)
FLAGS_IMPORT_MAX_BYTES = env.int("FLAGS_IMPORT_MAX_BYTES", default=20_000_000)
FLAGS_SDK_CACHE_SECONDS = env.int("FLAGS_SDK_CACHE_SECONDS", default=30)
FLAGS_SDK_STALE_SECONDS = env.int("FLAGS_SDK_STALE_SECONDS", default=30)
# The GrowthBook JS SDK's cookie name and minimum sample, so both sides agree.
FLAGS_ANONYMOUS_COOKIE = env.str("FLAGS_ANONYMOUS_COOKIE", default="gbuuid")
FLAGS_MIN_USERS_PER_VARIANT = env.int("FLAGS_MIN_USERS_PER_VARIANT", default=100)
FLAGS_MIN_CONVERSIONS = env.int("FLAGS_MIN_CONVERSIONS", default=150)
FLAGS_SRM_THRESHOLD = env.float("FLAGS_SRM_THRESHOLD", default=0.001)
FLAGS_ALPHA = env.float("FLAGS_ALPHA", default=0.05)
MIDDLEWARE = [*MIDDLEWARE, "flags.middleware.FlagsMiddleware"]

# --- Finance ---
# LTV divides by churn: a churn below the floor (zero above all) is replaced by it, and the forecast says so.
FINANCE_LTV_CHURN_FLOOR_PCT = env("FINANCE_LTV_CHURN_FLOOR_PCT", cast=decimal, default=Decimal("1"))
FINANCE_DEFAULT_HORIZON_MONTHS = env.int("FINANCE_DEFAULT_HORIZON_MONTHS", default=24)
FINANCE_LEVER_STEP_PCT = env("FINANCE_LEVER_STEP_PCT", cast=decimal, default=Decimal("20"))

# --- Business audit and memo (README, "Business audit and memo") ---
# The audit's default period, in days ending yesterday.
AUDIT_PERIOD_DAYS = env.int("AUDIT_PERIOD_DAYS", default=30)
# Who owns each analyzer's area (usernames); realignment tickets are assigned to them.
AUDIT_OWNERS = {
    "acquisition": "growth",
    "activation": "product",
    "retention": "growth",
    "revenue": "finance",
    "unit_economics": "finance",
    "data_quality": "ops",
    "execution": "ops",
    "experimentation": "growth",
    "instrumentation": "product",
    **env.json("AUDIT_OWNERS", default={}),
}
# Targets set by the team, e.g. {"blended_cac": "40", "repeat_rate": "0.3"}; a KPI without one
# uses its analyzer's rule (the plan, last year, the previous period...).
AUDIT_TARGETS = env.json("AUDIT_TARGETS", default={})
# The conversion metric that marks an activated user (flags' track()); empty: not defined.
AUDIT_ACTIVATION_METRIC = env.str("AUDIT_ACTIVATION_METRIC", default="")
AUDIT_FRESHNESS_HOURS = env.int("AUDIT_FRESHNESS_HOURS", default=36)
AUDIT_P0P1_MAX_AGE_DAYS = env.int("AUDIT_P0P1_MAX_AGE_DAYS", default=14)
AUDIT_WIP_LIMIT = env.int("AUDIT_WIP_LIMIT", default=3)
AUDIT_REALIGNMENTS = env.int("AUDIT_REALIGNMENTS", default=5)

# --- Supabase ---
# Row level security, extensions and the delta (`manage.py supabase_delta`, `verify_db`). The
# commands connect with --database-url, else SUPABASE_DB_URL, else DATABASE_URL.
SUPABASE_DB_URL = env.str("SUPABASE_DB_URL", default="")
SUPABASE_SCHEMA = env.str("SUPABASE_SCHEMA", default="public")
SUPABASE_EXTENSIONS_SCHEMA = env.str("SUPABASE_EXTENSIONS_SCHEMA", default="extensions")
SUPABASE_REQUIRED_EXTENSIONS = env.list("SUPABASE_REQUIRED_EXTENSIONS", default=["pgcrypto"])
SUPABASE_LOCK_TIMEOUT = env.str("SUPABASE_LOCK_TIMEOUT", default="5s")
# Where `supabase_delta` writes its SQL files (the Supabase CLI's layout, for `supabase db push`).
SUPABASE_MIGRATIONS_DIR = BASE_DIR / "supabase" / "migrations"

# --- Metrics ---
# The nightly run recomputes this many days: refunds arrive late and ad platforms restate recent days.
METRICS_TRAILING_DAYS = env.int("METRICS_TRAILING_DAYS", default=60)
METRICS_DEFAULT_GROSS_MARGIN = env("METRICS_DEFAULT_GROSS_MARGIN", cast=decimal, default=Decimal("0.60"))
PIPELINE_PULL_WAIT_SECONDS = env.int("PIPELINE_PULL_WAIT_SECONDS", default=900)

# --- ETL ---
# Credentials may be empty: a pull checks the ones its source needs when it
# starts (etl.conf), so the demo and the tests run without them.
META_API_VERSION = env.str("META_API_VERSION", default="v25.0")
META_API_BASE_URL = env.str("META_API_BASE_URL", default="https://graph.facebook.com")
META_ACCESS_TOKEN = env.str("META_ACCESS_TOKEN", default="")
META_ACCOUNT_ID = env.str("META_ACCOUNT_ID", default="")
META_PURCHASE_ACTION_TYPE = env.str(
    "META_PURCHASE_ACTION_TYPE", default="offsite_conversion.fb_pixel_purchase"
)
META_ATTRIBUTION_WINDOWS = env.list("META_ATTRIBUTION_WINDOWS", default=["7d_click", "1d_view"])
META_LOOKBACK_DAYS = env.int("META_LOOKBACK_DAYS", default=28)
META_INITIAL_DAYS = env.int("META_INITIAL_DAYS", default=90)
META_DAYS_PER_REQUEST = env.int("META_DAYS_PER_REQUEST", default=31)
TIKTOK_API_BASE_URL = env.str("TIKTOK_API_BASE_URL", default="https://business-api.tiktok.com")
TIKTOK_ACCESS_TOKEN = env.str("TIKTOK_ACCESS_TOKEN", default="")
TIKTOK_ADVERTISER_ID = env.str("TIKTOK_ADVERTISER_ID", default="")
TIKTOK_LOOKBACK_DAYS = env.int("TIKTOK_LOOKBACK_DAYS", default=7)
TIKTOK_INITIAL_DAYS = env.int("TIKTOK_INITIAL_DAYS", default=90)
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2025-10")
# "{store}" is replaced by the store's handle (acme-store -> acme-store.myshopify.com).
SHOPIFY_API_BASE_URL = env.str("SHOPIFY_API_BASE_URL", default="https://{store}.myshopify.com")
SHOPIFY_STORE = env.str("SHOPIFY_STORE", default="")
SHOPIFY_ACCESS_TOKEN = env.str("SHOPIFY_ACCESS_TOKEN", default="")
SHOPIFY_API_KEY = env.str("SHOPIFY_API_KEY", default="")
SHOPIFY_PASSWORD = env.str("SHOPIFY_PASSWORD", default="")
SHOPIFY_OVERLAP_MINUTES = env.int("SHOPIFY_OVERLAP_MINUTES", default=10)
SHOPIFY_INITIAL_DAYS = env.int("SHOPIFY_INITIAL_DAYS", default=90)
SHOPIFY_BULK_THRESHOLD_DAYS = env.int("SHOPIFY_BULK_THRESHOLD_DAYS", default=30)
SHOPIFY_PAGE_SIZE = env.int("SHOPIFY_PAGE_SIZE", default=25)
ETL_HTTP_CONNECT_TIMEOUT = env.float("ETL_HTTP_CONNECT_TIMEOUT", default=10.0)
ETL_HTTP_READ_TIMEOUT = env.float("ETL_HTTP_READ_TIMEOUT", default=120.0)
ETL_HTTP_MAX_RETRIES = env.int("ETL_HTTP_MAX_RETRIES", default=6)
ETL_HTTP_BACKOFF_MAX = env.float("ETL_HTTP_BACKOFF_MAX", default=60.0)
ETL_HTTP_MAX_WAIT = env.float("ETL_HTTP_MAX_WAIT", default=900.0)
ETL_BATCH_SIZE = env.int("ETL_BATCH_SIZE", default=20_000)
# How the COPY loader writes rows that exist already: "merge" (MERGE, PostgreSQL 15+;
# older servers fall back) or "on_conflict" (INSERT ... ON CONFLICT DO UPDATE). Both skip
# unchanged rows; bench/etl_loader.py measures them side by side.
ETL_COPY_MERGE = env.str("ETL_COPY_MERGE", default="merge")

# --- Automations: events and webhooks (README "Automations") ---
# (The automations tasks go to WEBHOOKS_QUEUE: see the Celery queues above.)
# Where links in Slack messages and e-mails point (the admin's scheme and host).
BIZOPS_BASE_URL = env.str("BIZOPS_BASE_URL", default="http://127.0.0.1:8000")
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
# Waits before each retry (s, m, h, d): nine retries over about a day, then the delivery is given up.
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE", default=["5s", "1m", "5m", "30m", "1h", "2h", "4h", "8h", "8h"]
)
WEBHOOK_RETRY_JITTER = env.float("WEBHOOK_RETRY_JITTER", default=0.2)
# An endpoint is disabled after this many deliveries in a row were given up (or at once on 410 Gone).
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=3)
WEBHOOK_SECRET_ROTATION_GRACE_HOURS = env.int("WEBHOOK_SECRET_ROTATION_GRACE_HOURS", default=24)
# Loopback, private, link-local, CGNAT and multicast targets are refused unless this is on (local tests).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_RESPONSE_BODY_MAX = env.int("WEBHOOK_RESPONSE_BODY_MAX", default=2000)
# Queue the dispatch after each commit that recorded events (off: only the beat sweep sends).
WEBHOOK_DELIVER_ON_COMMIT = env.bool("WEBHOOK_DELIVER_ON_COMMIT", default=True)
# A subject that stays down (a failing job, a stale source) is reminded this often.
ALERT_REMINDER_HOURS = env.int("ALERT_REMINDER_HOURS", default=24)
# health.score_dropped is emitted when the weekly score falls by more than this many points.
HEALTH_SCORE_DROP_ALERT = env("HEALTH_SCORE_DROP_ALERT", cast=decimal, default=Decimal("10"))
