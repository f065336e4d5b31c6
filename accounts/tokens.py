"""API tokens: made, shown once, found by their prefix, checked against a digest, revoked.

A token reads `pt_<prefix>_<secret>`. The prefix (public, unique) finds the row; only the
SHA-256 of the whole token is stored, compared in constant time. A random 256-bit secret needs
no slow hash: nobody can guess it, so the digest only has to keep a stolen database useless.
"""

import hashlib
import hmac
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken, User

TOKEN_START = "pt_"  # noqa: S105  (a format marker, not a secret)
# last_used_at is written at most this often per token: not one UPDATE per API call.
LAST_USED_EVERY = timedelta(minutes=1)

_acting_token: ContextVar[ApiToken | None] = ContextVar("acting_token", default=None)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    *, user: User, name: str, scope: str, expires_at=None, created_by: User | None
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with its raw value, which is never shown again."""
    token = ApiToken(name=name, user=user, scope=scope, expires_at=expires_at)
    return token, issue(token, created_by=created_by)


def issue(token: ApiToken, *, created_by: User | None) -> str:
    """Give an unsaved token its secret and save it; returns the raw value (shown once)."""
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    token.prefix = prefix
    token.digest = _digest(raw)
    token.organization_id = token.user.organization_id
    token.created_by = created_by
    token.save(force_insert=True)
    return raw


def find_token(raw: str, *, now=None) -> ApiToken | None:
    """The usable token this raw value belongs to (one query), None otherwise."""
    now = now or timezone.now()
    parts = raw.split("_") if raw.startswith(TOKEN_START) else []
    if len(parts) < 3 or not parts[1]:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.is_usable(now):
        return None
    _note_use(token, now)
    return token


def _note_use(token: ApiToken, now) -> None:
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_EVERY:
        # Guarded, so that concurrent calls within the minute write it once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now


def revoke(token: ApiToken, *, now=None) -> None:
    """The token stops working at once; the row stays for the record."""
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.revoked_at = token.revoked_at or now


def organization_tokens(organization_id: int):
    """A customer manager's page: their organisation's tokens, newest first."""
    return ApiToken.objects.filter(organization_id=organization_id).select_related("user")


@contextmanager
def acting_through(token: ApiToken | None):
    """What happens inside is done through this token: the history names it."""
    reset = _acting_token.set(token)
    try:
        yield
    finally:
        _acting_token.reset(reset)


def provenance() -> dict:
    """For a history entry's data: the token it was made through, if any."""
    token = _acting_token.get()
    return {"via_token": token.name, "via_token_id": token.pk} if token else {}
