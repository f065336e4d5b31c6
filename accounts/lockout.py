"""How failed logins are counted and locked out (django-axes, plus what it does not do)."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from proftiket import limits

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


# --- A limit per account, whatever the network address ---------------------------------------
# django-axes locks an (e-mail, address) pair out after AXES_FAILURE_LIMIT failures; someone
# guessing from many addresses was never stopped. ACCOUNT_LOCKOUT_FAILURES failures of one
# account from anywhere, within ACCOUNT_LOCKOUT_HOURS of the first, lock it for the rest of
# that window. Resetting the password (which proves the mailbox) lifts it.

ACCOUNT_FAILURES = "login-account"


def _account_rate() -> limits.Rate:
    return limits.Rate(settings.ACCOUNT_LOCKOUT_FAILURES, settings.ACCOUNT_LOCKOUT_HOURS * 3600)


def account_locked(username: str | None) -> bool:
    """Whether this account has had too many failures from all addresses together."""
    rate = _account_rate()
    return bool(username) and limits.used(ACCOUNT_FAILURES, username, rate) >= rate.limit


def account_locked_until(username: str):
    return timezone.now() + timedelta(
        seconds=limits.retry_after(ACCOUNT_FAILURES, username, _account_rate())
    )


def forget_failures(username: str) -> None:
    """The account's owner proved who they are (a new password): no lockout remains."""
    limits.clear(ACCOUNT_FAILURES, username)
    AccessAttempt.objects.filter(username=username[:AXES_USERNAME_LENGTH]).delete()


class AccountLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the limit per account across all addresses."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return account_locked(get_client_username(request, credentials))

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        already_locked = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials) if request is not None else None
        if not username or already_locked:
            return
        limits.add(ACCOUNT_FAILURES, username, _account_rate())
        if account_locked(username) and not request.axes_locked_out:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        limits.clear(ACCOUNT_FAILURES, user.get_username())


def lockout_response(request, original_response=None, credentials=None):
    """The page of a refused login: which lock applies, and until when."""
    username = get_client_username(request, credentials) or ""
    context = {"cooloff_timedelta": timedelta(hours=settings.AXES_COOLOFF_TIME)}
    if account_locked(username):
        context["account_locked_until"] = account_locked_until(username)
    return render(
        request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
