"""The lifecycle's batch jobs: automatic closing, reminders, history entries by the thousand.

Set-based: each batch is claimed with a guarded UPDATE (proftiket.batching.claim) in one
short transaction, so a second run at the same time, or a rerun after a crash, changes and
notifies each request once.
"""

import logging
from contextlib import contextmanager

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from proftiket.batching import claim
from tickets import outbox
from tickets.models import Ticket, TicketEvent

logger = logging.getLogger(__name__)
S = Ticket.Status
Kind = TicketEvent.Kind

AUTO_CLOSE_BATCH = 1000


def auto_close_candidates(*, now):
    """Resolved requests whose automatic closing moment has passed."""
    return Ticket.objects.filter(status=S.RESOLVED, auto_close_at__lte=now)


def auto_close_due(*, now=None, batch_size: int = AUTO_CLOSE_BATCH) -> list[int]:
    """Close, in batches, every resolved request the customer left unanswered long enough.

    Each batch is one short transaction: a guarded UPDATE (a customer who confirmed,
    disputed or withdrew meanwhile wins: the row no longer matches), the history entries and
    their dispatch by the outbox. Safe to run twice at once or again after a crash.
    """
    now = now or timezone.now()
    due = Q(status=S.RESOLVED, auto_close_at__lte=now)
    updates = {
        "status": S.CLOSED,
        "closed_at": now,
        "close_reason": Ticket.CloseReason.AUTO,
        "auto_close_at": None,
        "auto_close_reminder_at": None,
        "last_activity_at": now,
        "status_changed_at": now,
        "version": F("version") + 1,
    }
    closed: list[int] = []
    while ids := _next_batch(auto_close_candidates(now=now), "auto_close_at", batch_size):
        with _logged_batch("auto-closing", ids), transaction.atomic():
            done = claim(Ticket, due, ids, updates)
            record_many(done, Kind.AUTO_CLOSED, from_status=S.RESOLVED, to_status=S.CLOSED, now=now)
        closed += done
    return closed


def send_auto_close_reminders(*, now=None, batch_size: int = AUTO_CLOSE_BATCH) -> list[int]:
    """Tell customers, once, that their resolved request is about to close by itself."""
    now = now or timezone.now()
    due = Q(status=S.RESOLVED, auto_close_reminder_at__lte=now, auto_close_at__gt=now)
    reminded: list[int] = []
    while ids := _next_batch(Ticket.objects.filter(due), "auto_close_reminder_at", batch_size):
        with _logged_batch("auto-close reminders", ids), transaction.atomic():
            done = claim(Ticket, due, ids, {"auto_close_reminder_at": None})
            closing = dict(Ticket.objects.filter(pk__in=done).values_list("pk", "auto_close_at"))
            record_many(
                done,
                Kind.AUTO_CLOSE_REMINDER,
                now=now,
                data_of=lambda pk, closing=closing: {"closes_at": closing[pk].isoformat()},
            )
        reminded += done
    return reminded


@contextmanager
def _logged_batch(what: str, ids):
    """A failed batch is rolled back whole and logged with its request IDs (q2 retries)."""
    try:
        yield
    except Exception:
        references = ", ".join(f"PT-{pk}" for pk in ids[:50])
        logger.exception("%s failed for a batch of %d requests: %s", what, len(ids), references)
        raise


def _next_batch(queryset, order_field: str, batch_size: int) -> list[int]:
    return list(queryset.order_by(order_field, "pk").values_list("pk", flat=True)[:batch_size])


def record_many(
    ticket_ids,
    kind: str,
    *,
    now,
    from_status: str = "",
    to_status: str = "",
    is_public: bool = True,
    data_of=None,
) -> list[TicketEvent]:
    """History entries of the system for many requests at once, dispatched by the outbox."""
    events = TicketEvent.objects.bulk_create(
        outbox.stamp(
            TicketEvent(
                ticket_id=pk,
                actor=None,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                is_public=is_public,
                created_at=now,
                data=data_of(pk) if data_of else {},
            )
        )
        for pk in ticket_ids
    )
    outbox.publish(events)
    return events
