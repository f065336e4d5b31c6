"""The demo history's past major incident (proftiket.demo_history writes the requests first)."""

from datetime import datetime, timedelta

from accounts.models import User
from tickets.models import Ticket, TicketEvent

S, Kind, Type = Ticket.Status, TicketEvent.Kind, Ticket.Type


PAST_INCIDENT_TITLE = "Сбой маршрутизации SMS в центре обработки данных"


def seed_past_incident(lead: User, *, organisations, now: datetime) -> None:
    """One outage a few months back: a closed Problem marked as the major incident, with the
    closed requests that two other organisations filed the same day attached to it; the
    marking and the attachments in the histories, as tickets.lifecycle.incidents writes them."""
    history = Ticket.objects.filter(organization__name__in=organisations, status=S.CLOSED)
    picked = _pick(history, now)
    if picked is None:
        return
    parent, marked, children = picked
    Ticket.objects.filter(pk=parent.pk).update(
        is_major_incident=True, incident_title=PAST_INCIDENT_TITLE
    )
    Ticket.objects.filter(pk__in=[c.pk for c, _at in children]).update(major_incident=parent)

    def event(ticket, kind, at, **fields):
        return TicketEvent(
            ticket=ticket, kind=kind, actor=lead, created_at=at, notified_at=at, **fields
        )

    events = [
        event(parent, Kind.INCIDENT_MARKED, marked, note=PAST_INCIDENT_TITLE, is_public=False)
    ]
    for child, attached in children:
        events.append(
            event(
                child,
                Kind.INCIDENT_ATTACHED,
                attached,
                note=PAST_INCIDENT_TITLE,
                data={"incident": parent.pk},
            )
        )
        events.append(
            event(
                parent,
                Kind.INCIDENT_ATTACHED,
                attached,
                note=child.reference,
                is_public=False,
                data={"ticket": child.pk},
            )
        )
    TicketEvent.objects.bulk_create(events)


def _pick(history, now: datetime):
    """The earliest closed Problem of 60–120 days ago for which two other organisations have
    closed requests filed within a day before it and still open when it was marked (+10 min);
    (parent, when it was marked, [(child, when attached)]) or None."""
    parents = history.filter(
        type=Type.PROBLEM,
        created_at__range=(now - timedelta(days=120), now - timedelta(days=60)),
    ).order_by("created_at")
    for parent in parents[:300]:
        marked = parent.created_at + timedelta(minutes=20)
        if marked >= parent.closed_at:
            continue
        nearby = history.filter(
            created_at__range=(parent.created_at - timedelta(days=1), parent.created_at),
        ).exclude(organization_id=parent.organization_id)
        children, seen = [], set()
        for child in nearby.order_by("-created_at"):
            attached = max(child.created_at, marked) + timedelta(minutes=10)
            if child.organization_id in seen or attached >= min(child.closed_at, parent.closed_at):
                continue
            children.append((child, attached))
            seen.add(child.organization_id)
            if len(children) == 2:
                return parent, marked, children
    return None
