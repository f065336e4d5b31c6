"""The conversation selector shared by the portal and the console."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import AttachmentFactory
from tickets import lifecycle
from tickets.models import Ticket, TicketEvent
from tickets.timeline import support_timeline, timeline

Kind = TicketEvent.Kind


@pytest.fixture
def worked_request(customer, agent):
    """Filed, taken, a note with a file, a question, an answer with a file: in that order."""
    start = timezone.now() - timedelta(hours=5)
    with time_machine.travel(start, tick=False):
        ticket = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject="Нет звонков",
            description="С утра не проходят входящие.",
        )  # fmt: skip
        AttachmentFactory(ticket=ticket, original_name="filed.png")
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        lifecycle.take(ticket, actor=agent)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        note = lifecycle.add_note(ticket, actor=agent, body="Похоже на транк")
        AttachmentFactory(ticket=ticket, comment=note, original_name="note.log")
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        lifecycle.request_info(ticket, actor=agent, question="Какой номер транка?")
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        answer = lifecycle.reply(ticket, actor=customer, body="Транк 42")
        AttachmentFactory(ticket=ticket, comment=answer, original_name="answer.png")
    return ticket


def described(entries):
    return [
        ("message", e.comment.body) if e.is_message else ("event", e.event.kind) for e in entries
    ]


@pytest.mark.django_db
class TestTimeline:
    def test_staff_see_messages_notes_and_history_oldest_first(self, worked_request, agent):
        result = timeline(agent, worked_request)
        assert described(result.entries) == [
            ("event", Kind.CREATED),
            ("event", Kind.ASSIGNED),
            ("event", Kind.STATUS_CHANGED),
            ("message", "Похоже на транк"),
            ("message", "Какой номер транка?"),
            ("message", "Транк 42"),
        ]
        assert [f.original_name for f in result.request_files] == ["filed.png"]
        assert [f.original_name for f in result.messages[0].files] == ["note.log"]

    def test_a_customer_gets_no_internal_note_file_or_history_entry(self, worked_request, customer):
        result = timeline(customer, worked_request)
        bodies = [e.comment.body for e in result.messages]
        assert bodies == ["Какой номер транка?", "Транк 42"]
        assert all(e.is_public for e in result.events)
        assert Kind.NOTE_ADDED not in {e.kind for e in result.events}
        names = {f.original_name for e in result.entries for f in e.files}
        assert names == {"answer.png"}

    def test_a_message_carries_the_change_it_made(self, worked_request, agent):
        question, answer = timeline(agent, worked_request).messages[1:]
        assert question.event.kind == Kind.INFO_REQUESTED and question.changes_something
        # The customer's answer resumed work: a status change, worth a label too.
        assert answer.event.kind == Kind.CUSTOMER_REPLIED
        note = timeline(agent, worked_request).messages[0]
        assert note.event.kind == Kind.NOTE_ADDED and not note.changes_something

    @pytest.mark.parametrize("extra", [0, 20])
    def test_three_queries_whatever_the_length(
        self, worked_request, agent, customer, extra, django_assert_num_queries
    ):
        for i in range(extra):
            lifecycle.add_note(worked_request, actor=agent, body=f"n{i}")
        with django_assert_num_queries(3):
            timeline(agent, worked_request)


@pytest.mark.django_db
class TestSupportTimeline:
    """The console's conversation, built once per process for each state of the request."""

    def test_the_same_as_the_selector_and_two_queries_once_built(
        self, worked_request, agent, django_assert_num_queries
    ):
        built = support_timeline(agent, worked_request)
        assert described(built.entries) == described(timeline(agent, worked_request).entries)
        with django_assert_num_queries(2):  # what it is made of; its people as they are now
            again = support_timeline(agent, worked_request)
        assert described(again.entries) == described(built.entries)
        with django_assert_num_queries(1):  # everyone in it is known to the caller
            support_timeline(agent, worked_request, known_people=[agent, worked_request.requester])

    @pytest.mark.parametrize("change", ["reply", "note", "event", "file"])
    def test_every_new_message_history_entry_or_file_shows_at_once(
        self, worked_request, agent, customer, change
    ):
        support_timeline(agent, worked_request)
        if change == "reply":
            lifecycle.reply(worked_request, actor=customer, body="Ещё деталь")
        elif change == "note":
            lifecycle.add_note(worked_request, actor=agent, body="Новая заметка")
        elif change == "event":
            lifecycle.set_priority(worked_request, actor=agent, priority=Ticket.Priority.HIGH)
        else:
            AttachmentFactory(ticket=worked_request, original_name="late.png")
        fresh = timeline(agent, worked_request)
        remembered = support_timeline(agent, worked_request)
        assert described(remembered.entries) == described(fresh.entries)
        assert remembered.request_files == fresh.request_files

    def test_a_renamed_colleague_is_shown_by_the_new_name(self, worked_request, agent):
        support_timeline(agent, worked_request)
        agent.full_name = "Новое Имя"
        agent.save(update_fields=["full_name"])
        note = support_timeline(agent, worked_request).messages[0]
        assert note.comment.author.full_name == "Новое Имя"

    def test_a_customer_never_gets_supports_conversation(self, worked_request, agent, customer):
        support_timeline(agent, worked_request)  # remembered with the internal note
        result = support_timeline(customer, worked_request)
        assert [e.comment.body for e in result.messages] == ["Какой номер транка?", "Транк 42"]
