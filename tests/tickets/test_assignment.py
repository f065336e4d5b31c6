"""Automatic assignment: round robin and least open work over a fixed roster, within the
plan's support hours, skipping agents who are away; blocking Problems first; every automatic
assignment in the history with its rule; concurrent filings never share a turn.

The roster: agents Anna, Boris, Vera (in that id order), a supervisor who is never assigned.
Support hours: the default calendar, Mon–Fri 09–21, Sat–Sun 10–20 Moscow.
"""

import threading
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse

from accounts.models import Role
from accounts.services import set_availability
from sla.models import AssignmentCursor, SupportPlan
from tests.conftest import text_body
from tests.factories import (
    ContractFactory,
    OrganizationFactory,
    PlanFactory,
    StaffUserFactory,
    TicketFactory,
    UserFactory,
)
from tickets import jobs, lifecycle
from tickets.lifecycle import assignment
from tickets.models import Ticket, TicketEvent

MSK = ZoneInfo("Europe/Moscow")
Rule = SupportPlan.AutoAssignment
T = Ticket.Type
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=MSK)
MONDAY_22 = datetime(2026, 11, 30, 22, 0, tzinfo=MSK)  # after hours
TUESDAY_0905 = datetime(2026, 12, 1, 9, 5, tzinfo=MSK)


@pytest.fixture
def roster(db):
    anna = StaffUserFactory(full_name="Anna", email="anna@support.test")
    boris = StaffUserFactory(full_name="Boris", email="boris@support.test")
    vera = StaffUserFactory(full_name="Vera", email="vera@support.test")
    StaffUserFactory(full_name="Lead", role=Role.SUPERVISOR)
    return [anna, boris, vera]


def customer_on(rule: str):
    plan = PlanFactory(auto_assignment=rule)
    organization = OrganizationFactory()
    ContractFactory(organization=organization, plan=plan)
    return UserFactory(organization=organization), plan


def file(customer, *, type=T.INCIDENT, blocks_work=False, subject="Нет связи"):
    return lifecycle.create_ticket(
        requester=customer,
        type=type,
        subject=subject,
        description="Абоненты не могут дозвониться.",
        blocks_work=blocks_work,
    )


def names(tickets) -> list[str]:
    return [t.assignee.full_name if t.assignee_id else None for t in tickets]


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


# --- Off by default --------------------------------------------------------------------------


@pytest.mark.django_db
def test_existing_plans_assign_nothing(roster, monday):
    plan = PlanFactory()
    assert plan.auto_assignment == Rule.OFF
    customer, _plan = customer_on(Rule.OFF)
    ticket = file(customer)
    assert ticket.assignee is None
    assert not ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).exists()
    assert jobs.assign_waiting()["assigned"] == 0


# --- Round robin ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_round_robin_gives_each_agent_on_duty_a_turn(roster, monday):
    customer, plan = customer_on(Rule.ROUND_ROBIN)
    tickets = [file(customer) for _ in range(7)]
    assert names(tickets) == ["Anna", "Boris", "Vera", "Anna", "Boris", "Vera", "Anna"]
    stored = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk")
    assert names(stored) == names(tickets)
    cursor = AssignmentCursor.objects.get(plan=plan)
    assert (cursor.last_assignee, cursor.assigned) == (roster[0], 7)


@pytest.mark.django_db
def test_every_automatic_assignment_is_in_the_history_with_its_rule(roster, monday):
    customer, _plan = customer_on(Rule.ROUND_ROBIN)
    ticket = file(customer)
    event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert event.actor is None
    assert event.data == {"from": None, "to": roster[0].pk, "rule": "round_robin"}
    assert event.assigned_to == roster[0]
    assert event.note == "Anna"
    assert ticket.version == Ticket.objects.get(pk=ticket.pk).version == 2


@pytest.mark.django_db
def test_an_agent_who_is_away_or_gone_is_passed_over(roster, monday):
    _anna, boris, vera = roster
    customer, _plan = customer_on(Rule.ROUND_ROBIN)
    set_availability(boris, available=False)
    vera.is_active = False
    vera.save()
    assert names([file(customer) for _ in range(3)]) == ["Anna", "Anna", "Anna"]
    set_availability(boris, available=True)
    assert names([file(customer) for _ in range(2)]) == ["Boris", "Anna"]


@pytest.mark.django_db
def test_nobody_is_assigned_outside_support_hours_or_when_everyone_is_away(roster):
    customer, _plan = customer_on(Rule.ROUND_ROBIN)
    with time_machine.travel(MONDAY_22, tick=False):
        assert file(customer).assignee is None
    with time_machine.travel(MONDAY_10, tick=False):
        for agent in roster:
            set_availability(agent, available=False)
        assert file(customer).assignee is None
        assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).exists()


@pytest.mark.django_db
def test_the_backlog_is_assigned_when_hours_open_blocking_problems_first(roster):
    customer, _plan = customer_on(Rule.ROUND_ROBIN)
    with time_machine.travel(MONDAY_22, tick=False) as traveller:
        normal = file(customer, subject="normal, oldest")
        traveller.shift(60)
        low_type = file(customer, type=T.SERVICE_REQUEST, subject="question")
        traveller.shift(60)
        problem = file(customer, type=T.PROBLEM, subject="problem")
        traveller.shift(60)
        blocking = file(customer, blocks_work=True, subject="blocks work")
    with time_machine.travel(TUESDAY_0905, tick=False):
        assert jobs.assign_waiting()["assigned"] == 4
    order = (
        TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED)
        .order_by("pk")
        .values_list("ticket_id", "data__to")
    )
    # Problem and "blocks work" (both High) first, the older of them first; then Normal.
    assert list(order) == [
        (problem.pk, roster[0].pk),
        (blocking.pk, roster[1].pk),
        (normal.pk, roster[2].pk),
        (low_type.pk, roster[0].pk),
    ]


@pytest.mark.django_db
def test_a_request_someone_took_meanwhile_is_left_alone(roster, agent):
    customer, plan = customer_on(Rule.ROUND_ROBIN)
    with time_machine.travel(MONDAY_22, tick=False):
        ticket = file(customer)
        lifecycle.take(ticket, actor=agent)
    with time_machine.travel(TUESDAY_0905, tick=False):
        assert assignment.assign_waiting(plan) == []
    ticket.refresh_from_db()
    assert ticket.assignee == agent


# --- Least open work -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_least_open_work_goes_to_the_least_busy_agent_ties_in_turn(roster, monday):
    anna, boris, vera = roster
    customer, _plan = customer_on(Rule.LEAST_OPEN)
    other = UserFactory()
    for engineer, count in ((anna, 2), (vera, 1)):
        TicketFactory.create_batch(count, requester=other, assignee=engineer)
    # Closed and resolved work does not count.
    TicketFactory(requester=other, assignee=boris, status=Ticket.Status.CLOSED)
    TicketFactory(requester=other, assignee=boris, status=Ticket.Status.RESOLVED)
    # Open: Anna 2, Boris 0, Vera 1 -> Boris; then Boris 1, Vera 1 -> Vera (after Boris in
    # turn); then Boris 1 is the least -> Boris; then all 2 -> Vera (after Boris in turn),
    # then Anna (the only one at 2), then Boris (all 3, after Anna in turn).
    assert names([file(customer) for _ in range(6)]) == [
        "Boris",
        "Vera",
        "Boris",
        "Vera",
        "Anna",
        "Boris",
    ]
    event = TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).first()
    assert event.data["rule"] == "least_open"


# --- What people see -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_engineer_is_mailed_that_the_request_was_assigned_automatically(
    roster, smtp_server, django_capture_on_commit_callbacks
):
    customer, _plan = customer_on(Rule.ROUND_ROBIN)
    with (
        time_machine.travel(MONDAY_10, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = file(customer)
    bodies = [text_body(m) for m in smtp_server.to("anna@support.test")]
    assert any("назначено вам автоматически (По кругу" in body for body in bodies), bodies
    assert not smtp_server.to("boris@support.test")
    assert ticket.reference in "".join(bodies)


@pytest.mark.django_db
def test_the_workspace_names_the_rule(client, roster, monday):
    customer, _plan = customer_on(Rule.LEAST_OPEN)
    ticket = file(customer)
    client.force_login(roster[1])
    page = client.get(reverse("admin:tickets_ticket_workspace", args=[ticket.pk]))
    assert "Агенту на смене с наименьшей открытой нагрузкой" in page.content.decode()


# --- Available / away in the console ------------------------------------------------------------

AVAILABILITY = reverse("console_availability")


@pytest.mark.django_db
def test_an_agent_marks_themselves_away_and_back(client, agent):
    client.force_login(agent)
    response = client.post(AVAILABILITY, {"available": "0", "next": "/admin/tickets/ticket/"})
    assert response.status_code == 302 and response.url == "/admin/tickets/ticket/"
    agent.refresh_from_db()
    assert agent.is_away
    assert "Я на месте" in client.get(reverse("console_home")).content.decode()
    client.post(AVAILABILITY, {"available": "1"})
    agent.refresh_from_db()
    assert not agent.is_away


@pytest.mark.django_db
def test_the_switch_refuses_a_get_and_a_foreign_next(client, agent):
    client.force_login(agent)
    assert client.get(AVAILABILITY).status_code == 405
    response = client.post(AVAILABILITY, {"available": "0", "next": "https://evil.test/admin/"})
    assert response.url == reverse("console_home")


@pytest.mark.django_db
def test_customers_cannot_reach_the_switch(client, customer):
    client.force_login(customer)
    response = client.post(AVAILABILITY, {"available": "0"})
    assert response.status_code == 302 and "/admin/login/" in response.url
    customer.refresh_from_db()
    assert not customer.is_away


# --- Concurrent filings --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_never_take_the_same_turn(roster):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    customer, plan = customer_on(Rule.ROUND_ROBIN)
    start = threading.Barrier(9)
    errors = []

    def file_one(n):
        try:
            start.wait(timeout=10)
            file(customer, subject=f"Параллельно {n}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(MONDAY_10, tick=False):
        threads = [threading.Thread(target=file_one, args=(n,)) for n in range(9)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    turns = list(
        TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED)
        .order_by("pk")
        .values_list("data__to", flat=True)
    )
    anna, boris, vera = (agent.pk for agent in roster)
    assert turns == [anna, boris, vera] * 3  # strictly in turn: no turn read twice
    assert Counter(Ticket.objects.values_list("assignee", flat=True)) == {
        anna: 3,
        boris: 3,
        vera: 3,
    }
    assert AssignmentCursor.objects.get(plan=plan).assigned == 9
