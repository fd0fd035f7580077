"""Settings, read from the environment.

With no environment at all the project runs embedded on one machine: an SQLite file,
the in-memory channel layer and Celery tasks executed in-process. Setting
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` switches to the real services.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from clinic.config import secrets as installation_secrets
from clinic.config.channel_layer import redis_channel_layer

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# HTTPS=true: the deployment is served over TLS. Cookies become Secure, plain-http requests are
# redirected and, with DEBUG off, browsers are told to use HTTPS only (HSTS_SECONDS, a year by
# default). Off by default because `make run` serves plain http on 127.0.0.1, where Secure
# cookies would never be sent back and no one could sign in. TRUST_X_FORWARDED_PROTO=true when
# a reverse proxy terminates TLS and sets X-Forwarded-Proto (else every request looks like http
# and is redirected forever). No-sniff, Referrer-Policy same-origin and X-Frame-Options DENY
# are Django's defaults and apply either way.
HTTPS = _env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
if _env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600))) if HTTPS and not DEBUG else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp). No inline script anywhere; the live page adds
# 'wasm-unsafe-eval' for the in-browser pose model (capture_views) and WebSocket origins are
# added per request (clinic/web/headers.py). style-src-attr allows style="" attributes (layout
# and progress-bar widths in the templates): they cannot run script or, with img-src limited,
# fetch anything; <style> elements and stylesheets stay 'self' only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "clinic",
    "clinic.eventstore",
    "clinic.projections",
    "clinic.access",
    "clinic.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching and skip the CSP.
    "clinic.web.headers.NoStoreMiddleware",
    "clinic.web.headers.WebSocketCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.access.middleware.RequestContextMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.config.urls"
ASGI_APPLICATION = "clinic.config.asgi.application"
WSGI_APPLICATION = "clinic.config.wsgi.application"

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
# Django's form renderer with the plain widgets written in Python (same HTML, a tenth of the cost).
FORM_RENDERER = "clinic.web.form_renderer.FormRenderer"

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))
# The SQLite file, collected static files and media live here; SQLite will not create it.
DATA_DIR.mkdir(parents=True, exist_ok=True)

# The validation report (`manage.py validate`): the bundled reference data set (the project's
# shared data, beside the checkout) and where the latest report is stored for the Validation page.
VALIDATION_DATA_DIR = Path(os.environ.get("VALIDATION_DATA_DIR") or BASE_DIR.parent / "shared" / "data")
VALIDATION_REPORT_DIR = DATA_DIR / "validation"

# SECRET_KEY, PII_MASTER_KEY (key-encryption key of the per-patient data keys) and
# ACCESS_LOG_KEY (HMAC of the access-log chain) are independent: from the environment,
# else <NAME>_FILE, else SECRETS_DIR, generated per installation at first start
# (clinic/config/secrets.py). With DEBUG off a known or weak key refuses to start.
SECRETS_DIR = DATA_DIR / "secrets"
try:
    _secrets = installation_secrets.load_all(environ=os.environ, secrets_dir=SECRETS_DIR, debug=DEBUG)
except installation_secrets.SecretsError as exc:
    raise ImproperlyConfigured(str(exc)) from None
SECRET_KEY = _secrets["SECRET_KEY"].value
PII_MASTER_KEY = _secrets["PII_MASTER_KEY"].value
ACCESS_LOG_KEY = _secrets["ACCESS_LOG_KEY"].value
# Signed checkpoints of the access log (count and head hash) outside the database: one
# JSON line every ACCESS_LOG_ANCHOR_EVERY entries and at each `manage.py anchor_access_log`.
ACCESS_LOG_ANCHOR_PATH = Path(os.environ.get("ACCESS_LOG_ANCHOR_PATH", DATA_DIR / "access-log-anchors.jsonl"))
ACCESS_LOG_ANCHOR_EVERY = int(os.environ.get("ACCESS_LOG_ANCHOR_EVERY", "100"))
# Threads per server process serving HTTP (clinic/config/asgi.py). Each request holds one until it
# ends, so a few more than the database pool (DB_POOL_SIZE, 4) let slow uploads (resumable uploads
# send 8 MB parts) pass beside pages; more threads than that only compete for the interpreter
# (bench/load.py, 2 processes, 20 clients: p95 148 ms with 8, 159 ms with 16).
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "8"))
# "reads": charts and caseloads kept while the read models are unchanged (clinic/read_cache.py).
# Each process' own memory: its keys carry the read models' version, so nothing is shared or
# invalidated. READ_CACHE_SECONDS=0 turns it off.
READ_CACHE_SECONDS = int(os.environ.get("READ_CACHE_SECONDS", "60"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "reads": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "reads",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'clinic.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the projection worker read while a request writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
# The web server (clinic/config/serve.py sets DB_POOL_SIZE) takes PostgreSQL connections from a pool
# of at most DB_POOL_SIZE per process, checked before use. Under ASGI every request runs in a thread
# of its own, so DB_CONN_MAX_AGE would keep one connection per finished thread, and without either
# each request pays a new backend. Workers and commands (which may fork) connect per use.
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "0"))
if DB_POOL_SIZE > 0 and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=True)
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_SIZE,
        "timeout": 30,  # seconds a request waits for a free connection before it fails
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "caseload"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes) for /login/ and /api/auth/token/: LOGIN_FAILURE_LIMIT failed
# attempts for one account, or from one address, lock that account (from every address) and
# that address (for every account) for LOGIN_COOLOFF_MINUTES; each attempt during the lock,
# the right password included, is refused and restarts the wait. Addresses are REMOTE_ADDR, the
# connecting peer (the server trusts no X-Forwarded-For): behind a reverse proxy, the proxy's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "clinic.web.lockout.lockout_response"
# Successful sign-ins are in the access log's hands; axes keeps only the failure counts.
AXES_DISABLE_ACCESS_LOG = True

# API tokens (django-rest-knox): stored hashed, valid API_TOKEN_TTL_HOURS, revocable.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=float(os.environ.get("API_TOKEN_TTL_HOURS", "10"))),
    "AUTH_HEADER_PREFIX": "Token",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Serve app static files straight from their apps too, so tests and a first run work
# before `collectstatic` has filled STATIC_ROOT.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: the Redis broker when REDIS_URL is set, otherwise tasks run in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
# No result backend: an analysis is a chain (each result travels in the next task's message) and
# its outcome is an event, so no request ever waits on Redis for a task result.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# Several installations (or test runs) can share one Redis with a queue name each.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = _env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
# A worker keeps reconnecting to a broker that went away, at start and while running.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A killed worker's job is handed to another worker after this many seconds (the Redis transport's
# visibility timeout, plus its restore scan). Workers keep the messages of running tasks fresh
# (clinic/message_heartbeat.py), so an analysis longer than this is never started twice.
ANALYSIS_REDELIVERY_S = float(os.environ.get("ANALYSIS_REDELIVERY_S", "60"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": ANALYSIS_REDELIVERY_S}
# How requested analyses reach a worker (clinic/dispatch.py): "queue" (the broker), "thread" (one
# background thread of the web process, the embedded default) or "inline" (after commit, in the
# committing thread).
ANALYSIS_DISPATCH = os.environ.get("ANALYSIS_DISPATCH", "queue" if REDIS_URL else "thread")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Projections are brought up to date inside the request after every append, so a user
# reads their own writes; the `run_projections` worker does the same for other writers.
PROJECTIONS_INLINE = _env_bool("PROJECTIONS_INLINE", True)

# Event store strategy for subscriptions on PostgreSQL: "xid8" (read below the
# transaction horizon, concurrent appends) or "lock" (serialise appends with a table lock).
# See bench/eventstore.py for the measurement that chose the default.
EVENTSTORE_PG_STRATEGY = os.environ.get("EVENTSTORE_PG_STRATEGY", "xid8")
# Concurrent appends made outside a transaction share one statement and commit (see
# clinic/eventstore/batching.py); off = one commit per append.
EVENTSTORE_GROUP_COMMIT = _env_bool("EVENTSTORE_GROUP_COMMIT", True)

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous call 401 with WWW-Authenticate only when the first
    # class names a scheme (session authentication has none, which made it 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.api.authentication.TokenAuthentication",  # knox, without its per-request sweep
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # JSON bounded in size and nesting (clinic/api/parsers.py); forms and multipart as DRF's default.
    "DEFAULT_PARSER_CLASSES": [
        "clinic.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Movement clinic API",
    "DESCRIPTION": "Event-sourced clinical records for physical-therapy practices.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page need a login like the rest of the API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its 400/401/403/404/409 answers with the error body schema.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clinic.api.schema.document_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Largest accepted upload, in bytes (video uploads arrive with the offline-analysis work).
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(500 * 1024 * 1024)))
# Request bodies: clinic/config/body_limits.py refuses, before reading, anything longer than the
# route accepts (MAX_UPLOAD_BYTES on upload routes, DATA_UPLOAD_MAX_MEMORY_SIZE elsewhere); what is
# accepted goes to disk in 1 MiB pieces (FILE_UPLOAD_TEMP_DIR), never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "tmp"
FILE_UPLOAD_TEMP_DIR.mkdir(exist_ok=True)
# Resumable (tus) uploads: state and partial data (sealed with the patient's key) per upload;
# an upload not finished within RESUMABLE_UPLOAD_EXPIRY_S is removed.
RESUMABLE_UPLOAD_DIR = DATA_DIR / "uploads"
RESUMABLE_UPLOAD_EXPIRY_S = int(os.environ.get("RESUMABLE_UPLOAD_EXPIRY_S", str(24 * 3600)))
# What one video analysis may cost, read from the container header before any frame is decoded.
MAX_VIDEO_DURATION_S = float(os.environ.get("MAX_VIDEO_DURATION_S", "600"))
MAX_VIDEO_FPS = float(os.environ.get("MAX_VIDEO_FPS", "240"))
MAX_VIDEO_FRAMES = int(os.environ.get("MAX_VIDEO_FRAMES", "36000"))  # 10 minutes at 60 fps
MAX_VIDEO_PIXELS = int(os.environ.get("MAX_VIDEO_PIXELS", str(3840 * 2160)))
