"""The lifecycle's actions: each one domain action on one request, in one transaction.

Each checks the rules (tickets.lifecycle.rules), applies the change with a guarded UPDATE (a
concurrent change is refused, not overwritten), writes the TicketEvent and, in the same
transaction, asks the outbox (tickets.outbox) to dispatch it. Major incidents: .incidents.

What is refused as "changed meanwhile": a change of status, or of a field the person decided
on (the version they loaded), made by someone else in between. Adding a message never is:
replies and notes do not move the version, and a reply that also moves the status (the
customer answering a question, an engineer's first reply to a new request) decides that
move on the request as it is now, under a row lock, instead of on what the person loaded.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from sla.models import Contract, active_contract
from tickets import attachments as attachment_rules
from tickets import sla_tracking
from tickets.lifecycle import assignment, incidents
from tickets.lifecycle.rules import (
    CLOSE_REASONS,
    TRANSITIONS,
    Action,
    ConcurrentChange,
    NoContract,
    TransitionRefused,
    can_add_note,
    can_reply,
    concurrent_message,
    no_contract_message,
    require,
    require_staff,
)
from tickets.lifecycle.writes import _lock_current, _note_activity, _record, _touch
from tickets.models import Attachment, Comment, Ticket, TicketEvent

S = Ticket.Status
Kind = TicketEvent.Kind

# --- Internals: how every change is applied (the writes themselves: .writes) -----------------


def _move(
    ticket: Ticket,
    action: Action,
    *,
    actor: User | None,
    note: str = "",
    comment: Comment | None = None,
    now=None,
    data: dict | None = None,
    **updates,
) -> TicketEvent:
    """Change the status as the table says, guarded against a concurrent change."""
    require(actor, ticket, action)
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
    rows = Ticket.objects.filter(pk=ticket.pk, status=old, version=ticket.version).update(
        status=transition.target,
        version=F("version") + 1,
        last_activity_at=now,
        status_changed_at=now,
        **updates,
    )
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
        data=data,
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
    contract: Contract | None = None,
) -> Ticket:
    """File a new request for the requester's organisation.

    `contract`: the organisation's contract in force, when the caller has just looked it up
    (the portal does, to explain a missing one before the form); otherwise looked up here.
    """
    if not requester.is_customer or not requester.is_active:
        raise TransitionRefused(_("Only customers can file requests in the portal."))
    now = timezone.now()
    if contract is None or contract.organization_id != requester.organization_id:
        contract = active_contract(requester.organization_id, timezone.localdate(now))
    if contract is None:
        raise NoContract(no_contract_message())
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
    assignment.on_filing(ticket)
    return ticket


@transaction.atomic
def reply(ticket: Ticket, *, actor: User, body: str, files: Sequence = ()) -> Comment:
    """A public message. From the customer on a request waiting for them, work resumes.

    Never refused because someone else wrote or acted meanwhile: the status it may move is
    the current one (read under a lock); only a request closed meanwhile refuses it.
    """
    refused = _("Replies to %(ref)s are closed.") % {"ref": ticket.reference}
    if not can_reply(actor, ticket):
        raise TransitionRefused(refused)
    comment = _add_comment(ticket, author=actor, body=body, internal=False, files=files)
    _lock_current(ticket)
    if not can_reply(actor, ticket):
        raise TransitionRefused(refused)
    if actor.is_staff:
        if ticket.status == S.NEW:
            _move(ticket, Action.TAKE, actor=actor, **_first_response(ticket, actor))
        else:
            _note_activity(ticket, **_first_response(ticket, actor))
        _record(ticket, Kind.REPLIED, actor=actor, comment=comment)
    elif ticket.status == S.WAITING:
        _move(ticket, Action.PROVIDE_INFO, actor=actor, comment=comment)
    else:
        _note_activity(ticket)
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
    require(actor, ticket, Action.DISPUTE)
    comment = _add_comment(ticket, author=actor, body=reason, internal=False, files=files)
    incidents.leave_on_dispute(ticket, actor=actor)  # a disputed child leaves its incident
    return _move(ticket, Action.DISPUTE, actor=actor, note=reason, comment=comment)


@transaction.atomic
def withdraw(ticket: Ticket, *, actor: User, reason: str = "") -> TicketEvent:
    """The customer no longer needs the request: it is closed as withdrawn."""
    return _move(ticket, Action.WITHDRAW, actor=actor, note=reason)


# --- Support actions -----------------------------------------------------------------------------


@transaction.atomic
def take(ticket: Ticket, *, actor: User) -> None:
    """The engineer assigns the request to themselves and starts work on it."""
    require_staff(actor, ticket)
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
    require_staff(actor, ticket)
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
        assigned_to=assignee,
    )


@transaction.atomic
def set_executors(ticket: Ticket, *, actor: User, executors: Iterable[User]) -> None:
    """Further engineers working on the request besides the assignee."""
    require_staff(actor, ticket)
    executors = [user for user in executors if user.is_staff and user.is_active]
    ticket.executors.set(executors)
    _touch(ticket)
    names = ", ".join(user.full_name for user in executors)
    _record(ticket, Kind.EXECUTORS_CHANGED, actor=actor, note=names, is_public=False)


@transaction.atomic
def set_priority(
    ticket: Ticket, *, actor: User, priority: int, expected_version: int | None = None
) -> None:
    """Support changes the priority; recorded with the old and new value.

    The priority rule holds: a Problem, or a request that blocks the customer's work, is at
    least High; lowering it further is refused (clear "blocks work" or change the type first).
    """
    require_staff(actor, ticket)
    _refuse_if_closed(ticket)
    priority = Ticket.Priority(int(priority))
    lowest = Ticket.lowest_priority(ticket.type, blocks_work=ticket.blocks_work)
    if lowest is not None and priority > lowest:
        raise TransitionRefused(
            _(
                "%(ref)s is a Problem or blocks the customer's work, so its priority is at least "
                "“%(lowest)s”. Clear “blocks work” or change the type first."
            )
            % {"ref": ticket.reference, "lowest": Ticket.Priority(lowest).label}
        )
    _change_priority(ticket, actor, priority, expected_version=expected_version)


def _change_priority(ticket, actor, priority, *, expected_version=None) -> None:
    priority = Ticket.Priority(int(priority))
    if priority == ticket.priority:
        return
    old = Ticket.Priority(ticket.priority)
    _touch(
        ticket,
        expected_version=expected_version,
        priority=priority,
        **sla_tracking.on_priority_change(ticket, priority=priority),
    )
    _record(
        ticket,
        Kind.PRIORITY_CHANGED,
        actor=actor,
        note=f"{old.label} → {priority.label}",
        data={"from": int(old), "to": int(priority)},
    )


def _keep_the_priority_rule(ticket: Ticket, actor: User) -> None:
    """Raise the priority to the rule's minimum (never lower it): High for a Problem or for a
    request that blocks work; Critical stays Critical. Recorded as its own priority change."""
    lowest = Ticket.lowest_priority(ticket.type, blocks_work=ticket.blocks_work)
    if lowest is not None and ticket.priority > lowest:
        _change_priority(ticket, actor, lowest)


def _refuse_if_closed(ticket: Ticket) -> None:
    if ticket.status == S.CLOSED:
        raise TransitionRefused(_("%(ref)s is closed.") % {"ref": ticket.reference})


@transaction.atomic
def set_type(
    ticket: Ticket, *, actor: User, type: str, expected_version: int | None = None
) -> None:
    """Support corrects the type; the SLA targets follow it and the priority rule is applied
    (a Problem is at least High). Changing the type away from Problem lowers nothing."""
    require_staff(actor, ticket)
    _refuse_if_closed(ticket)
    new = Ticket.Type(type)
    if new == ticket.type:
        return
    old = Ticket.Type(ticket.type)
    _touch(
        ticket,
        expected_version=expected_version,
        type=new,
        **sla_tracking.on_type_change(ticket, type=new),
    )
    _record(
        ticket,
        Kind.TYPE_CHANGED,
        actor=actor,
        note=f"{old.label} → {new.label}",
        data={"from": old.value, "to": new.value},
    )
    _keep_the_priority_rule(ticket, actor)


@transaction.atomic
def set_blocks_work(
    ticket: Ticket, *, actor: User, blocks_work: bool, expected_version: int | None = None
) -> None:
    """Support sets or clears "blocks work"; setting it raises the priority to at least High.
    Clearing it lowers nothing: the engineer lowers the priority explicitly if right."""
    require_staff(actor, ticket)
    _refuse_if_closed(ticket)
    blocks_work = bool(blocks_work)
    if blocks_work == ticket.blocks_work:
        return
    _touch(ticket, expected_version=expected_version, blocks_work=blocks_work)
    _record(
        ticket,
        Kind.BLOCKS_WORK_CHANGED,
        actor=actor,
        note=str(_("blocks work") if blocks_work else _("does not block work")),
        data={"from": not blocks_work, "to": blocks_work},
    )
    _keep_the_priority_rule(ticket, actor)


@transaction.atomic
def add_note(ticket: Ticket, *, actor: User, body: str, files: Sequence = ()) -> Comment:
    """An internal note: staff only, never shown or sent to the customer."""
    if not can_add_note(actor, ticket):
        raise TransitionRefused(_("Only support staff can add internal notes."))
    comment = _add_comment(ticket, author=actor, body=body, internal=True, files=files)
    _note_activity(ticket)
    _record(ticket, Kind.NOTE_ADDED, actor=actor, comment=comment, is_public=False)
    return comment


@transaction.atomic
def request_info(ticket: Ticket, *, actor: User, question: str, files: Sequence = ()) -> Comment:
    """Ask the customer for information: the request waits for them."""
    require(actor, ticket, Action.REQUEST_INFO)
    comment = _add_comment(ticket, author=actor, body=question, internal=False, files=files)
    _move(
        ticket, Action.REQUEST_INFO, actor=actor, comment=comment, **_first_response(ticket, actor)
    )
    return comment


@transaction.atomic
def resolve(ticket: Ticket, *, actor: User, solution: str, files: Sequence = ()) -> Comment:
    """Propose a solution as a public reply: the request is Resolved until the customer answers."""
    if not solution.strip():
        raise TransitionRefused(_("Describe the solution for the customer."))
    require(actor, ticket, Action.RESOLVE)
    comment = _add_comment(ticket, author=actor, body=solution, internal=False, files=files)
    cascade = incidents.resolve_children(ticket, actor=actor, solution=solution)
    answered = _first_response(ticket, actor)
    _move(ticket, Action.RESOLVE, actor=actor, comment=comment, data=cascade, **answered)
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
    require_staff(actor, ticket)
    if other.pk == ticket.pk:
        raise TransitionRefused(_("A request cannot be linked to itself."))
    if ticket.related.filter(pk=other.pk).exists():
        return
    ticket.related.add(other)
    for one, two in ((ticket, other), (other, ticket)):
        # Another organisation's request number is not the customer's business.
        same_org = one.organization_id == two.organization_id
        _record(
            one,
            Kind.LINKED,
            actor=actor,
            note=two.reference,
            is_public=same_org,
            data={"ticket": two.pk},
        )


@transaction.atomic
def split(ticket: Ticket, *, actor: User, comment: Comment, subject: str) -> Ticket:
    """One request = one problem: turn a customer's message into a new request of its own."""
    require_staff(actor, ticket)
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
            ticket=new,
            file=attachment.file.name,
            original_name=attachment.original_name,
            size=attachment.size,
            content_type=attachment.content_type,
            sha256=attachment.sha256,
            uploaded_by=attachment.uploaded_by,
        )
    new.related.add(ticket)
    _record(new, Kind.CREATED, actor=actor, to_status=S.NEW, data={"split_from": ticket.reference})
    _record(ticket, Kind.SPLIT, actor=actor, note=new.reference, data={"ticket": new.pk})
    _touch(ticket)
    return new
