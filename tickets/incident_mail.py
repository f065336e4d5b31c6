"""E-mail about a major incident: one per person, not one per request.

An update on the incident, and its resolution when it resolved children, is written as ONE
history entry on the incident whose data lists the children (tickets.lifecycle.incidents).
Its customers are the distinct requesters of the incident and of those children; each gets
one e-mail (the outbox's Delivery row is per entry and address), in their language, naming
only their own requests. The children's own entries of the same step carry
`data["incident"]` and are not mailed (`covered`).
"""

from django.conf import settings

from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind
AUDIENCE = "incident"


def covered(event) -> bool:
    """A child's entry of an incident step: its customer hears through the incident's entry."""
    return bool((event.data or {}).get("incident"))


def broadcast(event) -> bool:
    """The incident's own entry of an update, or of a resolution that resolved children."""
    return "children" in (event.data or {})


def affected_requests(event) -> dict[int, list[Ticket]]:
    """Requester id → their own requests among the incident and its listed children (read
    once per entry and dispatch: one query whatever the number of people)."""
    owned = getattr(event, "_affected_requests", None)
    if owned is None:
        ids = [event.ticket_id, *event.data.get("children", [])]
        owned = {}
        tickets = Ticket.objects.filter(pk__in=ids).select_related("requester").order_by("pk")
        for ticket in tickets:
            owned.setdefault(ticket.requester_id, []).append(ticket)
        event._affected_requests = owned
    return owned


def recipients(event) -> list:
    """(person, "incident") once per active requester of the incident or a listed child."""
    people = []
    for tickets in affected_requests(event).values():
        requester = tickets[0].requester
        if requester.is_active:
            people.append((requester, AUDIENCE))
    return people


def context(event, _audience: str = AUDIENCE, *, person) -> dict:
    """What the e-mail to this person says: the incident's public title and message, and
    their own requests (never another customer's) with links."""
    own = affected_requests(event).get(person.pk, [])
    incident = event.ticket
    comment = event.comment if event.comment is not None and not event.comment.is_internal else None
    return {
        "audience": AUDIENCE,
        "kind": event.kind,
        "Kind": Kind,
        "title": incident.incident_title or incident.subject,
        "message": comment.body if comment else "",
        "actor": event.actor.full_name if event.actor else "",
        "resolved": event.kind == Kind.RESOLVED,
        "references": ", ".join(ticket.reference for ticket in own),
        "requests": [
            {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "url": f"{settings.SITE_URL}{ticket.get_absolute_url()}",
            }
            for ticket in own
        ],
    }
