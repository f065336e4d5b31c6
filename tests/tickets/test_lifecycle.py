"""tickets.lifecycle: who may do what in which status, and what every action leaves behind."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.factories import StaffUserFactory, TicketFactory
from tickets import lifecycle
from tickets.lifecycle import Action, ConcurrentChange, TransitionRefused
from tickets.models import Ticket, TicketEvent

S = Ticket.Status
A = Action
Kind = TicketEvent.Kind
Reason = Ticket.CloseReason

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
EARLIER = NOW - timedelta(days=2)

# --- The rules, written out by hand from the contract (not read from lifecycle.TRANSITIONS) ---
#
# New → In progress → Waiting ↔ In progress → Resolved → Closed. The customer side is the
# requester and a customer manager of the same organisation; support is any active staff
# member; the system is a scheduled job (no user at all).

PARTIES = [
    "requester",
    "manager",
    "colleague",
    "other_org_customer",
    "other_org_manager",
    "agent",
    "supervisor",
    "administrator",
    "system",
    "deactivated_agent",
]
CUSTOMER_SIDE = frozenset({"requester", "manager"})
SUPPORT = frozenset({"agent", "supervisor", "administrator"})
SYSTEM = frozenset({"system"})

ALLOWED = {
    S.NEW: {
        A.TAKE: SUPPORT,
        A.REQUEST_INFO: SUPPORT,
        A.RESOLVE: SUPPORT,
        A.WITHDRAW: CUSTOMER_SIDE,
        A.CLOSE: SUPPORT,
    },
    S.IN_PROGRESS: {
        A.REQUEST_INFO: SUPPORT,
        A.RESOLVE: SUPPORT,
        A.WITHDRAW: CUSTOMER_SIDE,
        A.CLOSE: SUPPORT,
    },
    S.WAITING: {
        A.PROVIDE_INFO: CUSTOMER_SIDE,
        A.RESOLVE: SUPPORT,
        A.WITHDRAW: CUSTOMER_SIDE,
        A.CLOSE: SUPPORT,
    },
    S.RESOLVED: {
        A.CONFIRM: CUSTOMER_SIDE,
        A.DISPUTE: CUSTOMER_SIDE,
        A.REOPEN: SUPPORT,
        A.WITHDRAW: CUSTOMER_SIDE,
        A.CLOSE: SUPPORT,
        A.AUTO_CLOSE: SYSTEM,
    },
    S.CLOSED: {},
}

# action -> (status afterwards, kind of the event it writes, close reason afterwards)
OUTCOMES = {
    A.TAKE: (S.IN_PROGRESS, Kind.STATUS_CHANGED, ""),
    A.REQUEST_INFO: (S.WAITING, Kind.INFO_REQUESTED, ""),
    A.PROVIDE_INFO: (S.IN_PROGRESS, Kind.CUSTOMER_REPLIED, ""),
    A.RESOLVE: (S.RESOLVED, Kind.RESOLVED, ""),
    A.CONFIRM: (S.CLOSED, Kind.CONFIRMED, Reason.CONFIRMED),
    A.DISPUTE: (S.IN_PROGRESS, Kind.DISPUTED, ""),
    A.REOPEN: (S.IN_PROGRESS, Kind.REOPENED, ""),
    A.WITHDRAW: (S.CLOSED, Kind.WITHDRAWN, Reason.WITHDRAWN),
    A.CLOSE: (S.CLOSED, Kind.CLOSED, Reason.SUPPORT),
    A.AUTO_CLOSE: (S.CLOSED, Kind.AUTO_CLOSED, Reason.AUTO),
}

# The public message some actions carry.
MESSAGES = {
    A.REQUEST_INFO: "Which firmware version runs on the gateway?",
    A.PROVIDE_INFO: "Firmware 3.2.1",
    A.RESOLVE: "Restart the gateway after the update.",
    A.DISPUTE: "The gateway still drops calls after the restart.",
}

PERFORM = {
    A.TAKE: lambda ticket, actor: lifecycle.take(ticket, actor=actor),
    A.REQUEST_INFO: lambda ticket, actor: lifecycle.request_info(
        ticket, actor=actor, question=MESSAGES[A.REQUEST_INFO]
    ),
    A.PROVIDE_INFO: lambda ticket, actor: lifecycle.reply(
        ticket, actor=actor, body=MESSAGES[A.PROVIDE_INFO]
    ),
    A.RESOLVE: lambda ticket, actor: lifecycle.resolve(
        ticket, actor=actor, solution=MESSAGES[A.RESOLVE]
    ),
    A.CONFIRM: lambda ticket, actor: lifecycle.confirm(ticket, actor=actor),
    A.DISPUTE: lambda ticket, actor: lifecycle.dispute(
        ticket, actor=actor, reason=MESSAGES[A.DISPUTE]
    ),
    A.REOPEN: lambda ticket, actor: lifecycle.reopen(ticket, actor=actor),
    A.WITHDRAW: lambda ticket, actor: lifecycle.withdraw(ticket, actor=actor),
    A.CLOSE: lambda ticket, actor: lifecycle.close(ticket, actor=actor),
    A.AUTO_CLOSE: lambda ticket, actor: lifecycle.auto_close(ticket, now=NOW),
}


def allowed_actions(status, party) -> set[Action]:
    return {action for action, parties in ALLOWED[status].items() if party in parties}


def refused_by_another_route(status, action, party) -> bool:
    """Cases where the action's function legitimately does something else (tested below)."""
    if action == A.AUTO_CLOSE:
        return party != "system"  # auto_close takes no user: only the table can refuse them
    if action == A.TAKE and party in SUPPORT:
        return status in {S.IN_PROGRESS, S.WAITING, S.RESOLVED}  # "take" = assign myself
    if action == A.PROVIDE_INFO and party in SUPPORT:
        return status != S.CLOSED  # reply() is then a support reply
    if action == A.PROVIDE_INFO and party in CUSTOMER_SIDE:
        return status in {S.NEW, S.IN_PROGRESS}  # reply() is then a plain customer message
    return False


ALLOWED_CASES = [
    (status, action, party)
    for status, rows in ALLOWED.items()
    for action, parties in rows.items()
    for party in sorted(parties)
]


def ticket_in(status, requester, **fields) -> Ticket:
    """A request set up directly in a status (setup only; tests move it through lifecycle)."""
    if status in {S.RESOLVED, S.CLOSED}:
        fields.setdefault("resolved_at", EARLIER)
    if status == S.CLOSED:
        fields.setdefault("closed_at", EARLIER)
        fields.setdefault("close_reason", Reason.SUPPORT)
    return TicketFactory(requester=requester, status=status, **fields)


def state(ticket) -> dict:
    """What is stored about a request, read fresh from the database."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "assignee": fresh.assignee_id,
        "priority": fresh.priority,
        "close_reason": fresh.close_reason,
        "closed_at": fresh.closed_at,
        "resolved_at": fresh.resolved_at,
        "first_response_at": fresh.first_response_at,
        "events": fresh.events.count(),
        "comments": fresh.comments.count(),
    }


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def people(
    customer,
    customer_manager,
    colleague,
    other_org_customer,
    other_org_manager,
    agent,
    supervisor,
    administrator,
):
    return {
        "requester": customer,
        "manager": customer_manager,
        "colleague": colleague,
        "other_org_customer": other_org_customer,
        "other_org_manager": other_org_manager,
        "agent": agent,
        "supervisor": supervisor,
        "administrator": administrator,
        "system": None,
        "deactivated_agent": StaffUserFactory(email="gone@support.test", is_active=False),
    }


# --- The table ---------------------------------------------------------------------------


def test_the_expected_table_covers_every_status():
    assert set(ALLOWED) == set(S)
    assert set(OUTCOMES) == set(Action) == set(PERFORM)


@pytest.mark.django_db
@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("status", list(S))
def test_each_party_may_take_exactly_the_actions_the_rules_allow(people, status, party):
    ticket = ticket_in(status, people["requester"])
    user = people[party]

    may = {action for action in Action if lifecycle.can(user, ticket, action)}

    assert may == allowed_actions(status, party)
    assert set(lifecycle.available_actions(user, ticket)) == may


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action", "party"), ALLOWED_CASES)
def test_an_allowed_action_moves_the_request_and_writes_its_history(
    frozen, people, status, action, party
):
    actor = people[party]
    ticket = ticket_in(status, people["requester"])
    before = state(ticket)

    PERFORM[action](ticket, actor)

    target, kind, close_reason = OUTCOMES[action]
    after = state(ticket)
    assert after["status"] == ticket.status == target
    assert after["version"] == ticket.version > before["version"]
    assert after["close_reason"] == close_reason
    assert after["closed_at"] == (NOW if target == S.CLOSED else None)
    assert after["resolved_at"] == (NOW if action == A.RESOLVE else before["resolved_at"])
    # Only support's first public message (a question or a solution) is a first response.
    first_response = NOW if action in {A.REQUEST_INFO, A.RESOLVE} else None
    assert after["first_response_at"] == first_response
    events = list(ticket.events.order_by("pk"))
    assert [e.kind for e in events] == ([Kind.ASSIGNED, kind] if action == A.TAKE else [kind])
    event = events[-1]
    assert (event.from_status, event.to_status) == (status, target)
    assert event.actor == actor
    assert event.is_public
    if action in MESSAGES:
        assert event.comment.body == MESSAGES[action]
        assert event.comment.author == actor
        assert not event.comment.is_internal
    else:
        assert event.comment is None
    if action == A.TAKE:
        assert after["assignee"] == actor.pk


@pytest.mark.django_db
@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("status", list(S))
def test_a_refused_action_raises_and_changes_nothing(people, status, party):
    actor = people[party]
    ticket = ticket_in(status, people["requester"])
    refused = [
        action
        for action in Action
        if action not in allowed_actions(status, party)
        and not refused_by_another_route(status, action, party)
    ]

    for action in refused:
        before = state(ticket)
        with pytest.raises(TransitionRefused):
            PERFORM[action](ticket, actor)
        assert state(ticket) == before, action
        assert ticket.status == status, action


# --- The cases where an action's function does something else -------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.WAITING, S.RESOLVED])
def test_taking_a_request_already_under_way_only_makes_the_engineer_its_assignee(
    customer, agent, status
):
    ticket = ticket_in(status, customer)

    lifecycle.take(ticket, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == status
    assert ticket.assignee == agent
    assert list(ticket.events.values_list("kind", flat=True)) == [Kind.ASSIGNED]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.WAITING, S.RESOLVED])
def test_a_support_reply_keeps_the_status_of_a_request_past_new(customer, agent, status):
    ticket = ticket_in(status, customer)

    lifecycle.reply(ticket, actor=agent, body="We are on it.")

    ticket.refresh_from_db()
    assert ticket.status == status
    [event] = ticket.events.all()
    assert event.kind == Kind.REPLIED
    assert event.comment.body == "We are on it."


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.NEW, S.IN_PROGRESS])
def test_a_customer_message_on_a_request_in_work_keeps_its_status(customer, status):
    ticket = ticket_in(status, customer)

    lifecycle.reply(ticket, actor=customer, body="One more detail: it happens at night.")

    ticket.refresh_from_db()
    assert ticket.status == status
    assert ticket.first_response_at is None
    [event] = ticket.events.all()
    assert (event.kind, event.from_status, event.to_status) == (Kind.CUSTOMER_REPLIED, "", "")


@pytest.mark.django_db
def test_the_system_closes_a_resolved_request_at_the_time_it_is_given(customer):
    ticket = ticket_in(S.RESOLVED, customer)
    later = NOW + timedelta(days=14)

    lifecycle.auto_close(ticket, now=later)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.close_reason) == (S.CLOSED, Reason.AUTO)
    assert ticket.closed_at == ticket.last_activity_at == later


# --- A whole journey -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_travels_from_filing_through_a_dispute_to_confirmation(customer, agent):
    ticket = lifecycle.create_ticket(
        requester=customer,
        type=Ticket.Type.INCIDENT,
        subject="No dial tone on the PBX",
        description="Since this morning no extension gets a dial tone.",
    )
    assert ticket.status == S.NEW

    lifecycle.take(ticket, actor=agent)
    assert (ticket.status, ticket.assignee) == (S.IN_PROGRESS, agent)
    lifecycle.request_info(ticket, actor=agent, question="Which PBX model?")
    assert ticket.status == S.WAITING
    lifecycle.reply(ticket, actor=customer, body="Model X-200")
    assert ticket.status == S.IN_PROGRESS
    lifecycle.resolve(ticket, actor=agent, solution="Reset the trunk port.")
    assert ticket.status == S.RESOLVED
    lifecycle.dispute(ticket, actor=customer, reason="Still no dial tone on extension 12.")
    assert ticket.status == S.IN_PROGRESS
    lifecycle.resolve(ticket, actor=agent, solution="Replaced the line card.")
    lifecycle.confirm(ticket, actor=customer)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.close_reason) == (S.CLOSED, Reason.CONFIRMED)
    assert ticket.closed_at is not None
    history = list(ticket.events.order_by("pk").values_list("kind", "from_status", "to_status"))
    assert history == [
        (Kind.CREATED, "", S.NEW),
        (Kind.ASSIGNED, "", ""),
        (Kind.STATUS_CHANGED, S.NEW, S.IN_PROGRESS),
        (Kind.INFO_REQUESTED, S.IN_PROGRESS, S.WAITING),
        (Kind.CUSTOMER_REPLIED, S.WAITING, S.IN_PROGRESS),
        (Kind.RESOLVED, S.IN_PROGRESS, S.RESOLVED),
        (Kind.DISPUTED, S.RESOLVED, S.IN_PROGRESS),
        (Kind.RESOLVED, S.IN_PROGRESS, S.RESOLVED),
        (Kind.CONFIRMED, S.RESOLVED, S.CLOSED),
    ]
    disputed = ticket.events.get(kind=Kind.DISPUTED)
    assert disputed.note == "Still no dial tone on extension 12."
    assert disputed.is_public
    assert disputed.comment.body == "Still no dial tone on extension 12."
    assert not disputed.comment.is_internal
    assert disputed.comment.author == customer


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   \n\t"])
def test_a_dispute_without_a_reason_is_refused(customer, reason):
    ticket = ticket_in(S.RESOLVED, customer)
    before = state(ticket)

    with pytest.raises(TransitionRefused):
        lifecycle.dispute(ticket, actor=customer, reason=reason)

    assert state(ticket) == before


# --- Replies and notes -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
def test_the_customer_cannot_reply_once_the_request_is_resolved_or_closed(customer, status):
    ticket = ticket_in(status, customer)
    before = state(ticket)

    with pytest.raises(TransitionRefused):
        lifecycle.reply(ticket, actor=customer, body="Hello?")

    assert state(ticket) == before


@pytest.mark.django_db
def test_support_cannot_reply_on_a_closed_request(customer, agent):
    ticket = ticket_in(S.CLOSED, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.reply(ticket, actor=agent, body="Hello?")

    assert not ticket.comments.exists()


@pytest.mark.django_db
def test_a_colleague_cannot_reply_on_someone_elses_request(customer, colleague):
    ticket = ticket_in(S.IN_PROGRESS, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.reply(ticket, actor=colleague, body="Me too")

    assert not ticket.comments.exists()


@pytest.mark.django_db
def test_the_first_support_reply_starts_work_and_is_the_first_response_once(customer, agent):
    ticket = ticket_in(S.NEW, customer)

    with time_machine.travel(NOW, tick=False):
        lifecycle.reply(ticket, actor=agent, body="Looking into it.")
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        lifecycle.reply(ticket, actor=agent, body="Found the cause.")

    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS
    assert ticket.first_response_at == NOW
    assert ticket.last_activity_at == NOW + timedelta(hours=3)
    kinds = list(ticket.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.STATUS_CHANGED, Kind.REPLIED, Kind.REPLIED]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.NEW, S.IN_PROGRESS])
def test_an_internal_note_is_never_a_first_response(customer, agent, status):
    ticket = ticket_in(status, customer)

    note = lifecycle.add_note(ticket, actor=agent, body="Probably the trunk card.")

    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == status
    assert note.is_internal
    [event] = ticket.events.all()
    assert (event.kind, event.is_public, event.comment) == (Kind.NOTE_ADDED, False, note)


@pytest.mark.django_db
def test_a_customer_cannot_add_an_internal_note(customer, customer_manager):
    ticket = ticket_in(S.IN_PROGRESS, customer)

    for user in (customer, customer_manager):
        with pytest.raises(TransitionRefused):
            lifecycle.add_note(ticket, actor=user, body="psst")

    assert not ticket.comments.exists()


# --- Priority ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ticket_type", "blocks_work", "priority"),
    [
        (Ticket.Type.INCIDENT, False, Ticket.Priority.NORMAL),
        (Ticket.Type.INCIDENT, True, Ticket.Priority.HIGH),
        (Ticket.Type.PROBLEM, False, Ticket.Priority.HIGH),
        (Ticket.Type.PROBLEM, True, Ticket.Priority.HIGH),
        (Ticket.Type.SERVICE_REQUEST, False, Ticket.Priority.NORMAL),
        (Ticket.Type.SERVICE_REQUEST, True, Ticket.Priority.HIGH),
        (Ticket.Type.CHANGE_REQUEST, False, Ticket.Priority.NORMAL),
        (Ticket.Type.CHANGE_REQUEST, True, Ticket.Priority.HIGH),
    ],
)
def test_a_new_request_starts_high_only_for_a_problem_or_blocked_work(
    customer, ticket_type, blocks_work, priority
):
    ticket = lifecycle.create_ticket(
        requester=customer,
        type=ticket_type,
        subject="Subject",
        description="Description",
        blocks_work=blocks_work,
    )

    assert Ticket.objects.get(pk=ticket.pk).priority == priority


@pytest.mark.django_db
def test_a_priority_change_records_the_old_and_the_new_value(customer, agent):
    ticket = ticket_in(S.IN_PROGRESS, customer, priority=Ticket.Priority.NORMAL)

    lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.CRITICAL)

    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.CRITICAL
    [event] = ticket.events.all()
    assert event.kind == Kind.PRIORITY_CHANGED
    assert event.actor == agent
    assert event.data == {"from": Ticket.Priority.NORMAL, "to": Ticket.Priority.CRITICAL}
    old, new = Ticket.Priority.NORMAL.label, Ticket.Priority.CRITICAL.label
    assert event.note == f"{old} → {new}"


@pytest.mark.django_db
def test_setting_the_same_priority_again_records_nothing(customer, agent):
    ticket = ticket_in(S.IN_PROGRESS, customer, priority=Ticket.Priority.HIGH)
    before = state(ticket)

    lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.HIGH)

    assert state(ticket) == before


@pytest.mark.django_db
def test_a_customer_cannot_change_the_priority(customer, customer_manager):
    ticket = ticket_in(S.IN_PROGRESS, customer, priority=Ticket.Priority.NORMAL)

    for user in (customer, customer_manager):
        with pytest.raises(TransitionRefused):
            lifecycle.set_priority(ticket, actor=user, priority=Ticket.Priority.CRITICAL)

    assert state(ticket)["priority"] == Ticket.Priority.NORMAL


@pytest.mark.django_db
def test_the_priority_of_a_closed_request_cannot_change(customer, supervisor):
    ticket = ticket_in(S.CLOSED, customer, priority=Ticket.Priority.NORMAL)

    with pytest.raises(TransitionRefused):
        lifecycle.set_priority(ticket, actor=supervisor, priority=Ticket.Priority.LOW)

    assert state(ticket)["priority"] == Ticket.Priority.NORMAL


# --- Assignment and executors ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_agent_may_assign_themselves(customer, agent):
    ticket = ticket_in(S.NEW, customer)

    lifecycle.assign(ticket, actor=agent, assignee=agent)

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert ticket.status == S.NEW
    [event] = ticket.events.all()
    assert event.kind == Kind.ASSIGNED
    assert event.data == {"from": None, "to": agent.pk}
    assert event.assigned_to == agent  # the column the engineers' report groups by


@pytest.mark.django_db
def test_an_agent_cannot_assign_another_engineer(customer, agent):
    other_agent = StaffUserFactory(email="other@support.test")
    ticket = ticket_in(S.IN_PROGRESS, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.assign(ticket, actor=agent, assignee=other_agent)

    assert state(ticket)["assignee"] is None


@pytest.mark.django_db
def test_a_supervisor_assigns_another_engineer(customer, agent, supervisor):
    ticket = ticket_in(S.IN_PROGRESS, customer, assignee=supervisor)

    lifecycle.assign(ticket, actor=supervisor, assignee=agent)

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    [event] = ticket.events.all()
    assert event.data == {"from": supervisor.pk, "to": agent.pk}
    assert event.assigned_to == agent
    assert event.note == agent.full_name


@pytest.mark.django_db
def test_a_customer_cannot_be_assigned(customer, customer_manager, supervisor):
    ticket = ticket_in(S.IN_PROGRESS, customer)

    for user in (customer, customer_manager):
        with pytest.raises(TransitionRefused):
            lifecycle.assign(ticket, actor=supervisor, assignee=user)

    assert state(ticket)["assignee"] is None


@pytest.mark.django_db
def test_a_deactivated_engineer_cannot_be_assigned(customer, supervisor):
    gone = StaffUserFactory(email="gone@support.test", is_active=False)
    ticket = ticket_in(S.IN_PROGRESS, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.assign(ticket, actor=supervisor, assignee=gone)

    assert state(ticket)["assignee"] is None


@pytest.mark.django_db
def test_a_customer_cannot_assign_anyone(customer, customer_manager, agent):
    ticket = ticket_in(S.NEW, customer)

    for user in (customer, customer_manager):
        with pytest.raises(TransitionRefused):
            lifecycle.assign(ticket, actor=user, assignee=agent)

    assert state(ticket)["assignee"] is None


@pytest.mark.django_db
def test_a_closed_request_cannot_be_reassigned(customer, agent, supervisor):
    ticket = ticket_in(S.CLOSED, customer, assignee=supervisor)

    with pytest.raises(TransitionRefused):
        lifecycle.assign(ticket, actor=supervisor, assignee=agent)

    assert state(ticket)["assignee"] == supervisor.pk


@pytest.mark.django_db
def test_executors_are_active_support_staff_only_and_the_change_is_internal(
    customer, colleague, agent, supervisor
):
    gone = StaffUserFactory(email="gone@support.test", is_active=False)
    ticket = ticket_in(S.IN_PROGRESS, customer, assignee=agent)

    lifecycle.set_executors(ticket, actor=agent, executors=[supervisor, colleague, gone])

    assert list(ticket.executors.all()) == [supervisor]
    [event] = ticket.events.all()
    assert event.kind == Kind.EXECUTORS_CHANGED
    assert not event.is_public
    assert event.note == supervisor.full_name


@pytest.mark.django_db
def test_a_customer_cannot_set_executors(customer, agent):
    ticket = ticket_in(S.IN_PROGRESS, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.set_executors(ticket, actor=customer, executors=[agent])

    assert not ticket.executors.exists()


# --- Links and splits ----------------------------------------------------------------------


@pytest.mark.django_db
def test_linking_two_requests_of_one_organisation_is_public_on_both(customer, colleague, agent):
    one = ticket_in(S.IN_PROGRESS, customer)
    two = ticket_in(S.NEW, colleague)

    lifecycle.link(one, two, actor=agent)

    assert list(one.related.all()) == [two]
    assert list(two.related.all()) == [one]
    [on_one] = one.events.all()
    [on_two] = two.events.all()
    assert (on_one.kind, on_one.note, on_one.is_public) == (Kind.LINKED, two.reference, True)
    assert (on_two.kind, on_two.note, on_two.is_public) == (Kind.LINKED, one.reference, True)


@pytest.mark.django_db
def test_a_link_across_organisations_is_hidden_from_both_customers(
    customer, other_org_customer, agent
):
    one = ticket_in(S.IN_PROGRESS, customer)
    two = ticket_in(S.IN_PROGRESS, other_org_customer)

    lifecycle.link(one, two, actor=agent)

    assert list(one.related.all()) == [two]
    assert not one.events.get().is_public
    assert not two.events.get().is_public


@pytest.mark.django_db
def test_a_request_cannot_be_linked_to_itself(customer, agent):
    ticket = ticket_in(S.IN_PROGRESS, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.link(ticket, ticket, actor=agent)

    assert not ticket.related.exists()


@pytest.mark.django_db
def test_a_customer_cannot_link_requests(customer, customer_manager):
    one = ticket_in(S.IN_PROGRESS, customer)
    two = ticket_in(S.IN_PROGRESS, customer)

    with pytest.raises(TransitionRefused):
        lifecycle.link(one, two, actor=customer_manager)

    assert not one.related.exists()


@pytest.fixture
def message_with_capture(customer):
    """A customer's message with a packet capture, on a request in work."""
    ticket = ticket_in(S.IN_PROGRESS, customer)
    capture = SimpleUploadedFile("sip-trace.pcap", b"\xd4\xc3\xb2\xa1 sip trace", "text/html")
    message = lifecycle.reply(
        ticket, actor=customer, body="Also: fax stopped working.", files=[capture]
    )
    return ticket, message


@pytest.mark.django_db
def test_splitting_a_message_opens_a_related_request_for_the_same_customer(
    message_with_capture, agent
):
    ticket, message = message_with_capture

    new = lifecycle.split(ticket, actor=agent, comment=message, subject="Fax stopped working")

    new.refresh_from_db()
    assert (new.organization, new.requester) == (ticket.organization, ticket.requester)
    assert (new.subject, new.description) == ("Fax stopped working", message.body)
    assert new.status == S.NEW
    assert list(new.related.all()) == [ticket]
    assert list(ticket.related.all()) == [new]
    split_event = ticket.events.get(kind=Kind.SPLIT)
    assert (split_event.note, split_event.data) == (new.reference, {"ticket": new.pk})
    assert split_event.actor == agent
    created = new.events.get()
    assert (created.kind, created.to_status) == (Kind.CREATED, S.NEW)
    assert created.data == {"split_from": ticket.reference}
    [original] = message.attachments.all()
    [copy] = new.attachments.all()
    assert copy.comment is None
    assert (copy.original_name, copy.sha256, copy.size, copy.file.name) == (
        original.original_name,
        original.sha256,
        original.size,
        original.file.name,
    )
    assert copy.content_type == "application/vnd.tcpdump.pcap"


@pytest.mark.django_db
def test_an_internal_note_cannot_be_split_off(customer, agent):
    ticket = ticket_in(S.IN_PROGRESS, customer)
    note = lifecycle.add_note(ticket, actor=agent, body="Their fax is another contract.")
    tickets_before = Ticket.objects.count()

    with pytest.raises(TransitionRefused):
        lifecycle.split(ticket, actor=agent, comment=note, subject="Fax")

    assert Ticket.objects.count() == tickets_before
    assert not ticket.events.filter(kind=Kind.SPLIT).exists()


@pytest.mark.django_db
def test_a_message_of_another_request_cannot_be_split_off(message_with_capture, agent):
    ticket, message = message_with_capture
    unrelated = ticket_in(S.IN_PROGRESS, ticket.requester)

    with pytest.raises(TransitionRefused):
        lifecycle.split(unrelated, actor=agent, comment=message, subject="Fax")

    assert not unrelated.related.exists()


@pytest.mark.django_db
def test_a_customer_cannot_split_a_request(message_with_capture, customer_manager):
    ticket, message = message_with_capture

    with pytest.raises(TransitionRefused):
        lifecycle.split(ticket, actor=customer_manager, comment=message, subject="Fax")

    assert not ticket.related.exists()


# --- Concurrent changes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_decision_on_a_stale_copy_is_refused_and_overwrites_nothing(customer, agent, supervisor):
    ticket = ticket_in(S.IN_PROGRESS, customer)
    mine = Ticket.objects.get(pk=ticket.pk)
    theirs = Ticket.objects.get(pk=ticket.pk)

    lifecycle.resolve(mine, actor=agent, solution="Restarted the gateway.")
    after_first = state(ticket)
    with pytest.raises(ConcurrentChange):
        lifecycle.close(theirs, actor=supervisor, note="Duplicate")

    assert state(ticket) == after_first
    assert after_first["status"] == S.RESOLVED
    assert after_first["close_reason"] == ""
    assert list(ticket.events.values_list("kind", flat=True)) == [Kind.RESOLVED]


@pytest.mark.django_db
def test_a_second_solution_on_a_stale_copy_leaves_no_message_behind(customer, agent, supervisor):
    ticket = ticket_in(S.IN_PROGRESS, customer)
    mine = Ticket.objects.get(pk=ticket.pk)
    theirs = Ticket.objects.get(pk=ticket.pk)

    lifecycle.resolve(mine, actor=agent, solution="First solution")
    with pytest.raises(ConcurrentChange):
        lifecycle.resolve(theirs, actor=supervisor, solution="Second solution")

    assert list(ticket.comments.values_list("body", flat=True)) == ["First solution"]
    assert ticket.events.count() == 1


@pytest.mark.django_db
def test_the_customer_confirming_on_a_stale_page_after_a_reopen_is_refused(customer, agent):
    ticket = ticket_in(S.RESOLVED, customer)
    customers_copy = Ticket.objects.get(pk=ticket.pk)
    lifecycle.reopen(Ticket.objects.get(pk=ticket.pk), actor=agent)

    with pytest.raises(ConcurrentChange):
        lifecycle.confirm(customers_copy, actor=customer)

    assert state(ticket)["status"] == S.IN_PROGRESS
    assert state(ticket)["close_reason"] == ""


@pytest.mark.django_db
def test_assigning_with_a_stale_version_is_refused(customer, agent, supervisor):
    ticket = ticket_in(S.IN_PROGRESS, customer)
    seen_version = ticket.version
    lifecycle.set_priority(
        Ticket.objects.get(pk=ticket.pk), actor=supervisor, priority=Ticket.Priority.HIGH
    )
    after_priority = state(ticket)

    with pytest.raises(ConcurrentChange):
        lifecycle.assign(ticket, actor=supervisor, assignee=agent, expected_version=seen_version)

    assert state(ticket) == after_priority
    assert after_priority["assignee"] is None


@pytest.mark.django_db
def test_assigning_with_the_current_version_succeeds(customer, agent, supervisor):
    ticket = ticket_in(S.IN_PROGRESS, customer)

    lifecycle.assign(ticket, actor=supervisor, assignee=agent, expected_version=ticket.version)

    assert state(ticket)["assignee"] == agent.pk


RACES = {
    "two engineers resolve": (
        S.IN_PROGRESS,
        lambda ticket, people: lifecycle.resolve(ticket, actor=people[0], solution="One"),
        lambda ticket, people: lifecycle.resolve(ticket, actor=people[1], solution="Two"),
    ),
    "customer confirms while support reopens": (
        S.RESOLVED,
        lambda ticket, people: lifecycle.confirm(ticket, actor=people[2]),
        lambda ticket, people: lifecycle.reopen(ticket, actor=people[0]),
    ),
}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite locks the whole database, so writers never truly race",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("race", list(RACES))
def test_of_two_simultaneous_decisions_exactly_one_wins(customer, agent, supervisor, race):
    status, first, second = RACES[race]
    ticket = ticket_in(status, customer)
    people = (agent, supervisor, customer)
    copies = [Ticket.objects.get(pk=ticket.pk) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(action, copy):
        try:
            barrier.wait(timeout=10)
            action(copy, people)
            outcomes.append("done")
        except ConcurrentChange:
            outcomes.append("refused")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(action, copy))
        for action, copy in zip((first, second), copies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["done", "refused"]
    [event] = TicketEvent.objects.filter(ticket=ticket).exclude(kind=Kind.ASSIGNED)
    ticket.refresh_from_db()
    assert (event.from_status, event.to_status) == (status, ticket.status)
    assert ticket.version == 2
    assert ticket.comments.count() == (1 if status == S.IN_PROGRESS else 0)


def at_once(attempts) -> list[str]:
    """Run each attempt in a thread of its own (its own connection), all released together."""
    barrier = threading.Barrier(len(attempts))
    outcomes = []

    def run(attempt):
        try:
            barrier.wait(timeout=30)
            attempt()
            outcomes.append("done")
        except ConcurrentChange:
            outcomes.append("refused")
        except Exception as error:  # reported by the callers' assertions
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def on_a_copy(action, ticket, **kwargs):
    """The action on the request as its page loaded it, before anyone acted."""
    copy = Ticket.objects.get(pk=ticket.pk)
    return lambda: action(copy, **kwargs)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite locks the whole database, so writers never truly race",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_messages_on_one_request_all_land(
    settings, customer, agent, supervisor
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    ticket = ticket_in(S.WAITING, customer, assignee=agent)
    attempts = [
        *(on_a_copy(lifecycle.reply, ticket, actor=customer, body=f"c{n}") for n in range(10)),
        *(on_a_copy(lifecycle.reply, ticket, actor=agent, body=f"a{n}") for n in range(5)),
        *(on_a_copy(lifecycle.add_note, ticket, actor=supervisor, body=f"n{n}") for n in range(5)),
    ]

    outcomes = at_once(attempts)

    assert outcomes == ["done"] * 20
    after = state(ticket)
    assert after["comments"] == after["events"] == 20
    # The customer's first answer resumed the work, once; the others were plain messages.
    [resumed] = TicketEvent.objects.filter(ticket=ticket).exclude(from_status="")
    assert (resumed.from_status, resumed.to_status) == (S.WAITING, S.IN_PROGRESS)
    assert after["status"] == S.IN_PROGRESS
    assert after["version"] == ticket.version + 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_of_twenty_simultaneous_status_changes_exactly_one_wins_among_messages(
    settings, customer, agent, supervisor
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    ticket = ticket_in(S.IN_PROGRESS, customer, assignee=agent)
    solutions = [
        on_a_copy(lifecycle.resolve, ticket, actor=engineer, solution=f"Solution {n}")
        for n in range(10)
        for engineer in (agent, supervisor)
    ]
    messages = [on_a_copy(lifecycle.reply, ticket, actor=agent, body=f"m{n}") for n in range(5)]

    outcomes = at_once(solutions + messages)

    assert sorted(outcomes) == ["done"] * 6 + ["refused"] * 19
    [winner] = TicketEvent.objects.filter(ticket=ticket).exclude(to_status="")
    assert (winner.from_status, winner.to_status) == (S.IN_PROGRESS, S.RESOLVED)
    after = state(ticket)
    assert after["status"] == S.RESOLVED
    assert after["version"] == ticket.version + 1
    assert after["comments"] == 5 + 1  # the messages and the one solution


@pytest.mark.django_db
def test_only_an_active_customer_files_requests(agent, customer):
    customer.is_active = False
    customer.save()
    for user in (agent, customer):
        with pytest.raises(TransitionRefused):
            lifecycle.create_ticket(
                requester=user, type=Ticket.Type.INCIDENT, subject="S", description="D"
            )
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_new_request_belongs_to_the_requesters_organisation(customer):
    ticket = lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject="S", description="D"
    )

    assert ticket.organization == customer.organization
    [event] = ticket.events.all()
    assert (event.kind, event.to_status, event.actor) == (Kind.CREATED, S.NEW, customer)
