"""How every change of the lifecycle is written: the history entry (with the outbox's stamp, the
channel and the API token it came through), the guarded update that refuses a concurrent
change, the unguarded one of a message, and the row lock that decides on the current state.
"""

from django.db.models import F
from django.utils import timezone

from accounts import tokens
from accounts.models import User
from tickets import outbox
from tickets.lifecycle import channel
from tickets.lifecycle.rules import ConcurrentChange, concurrent_message
from tickets.models import Comment, Ticket, TicketEvent


def _record(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    comment: Comment | None = None,
    is_public: bool = True,
    data: dict | None = None,
    at=None,
    assigned_to: User | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket=ticket,
        actor=actor,
        kind=kind,
        note=note,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        is_public=is_public,
        # Through an API token: the history names it (accounts.tokens.acting_through).
        data=channel.current() | (data or {}) | tokens.provenance(),
        created_at=at or timezone.now(),
        assigned_to=assigned_to,
    )
    outbox.stamp(event).save(force_insert=True)
    outbox.publish([event])
    return event


def _touch(ticket: Ticket, *, expected_version: int | None = None, **updates) -> None:
    """Apply field updates, bump the version; refuse if the version moved under us."""
    now = timezone.now()
    # Guarded on the version this change was decided on (the form's, else the object's):
    # whatever someone else changed meanwhile is never silently overwritten.
    expected = expected_version if expected_version is not None else ticket.version
    rows = Ticket.objects.filter(pk=ticket.pk, version=expected).update(
        version=F("version") + 1, last_activity_at=now, **updates
    )
    if rows == 0:
        raise ConcurrentChange(concurrent_message(ticket))
    for field, value in updates.items():
        setattr(ticket, field, value)
    ticket.last_activity_at = now
    ticket.version = expected + 1


def _note_activity(ticket: Ticket, **updates) -> None:
    """A message moves the last activity, not the version: unguarded, it conflicts with nobody."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now, **updates)
    for field, value in updates.items():
        setattr(ticket, field, value)
    ticket.last_activity_at = now


def _lock_current(ticket: Ticket) -> None:
    """Re-read the request under a row lock: what follows is decided on its current state.

    FOR NO KEY UPDATE: it waits for another reply being decided, but not for rows that only
    reference the request (the comment just inserted holds such a lock on it).
    """
    ticket.refresh_from_db(from_queryset=Ticket.objects.select_for_update(no_key=True))
