"""Messages the portal has no button for: a customer's e-mail to a resolved request."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from tickets.lifecycle.actions import _add_comment, _lock_current, _note_activity, _record
from tickets.lifecycle.rules import Party, TransitionRefused, party_of
from tickets.models import Comment, Ticket, TicketEvent


@transaction.atomic
def comment_on_solution(ticket: Ticket, *, actor: User, body: str, files: Sequence = ()) -> Comment:
    """The customer writes about a proposed solution (by e-mail): the message is added and
    the request stays resolved. Words like "confirm" close nothing: confirming and disputing
    are the customer's explicit actions, by the links the e-mail answer sends again."""
    refused = _("%(ref)s is not waiting for your confirmation.") % {"ref": ticket.reference}
    if party_of(actor, ticket) != Party.CUSTOMER or ticket.status != Ticket.Status.RESOLVED:
        raise TransitionRefused(refused)
    comment = _add_comment(ticket, author=actor, body=body, internal=False, files=files)
    _lock_current(ticket)
    if ticket.status != Ticket.Status.RESOLVED:
        raise TransitionRefused(refused)
    _note_activity(ticket)
    _record(ticket, TicketEvent.Kind.CUSTOMER_REPLIED, actor=actor, comment=comment)
    return comment
