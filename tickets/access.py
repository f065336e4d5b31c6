"""Who may see which requests, messages, files and reports. Everything else is a 404.

The one place that decides it: the portal, the console, the lifecycle (party_of) and the
report pages all ask here.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from tickets.models import Attachment, Comment, Ticket, TicketEvent

VIEW_REPORTS = "tickets.view_reports"


def _customer_scope(user: User) -> dict:
    """The requests a customer sees, as field values: a customer manager all of their
    organisation's, any other customer their own (within their current organisation)."""
    scope = {"organization_id": user.organization_id}
    if user.role != Role.CUSTOMER_MANAGER:
        scope["requester_id"] = user.pk
    return scope


def _signed_in(user: User) -> bool:
    return user.is_authenticated and user.is_active


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Staff see all requests; a customer manager their organisation's; a customer their own."""
    if not _signed_in(user):
        return Ticket.objects.none()
    if user.is_staff:
        return Ticket.objects.all()
    return Ticket.objects.filter(**_customer_scope(user))


def can_see(user: User, ticket: Ticket) -> bool:
    """The rule of visible_tickets, for a request already loaded."""
    if not _signed_in(user):
        return False
    if user.is_staff:
        return True
    return all(getattr(ticket, field) == value for field, value in _customer_scope(user).items())


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


def can_view_reports(user: User) -> bool:
    """Support's report pages: staff with the reports permission (supervisors, administrators)."""
    return _signed_in(user) and user.is_staff and user.has_perm(VIEW_REPORTS)


def sla_report_organization(user: User) -> int:
    """The organisation whose SLA report a customer may read: a customer manager's own, as
    they see its requests; anyone else is refused (403)."""
    if not (_signed_in(user) and user.is_customer_manager):
        raise PermissionDenied
    return user.organization_id
