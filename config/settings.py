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
    "cdtt.training",
    "cdtt.sync",
    "cdtt.mobile",
    "cdtt.notices",
    "cdtt.difficulties",
    "cdtt.quality",
    "cdtt.channels",
    "cdtt.web",
]

MIDDLEWARE = [
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'cdtt.sqlite3'}"
_database_url = env_str("DATABASE_URL", _default_sqlite)
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=env_int("CDTT_DB_CONN_MAX_AGE", 60))
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
DATABASES = {"default": _db}
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
AXES_CLIENT_IP_CALLABLE = "cdtt.accounts.lockout.client_ip"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CDTT_LOG_LEVEL", "INFO")},
}
