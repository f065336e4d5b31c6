"""Which requests, messages and files a user may see. Everything else is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from tickets.models import Attachment, Comment, Ticket, TicketEvent


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Staff see all requests; a customer manager their organisation's; a customer their own."""
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    if user.is_staff:
        return Ticket.objects.all()
    if user.role == Role.CUSTOMER_MANAGER:
        return Ticket.objects.filter(organization_id=user.organization_id)
    return Ticket.objects.filter(requester_id=user.pk, organization_id=user.organization_id)


def get_ticket_for_user(user: User, reference: str) -> Ticket:
    """The request with this ID if the user may see it; 404 whether it exists or not."""
    ticket = (
        visible_tickets(user)
        .by_reference(reference)
        .select_related("organization", "requester", "assignee")
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def visible_comments(user: User, ticket: Ticket) -> QuerySet[Comment]:
    comments = ticket.comments.all()
    return comments if user.is_staff else comments.filter(is_internal=False)


def visible_events(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    events = ticket.events.all()
    return events if user.is_staff else events.filter(is_public=True)


def visible_attachments(user: User, ticket: Ticket) -> QuerySet[Attachment]:
    attachments = ticket.attachments.all()
    return attachments if user.is_staff else attachments.filter(is_internal=False)


def get_attachment_for_user(user: User, ticket: Ticket, attachment_id: int) -> Attachment:
    """An attachment of a visible request; internal ones exist only for staff."""
    attachment = visible_attachments(user, ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment
