"""SLA monitoring: missed targets recorded and notified once, warnings, escalations."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import Breach
from tickets import lifecycle
from tickets import sla_monitor as monitor
from tickets.models import Ticket, TicketEvent

MSK = ZoneInfo("Europe/Moscow")
Kind = TicketEvent.Kind


def moscow(*args):
    return datetime(*args, tzinfo=MSK)


@pytest.mark.django_db
class TestSlaMonitor:
    @pytest.fixture
    def filed(self, customer):
        with time_machine.travel(moscow(2026, 11, 30, 10, 0), tick=False):  # Monday
            return lifecycle.create_ticket(
                requester=customer, type=Ticket.Type.INCIDENT, subject="SMS", description="..."
            )

    def test_a_missed_target_is_recorded_and_notified_once(self, filed, agent, supervisor):
        lifecycle.assign(filed, actor=supervisor, assignee=agent)
        first = monitor.run(now=moscow(2026, 11, 30, 14, 1))  # first response due 14:00
        second = monitor.run(now=moscow(2026, 11, 30, 14, 2))
        assert (first.breaches_recorded, first.breaches_notified) == (1, 1)
        assert (second.breaches_recorded, second.breaches_notified) == (0, 0)
        breach = Breach.objects.get(ticket=filed)
        assert breach.target == Breach.Target.FIRST_RESPONSE
        assert breach.due_at == moscow(2026, 11, 30, 14, 0)
        event = filed.events.get(kind=Kind.SLA_BREACHED)
        assert not event.is_public and event.data == {"target": "first_response"}

    def test_breach_notification_goes_to_the_engineer_and_supervisors_never_the_customer(
        self, filed, customer, agent, supervisor, smtp_server, django_capture_on_commit_callbacks
    ):
        lifecycle.assign(filed, actor=supervisor, assignee=agent)
        with django_capture_on_commit_callbacks(execute=True):
            monitor.run(now=moscow(2026, 11, 30, 14, 1))
        recipients = {r for m in smtp_server.messages for r in m.envelope_recipients}
        assert recipients == {agent.email, supervisor.email}

    def test_a_stopped_clock_does_not_breach(self, filed, agent):
        with time_machine.travel(moscow(2026, 11, 30, 11, 0), tick=False):
            lifecycle.request_info(filed, actor=agent, question="Номер абонента?")
        assert monitor.run(now=moscow(2026, 12, 20, 12, 0)).breaches_recorded == 0

    def test_at_risk_warns_the_engineer_once(self, filed, agent, supervisor):
        lifecycle.assign(filed, actor=supervisor, assignee=agent)
        assert monitor.run(now=moscow(2026, 11, 30, 13, 0)).warned == 0  # 1 h of 4 h left
        assert monitor.run(now=moscow(2026, 11, 30, 13, 13)).warned == 1  # < 48 min left
        assert monitor.run(now=moscow(2026, 11, 30, 13, 14)).warned == 0
        assert filed.events.filter(kind=Kind.SLA_AT_RISK).count() == 1

    def test_an_unassigned_critical_request_alerts_supervisors_after_15_business_minutes(
        self, customer, agent, supervisor
    ):
        with time_machine.travel(moscow(2026, 11, 30, 8, 0), tick=False):  # before opening
            ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.PROBLEM,
                                             subject="Сеть лежит", description="...")  # fmt: skip
            lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.CRITICAL)
        assert monitor.run(now=moscow(2026, 11, 30, 9, 14)).escalated == 0
        assert monitor.run(now=moscow(2026, 11, 30, 9, 15)).escalated == 1
        assert monitor.run(now=moscow(2026, 11, 30, 9, 30)).escalated == 0

    def test_a_taken_critical_request_is_not_escalated(self, customer, agent):
        with time_machine.travel(moscow(2026, 11, 30, 10, 0), tick=False):
            ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.PROBLEM,
                                             subject="Сеть лежит", description="...")  # fmt: skip
            lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.CRITICAL)
            lifecycle.take(ticket, actor=agent)
        assert monitor.run(now=moscow(2026, 11, 30, 11, 0)).escalated == 0


@pytest.mark.django_db
def test_a_request_missing_both_targets_in_one_pass_gets_two_breach_entries(customer, agent):
    with time_machine.travel(moscow(2026, 11, 30, 10, 0), tick=False):
        ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.INCIDENT,
                                         subject="Нет связи", description="...")  # fmt: skip
    result = monitor.run(now=moscow(2026, 12, 20, 12, 0))
    assert (result.breaches_recorded, result.breaches_notified) == (2, 2)
    targets = sorted(e.data["target"] for e in ticket.events.filter(kind=Kind.SLA_BREACHED))
    assert targets == ["first_response", "resolution"]


@pytest.mark.django_db
def test_a_critical_request_is_escalated_even_when_its_plan_sets_no_critical_target(
    customer, agent
):
    plan = customer.organization.contracts.get().plan
    plan.targets.filter(priority=Ticket.Priority.CRITICAL).delete()
    with time_machine.travel(moscow(2026, 11, 30, 10, 0), tick=False):
        ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.PROBLEM,
                                         subject="Сеть лежит", description="...")  # fmt: skip
        lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.CRITICAL)
    assert monitor.run(now=moscow(2026, 11, 30, 10, 16)).escalated == 1


@pytest.mark.django_db
def test_a_restarted_clock_can_warn_again(customer, agent):
    with time_machine.travel(moscow(2026, 11, 30, 10, 0), tick=False):
        ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.INCIDENT,
                                         subject="SMS", description="...")  # fmt: skip
    assert monitor.run(now=moscow(2026, 11, 30, 13, 20)).warned == 1  # first response at risk
    with time_machine.travel(moscow(2026, 11, 30, 13, 30), tick=False):
        lifecycle.request_info(ticket, actor=agent, question="?")
    with time_machine.travel(moscow(2026, 12, 1, 9, 0), tick=False):
        lifecycle.reply(ticket, actor=customer, body="!")
    ticket.refresh_from_db()
    assert ticket.resolution_warned_at is None
    # Resolution: 24 h + 7.5 h stopped from Monday 10:00 is due Wednesday 17:30, at risk
    # (less than 4.8 h left) from Wednesday 12:42.
    assert monitor.run(now=moscow(2026, 12, 2, 12, 40)).warned == 0
    assert monitor.run(now=moscow(2026, 12, 2, 12, 45)).warned == 1
