"""How failed logins are counted and locked out (django-axes, plus what it does not do)."""

from django.conf import settings

# django-axes keeps the username in a 255-character column.
AXES_USERNAME_LENGTH = 255


def axes_username(request, credentials=None) -> str | None:
    """The e-mail that axes counts a failure under: normalised as the login does it, and cut
    to the length axes can store.

    An e-mail of 256–320 characters (valid for the form) made the failure record overflow on
    PostgreSQL: a 500 instead of "wrong e-mail or password", and the attempt was not counted.
    Cut, it is counted like any other.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = (credentials or getattr(request, "POST", {})).get(field)
    if not isinstance(username, str):
        return None
    return username.strip().lower()[:AXES_USERNAME_LENGTH]
