"""Race-safe, set-based claiming of rows for scheduled jobs."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Model, Q


class _Raced(Exception):
    pass


def claim(model: type[Model], condition: Q, ids: Sequence[int], updates: dict) -> list[int]:
    """Apply `updates` to those of `ids` that still satisfy `condition`; return their ids.

    One UPDATE for the whole batch; only when someone changed some of the rows since they
    were selected (a customer's reply, a second run of the job) does it fall back to one
    guarded UPDATE per row, so that it knows exactly which rows it changed. Call it inside a
    transaction that also writes what follows from the change (history, outbox).
    """
    if not ids:
        return []
    rows = model._default_manager.filter(condition)
    try:
        with transaction.atomic():
            if rows.filter(pk__in=ids).update(**updates) != len(ids):
                raise _Raced
        return list(ids)
    except _Raced:
        return [pk for pk in ids if rows.filter(pk=pk).update(**updates)]
