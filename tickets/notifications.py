"""Who gets which e-mail about a request, sent after commit through django-q2.

The lifecycle calls `schedule(event)` for every history entry; once the transaction commits,
one django-q2 task per recipient renders the e-mail in the recipient's language and sends
it, so a mail server that is down delays mail but never blocks or loses a request, and a
retry never sends the same mail to the others twice. Internal notes never reach customers:
customer e-mails only ever carry the public message of a public event.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django_q.tasks import async_task

from accounts.models import STAFF_ROLES, Role, User
from proftiket.batching import claim
from proftiket.mail import send_templated_mail
from tickets import sla_tracking
from tickets.models import TicketEvent

logger = logging.getLogger(__name__)
Kind = TicketEvent.Kind

# The history entries the customer hears about ...
CUSTOMER_EVENTS = frozenset(
    {
        Kind.CREATED,
        Kind.REPLIED,
        Kind.INFO_REQUESTED,
        Kind.RESOLVED,
        Kind.CONFIRMED,
        Kind.WITHDRAWN,
        Kind.CLOSED,
        Kind.AUTO_CLOSED,
        Kind.SPLIT,
        Kind.AUTO_CLOSE_REMINDER,
    }
)
# ... and those that go to the engineer (or, with none assigned, to all of support).
STAFF_EVENTS = frozenset({Kind.CREATED, Kind.CUSTOMER_REPLIED, Kind.DISPUTED, Kind.WITHDRAWN})
# SLA trouble: at risk goes to the engineer (supervisors when nobody is assigned); a missed
# target to the engineer and the supervisors; an untaken critical request to the supervisors.
SLA_EVENTS = frozenset({Kind.SLA_AT_RISK, Kind.SLA_BREACHED, Kind.ESCALATED})
# An assignment goes to the engineer who was given the request by someone else (never to the
# customer: who works on it inside support is support's business; never to oneself).
ASSIGNMENT_EVENTS = frozenset({Kind.ASSIGNED})
# Events whose note the e-mail quotes (the customer's reason, the new request's number).
NOTE_EVENTS = frozenset({Kind.DISPUTED, Kind.WITHDRAWN, Kind.SPLIT})
NOTIFIED_EVENTS = CUSTOMER_EVENTS | STAFF_EVENTS | SLA_EVENTS | ASSIGNMENT_EVENTS


def schedule(event) -> None:
    """Queue the e-mails for this history entry once the current transaction commits."""
    schedule_many([event])


_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted():
    """No e-mails for what happens inside (demo data: nobody is there to read them)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def schedule_many(events) -> None:
    """Queue the e-mails for several history entries (one task per batch) after commit."""
    if _muted.get():
        return
    ids = [
        e.pk for e in events if e.kind in NOTIFIED_EVENTS and (e.is_public or e.kind in SLA_EVENTS)
    ]
    if not ids:
        return
    # robust: the change is already committed; a failure to queue (or, with Q_CLUSTER "sync",
    # to send) the mail is logged and must not turn the user's successful action into an error.
    transaction.on_commit(
        lambda: async_task(
            "tickets.notifications.fan_out_many", ids, task_name=f"notify:{ids[0]}+"
        ),
        robust=True,
    )


def _active_supervisors():
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"))


def _active_support():
    support = Q(role=Role.AGENT) | Q(role=Role.SUPERVISOR)
    return list(User.objects.filter(support, is_active=True).order_by("pk"))


def recipients(event) -> list[tuple[User, str]]:
    """(user, audience) pairs for an event; audience is "customer" or "staff"."""
    ticket = event.ticket
    assignee = ticket.assignee if ticket.assignee_id and ticket.assignee.is_active else None
    result = []
    if event.kind in CUSTOMER_EVENTS and event.is_public and ticket.requester.is_active:
        result.append((ticket.requester, "customer"))
    if event.kind in STAFF_EVENTS and (event.actor is None or not event.actor.is_staff):
        staff = [assignee] if assignee else _active_support()
        result.extend((user, "staff") for user in staff)
    if event.kind == Kind.SLA_AT_RISK:
        staff = [assignee] if assignee else _active_supervisors()
        result.extend((user, "staff") for user in staff)
    if event.kind in {Kind.SLA_BREACHED, Kind.ESCALATED}:
        staff = [assignee] if assignee and event.kind == Kind.SLA_BREACHED else []
        staff += [user for user in _active_supervisors() if user not in staff]
        result.extend((user, "staff") for user in staff)
    if event.kind in ASSIGNMENT_EVENTS:
        result.extend((user, "staff") for user in _newly_assigned(event))
    return result


def _newly_assigned(event) -> list[User]:
    """The engineer an assignment named, unless they assigned themselves or left support."""
    assigned_id = (event.data or {}).get("to")
    if assigned_id is None or assigned_id == event.actor_id:
        return []
    return list(User.objects.filter(pk=assigned_id, is_active=True, role__in=STAFF_ROLES))


def fan_out_many(event_ids: list[int]) -> int:
    """django-q2 task: one delivery task per recipient of each event not handled yet.

    Each event is claimed (notified_at set) in the same transaction that queues its
    deliveries, so a retry of this task after a failure part-way never mails anyone twice.
    """
    pending = Q(notified_at__isnull=True)
    queued = 0
    for event_id in event_ids:
        with transaction.atomic():
            if claim(TicketEvent, pending, [event_id], {"notified_at": timezone.now()}):
                queued += fan_out(event_id)
    return queued


def fan_out(event_id: int) -> int:
    """django-q2 task: one delivery task per recipient. Returns how many were queued."""
    event = (
        TicketEvent.objects.select_related("ticket__requester", "ticket__assignee", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    pairs = recipients(event)
    for user, audience in pairs:
        async_task(
            "tickets.notifications.deliver",
            event_id,
            user.pk,
            audience,
            task_name=f"notify:event:{event_id}:user:{user.pk}",
        )
    return len(pairs)


def deliver(event_id: int, user_id: int, audience: str) -> None:
    """django-q2 task: render and send one e-mail (raises, so django-q2 retries it)."""
    event = TicketEvent.objects.select_related(
        "ticket__organization", "ticket__requester", "ticket__assignee", "actor", "comment"
    ).get(pk=event_id)
    user = User.objects.get(pk=user_id)
    with translation.override(user.language):
        context = _context(event, audience)
    send_templated_mail(
        template="ticket_event", to=user.email, context=context, language=user.language
    )
    logger.info("notified %s about %s (%s)", user.email, event.ticket.reference, event.kind)


def _context(event, audience: str) -> dict:
    ticket = event.ticket
    comment = event.comment
    if comment is not None and comment.is_internal:  # belt and braces: never leak a note
        comment = None
    if audience == "staff":
        path = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    else:
        path = ticket.get_absolute_url()
    return {
        "audience": audience,
        "kind": event.kind,
        "Kind": Kind,
        "kind_label": str(event.get_kind_display()),
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": str(ticket.get_status_display()),
        "type": str(ticket.get_type_display()),
        "priority": str(ticket.get_priority_display()),
        "organization": ticket.organization.name,
        "requester": ticket.requester.full_name,
        "actor": event.actor.full_name if event.actor else "",
        "message": comment.body if comment else "",
        "note": event.note if event.kind in NOTE_EVENTS else "",
        "close_reason": str(ticket.get_close_reason_display()) if ticket.close_reason else "",
        "url": f"{settings.SITE_URL}{path}",
        "description": ticket.description if event.kind == Kind.CREATED else "",
        "closes_on": _local_date(event.data.get("closes_at")),
        "sla_target": _target_label(event.data.get("target")),
        "assignee": ticket.assignee.full_name if ticket.assignee_id else "",
        "auto_close_days": sla_tracking.auto_close_days(ticket),
    }


def _local_date(iso_moment: str | None) -> str:
    if not iso_moment:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(iso_moment))
    # The request closes at the start of this day: the customer's last day is the one before.
    return formats.date_format(moment - timedelta(seconds=1), "DATE_FORMAT")


def _target_label(target: str | None) -> str:
    from sla.models import Breach

    return str(Breach.Target(target).label) if target in Breach.Target.values else ""
