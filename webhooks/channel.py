"""Webhooks as a channel of the outbox (tickets.outbox): which history entries are sent where.

`wants` needs no query: a public entry of a kind some webhook could want. `deliver` writes one
WebhookDelivery per (entry, matching webhook), at most (the unique constraint is the marker,
so a retried dispatch adds nothing), then queues their sending. From then on the delivery
rows own the retries (webhooks.sending), so the entry is done for the outbox at once.
Internal notes and internal entries are never sent: a customer's webhook must not see them,
and support's own systems read those through the API.
"""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from tickets.models import Ticket, TicketEvent
from webhooks.models import EventType, Webhook, WebhookDelivery

Kind = TicketEvent.Kind
# History entries that carry a public message (the message is in the payload).
MESSAGE_KINDS = frozenset(
    {Kind.REPLIED, Kind.CUSTOMER_REPLIED, Kind.INFO_REQUESTED, Kind.RESOLVED, Kind.DISPUTED}
)


def types_of(event: TicketEvent) -> list[str]:
    """The webhook event types of a history entry, most specific first (none: not sent)."""
    if not event.is_public:
        return []
    types = []
    if event.kind == Kind.CREATED:
        types.append(EventType.CREATED)
    if event.kind == Kind.RESOLVED:
        types.append(EventType.RESOLVED)
    if event.to_status == Ticket.Status.CLOSED:
        types.append(EventType.CLOSED)
    if event.kind != Kind.CREATED and event.to_status and event.to_status != event.from_status:
        types.append(EventType.STATUS_CHANGED)
    if event.kind in MESSAGE_KINDS and event.comment_id:
        types.append(EventType.REPLIED)
    return [str(t) for t in types]


def payload(event: TicketEvent) -> dict:
    """The JSON body: the request as it is now, the entry, and its public message if any."""
    ticket = event.ticket
    body = {
        "type": types_of(event)[0],
        "types": types_of(event),
        "occurred_at": event.created_at.isoformat(),
        "ticket": {
            "reference": ticket.reference,
            "url": settings.SITE_URL + reverse("api:ticket", args=[ticket.reference]),
            "subject": ticket.subject,
            "status": ticket.status,
            "type": ticket.type,
            "priority": int(ticket.priority),
            "organization": ticket.organization.name,
        },
        "event": {
            "kind": event.kind,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "actor": event.actor.full_name if event.actor else None,
            "via_token": event.data.get("via_token"),
        },
        "message": None,
    }
    comment = event.comment
    if comment is not None and not comment.is_internal:
        body["message"] = {
            "id": comment.pk,
            "body": comment.body,
            "from_support": event.actor.is_staff if event.actor else True,
        }
    return body


class WebhookChannel:
    name = "webhook"

    def wants(self, event: TicketEvent) -> bool:
        return bool(types_of(event))

    def deliver(self, events):
        wanted = [event for event in events if types_of(event)]
        if not wanted:
            return [event.pk for event in events]
        organizations = {event.ticket.organization_id for event in wanted}
        hooks = list(
            Webhook.objects.filter(is_active=True).filter(
                Q(organization_id__in=organizations) | Q(organization__isnull=True)
            )
        )
        now = timezone.now()
        rows = []
        for event in wanted:
            types = set(types_of(event))
            body = None
            for hook in hooks:
                mine = hook.organization_id in (None, event.ticket.organization_id)
                if mine and types & set(hook.events):
                    body = body or payload(event)
                    rows.append(
                        WebhookDelivery(
                            webhook=hook,
                            event=event,
                            event_type=body["type"],
                            payload=body,
                            next_attempt_at=now,
                            retry_until=now + settings.WEBHOOK_RETRY_FOR,
                        )
                    )
        if rows:
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            due = list(
                WebhookDelivery.objects.filter(
                    event__in=wanted, state=WebhookDelivery.State.PENDING, attempts=0
                ).values_list("pk", flat=True)
            )
            if due:
                async_task("webhooks.sending.send_many", due, task_name="webhooks", save=False)
        return [event.pk for event in events]


WEBHOOKS = WebhookChannel()
