"""Who gets which e-mail about a request, sent after commit through django-q2.

The lifecycle calls `schedule(event)` for every history entry; once the transaction commits,
one django-q2 task per recipient renders the e-mail in the recipient's language and sends
it, so a mail server that is down delays mail but never blocks or loses a request, and a
retry never sends the same mail to the others twice. Internal notes never reach customers:
customer e-mails only ever carry the public message of a public event.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django_q.tasks import async_task

from accounts.models import Role, User
from proftiket.mail import send_templated_mail

logger = logging.getLogger(__name__)

# Event kinds (tickets.models.TicketEvent.Kind values) the customer hears about.
CUSTOMER_EVENTS = frozenset(
    {"created", "replied", "info_requested", "resolved", "confirmed", "withdrawn", "closed",
     "auto_closed", "split"}
)  # fmt: skip
# ... and those that go to the engineer (or, with none assigned, to all of support).
STAFF_EVENTS = frozenset({"created", "customer_replied", "disputed", "withdrawn"})


def schedule(event) -> None:
    """Queue the e-mails for this history entry once the current transaction commits."""
    if not event.is_public:
        return
    if event.kind not in CUSTOMER_EVENTS | STAFF_EVENTS:
        return
    transaction.on_commit(
        lambda: async_task(
            "tickets.notifications.fan_out", event.pk, task_name=f"notify:event:{event.pk}"
        )
    )


def recipients(event) -> list[tuple[User, str]]:
    """(user, audience) pairs for an event; audience is "customer" or "staff"."""
    ticket = event.ticket
    result = []
    if event.kind in CUSTOMER_EVENTS and ticket.requester.is_active:
        result.append((ticket.requester, "customer"))
    if event.kind in STAFF_EVENTS and (event.actor is None or not event.actor.is_staff):
        if ticket.assignee_id and ticket.assignee.is_active:
            staff = [ticket.assignee]
        else:
            staff = User.objects.filter(
                Q(role=Role.AGENT) | Q(role=Role.SUPERVISOR), is_active=True
            ).order_by("pk")
        result.extend((user, "staff") for user in staff)
    return result


def fan_out(event_id: int) -> int:
    """django-q2 task: one delivery task per recipient. Returns how many were queued."""
    from tickets.models import TicketEvent

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
    from tickets.models import TicketEvent

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
        "note": event.note if event.kind in {"disputed", "withdrawn", "split"} else "",
        "close_reason": str(ticket.get_close_reason_display()) if ticket.close_reason else "",
        "url": f"{settings.SITE_URL}{path}",
        "description": ticket.description if event.kind == "created" else "",
    }
