"""The lifecycle's rules: who may do what to a request, from which status.

The TRANSITIONS table is the contract's rules; party_of says how a user stands towards a
request (through tickets.access, which decides who may see it); templates and the console
ask `available_actions`, `can_reply` and `can_add_note` instead of reading statuses.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from tickets import access
from tickets.models import (
    CLOCK_RUNNING_STATUSES,
    NOT_CLOSED_STATUSES,
    OPEN_STATUSES,
    Ticket,
    TicketEvent,
)

S = Ticket.Status
Kind = TicketEvent.Kind


class TransitionRefused(Exception):
    """The action is not allowed for this user on this request in its current state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConcurrentChange(TransitionRefused):
    """Someone changed the request between the moment it was read and this action."""


class NoContract(TransitionRefused):
    """The organisation has no support contract in force today."""


def no_contract_message() -> str:
    from django.conf import settings

    return _(
        "Your organisation has no support contract in force, so new requests cannot be filed. "
        "Please contact us to renew it: %(contact)s."
    ) % {"contact": settings.SUPPORT_CONTACT}


class Party(StrEnum):
    CUSTOMER = "customer"  # the requester, or a customer manager of the organisation
    STAFF = "staff"  # agents, supervisors, administrators
    SYSTEM = "system"  # scheduled jobs


class Action(StrEnum):
    TAKE = "take"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    AUTO_CLOSE = "auto_close"


ACTION_LABELS = {
    Action.TAKE: gettext_lazy("Take into work"),
    Action.REQUEST_INFO: gettext_lazy("Request information"),
    Action.PROVIDE_INFO: gettext_lazy("Provide the information"),
    Action.RESOLVE: gettext_lazy("Resolve"),
    Action.CONFIRM: gettext_lazy("Confirm the solution"),
    Action.DISPUTE: gettext_lazy("Dispute the solution"),
    Action.REOPEN: gettext_lazy("Reopen"),
    Action.WITHDRAW: gettext_lazy("Withdraw the request"),
    Action.CLOSE: gettext_lazy("Close"),
    Action.AUTO_CLOSE: gettext_lazy("Close automatically"),
}


@dataclass(frozen=True)
class Transition:
    """An action's rule: from which statuses, to which one, by whom, recorded as what."""

    sources: tuple[str, ...]
    target: str
    party: Party
    event: str


STAFF, CUSTOMER, SYSTEM = Party.STAFF, Party.CUSTOMER, Party.SYSTEM
# The contract's rules. A closed request stays closed: a new question is a new request.
# fmt: off
_RULES = [
    # action             from                    to             who       history entry
    (Action.TAKE,         (S.NEW,),               S.IN_PROGRESS, STAFF,    Kind.STATUS_CHANGED),
    (Action.REQUEST_INFO, CLOCK_RUNNING_STATUSES, S.WAITING,     STAFF,    Kind.INFO_REQUESTED),
    (Action.PROVIDE_INFO, (S.WAITING,),           S.IN_PROGRESS, CUSTOMER, Kind.CUSTOMER_REPLIED),
    (Action.RESOLVE,      OPEN_STATUSES,          S.RESOLVED,    STAFF,    Kind.RESOLVED),
    (Action.CONFIRM,      (S.RESOLVED,),          S.CLOSED,      CUSTOMER, Kind.CONFIRMED),
    (Action.DISPUTE,      (S.RESOLVED,),          S.IN_PROGRESS, CUSTOMER, Kind.DISPUTED),
    (Action.REOPEN,       (S.RESOLVED,),          S.IN_PROGRESS, STAFF,    Kind.REOPENED),
    (Action.WITHDRAW,     NOT_CLOSED_STATUSES,    S.CLOSED,      CUSTOMER, Kind.WITHDRAWN),
    (Action.CLOSE,        NOT_CLOSED_STATUSES,    S.CLOSED,      STAFF,    Kind.CLOSED),
    (Action.AUTO_CLOSE,   (S.RESOLVED,),          S.CLOSED,      SYSTEM,   Kind.AUTO_CLOSED),
]
# fmt: on
TRANSITIONS: dict[Action, Transition] = {action: Transition(*rule) for action, *rule in _RULES}

CLOSE_REASONS = {
    Action.CONFIRM: Ticket.CloseReason.CONFIRMED,
    Action.WITHDRAW: Ticket.CloseReason.WITHDRAWN,
    Action.CLOSE: Ticket.CloseReason.SUPPORT,
    Action.AUTO_CLOSE: Ticket.CloseReason.AUTO,
}


def party_of(user: User | None, ticket: Ticket) -> Party | None:
    """How `user` stands towards this request (None: no business with it at all)."""
    if user is None:
        return Party.SYSTEM
    if not access.can_see(user, ticket):
        return None
    return Party.STAFF if user.is_staff else Party.CUSTOMER


def can(user: User | None, ticket: Ticket, action: Action) -> bool:
    """May `user` take `action` on `ticket` in its current state?"""
    transition = TRANSITIONS[action]
    return ticket.status in transition.sources and party_of(user, ticket) == transition.party


def available_actions(user: User | None, ticket: Ticket) -> list[Action]:
    """The actions that templates and the admin offer to this user now, in table order."""
    return [action for action in TRANSITIONS if can(user, ticket, action)]


def can_reply(user: User, ticket: Ticket) -> bool:
    """Public replies: staff on any request not closed; the customer while work goes on."""
    party = party_of(user, ticket)
    if party == Party.STAFF:
        return ticket.status != S.CLOSED
    return party == Party.CUSTOMER and ticket.status in OPEN_STATUSES


def can_add_note(user: User, ticket: Ticket) -> bool:
    return party_of(user, ticket) == Party.STAFF


def require(user: User | None, ticket: Ticket, action: Action) -> None:
    if not can(user, ticket, action):
        raise TransitionRefused(
            _("%(action)s is not possible for %(ref)s while it is “%(status)s”.")
            % {
                "action": ACTION_LABELS[action],
                "ref": ticket.reference,
                "status": ticket.get_status_display(),
            }
        )


def require_staff(user: User, ticket: Ticket) -> None:
    if party_of(user, ticket) != Party.STAFF:
        raise TransitionRefused(_("Only support staff can do this."))


def concurrent_message(ticket: Ticket) -> str:
    """What to tell a user whose action came after someone else's change of the request."""
    return _(
        "%(ref)s was changed by someone else a moment ago. Reload the page to see what "
        "changed; nothing of yours has been saved."
    ) % {"ref": ticket.reference}
