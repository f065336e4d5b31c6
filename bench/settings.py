"""Production settings for benchmarks: proftiket.settings with DEBUG off, plain HTTP on
loopback, the query-counting middleware and the floor view.

Used by bench/http_bench.py and bench/load_bench.py (DJANGO_SETTINGS_MODULE=bench.settings).
Everything else is what production runs, so the figures follow the application's own
settings as they change (CONN_MAX_AGE only when BENCH_CONN_MAX_AGE says so).
"""

import os

# Production: DEBUG off whatever a local .env says (the environment wins over .env).
os.environ["DEBUG"] = "false"
# The harness passes a fresh random key to every process it starts; this fallback only
# serves a manage.py command run by hand with these settings.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "kX3v9QpL2mZr7TwYc4Nd8HsBf6Ju1Ge5" * 2)
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/proftiket_bench1m")

from proftiket.settings import *  # noqa: F403
from proftiket.settings import DATABASES, MIDDLEWARE, STORAGES

# Plain HTTP on 127.0.0.1 (a TLS proxy would sit in front in production).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# No collectstatic needed: the pages are measured, not their static files.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if "BENCH_CONN_MAX_AGE" in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])

# Outermost, so that it counts every query of the request (sessions and auth included).
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
