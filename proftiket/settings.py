"""ProfTicket settings: everything that differs between installations comes from the environment.

A `.env` file in the project root is read when present (see `.env.example`).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))'), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "proftiket.apps.ConsoleAdminConfig",  # django.contrib.admin with the console's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_q",
    "axes",
    "proftiket",
    "accounts",
    "tickets",
    "sla",
    "inbound",
    "webhooks",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files, no CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Refuses unreadable, cut-off, oversized or control-character input before any view (or the
    # CSRF check) reads it; after LocaleMiddleware so that its pages speak the visitor's language.
    "proftiket.middleware.RequestInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # Cache-Control: private, no-store on everything a logged-in user gets.
    "proftiket.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes requirement).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proftiket.urls"
WSGI_APPLICATION = "proftiket.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "proftiket.context_processors.product",
                "tickets.notices.context",
            ],
        },
    },
]

# Widgets may be overridden in templates/ like any other template.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database: embedded SQLite for a quick start, PostgreSQL in production ---
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'proftiket.sqlite3'}")
}
# Persistent connections: a new PostgreSQL connection per request cost more CPU than most
# pages. The health check at the start of each request replaces a connection that died (a
# database restart) instead of failing the request on it.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    # Parameters sent apart from the query, and a query that a kept connection has run five
    # times prepared, so PostgreSQL no longer plans it anew each time (Django turns preparing
    # off unless told). Off behind PgBouncer in transaction mode, which breaks prepared
    # statements: DATABASE_SERVER_SIDE_BINDING=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the django-q2 worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering (INCLUDE) indexes speed up the reports on PostgreSQL; on the embedded SQLite they
# are plain indexes, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Accounts ---
AUTH_USER_MODEL = "accounts.User"
# Django's database sessions, their query composed once per process (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Reset requests per e-mail address and per network address, within an hour.
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=3)
PASSWORD_RESET_PER_IP = env.int("PASSWORD_RESET_PER_IP", default=10)

# django-axes: lock an (e-mail, IP) pair out after repeated failures, for a while.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address as proftiket.http.client_ip reads it (behind a proxy, from its header).
AXES_CLIENT_IP_CALLABLE = "proftiket.http.client_ip"
AXES_VERBOSE = False
# ...and lock an account out, from every address, after ACCOUNT_LOCKOUT_FAILURES failures
# within ACCOUNT_LOCKOUT_HOURS of the first (accounts/lockout.py; README, "Abuse limits").
AXES_HANDLER = "accounts.lockout.AccountLockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
ACCOUNT_LOCKOUT_FAILURES = env.int("ACCOUNT_LOCKOUT_FAILURES", default=20)
ACCOUNT_LOCKOUT_HOURS = env.int("ACCOUNT_LOCKOUT_HOURS", default=24)

# --- Internationalisation: Russian first, English second ---
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
# Dates and times by name per language (proftiket/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["proftiket.formats"]

# --- Static and media files ---
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"  # never served directly: attachments go through access-checking views
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

_static_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG or env.bool("PLAIN_STATIC_STORAGE", default=False)
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
if env.str("S3_BUCKET", default=""):
    # Attachments in an S3-compatible object store (the cloud installation).
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {"default": _media_storage, "staticfiles": {"BACKEND": _static_backend}}

# --- E-mail (Django 6.1 MAILERS): console in development, SMTP from the environment ---
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ProfTicket <support@proftiket.local>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)


def _mailer_from_url(url: str) -> dict:
    """Translate an EMAIL_URL (smtp://, smtp+tls://, smtps://, console://) into a MAILERS entry."""
    parsed = environ.Env.email_url_config(url)
    backend = parsed["EMAIL_BACKEND"]
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        return {"BACKEND": backend}
    options = {
        "host": parsed.get("EMAIL_HOST") or "localhost",
        "port": parsed.get("EMAIL_PORT") or 25,
        "username": parsed.get("EMAIL_HOST_USER") or "",
        "password": parsed.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": bool(parsed.get("EMAIL_USE_TLS")),
        "use_ssl": bool(parsed.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=20),
    }
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {
    "default": _mailer_from_url(
        env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
    )
}

# --- Cache shared by every process (rate limits, presence and other counters): Redis when
# configured (CACHE_URL, a Redis of its own, or else REDIS_URL), otherwise a table of the
# database (created by the `proftiket` app's migration). Several web containers need one cache.
REDIS_URL = env.str("REDIS_URL", default="")
_cache_url = env.str("CACHE_URL", default="") or REDIS_URL
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "proftiket",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "proftiket_cache",
            # Counters must not be culled at Django's default of 300 entries.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# --- Background work: django-q2, ORM broker unless Redis is configured ---
Q_CLUSTER = {
    "name": "proftiket",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 60,
    "retry": 120,
    "max_attempts": 5,
    "catch_up": False,
    # A failed task (an e-mail while the mail server is down) stays queued and is retried.
    "ack_failures": False,
    # The last 100 successful results are kept (the scheduled jobs' runs, shown in the admin);
    # the notification tasks, the bulk of all tasks, keep none (tickets.outbox), since keeping
    # one means locking and re-reading the kept ones. Failures are kept and count attempts.
    "save_limit": env.int("Q_SAVE_LIMIT", default=100),
    # The database broker claims up to `bulk` tasks per query, and looks for work every `poll`
    # seconds when the queue is empty (the default 0.2 s read the queue five times a second).
    "bulk": env.int("Q_BULK", default=5),
    "poll": env.float("Q_POLL", default=0.5),
    "label": _("Background tasks"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Q_SYNC=true runs each task at once in the process that queues it (no worker needed).
if env.bool("Q_SYNC", default=False):
    Q_CLUSTER["sync"] = True

# --- Notifications: the outbox (tickets.outbox) and its channels ---
# Who is mailed about a request nobody is assigned to (a new request first of all):
# "on_duty": the supervisors (every agent while there is none), "team": SUPPORT_TEAM_EMAIL
# only, "all": every active agent and supervisor (the behaviour of release 0.1).
NEW_REQUEST_NOTIFY = env.str("NEW_REQUEST_NOTIFY", default="on_duty")
SUPPORT_TEAM_EMAIL = env.str("SUPPORT_TEAM_EMAIL", default="")
if NEW_REQUEST_NOTIFY not in ("on_duty", "team", "all"):
    raise ImproperlyConfigured("NEW_REQUEST_NOTIFY must be on_duty, team or all.")
if NEW_REQUEST_NOTIFY == "team" and not SUPPORT_TEAM_EMAIL:
    raise ImproperlyConfigured("NEW_REQUEST_NOTIFY=team needs SUPPORT_TEAM_EMAIL.")
# Dotted paths of the channels every history entry is dispatched to, in order.
OUTBOX_CHANNELS = ["tickets.notifications.EMAIL", "webhooks.channel.WEBHOOKS"]
# The sweeper dispatches entries still pending after this (their task was lost)...
OUTBOX_SWEEP_AFTER = timedelta(minutes=env.int("OUTBOX_SWEEP_AFTER_MINUTES", default=3))
# ... and gives up (logged) on those still pending after this.
OUTBOX_GIVE_UP_AFTER = timedelta(hours=env.int("OUTBOX_GIVE_UP_AFTER_HOURS", default=72))

# Customer satisfaction (tickets.satisfaction): how long after closing a request can be rated,
# and how long the signed one-click links of the closing e-mail stay valid.
RATING_WINDOW = timedelta(days=env.int("RATING_WINDOW_DAYS", default=30))

# --- The e-mail channel's way in (tickets.mail_intake; mailboxes in the console) ---
# With an address here, our e-mails say Reply-To support+PT-1042.<signature>@… (the mailbox
# must deliver "+" addresses to itself); empty: replies go to DEFAULT_FROM_EMAIL.
MAIL_INTAKE_REPLY_ADDRESS = env.str("MAIL_INTAKE_REPLY_ADDRESS", default="")
# The type of a request filed by e-mail.
MAIL_INTAKE_DEFAULT_TYPE = env.str("MAIL_INTAKE_DEFAULT_TYPE", default="incident")
# Messages taken from one sender per hour; the rest are recorded and ignored (a mail loop).
MAIL_INTAKE_SENDER_HOURLY = env.int("MAIL_INTAKE_SENDER_HOURLY", default=30)
# Automatic answers (refusals, "please use the portal") to one address per day.
MAIL_INTAKE_ANSWERS_DAILY = env.int("MAIL_INTAKE_ANSWERS_DAILY", default=3)

# --- Security: production defaults whenever DEBUG is off ---
# Behind a reverse proxy that terminates TLS, overwrites X-Forwarded-Proto and appends the
# client's address to X-Forwarded-For (docker-compose sets it). Without a proxy these headers
# come from the client and must not be believed: a forged "https" would skip the redirect to
# HTTPS, a forged address would dodge the per-address limits.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
PROXY_COUNT = env.int("PROXY_COUNT", default=1 if BEHIND_PROXY else 0)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container healthcheck speaks plain HTTP
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Only a signal of eligibility: the domain owner still decides whether to submit it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Uploads ---
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)
# All the files of one message together.
ATTACHMENT_MAX_MESSAGE_BYTES = env.int("ATTACHMENT_MAX_MESSAGE_BYTES", default=50 * 1024 * 1024)
# All the files of one request (ticket), and of one customer within a day.
ATTACHMENT_MAX_FILES_PER_TICKET = env.int("ATTACHMENT_MAX_FILES_PER_TICKET", default=100)
ATTACHMENT_MAX_BYTES_PER_TICKET = env.int(
    "ATTACHMENT_MAX_BYTES_PER_TICKET", default=500 * 1024 * 1024
)
ATTACHMENT_USER_DAILY_FILES = env.int("ATTACHMENT_USER_DAILY_FILES", default=200)
ATTACHMENT_USER_DAILY_BYTES = env.int("ATTACHMENT_USER_DAILY_BYTES", default=1024 * 1024 * 1024)
# Larger images are kept as downloads, never shown in the browser (decoding costs memory).
ATTACHMENT_IMAGE_MAX_PIXELS = env.int("ATTACHMENT_IMAGE_MAX_PIXELS", default=25_000_000)
# A request body larger than a message's files plus its text is refused before it is read.
REQUEST_MAX_BYTES = ATTACHMENT_MAX_MESSAGE_BYTES + 2 * 1024 * 1024
# Generous on purpose: the attachment form itself refuses too many files with a clear error;
# this only stops abuse (Django would answer a bare 400 and the typed text would be lost).
DATA_UPLOAD_MAX_NUMBER_FILES = max(100, ATTACHMENT_MAX_FILES * 5)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Logging: everything to stdout, where the container runtime collects it ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

URLIZE_ASSUME_HTTPS = True  # links typed without a scheme in messages become https://

SUPPORT_CONTACT = env.str("SUPPORT_CONTACT", default="support@proftiket.local")

# --- The integration API (/api/v1/, tickets.api) and webhooks (webhooks/) ---
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")  # per token
API_PAGE_SIZE = 50
# An Idempotency-Key is remembered this long (a client retries within minutes, not days).
API_IDEMPOTENCY_KEEP = timedelta(hours=env.int("API_IDEMPOTENCY_KEEP_HOURS", default=24))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tickets.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tickets.api.auth.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["tickets.api.auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": API_RATE_LIMIT},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "tickets.api.parsers.ObjectJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tickets.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ProfTicket API",
    "DESCRIPTION": "Requests for customers' systems and support tools. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Webhook URLs: https only unless allowed (on-premise), and never a private, loopback or
# link-local address unless the installation allows it (SSRF).
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = 10
# Retries with exponential backoff (1, 2, 4 ... minutes) until this long after the event.
WEBHOOK_RETRY_FOR = timedelta(hours=24)
