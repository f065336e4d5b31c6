"""The API's answers as plain data, built directly (DRF serializers cost ~2 ms a request at
50 a page); tickets.api.serializers describes the same shapes for the schema, and the contract
tests check every answer against it."""

from django.urls import reverse
from django.utils import timezone

from tickets.models import REFERENCE_PREFIX, Ticket

_TICKET_URL = None


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment is not None else None


def ticket_url(reference: str) -> str:
    global _TICKET_URL
    if _TICKET_URL is None:
        # reverse() once: every request's address differs only in its reference.
        _TICKET_URL = reverse("api:ticket", kwargs={"reference": "PT-0"})[: -len("PT-0/")]
    return f"{_TICKET_URL}{reference}/"


def summary(ticket: Ticket) -> dict:
    """A request in a list (organization, requester and assignee selected with it)."""
    reference = ticket.reference
    return {
        "reference": reference,
        "url": ticket_url(reference),
        "subject": ticket.subject,
        "type": ticket.type,
        "status": ticket.status,
        "status_display": str(Ticket.Status(ticket.status).label),
        "priority": int(ticket.priority),
        "priority_display": str(Ticket.Priority(ticket.priority).label),
        "blocks_work": ticket.blocks_work,
        "organization": ticket.organization.name,
        "requester": ticket.requester.full_name,
        "assignee": ticket.assignee.full_name if ticket.assignee_id else None,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.last_activity_at),
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
    }


def attachment(file) -> dict:
    reference = f"{REFERENCE_PREFIX}{file.ticket_id}"
    return {
        "id": file.pk,
        "name": file.original_name,
        "size": file.size,
        "content_type": file.content_type,
        "url": f"{ticket_url(reference)}attachments/{file.pk}/",
    }


def message(entry) -> dict:
    comment = entry.comment
    return {
        "id": comment.pk,
        "author": comment.author.full_name,
        "from_support": comment.author.is_staff,
        "internal": comment.is_internal,
        "body": comment.body,
        "created_at": _iso(comment.created_at),
        "attachments": [attachment(file) for file in entry.files],
    }


def event(item) -> dict:
    return {
        "kind": item.kind,
        "kind_display": str(item.get_kind_display()),
        "from_status": item.from_status,
        "to_status": item.to_status,
        "note": item.note,
        "actor": item.actor.full_name if item.actor_id else None,
        "via_token": item.data.get("via_token"),
        "created_at": _iso(item.created_at),
    }
