"""tickets.lifecycle.incidents: marking, attaching, updates, the cascade, disputes, history."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sla.models import Breach
from tests.factories import ContractFactory, PlanFactory, UserFactory
from tickets import lifecycle
from tickets.lifecycle import incidents
from tickets.models import Comment, Ticket, TicketEvent

S = Ticket.Status
Kind = TicketEvent.Kind
TITLE = "Сбой SMS-шлюза"


def file_request(customer, subject="Не работает модем"):
    return lifecycle.create_ticket(
        requester=customer,
        type=Ticket.Type.INCIDENT,
        subject=subject,
        description="Модем не подключается с утра.",
    )


@pytest.fixture
def incident(customer, supervisor):
    parent = file_request(customer, subject="Шлюз SMS не отвечает в офисе Альфы")
    incidents.mark(parent, actor=supervisor, title=TITLE)
    return parent


@pytest.fixture
def children(customer, colleague, other_org_customer, incident, agent):
    kids = [
        file_request(customer, "SMS не уходят"),
        file_request(colleague, "SMS не доходят"),
        file_request(other_org_customer, "Нет SMS у абонентов"),
    ]
    for child in kids:
        incidents.attach(child, incident=incident, actor=agent)
    return kids


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):  # the refusals are matched by their English text
        yield


def kinds(ticket) -> list[str]:
    return list(ticket.events.order_by("pk").values_list("kind", flat=True))


# --- Who may do what ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_marks_an_open_request_as_a_major_incident(customer, supervisor):
    ticket = file_request(customer)
    incidents.mark(ticket, actor=supervisor, title="  Сбой   шлюза ")
    ticket.refresh_from_db()
    assert ticket.is_major_incident and ticket.incident_title == "Сбой шлюза"
    marked = ticket.events.get(kind=Kind.INCIDENT_MARKED)
    assert marked.actor == supervisor and not marked.is_public


@pytest.mark.django_db
def test_agents_and_customers_cannot_mark_or_unmark(customer, customer_manager, agent, incident):
    ticket = file_request(customer)
    for user in (agent, customer, customer_manager):
        with pytest.raises(lifecycle.TransitionRefused):
            incidents.mark(ticket, actor=user, title=TITLE)
        with pytest.raises(lifecycle.TransitionRefused):
            incidents.unmark(incident, actor=user)
    ticket.refresh_from_db()
    assert not ticket.is_major_incident


@pytest.mark.django_db
def test_marking_needs_a_title_and_an_open_request(customer, supervisor, agent):
    ticket = file_request(customer)
    with pytest.raises(lifecycle.TransitionRefused, match="title"):
        incidents.mark(ticket, actor=supervisor, title="   ")
    with pytest.raises(lifecycle.TransitionRefused, match="too long"):
        incidents.mark(ticket, actor=supervisor, title="x" * 201)
    lifecycle.close(ticket, actor=agent)
    with pytest.raises(lifecycle.TransitionRefused):
        incidents.mark(ticket, actor=supervisor, title=TITLE)


@pytest.mark.django_db
def test_customers_cannot_attach_detach_or_post_updates(
    customer, customer_manager, other_org_customer, incident, children
):
    spare = file_request(customer, "Ещё одна")
    for user in (customer, customer_manager, other_org_customer):
        with pytest.raises(lifecycle.TransitionRefused):
            incidents.attach(spare, incident=incident, actor=user)
        with pytest.raises(lifecycle.TransitionRefused):
            incidents.detach(children[0], actor=user)
        with pytest.raises(lifecycle.TransitionRefused):
            incidents.post_update(incident, actor=user, body="Работаем")
    assert incident.children.count() == 3
    assert not Comment.objects.filter(body="Работаем").exists()


@pytest.mark.django_db
def test_an_agent_attaches_requests_of_several_organisations(incident, children, agent):
    assert set(incident.children.values_list("pk", flat=True)) == {c.pk for c in children}
    for child in children:
        attached = child.events.get(kind=Kind.INCIDENT_ATTACHED)
        # The customer's history names the incident's public title, never the incident itself.
        assert attached.is_public and attached.note == TITLE
    on_parent = incident.events.filter(kind=Kind.INCIDENT_ATTACHED)
    assert sorted(on_parent.values_list("note", flat=True)) == sorted(c.reference for c in children)
    assert not on_parent.filter(is_public=True).exists()


@pytest.mark.django_db
def test_attaching_is_refused_when_it_makes_no_sense(customer, supervisor, agent, incident):
    other = file_request(customer, "Другой сбой")
    incidents.mark(other, actor=supervisor, title="Другой сбой")
    plain = file_request(customer, "Просто вопрос")
    closed = file_request(customer, "Закрытый")
    lifecycle.close(closed, actor=agent)
    cases = [
        (incident, incident, "itself"),
        (other, incident, "major incident itself"),
        (closed, incident, "Only open requests"),
        (plain, plain, "not a major incident"),
    ]
    for child, parent, message in cases:
        with pytest.raises(lifecycle.TransitionRefused, match=message):
            incidents.attach(child, incident=parent, actor=agent)
    incidents.attach(plain, incident=incident, actor=agent)
    assert incidents.attach(plain, incident=incident, actor=agent) is False  # already there
    with pytest.raises(lifecycle.TransitionRefused, match="another major incident"):
        incidents.attach(plain, incident=other, actor=agent)


@pytest.mark.django_db
def test_detaching_and_unmarking_are_recorded_on_both_sides(incident, children, agent, supervisor):
    incidents.detach(children[0], actor=agent)
    children[0].refresh_from_db()
    assert children[0].major_incident_id is None
    assert kinds(children[0])[-1] == Kind.INCIDENT_DETACHED
    assert incidents.unmark(incident, actor=supervisor) == 2
    incident.refresh_from_db()
    assert not incident.is_major_incident and not incident.children.exists()
    assert kinds(incident)[-1] == Kind.INCIDENT_UNMARKED
    assert incident.events.filter(kind=Kind.INCIDENT_DETACHED).count() == 3


# --- Updates, notes, the cascade ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_public_update_is_posted_to_every_childs_conversation(incident, children, agent):
    incidents.post_update(incident, actor=agent, body="Инженеры меняют оборудование.")
    for ticket in (incident, *children):
        comment = ticket.comments.get()
        assert comment.body == "Инженеры меняют оборудование." and not comment.is_internal
        entry = ticket.events.get(kind=Kind.INCIDENT_UPDATE)
        assert entry.comment == comment and entry.is_public
        ticket.refresh_from_db()
        assert ticket.first_response_at is not None  # the customer has been answered
    parent_entry = incident.events.get(kind=Kind.INCIDENT_UPDATE)
    assert sorted(parent_entry.data["children"]) == sorted(c.pk for c in children)


@pytest.mark.django_db
def test_internal_notes_stay_on_the_incident(incident, children, agent):
    lifecycle.add_note(incident, actor=agent, body="Виноват поставщик X")
    for child in children:
        assert not child.comments.exists()
        assert not child.events.filter(kind=Kind.NOTE_ADDED).exists()


@pytest.mark.django_db
def test_resolving_the_incident_resolves_every_open_child(incident, children, agent):
    waiting = children[1]
    lifecycle.take(waiting, actor=agent)
    lifecycle.request_info(waiting, actor=agent, question="Какой номер?")
    lifecycle.resolve(incident, actor=agent, solution="Шлюз перезапущен.")
    for child in children:
        child.refresh_from_db()
        assert child.status == S.RESOLVED
        assert child.comments.filter(body="Шлюз перезапущен.", is_internal=False).exists()
        resolved = child.events.get(kind=Kind.RESOLVED)
        assert resolved.data == {"incident": incident.pk} and resolved.actor == agent
        assert child.auto_close_at is not None  # each child's own closing clock
    entry = incident.events.get(kind=Kind.RESOLVED)
    assert sorted(entry.data["children"]) == sorted(c.pk for c in children)


@pytest.mark.django_db
def test_children_already_resolved_or_closed_are_left_alone(incident, children, agent):
    lifecycle.resolve(children[0], actor=agent, solution="Своё решение")
    lifecycle.close(children[1], actor=agent)
    lifecycle.resolve(incident, actor=agent, solution="Общее решение")
    assert not children[0].comments.filter(body="Общее решение").exists()
    assert not children[1].comments.filter(body="Общее решение").exists()
    children[2].refresh_from_db()
    assert children[2].status == S.RESOLVED
    assert incident.events.get(kind=Kind.RESOLVED).data == {"children": [children[2].pk]}


@pytest.mark.django_db
def test_a_dispute_detaches_the_child_and_puts_it_back_in_progress(incident, children, agent):
    lifecycle.resolve(incident, actor=agent, solution="Шлюз перезапущен.")
    disputed, confirmed = children[0], children[2]
    disputed.refresh_from_db()
    lifecycle.dispute(disputed, actor=disputed.requester, reason="У нас всё ещё не работает")
    disputed.refresh_from_db()
    assert disputed.status == S.IN_PROGRESS and disputed.major_incident_id is None
    assert {Kind.INCIDENT_DETACHED, Kind.DISPUTED} <= set(kinds(disputed))
    confirmed.refresh_from_db()
    lifecycle.confirm(confirmed, actor=confirmed.requester)
    confirmed.refresh_from_db()
    assert confirmed.status == S.CLOSED and confirmed.major_incident_id == incident.pk
    detached = incident.events.get(kind=Kind.INCIDENT_DETACHED)
    assert disputed.reference in detached.note and not detached.is_public


@pytest.mark.django_db
def test_each_childs_sla_follows_its_own_contract(customer, supervisor, agent):
    """Filed on a Tuesday at 10:00 (Moscow) and resolved at 14:00 with the incident: on the
    default plan (Normal: 24 h) the child is in time; on a strict plan (Normal: 2 h) the
    other child is 2 h late, and only its breach is recorded."""
    strict = ContractFactory(plan=PlanFactory(targets={3: (0.5, 2)})).organization
    strict_customer = UserFactory(organization=strict)
    filed = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(filed, tick=False):
        parent = file_request(customer, "Шлюз")
        incidents.mark(parent, actor=supervisor, title=TITLE)
        relaxed_child, strict_child = file_request(customer), file_request(strict_customer)
        for child in (relaxed_child, strict_child):
            incidents.attach(child, incident=parent, actor=agent)
    assert strict_child.resolution_due_at - filed == dt.timedelta(hours=2)
    with time_machine.travel(filed + dt.timedelta(hours=4), tick=False):
        lifecycle.resolve(parent, actor=agent, solution="Готово")
    for child in (relaxed_child, strict_child):
        child.refresh_from_db()
        assert child.resolution_time == dt.timedelta(hours=4)
        assert child.sla_paused_since is not None  # its own clock stopped at resolution
    assert not Breach.objects.filter(ticket=relaxed_child).exists()
    late = Breach.objects.get(ticket=strict_child, target=Breach.Target.RESOLUTION)
    assert late.late_by == dt.timedelta(hours=2)


@pytest.mark.django_db
def test_an_update_after_closing_is_refused(incident, children, agent):
    lifecycle.close(incident, actor=agent)
    with pytest.raises(lifecycle.TransitionRefused, match="closed"):
        incidents.post_update(incident, actor=agent, body="Поздно")
    with pytest.raises(lifecycle.TransitionRefused, match="no longer open"):
        incidents.attach(file_request(children[0].requester), incident=incident, actor=agent)


@pytest.mark.django_db
def test_an_update_costs_the_same_queries_for_3_or_30_children(
    customer, colleague, supervisor, agent
):
    counts = []
    for size in (3, 30):
        parent = file_request(customer, f"Шлюз {size}")
        incidents.mark(parent, actor=supervisor, title=TITLE)
        for i in range(size):
            child = file_request((customer, colleague)[i % 2], f"Ребёнок {i}")
            incidents.attach(child, incident=parent, actor=agent)
        with CaptureQueriesContext(connection) as captured:
            assert len(incidents.post_update(parent, actor=agent, body="Новости")) == size
        counts.append(len(captured))
        assert Comment.objects.filter(body="Новости", ticket__major_incident=parent).count() == size
    assert counts[0] == counts[1] <= 20


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite locks the whole database, so writers never truly race",
)
@pytest.mark.django_db(transaction=True)
def test_an_attach_during_the_resolution_waits_for_it_and_is_refused(customer, supervisor, agent):
    parent = file_request(customer, "Шлюз")
    incidents.mark(parent, actor=supervisor, title=TITLE)
    late = file_request(customer, "Опоздавшее")
    outcome = []

    def attach_meanwhile():
        try:
            with translation.override("en"):
                incidents.attach(
                    Ticket.objects.get(pk=late.pk),
                    incident=Ticket.objects.get(pk=parent.pk),
                    actor=agent,
                )
            outcome.append("attached")
        except lifecycle.TransitionRefused as refusal:
            outcome.append(refusal.message)
        finally:
            connection.close()

    with transaction.atomic():
        lifecycle.resolve(parent, actor=agent, solution="Готово")
        other = threading.Thread(target=attach_meanwhile)
        other.start()
        other.join(timeout=1)
        assert other.is_alive() and outcome == []  # it waits for the resolution's lock
    other.join(timeout=10)
    assert outcome == [f"The major incident {parent.reference} is no longer open."]
    late.refresh_from_db()
    assert late.major_incident_id is None
