"""One settings module, driven by the environment.

With nothing set the platform runs on a bare machine: SQLite, a local-memory cache and Celery tasks run eagerly.
Set DATABASE_URL and REDIS_URL (as docker-compose and CI do) for PostgreSQL, a Redis cache and a real Celery worker.
"""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate ("120/hour") from the environment; a malformed one refuses to start, as DRF would only
    fail at the first request it throttles."""
    value = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name}={value!r} 不是有效的频率（例如 120/hour）。 / {name}={value!r} is not a rate such as 120/hour."
        )
    return value


# Off unless asked for: DEBUG shows settings and code to anyone who can trigger an error.
DEBUG = env_bool("DJANGO_DEBUG", False)
# No public fallback: production must set DJANGO_SECRET_KEY. With explicit DEBUG (the demo) and no key, a random
# key for this process only (sessions do not survive a restart, which a demo does not mind).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "未设置 DJANGO_SECRET_KEY：生产环境必须提供一个随机密钥（仅本机演示可设 DJANGO_DEBUG=true）。"
            " / DJANGO_SECRET_KEY is not set: production needs a random secret key "
            "(set DJANGO_DEBUG=true only for a local demo)."
        )
    SECRET_KEY = "django-insecure-" + get_random_secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
# Origins (scheme://host[:port]) allowed to POST with a CSRF token, e.g. https://patents.example.edu.cn
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# -- HTTPS and cookies: on by default outside DEBUG, each switchable for a plain-HTTP test stack --------------------
# Redirect every http:// request to https://.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Strict-Transport-Security: browsers use HTTPS only for this many seconds (0 = no header).
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is hard to undo (browsers ship the list): an explicit choice, on in docker-compose.yml.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
# Cookies only over HTTPS.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto (only set this when a proxy always overwrites it).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the platform append to X-Forwarded-For. 0: the client address is the
# socket's, and X-Forwarded-For is ignored (a client could write anything there).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # The project's apps, bottom layer first (docs/ARCHITECTURE.md); each imports only those listed before it.
    "reference",
    "classification",
    "institutions",
    "enterprises",
    "patentpool",
    "evaluations",
    "inventory",
    "library",
    "market",
    "matching",
    "transfers",
    "dashboards",
    "seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# History is read per object (by its id); a history_date index on every audit table would only slow bulk imports.
SIMPLE_HISTORY_DATE_INDEX = False

# WhiteNoise serves collected static files in production; in DEBUG runserver serves them from the apps.
if not DEBUG:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://...) or the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Seconds a connection is kept for the next request of the same worker (0: one per request).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # Check a kept connection before reusing it, so a restarted database costs no failed request.
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool("DATABASE_JIT", False):
    # PostgreSQL's JIT compiles the large aggregates of a list's counts or a dashboard on every request: 100–300 ms
    # each here (bench/load_bench.py), more than it saves at this size. Off for the platform's connections.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "institutions.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes) on every login: /accounts/login/, /admin/login/ and /api/auth/token/.
# Locked after this many failures, per account and, separately, per client address.
AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 10)
# Minutes until a lockout lifts by itself (an admin can lift it earlier in /admin/axes/).
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# The address comes from institutions.client_ip: the socket, or X-Forwarded-For behind DJANGO_TRUSTED_PROXY_COUNT proxies.
AXES_CLIENT_IP_CALLABLE = "institutions.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "institutions.client_ip.lockout_response"
AXES_VERBOSE = False
# A success does not wipe the address's failures (else a guesser with an account of its own could reset them).

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REST_FRAMEWORK = {
    # Token first: an unauthenticated call answers 401 with WWW-Authenticate: Token; the browser's session still works.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api_pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "user": env_rate("DJANGO_THROTTLE_USER", "5000/hour"),
        "upload": env_rate("DJANGO_THROTTLE_UPLOAD", "120/hour"),
        "token": env_rate("DJANGO_THROTTLE_TOKEN", "30/hour"),
        "province_feed": env_rate("DJANGO_THROTTLE_PROVINCE_FEED", "600/hour"),
    },
    # Throttles key on the socket address, or on X-Forwarded-For only behind this many trusted proxies.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (django-rest-knox): only a SHA-512 digest is stored; each token expires and can be revoked.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("DJANGO_API_TOKEN_TTL_HOURS", 24 * 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# Content-Security-Policy (django-csp): scripts only from this site, never inline. Styles keep 'unsafe-inline' for
# Django's admin and Swagger UI, which set style attributes in their own templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PatentPool API",
    "DESCRIPTION": "高校和科研机构存量专利盘活平台 / Stock-patent revitalization platform",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api_schema.document_error_responses",
    ],
    # Several models have a "kind" or a "status": each vocabulary gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "DealKindEnum": "transfers.choices.DealKind",
        "DueKindEnum": "transfers.choices.DueKind",
        "DealStatusEnum": "transfers.choices.DealStatus",
        "RecordingStatusEnum": "transfers.choices.RecordingStatus",
        "OpenLicenceStatusEnum": "transfers.choices.OpenLicenceStatus",
        # the self-rating and the market rating share the star scale
        "ValueStarsEnum": "evaluations.choices.ValueStars",
        "ImportKindEnum": "inventory.choices.ImportKind",
    },
}

# Celery: a real broker when REDIS_URL (or CELERY_BROKER_URL) is set, eager otherwise.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits stay well under Redis's visibility timeout so a killed task is redelivered, not run twice.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "1500"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "1800"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# A pool process whose resident memory is above this (KiB) after a task is replaced: a big import's heap never stays.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Inventory imports: limits that protect the server from huge or hostile workbooks.
INVENTORY_MAX_UPLOAD_BYTES = int(os.environ.get("INVENTORY_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
INVENTORY_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("INVENTORY_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024))
INVENTORY_MAX_ROWS = int(os.environ.get("INVENTORY_MAX_ROWS", 200_000))
INVENTORY_MAX_SHEETS = int(os.environ.get("INVENTORY_MAX_SHEETS", 20))
# A running import's worker stamps its heartbeat this often (seconds); the sweep (every INVENTORY_SWEEP_SECONDS, and
# when a worker starts) marks a running job whose heartbeat is older than INVENTORY_JOB_STALE_SECONDS as stale.
INVENTORY_JOB_HEARTBEAT_SECONDS = float(os.environ.get("INVENTORY_JOB_HEARTBEAT_SECONDS", 5))
INVENTORY_JOB_STALE_SECONDS = int(os.environ.get("INVENTORY_JOB_STALE_SECONDS", 120))
INVENTORY_SWEEP_SECONDS = float(os.environ.get("INVENTORY_SWEEP_SECONDS", 60))
# The workers' folder for local copies of uploads (the sweep removes orphans). One per database, so that workers of
# different databases on one machine never judge each other's files.
INVENTORY_TEMP_DIR = os.environ.get(
    "INVENTORY_TEMP_DIR",
    os.path.join(
        tempfile.gettempdir(), "patentpool-imports", DATABASES["default"].get("NAME", "db").rsplit("/", 1)[-1]
    ),
)
# Reading stops at this many consecutive blank rows below the data (styled-but-empty rows are not data).
INVENTORY_MAX_BLANK_RUN = int(os.environ.get("INVENTORY_MAX_BLANK_RUN", 1000))
# A failed file of up to this many data rows gets a marked copy of itself (openpyxl loads it whole); a bigger one a
# streamed workbook of its bad rows (memory bounded by the bad rows, time about that of reading the file).
INVENTORY_MARKED_COPY_MAX_ROWS = int(os.environ.get("INVENTORY_MARKED_COPY_MAX_ROWS", 5000))
# Uploads above this size are spooled to disk, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Beat: recompute the resource library's class counts a little more often than they expire from the cache.
CELERY_BEAT_SCHEDULE = {
    "warm-library-facets": {"task": "library.warm_library_facets", "schedule": 240.0, "options": {"expires": 230}},
    # Every morning: e-mail institutions their overdue instalments.
    "remind-overdue-payments": {
        "task": "transfers.remind_overdue_payments",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 3600},
    },
    # Dashboards: seal the quarter that just ended (a no-op once sealed) and refresh the current quarter's
    # provisional rows that the national and ministry views read.
    "seal-previous-quarter": {
        "task": "dashboards.seal_previous_quarter",
        "schedule": crontab(minute=30, hour=0),
        "options": {"expires": 3600},
    },
    "refresh-current-quarter": {
        "task": "dashboards.refresh_current_quarter",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    # Stranded imports (their worker died) become visible and retryable within a minute or two.
    "sweep-stale-imports": {
        "task": "inventory.inventory_import_sweep",
        "schedule": INVENTORY_SWEEP_SECONDS,
        "options": {"expires": max(1.0, INVENTORY_SWEEP_SECONDS - 5)},
    },
    # Matching: what changed is pushed within a minute; everything is rematched nightly; the digest goes out daily.
    "matching-incremental": {"task": "matching.match_incremental", "schedule": 30.0, "options": {"expires": 25}},
    "matching-full": {
        "task": "matching.full_rematch",
        "schedule": crontab(hour=2, minute=15),
        "options": {"expires": 3600},
    },
    "matching-digest": {
        "task": "matching.send_digests",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 3600},
    },
}
# GB/T 4754 level enterprises and patents are matched at: 3 = 大类 (a code counts under its ancestors).
MATCHING_LEVEL_LENGTH = int(os.environ.get("MATCHING_LEVEL_LENGTH", "3"))

# E-mail: the console in the demo (messages are printed); production sets EMAIL_BACKEND and EMAIL_HOST.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@patentpool.local")
