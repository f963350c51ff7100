"""CDTT settings: everything that differs between machines comes from the environment."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CDTT_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CDTT_DEBUG", False)
HTTPS = env_bool("CDTT_HTTPS", False)
if HTTPS and DEBUG:
    # Debug pages show settings, SQL and stack traces to anyone: never on a production (TLS) install.
    raise ImproperlyConfigured("CDTT_DEBUG=true is refused when CDTT_HTTPS=true (production)")
SECRET_KEY = secret_key(VAR_DIR, debug=DEBUG, production=HTTPS)
ALLOWED_HOSTS = env_list("CDTT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CDTT_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "cdtt.core",
    "cdtt.geo",
    "cdtt.accounts",
    "cdtt.access",
    "cdtt.transfers",
    "cdtt.teams",
    "cdtt.households",
    "cdtt.privacy",
    "cdtt.catalog",
    "cdtt.activities",
    "cdtt.progress",
    "cdtt.targets",
    "cdtt.reports",
    "cdtt.practices",
    "cdtt.dashboards",
    "cdtt.official",
    "cdtt.training",
    "cdtt.sync",
    "cdtt.mobile",
    "cdtt.notices",
    "cdtt.difficulties",
    "cdtt.quality",
    "cdtt.channels",
    "cdtt.web",
    "cdtt.demo",
]

MIDDLEWARE = [
    # Outermost: the request id is set before anything can log, and the latency covers every layer below.
    "cdtt.core.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cdtt.core.middleware.ApiNoStoreMiddleware",
    # Compresses what every middleware below has produced (it must see the final body).
    "cdtt.core.middleware.CompressPagesMiddleware",
    "cdtt.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cdtt.core.middleware.UploadLimitMiddleware",
    # After the size check; its process_view runs after CSRF's, before every view and API endpoint.
    "cdtt.core.middleware.CleanTextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: its process_view sees the resolved view and runs just before it (cdtt.core.dbrouter).
    "cdtt.core.dbrouter.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cdtt.web.context.navigation",
                "cdtt.notices.context.unread_notices",
                "cdtt.core.context.data_freshness",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'cdtt.sqlite3'}"
_database_url = env_str("DATABASE_URL", _default_sqlite)
try:
    # Health checks: after a failover every kept connection points at a dead primary; Django then reconnects
    # before the request instead of failing it.
    _db = dj_database_url.parse(
        _database_url, conn_max_age=env_int("CDTT_DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # WAL lets readers go on while one writer commits; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be sqlite:// or postgres://")
# The test database's name (scripts/test.sh: copies of one migrated template, used with pytest --reuse-db;
# pytest-xdist adds _gw0, _gw1, … for its workers). Unset: pytest-django's own (SQLite in memory, test_<name>).
_test_database_name = env_str("CDTT_TEST_DATABASE_NAME", "")
if _test_database_name:
    _db["TEST"] = {"NAME": _test_database_name}
DATABASES = {"default": _db}

# A streaming replica for the heavy read-only pages (cdtt.core.dbrouter). Unset: everything reads the primary.
_replica_url = env_str("CDTT_REPLICA_DATABASE_URL", "")
if _replica_url:
    _replica = dj_database_url.parse(_replica_url, conn_max_age=_db["CONN_MAX_AGE"], conn_health_checks=True)
    if _replica["ENGINE"] != "django.db.backends.postgresql" or _db["ENGINE"] != _replica["ENGINE"]:
        raise ImproperlyConfigured("CDTT_REPLICA_DATABASE_URL needs a postgres:// DATABASE_URL and replica")
    # A dead replica must cost a page two seconds, not the operating system's minute-long connect timeout.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["cdtt.core.dbrouter.ReplicaRouter"]
# After a write, the same browser reads the primary this long (read-your-writes), in seconds.
CDTT_READ_YOUR_WRITES_SECONDS = env_int("CDTT_READ_YOUR_WRITES_SECONDS", 30, minimum=1)
# A replica further behind than this is not used: the pages read the primary instead.
CDTT_REPLICA_MAX_LAG_SECONDS = env_int("CDTT_REPLICA_MAX_LAG_SECONDS", 300, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("CDTT_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("CDTT_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
# Three counts, each with its own limit (cdtt.accounts.lockout): a (username, IP) pair, an IP across usernames
# (password spraying from one place), a username across IPs (one account attacked from many places).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
CDTT_LOGIN_IP_FAILURE_LIMIT = env_int("CDTT_LOGIN_IP_FAILURE_LIMIT", 10, minimum=1)
CDTT_LOGIN_USERNAME_FAILURE_LIMIT = env_int("CDTT_LOGIN_USERNAME_FAILURE_LIMIT", 10, minimum=1)
AXES_HANDLER = "cdtt.accounts.lockout.SprayLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "cdtt.core.audit.client_ip"
# Behind a reverse proxy: the header it writes the client's address into (e.g. X-Forwarded-For, X-Real-IP).
# Empty (the default): REMOTE_ADDR only; never set it without a proxy that overwrites or appends that header.
TRUSTED_PROXY_HEADER = env_str("CDTT_TRUSTED_PROXY_HEADER", "").strip()
TRUSTED_PROXY_META_KEY = "HTTP_" + TRUSTED_PROXY_HEADER.upper().replace("-", "_") if TRUSTED_PROXY_HEADER else ""
AXES_LOCKOUT_CALLABLE = "cdtt.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("CDTT_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "cdtt.web.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("CDTT_SSL_REDIRECT", True)
    # A load balancer checks health over plain HTTP inside the network and wants a 200, not a redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("CDTT_HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)

# Uploads: refuse anything larger than this before it reaches a view.
UPLOAD_MAX_BYTES = env_int("CDTT_UPLOAD_MAX_MB", 5, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES

# --- Background work (imports, exports): django-tasks, the backport of Django 6's task framework --------
# The database backend needs no extra service; `manage.py db_worker` runs the queue (make demo starts one).
TASKS = {"default": {"BACKEND": env_str("CDTT_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Zalo Official Account channel (cdtt.channels): off unless the OA id, app id and both secrets are set ---
ZALO = {
    "OA_ID": env_str("CDTT_ZALO_OA_ID", ""),
    "APP_ID": env_str("CDTT_ZALO_APP_ID", ""),
    "APP_SECRET": env_str("CDTT_ZALO_APP_SECRET", ""),
    "OA_SECRET": env_str("CDTT_ZALO_OA_SECRET", ""),
    # Which secret signs webhooks: "oa" (the OA secret key, as Chatwoot does) or "app" (the app secret).
    "SIGNATURE_SECRET": env_str("CDTT_ZALO_SIGNATURE_SECRET", "oa"),
    "OPENAPI_URL": env_str("CDTT_ZALO_OPENAPI_URL", "https://openapi.zalo.me"),
    "OAUTH_URL": env_str("CDTT_ZALO_OAUTH_URL", "https://oauth.zaloapp.com"),
    "BUSINESS_URL": env_str("CDTT_ZALO_BUSINESS_URL", "https://business.openapi.zalo.me"),
    # A ZBS template (params "title", "content") for members outside the 7-day window; none: left in the platform.
    "TEMPLATE_ID": env_str("CDTT_ZALO_TEMPLATE_ID", ""),
    # The first refresh token (from the API Explorer); used once, then the rotated ones kept in the database.
    "REFRESH_TOKEN": env_str("CDTT_ZALO_REFRESH_TOKEN", ""),
    # The secret the token encryption key is derived from (the Django secret key when not set).
    "TOKEN_SECRET": env_str("CDTT_ZALO_TOKEN_SECRET", ""),
    "TIMEOUT_SECONDS": env_int("CDTT_ZALO_TIMEOUT_SECONDS", 10, minimum=1),
}
if ZALO["SIGNATURE_SECRET"] not in {"oa", "app"}:
    raise ImproperlyConfigured("CDTT_ZALO_SIGNATURE_SECRET must be oa or app")

# --- Language -------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- Static files: served by the app itself (no CDN) -----------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Operations: metrics, readiness, logs ------------------------------------------------------
# The bearer token Prometheus sends to /metrics (empty: only a signed-in national administrator or staff).
CDTT_METRICS_TOKEN = env_str("CDTT_METRICS_TOKEN", "")
# /healthz calls the queue "stale" when a task has waited this long for a worker (seconds).
CDTT_QUEUE_STALE_SECONDS = env_int("CDTT_QUEUE_STALE_SECONDS", 300, minimum=1)
# json: one object per line with the request id (for journald/Loki); text: the same fields for a terminal.
CDTT_LOG_FORMAT = env_str("CDTT_LOG_FORMAT", "text")
if CDTT_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("CDTT_LOG_FORMAT must be text or json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cdtt.core.requestlog.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "cdtt.core.requestlog.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": CDTT_LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env_str("CDTT_LOG_LEVEL", "INFO")},
    # One access line per request (cdtt.core.requestlog); CDTT_ACCESS_LOG=false leaves it to the balancer.
    "loggers": {"cdtt.request": {"level": "INFO" if env_bool("CDTT_ACCESS_LOG", True) else "WARNING"}},
}
