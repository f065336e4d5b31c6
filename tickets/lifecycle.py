"""The ticket lifecycle: the only code that changes Ticket.status and writes its history.

Every public function is one domain action in one transaction: it checks who may do it
now (the TRANSITIONS table), applies it with a guarded UPDATE so that a concurrent change is
refused instead of overwritten, writes the TicketEvent, and schedules the notifications to
be sent after commit. Views, the admin and jobs call these functions and nothing else.
"""

import logging
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from proftiket.batching import claim
from sla.models import active_contract
from tickets import attachments as attachment_rules
from tickets import notifications, sla_tracking
from tickets.models import (
    CLOCK_RUNNING_STATUSES,
    NOT_CLOSED_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Comment,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)
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


def _no_contract_message() -> str:
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


# --- Who is who -------------------------------------------------------------------------


def party_of(user: User | None, ticket: Ticket) -> Party | None:
    """How `user` stands towards this request (None: no business with it at all)."""
    if user is None:
        return Party.SYSTEM
    if not user.is_active:
        return None
    if user.is_staff:
        return Party.STAFF
    if ticket.organization_id != user.organization_id:
        return None
    if ticket.requester_id == user.pk or user.role == Role.CUSTOMER_MANAGER:
        return Party.CUSTOMER
    return None


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


def _require(user: User | None, ticket: Ticket, action: Action) -> None:
    if not can(user, ticket, action):
        raise TransitionRefused(
            _("%(action)s is not possible for %(ref)s while it is “%(status)s”.")
            % {"action": ACTION_LABELS[action], "ref": ticket.reference,
               "status": ticket.get_status_display()}
        )  # fmt: skip


def _require_staff(user: User, ticket: Ticket) -> None:
    if party_of(user, ticket) != Party.STAFF:
        raise TransitionRefused(_("Only support staff can do this."))


# --- Internals -----------------------------------------------------------------------------


def _record(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    comment: Comment | None = None,
    is_public: bool = True,
    data: dict | None = None,
    at=None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        note=note,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        is_public=is_public,
        data=data or {},
        created_at=at or timezone.now(),
    )
    notifications.schedule(event)
    return event


def _touch(ticket: Ticket, *, expected_version: int | None = None, **updates) -> None:
    """Apply field updates, bump the version; refuse if the version moved under us."""
    now = timezone.now()
    # Guarded on the version this change was decided on (the form's, else the object's):
    # whatever someone else changed meanwhile is never silently overwritten.
    expected = expected_version if expected_version is not None else ticket.version
    rows = Ticket.objects.filter(pk=ticket.pk, version=expected).update(
        version=F("version") + 1, last_activity_at=now, **updates
    )
    if rows == 0:
        raise ConcurrentChange(concurrent_message(ticket))
    for field, value in updates.items():
        setattr(ticket, field, value)
    ticket.last_activity_at = now
    ticket.version = expected + 1


def concurrent_message(ticket: Ticket) -> str:
    """What to tell a user whose action came after someone else's change of the request."""
    return _(
        "%(ref)s was changed by someone else a moment ago. Reload the page to see what "
        "changed; nothing of yours has been saved."
    ) % {"ref": ticket.reference}


def _move(
    ticket: Ticket,
    action: Action,
    *,
    actor: User | None,
    note: str = "",
    comment: Comment | None = None,
    now=None,
    **updates,
) -> TicketEvent:
    """Change the status as the table says, guarded against a concurrent change."""
    _require(actor, ticket, action)
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    old = ticket.status
    if transition.target == S.CLOSED:
        updates |= {"closed_at": now, "close_reason": CLOSE_REASONS[action]}
    if transition.target == S.RESOLVED:
        updates |= {"resolved_at": now, "resolution_time": sla_tracking.elapsed(ticket, until=now)}
        _record_if_late(ticket, "resolution", at=now)
    updates |= sla_tracking.on_status_change(ticket, old=old, new=transition.target, now=now)
    # Guard on the status we decided on: if it moved meanwhile, the decision is void.
    rows = (
        Ticket.objects.filter(pk=ticket.pk, status=old, version=ticket.version)
        .update(status=transition.target, version=F("version") + 1, last_activity_at=now,
                status_changed_at=now, **updates)
    )  # fmt: skip
    if rows == 0:
        raise ConcurrentChange(concurrent_message(ticket))
    for field, value in updates.items():
        setattr(ticket, field, value)
    ticket.status = transition.target
    ticket.last_activity_at = ticket.status_changed_at = now
    ticket.version += 1
    return _record(
        ticket,
        transition.event,
        actor=actor,
        note=note,
        from_status=old,
        to_status=transition.target,
        comment=comment,
        at=now,
    )


def _add_comment(
    ticket: Ticket, *, author: User, body: str, internal: bool, files: Sequence = ()
) -> Comment:
    comment = Comment.objects.create(ticket=ticket, author=author, body=body, is_internal=internal)
    _attach(ticket, files, uploaded_by=author, comment=comment)
    return comment


def _attach(ticket: Ticket, files: Iterable, *, uploaded_by: User, comment=None) -> None:
    for upload in files:
        Attachment.objects.create(
            ticket=ticket,
            comment=comment,
            file=upload,
            original_name=attachment_rules.safe_download_name(upload.name),
            size=upload.size,
            content_type=attachment_rules.content_type_for(upload.name),
            sha256=attachment_rules.checksum(upload),
            uploaded_by=uploaded_by,
            is_internal=bool(comment and comment.is_internal),
        )


def _first_response(ticket: Ticket, actor: User) -> dict:
    """The first public message by support meets the first-response target."""
    if ticket.first_response_at is None and actor.is_staff:
        now = timezone.now()
        _record_if_late(ticket, "first_response", at=now)
        return {
            "first_response_at": now,
            "first_response_time": sla_tracking.elapsed(ticket, until=now),
        }
    return {}


def _record_if_late(ticket: Ticket, target: str, *, at) -> None:
    if missed := sla_tracking.missed(ticket, target, at=at):
        due, late_by = missed
        sla_tracking.record_breach(ticket, target, due_at=due, met_at=at, late_by=late_by)


# --- Customer actions --------------------------------------------------------------------------


@transaction.atomic
def create_ticket(
    *,
    requester: User,
    type: str,
    subject: str,
    description: str,
    technical_details: str = "",
    blocks_work: bool = False,
    files: Sequence = (),
    follow_up_of: Ticket | None = None,
) -> Ticket:
    """File a new request for the requester's organisation."""
    if not requester.is_customer or not requester.is_active:
        raise TransitionRefused(_("Only customers can file requests in the portal."))
    now = timezone.now()
    contract = active_contract(requester.organization_id, timezone.localdate(now))
    if contract is None:
        raise NoContract(_no_contract_message())
    ticket = Ticket(
        organization_id=requester.organization_id,
        requester=requester,
        type=type,
        priority=Ticket.initial_priority(type, blocks_work=blocks_work),
        subject=subject,
        description=description,
        technical_details=technical_details,
        blocks_work=blocks_work,
        contract=contract,
        plan=contract.plan,
        created_at=now,
        last_activity_at=now,
        status_changed_at=now,
    )
    for field, value in sla_tracking.on_filing(ticket).items():
        setattr(ticket, field, value)
    ticket.save()
    _attach(ticket, files, uploaded_by=requester)
    data = {}
    if follow_up_of is not None:
        ticket.related.add(follow_up_of)
        data["follow_up_of"] = follow_up_of.reference
    _record(ticket, Kind.CREATED, actor=requester, to_status=S.NEW, data=data)
    return ticket


@transaction.atomic
def reply(ticket: Ticket, *, actor: User, body: str, files: Sequence = ()) -> Comment:
    """A public message. From the customer on a request waiting for them, work resumes."""
    if not can_reply(actor, ticket):
        raise TransitionRefused(_("Replies to %(ref)s are closed.") % {"ref": ticket.reference})
    comment = _add_comment(ticket, author=actor, body=body, internal=False, files=files)
    if actor.is_staff:
        if ticket.status == S.NEW:
            _move(ticket, Action.TAKE, actor=actor, **_first_response(ticket, actor))
        else:
            _touch(ticket, **_first_response(ticket, actor))
        _record(ticket, Kind.REPLIED, actor=actor, comment=comment)
    elif ticket.status == S.WAITING:
        _move(ticket, Action.PROVIDE_INFO, actor=actor, comment=comment)
    else:
        _touch(ticket)
        _record(ticket, Kind.CUSTOMER_REPLIED, actor=actor, comment=comment)
    return comment


@transaction.atomic
def confirm(ticket: Ticket, *, actor: User) -> TicketEvent:
    """The customer accepts the solution: the request is closed."""
    return _move(ticket, Action.CONFIRM, actor=actor)


@transaction.atomic
def dispute(ticket: Ticket, *, actor: User, reason: str, files: Sequence = ()) -> TicketEvent:
    """The customer disagrees with the solution, with a written reason: work resumes."""
    if not reason.strip():
        raise TransitionRefused(_("Please explain why the solution does not work for you."))
    _require(actor, ticket, Action.DISPUTE)
    comment = _add_comment(ticket, author=actor, body=reason, internal=False, files=files)
    return _move(ticket, Action.DISPUTE, actor=actor, note=reason, comment=comment)


@transaction.atomic
def withdraw(ticket: Ticket, *, actor: User, reason: str = "") -> TicketEvent:
    """The customer no longer needs the request: it is closed as withdrawn."""
    return _move(ticket, Action.WITHDRAW, actor=actor, note=reason)


# --- Support actions -----------------------------------------------------------------------------


@transaction.atomic
def take(ticket: Ticket, *, actor: User) -> None:
    """The engineer assigns the request to themselves and starts work on it."""
    _require_staff(actor, ticket)
    if ticket.status == S.CLOSED:
        raise TransitionRefused(_("%(ref)s is closed.") % {"ref": ticket.reference})
    if ticket.assignee_id not in (None, actor.pk) and not actor.has_perm("tickets.assign_others"):
        # Taking a colleague's request is reassigning it: a supervisor's decision.
        raise TransitionRefused(
            _("%(ref)s is assigned to %(name)s; only supervisors reassign requests.")
            % {"ref": ticket.reference, "name": ticket.assignee.full_name}
        )
    if ticket.assignee_id != actor.pk:
        _assign(ticket, actor, actor=actor)
    if ticket.status == S.NEW:
        _move(ticket, Action.TAKE, actor=actor)


@transaction.atomic
def assign(
    ticket: Ticket, *, actor: User, assignee: User | None, expected_version: int | None = None
) -> None:
    """Set (or clear) the engineer; assigning someone else needs the supervisor's right."""
    _require_staff(actor, ticket)
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise TransitionRefused(_("Only support staff can be assigned."))
    releasing_own = assignee is None and ticket.assignee_id == actor.pk
    if assignee != actor and not releasing_own and not actor.has_perm("tickets.assign_others"):
        raise TransitionRefused(_("Only supervisors assign requests to other engineers."))
    if ticket.status == S.CLOSED:
        raise TransitionRefused(_("%(ref)s is closed.") % {"ref": ticket.reference})
    if ticket.assignee_id != (assignee.pk if assignee else None):
        _assign(ticket, assignee, actor=actor, expected_version=expected_version)


def _assign(ticket, assignee, *, actor, expected_version=None):
    previous = ticket.assignee
    _touch(ticket, expected_version=expected_version, assignee=assignee)
    _record(
        ticket,
        Kind.ASSIGNED,
        actor=actor,
        note=assignee.full_name if assignee else "",
        data={"from": previous.pk if previous else None, "to": assignee.pk if assignee else None},
    )


@transaction.atomic
def set_executors(ticket: Ticket, *, actor: User, executors: Iterable[User]) -> None:
    """Further engineers working on the request besides the assignee."""
    _require_staff(actor, ticket)
    executors = [user for user in executors if user.is_staff and user.is_active]
    ticket.executors.set(executors)
    _touch(ticket)
    names = ", ".join(user.full_name for user in executors)
    _record(ticket, Kind.EXECUTORS_CHANGED, actor=actor, note=names, is_public=False)


@transaction.atomic
def set_priority(
    ticket: Ticket, *, actor: User, priority: int, expected_version: int | None = None
) -> None:
    """Support changes the priority; recorded with the old and new value."""
    _require_staff(actor, ticket)
    if ticket.status == S.CLOSED:
        raise TransitionRefused(_("%(ref)s is closed.") % {"ref": ticket.reference})
    priority = Ticket.Priority(int(priority))
    if priority == ticket.priority:
        return
    old = Ticket.Priority(ticket.priority)
    _touch(ticket, expected_version=expected_version, priority=priority,
           **sla_tracking.on_priority_change(ticket, priority=priority))  # fmt: skip
    _record(
        ticket,
        Kind.PRIORITY_CHANGED,
        actor=actor,
        note=f"{old.label} → {priority.label}",
        data={"from": int(old), "to": int(priority)},
    )


@transaction.atomic
def add_note(ticket: Ticket, *, actor: User, body: str, files: Sequence = ()) -> Comment:
    """An internal note: staff only, never shown or sent to the customer."""
    if not can_add_note(actor, ticket):
        raise TransitionRefused(_("Only support staff can add internal notes."))
    comment = _add_comment(ticket, author=actor, body=body, internal=True, files=files)
    _touch(ticket)
    _record(ticket, Kind.NOTE_ADDED, actor=actor, comment=comment, is_public=False)
    return comment


@transaction.atomic
def request_info(ticket: Ticket, *, actor: User, question: str, files: Sequence = ()) -> Comment:
    """Ask the customer for information: the request waits for them."""
    _require(actor, ticket, Action.REQUEST_INFO)
    comment = _add_comment(ticket, author=actor, body=question, internal=False, files=files)
    _move(ticket, Action.REQUEST_INFO, actor=actor, comment=comment,
          **_first_response(ticket, actor))  # fmt: skip
    return comment


@transaction.atomic
def resolve(ticket: Ticket, *, actor: User, solution: str, files: Sequence = ()) -> Comment:
    """Propose a solution as a public reply: the request is Resolved until the customer answers."""
    if not solution.strip():
        raise TransitionRefused(_("Describe the solution for the customer."))
    _require(actor, ticket, Action.RESOLVE)
    comment = _add_comment(ticket, author=actor, body=solution, internal=False, files=files)
    _move(ticket, Action.RESOLVE, actor=actor, comment=comment, **_first_response(ticket, actor))
    return comment


@transaction.atomic
def reopen(ticket: Ticket, *, actor: User, note: str = "") -> TicketEvent:
    """Support takes a resolved request back into work (the note stays internal)."""
    event = _move(ticket, Action.REOPEN, actor=actor)
    _internal_reason(ticket, actor, note)
    return event


def _internal_reason(ticket: Ticket, actor: User, note: str) -> None:
    # Support's reasons ("duplicate of PT-…", possibly another customer's request) are for
    # support: kept as an internal note, never in the customer-visible history entry.
    if note.strip():
        comment = _add_comment(ticket, author=actor, body=note, internal=True)
        _record(ticket, Kind.NOTE_ADDED, actor=actor, comment=comment, is_public=False)


@transaction.atomic
def close(ticket: Ticket, *, actor: User, note: str = "") -> TicketEvent:
    """Support closes a request (for example a duplicate); the note stays internal."""
    event = _move(ticket, Action.CLOSE, actor=actor)
    _internal_reason(ticket, actor, note)
    return event


@transaction.atomic
def auto_close(ticket: Ticket, *, now=None) -> TicketEvent:
    """The scheduled job closes a resolved request the customer did not answer in time."""
    return _move(ticket, Action.AUTO_CLOSE, actor=None, now=now)


@transaction.atomic
def link(ticket: Ticket, other: Ticket, *, actor: User) -> None:
    """Relate two requests (for example several incidents to one problem)."""
    _require_staff(actor, ticket)
    if other.pk == ticket.pk:
        raise TransitionRefused(_("A request cannot be linked to itself."))
    if ticket.related.filter(pk=other.pk).exists():
        return
    ticket.related.add(other)
    for one, two in ((ticket, other), (other, ticket)):
        # Another organisation's request number is not the customer's business.
        same_org = one.organization_id == two.organization_id
        _record(one, Kind.LINKED, actor=actor, note=two.reference, is_public=same_org,
                data={"ticket": two.pk})  # fmt: skip


@transaction.atomic
def split(ticket: Ticket, *, actor: User, comment: Comment, subject: str) -> Ticket:
    """One request = one problem: turn a customer's message into a new request of its own."""
    _require_staff(actor, ticket)
    if comment.ticket_id != ticket.pk or comment.is_internal:
        raise TransitionRefused(_("Only a public message of this request can be split off."))
    new = Ticket(
        organization_id=ticket.organization_id,
        requester_id=ticket.requester_id,
        type=ticket.type,
        priority=ticket.priority,
        subject=subject,
        description=comment.body,
        contract_id=ticket.contract_id,
        plan_id=ticket.plan_id,
    )
    for field, value in sla_tracking.on_filing(new).items():
        setattr(new, field, value)
    new.save()
    for attachment in comment.attachments.all():
        Attachment.objects.create(
            ticket=new, file=attachment.file.name, original_name=attachment.original_name,
            size=attachment.size, content_type=attachment.content_type,
            sha256=attachment.sha256, uploaded_by=attachment.uploaded_by,
        )  # fmt: skip
    new.related.add(ticket)
    _record(new, Kind.CREATED, actor=actor, to_status=S.NEW, data={"split_from": ticket.reference})
    _record(ticket, Kind.SPLIT, actor=actor, note=new.reference, data={"ticket": new.pk})
    _touch(ticket)
    return new


# --- Scheduled, set-based actions ----------------------------------------------------------

AUTO_CLOSE_BATCH = 1000


def auto_close_candidates(*, now):
    """Resolved requests whose automatic closing moment has passed."""
    return Ticket.objects.filter(status=S.RESOLVED, auto_close_at__lte=now)


def auto_close_due(*, now=None, batch_size: int = AUTO_CLOSE_BATCH) -> list[int]:
    """Close, in batches, every resolved request the customer left unanswered long enough.

    Each batch is one short transaction: a guarded UPDATE (a customer who confirmed,
    disputed or withdrew meanwhile wins: the row no longer matches), the history entries and
    the customer's e-mails after commit. Safe to run twice at once or again after a crash.
    """
    now = now or timezone.now()
    due = Q(status=S.RESOLVED, auto_close_at__lte=now)
    updates = {
        "status": S.CLOSED, "closed_at": now, "close_reason": Ticket.CloseReason.AUTO,
        "auto_close_at": None, "auto_close_reminder_at": None, "last_activity_at": now,
        "status_changed_at": now,
        "version": F("version") + 1,
    }  # fmt: skip
    closed: list[int] = []
    while ids := _next_batch(auto_close_candidates(now=now), "auto_close_at", batch_size):
        with _logged_batch("auto-closing", ids), transaction.atomic():
            done = claim(Ticket, due, ids, updates)
            record_many(done, Kind.AUTO_CLOSED, from_status=S.RESOLVED, to_status=S.CLOSED,
                        now=now)  # fmt: skip
        closed += done
    return closed


def send_auto_close_reminders(*, now=None, batch_size: int = AUTO_CLOSE_BATCH) -> list[int]:
    """Tell customers, once, that their resolved request is about to close by itself."""
    now = now or timezone.now()
    due = Q(status=S.RESOLVED, auto_close_reminder_at__lte=now, auto_close_at__gt=now)
    reminded: list[int] = []
    while ids := _next_batch(Ticket.objects.filter(due), "auto_close_reminder_at", batch_size):
        with _logged_batch("auto-close reminders", ids), transaction.atomic():
            done = claim(Ticket, due, ids, {"auto_close_reminder_at": None})
            closing = dict(Ticket.objects.filter(pk__in=done).values_list("pk", "auto_close_at"))
            record_many(
                done, Kind.AUTO_CLOSE_REMINDER, now=now,
                data_of=lambda pk, closing=closing: {"closes_at": closing[pk].isoformat()},
            )  # fmt: skip
        reminded += done
    return reminded


@contextmanager
def _logged_batch(what: str, ids):
    """A failed batch is rolled back whole and logged with its request IDs (q2 retries)."""
    try:
        yield
    except Exception:
        references = ", ".join(f"PT-{pk}" for pk in ids[:50])
        logger.exception("%s failed for a batch of %d requests: %s", what, len(ids), references)
        raise


def _next_batch(queryset, order_field: str, batch_size: int) -> list[int]:
    return list(queryset.order_by(order_field, "pk").values_list("pk", flat=True)[:batch_size])


def record_many(
    ticket_ids,
    kind: str,
    *,
    now,
    from_status: str = "",
    to_status: str = "",
    is_public: bool = True,
    data_of=None,
) -> list[TicketEvent]:
    """History entries of the system for many requests at once, with their notifications."""
    events = TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=pk, actor=None, kind=kind, from_status=from_status,
                    to_status=to_status, is_public=is_public, created_at=now,
                    data=data_of(pk) if data_of else {})
        for pk in ticket_ids
    )  # fmt: skip
    notifications.schedule_many(events)
    return events
