"""`Idempotency-Key` on create and reply: a retried call gets the first answer, never a second
request or message.

The key's row is inserted first, in the transaction of the action itself: a concurrent call
with the same key waits on the unique index until the first one commits, then finds the
stored answer. Only successful answers are kept; a refused call stores nothing (its
transaction is rolled back), so the client may correct it and retry with the same key.
"""

import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class KeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"


def fingerprint(request) -> str:
    """What the call asked for: its path, its fields, its files' names and sizes."""
    data = request.data
    fields = {}
    if hasattr(data, "lists"):
        for key, values in data.lists():
            fields[key] = [v if isinstance(v, str) else [v.name, v.size] for v in values]
    else:
        fields = data
    text = json.dumps([request.method, request.path, fields], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord, print_: str) -> Response:
    if record.fingerprint != print_:
        raise KeyReused(
            _("This Idempotency-Key was already used for a different call with this token.")
        )
    return Response(
        record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"}
    )


def run(request, action: Callable[[], Response]) -> Response:
    """Run `action` once per (token, key); without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return action()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("Up to %(n)d printable characters.") % {"n": MAX_KEY_LENGTH}]}
        )
    print_ = fingerprint(request)
    records = IdempotencyRecord.objects.filter(
        token=request.auth, key=key, created_at__gt=timezone.now() - settings.API_IDEMPOTENCY_KEEP
    )
    if (stored := records.first()) is not None:
        return _replay(stored, print_)
    try:
        with transaction.atomic():
            # An expired row of the same key makes way for the new one.
            IdempotencyRecord.objects.filter(token=request.auth, key=key).delete()
            record = IdempotencyRecord.objects.create(
                token=request.auth, key=key, fingerprint=print_, status_code=0
            )
            response = action()
            record.status_code = response.status_code
            record.response = response.data
            record.save(update_fields=["status_code", "response"])
            return response
    except IntegrityError:
        # A concurrent call with the same key committed first: answer as it did.
        stored = records.first()
        if stored is None:
            raise
        return _replay(stored, print_)


def forget_old(*, now=None) -> int:
    """Scheduled: drop the keys older than API_IDEMPOTENCY_KEEP."""
    now = now or timezone.now()
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lte=now - settings.API_IDEMPOTENCY_KEEP
    ).delete()
    return deleted
