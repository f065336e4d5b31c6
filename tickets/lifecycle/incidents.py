"""Major incidents: one outage, many requests handled as one.

A request (typically a Problem) is marked as the major incident; other requests are attached
to it as its children. A public update on the incident is posted to every child's
conversation; resolving the incident resolves every open child with the same solution (each
through the lifecycle's own RESOLVE, so each child's SLA follows its own contract), and each
child's customer confirms or disputes as usual: a dispute detaches that child.

What the customers of the children see of the incident is its public title and its public
updates: never the incident request itself, its organisation or its other children. The
history entries on the incident that name a child are internal. The e-mail of an update or
of the resolution is one per person (tickets.incident_mail): the children's own history
entries carry `data["incident"]`, which the e-mail channel leaves alone.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tickets import notices, outbox
from tickets.lifecycle import actions as core
from tickets.lifecycle.rules import Action, TransitionRefused, require_staff
from tickets.models import NOT_CLOSED_STATUSES, OPEN_STATUSES, Comment, Ticket, TicketEvent

Kind = TicketEvent.Kind
RUN_MAJOR_INCIDENTS = "tickets.run_major_incidents"
TITLE_MAX = 200


def can_run(user: User) -> bool:
    """May this user mark and unmark major incidents (supervisors)?"""
    return user.is_active and user.is_staff and user.has_perm(RUN_MAJOR_INCIDENTS)


def _require_runner(actor: User, ticket: Ticket) -> None:
    require_staff(actor, ticket)
    if not can_run(actor):
        raise TransitionRefused(_("Only supervisors mark and unmark major incidents."))


def _require_open_incident(incident: Ticket) -> None:
    """Decided on the incident as it is now, under a row lock: an attach waits for a
    resolution (or unmarking) in progress and is then refused, instead of leaving an open
    child on a resolved incident."""
    current = (
        Ticket.objects.select_for_update(no_key=True)
        .filter(pk=incident.pk)
        .values_list("is_major_incident", "status")
        .first()
    )
    if current is not None:
        incident.is_major_incident, incident.status = current
    if not incident.is_major_incident:
        raise TransitionRefused(_("%(ref)s is not a major incident.") % {"ref": incident.reference})
    if incident.status not in OPEN_STATUSES:
        raise TransitionRefused(
            _("The major incident %(ref)s is no longer open.") % {"ref": incident.reference}
        )


def _lock(incident: Ticket) -> None:
    list(Ticket.objects.select_for_update(no_key=True).filter(pk=incident.pk).values_list("pk"))


@transaction.atomic
def mark(ticket: Ticket, *, actor: User, title: str) -> None:
    """Make this open request the major incident, with a title its children's customers see."""
    _require_runner(actor, ticket)
    title = " ".join((title or "").split())
    if not title:
        raise TransitionRefused(_("Give the incident a title that customers will see."))
    if len(title) > TITLE_MAX:
        raise TransitionRefused(
            _("The title is too long: at most %(max)d characters.") % {"max": TITLE_MAX}
        )
    if ticket.status not in OPEN_STATUSES:
        raise TransitionRefused(
            _("Only an open request can become a major incident; %(ref)s is “%(status)s”.")
            % {"ref": ticket.reference, "status": ticket.get_status_display()}
        )
    if ticket.major_incident_id is not None:
        raise TransitionRefused(
            _("%(ref)s is attached to a major incident; detach it first.")
            % {"ref": ticket.reference}
        )
    if ticket.is_major_incident and ticket.incident_title == title:
        return
    core._touch(ticket, is_major_incident=True, incident_title=title)
    core._record(ticket, Kind.INCIDENT_MARKED, actor=actor, note=title, is_public=False)
    transaction.on_commit(notices.forget)


@transaction.atomic
def unmark(ticket: Ticket, *, actor: User) -> int:
    """The request is an ordinary one again; its children are detached. Returns how many."""
    _require_runner(actor, ticket)
    if not ticket.is_major_incident:
        raise TransitionRefused(_("%(ref)s is not a major incident.") % {"ref": ticket.reference})
    _lock(ticket)
    children = list(ticket.children.select_for_update(no_key=True).order_by("pk"))
    for child in children:
        _detach(child, ticket, actor=actor)
    core._touch(ticket, is_major_incident=False)
    core._record(ticket, Kind.INCIDENT_UNMARKED, actor=actor, is_public=False)
    transaction.on_commit(notices.forget)
    return len(children)


@transaction.atomic
def attach(child: Ticket, *, incident: Ticket, actor: User) -> bool:
    """Attach an open request to an open major incident; False if it already was."""
    require_staff(actor, child)
    _require_open_incident(incident)
    if child.pk == incident.pk:
        raise TransitionRefused(_("A request cannot be attached to itself."))
    if child.major_incident_id == incident.pk:
        return False
    if child.is_major_incident:
        raise TransitionRefused(_("%(ref)s is a major incident itself.") % {"ref": child.reference})
    if child.major_incident_id is not None:
        raise TransitionRefused(
            _("%(ref)s is attached to another major incident; detach it first.")
            % {"ref": child.reference}
        )
    if child.status not in OPEN_STATUSES:
        raise TransitionRefused(
            _("Only open requests can be attached; %(ref)s is “%(status)s”.")
            % {"ref": child.reference, "status": child.get_status_display()}
        )
    core._touch(child, major_incident=incident)
    # The customer sees the incident's public title, never the incident request itself.
    core._record(
        child,
        Kind.INCIDENT_ATTACHED,
        actor=actor,
        note=incident.incident_title,
        data={"incident": incident.pk},
    )
    core._record(
        incident,
        Kind.INCIDENT_ATTACHED,
        actor=actor,
        note=child.reference,
        is_public=False,
        data={"ticket": child.pk},
    )
    return True


@transaction.atomic
def detach(child: Ticket, *, actor: User) -> None:
    """Support takes a child out of its major incident; it goes on as a request of its own."""
    require_staff(actor, child)
    if child.major_incident_id is None:
        raise TransitionRefused(
            _("%(ref)s is not attached to a major incident.") % {"ref": child.reference}
        )
    _detach(child, Ticket.objects.get(pk=child.major_incident_id), actor=actor)


def _detach(child: Ticket, incident: Ticket, *, actor: User | None, reason: str = "") -> None:
    core._touch(child, major_incident=None)
    core._record(
        child,
        Kind.INCIDENT_DETACHED,
        actor=actor,
        note=reason or incident.incident_title,
        data={"incident": incident.pk},
    )
    core._record(
        incident,
        Kind.INCIDENT_DETACHED,
        actor=actor,
        note=f"{child.reference} {reason}".strip(),
        is_public=False,
        data={"ticket": child.pk},
    )


def leave_on_dispute(child: Ticket, *, actor: User) -> None:
    """A child's customer disputed the incident's solution: that child leaves the incident
    (it is back in progress, to be solved on its own). Called inside lifecycle.dispute."""
    if child.major_incident_id is not None:
        incident = Ticket.objects.get(pk=child.major_incident_id)
        _detach(child, incident, actor=actor, reason=_("the solution was disputed"))


@transaction.atomic
def post_update(incident: Ticket, *, actor: User, body: str, files: Sequence = ()) -> list[int]:
    """A public update on the incident, posted to the conversation of every child not closed;
    one e-mail per person affected (the incident's entry lists the children). Returns them."""
    require_staff(actor, incident)
    if not body.strip():
        raise TransitionRefused(_("Write the update for the customers."))
    if not incident.is_major_incident:
        raise TransitionRefused(_("%(ref)s is not a major incident.") % {"ref": incident.reference})
    if incident.status not in NOT_CLOSED_STATUSES:
        raise TransitionRefused(
            _("The major incident %(ref)s is closed.") % {"ref": incident.reference}
        )
    children = list(
        incident.children.filter(status__in=NOT_CLOSED_STATUSES)
        .select_related("plan__calendar")
        .prefetch_related("plan__targets")
        .order_by("pk")
    )
    comment = core._add_comment(incident, author=actor, body=body, internal=False, files=files)
    core._note_activity(incident, **core._first_response(incident, actor))
    ids = [child.pk for child in children]
    core._record(
        incident, Kind.INCIDENT_UPDATE, actor=actor, comment=comment, data={"children": ids}
    )
    _post_to_children(children, incident, actor=actor, body=body)
    return ids


def _post_to_children(children: list[Ticket], incident: Ticket, *, actor: User, body: str) -> None:
    """The update in every child's conversation, set-based: a handful of queries for any
    number of children. Their entries are not mailed (covered by the incident's entry)."""
    if not children:
        return
    now = timezone.now()
    copies = Comment.objects.bulk_create(
        Comment(ticket=child, author=actor, body=body, is_internal=False, created_at=now)
        for child in children
    )
    answered = []
    for child in children:
        if first := core._first_response(child, actor):  # may record a missed target
            for field, value in first.items():
                setattr(child, field, value)
            answered.append(child)
    Ticket.objects.filter(pk__in=[child.pk for child in children]).update(last_activity_at=now)
    Ticket.objects.bulk_update(answered, ["first_response_at", "first_response_time"])
    events = TicketEvent.objects.bulk_create(
        outbox.stamp(
            TicketEvent(
                ticket=child,
                actor=actor,
                kind=Kind.INCIDENT_UPDATE,
                note=incident.incident_title,
                comment=copy,
                data={"incident": incident.pk},
                created_at=now,
            )
        )
        for child, copy in zip(children, copies, strict=True)
    )
    outbox.publish(events)


def resolve_children(incident: Ticket, *, actor: User, solution: str) -> dict:
    """Resolve every open child with the incident's solution; the data of the incident's own
    RESOLVED entry (the children, for the e-mail). Called inside lifecycle.resolve."""
    if not incident.is_major_incident:
        return {}
    _lock(incident)  # attaching waits until this resolution is committed, then is refused
    children = list(
        Ticket.objects.select_for_update(no_key=True, of=("self",))
        .filter(major_incident=incident, status__in=OPEN_STATUSES)
        .select_related("plan__calendar")
        .prefetch_related("plan__targets")
        .order_by("pk")
    )
    for child in children:
        comment = core._add_comment(child, author=actor, body=solution, internal=False)
        core._move(
            child,
            Action.RESOLVE,
            actor=actor,
            comment=comment,
            data={"incident": incident.pk},
            **core._first_response(child, actor),
        )
    transaction.on_commit(notices.forget)
    return {"children": [child.pk for child in children]} if children else {}
