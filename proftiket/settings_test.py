"""Settings for the test suite: production settings with test-friendly environment defaults.

Only environment defaults are set here, so tests exercise the real settings module
(DEBUG off, CSP, axes...) on SQLite by default or on PostgreSQL via DATABASE_URL.
"""

import os
import tempfile

_TEST_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "test-only-secret-key-not-used-anywhere-else-0123456789abcdefghijkl",
    "SECURE_SSL_REDIRECT": "false",  # live_server and the test client speak plain HTTP
    "SECURE_COOKIES": "false",
    "PLAIN_STATIC_STORAGE": "true",  # the manifest storage needs collectstatic first
    "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
    "SITE_URL": "http://testserver",
    "MEDIA_ROOT": os.path.join(tempfile.gettempdir(), "proftiket-test-media"),
    "EMAIL_URL": "smtp://127.0.0.1:25",
    "Q_SYNC": "true",  # async_task runs inline: after-commit mail is sent within the test
}
for _key, _value in _TEST_ENV.items():
    os.environ.setdefault(_key, _value)

from proftiket.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
