"""tickets.lifecycle: the type, "blocks work" and the priority rule that ties them together.

The rule: a Problem, or a request that blocks the customer's work, is at least High. Setting
either raises a Normal or Low priority to High (its own history entry, new SLA due times);
Critical stays Critical; clearing the flag or leaving the Problem type lowers nothing; and
lowering such a request below High is refused.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import TicketFactory
from tickets import lifecycle
from tickets.lifecycle import TransitionRefused
from tickets.models import Ticket, TicketEvent

S = Ticket.Status
P = Ticket.Priority
T = Ticket.Type
Kind = TicketEvent.Kind
MSK = ZoneInfo("Europe/Moscow")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=MSK)


def filed(customer, **fields):
    with time_machine.travel(MONDAY_10, tick=False):
        return lifecycle.create_ticket(
            requester=customer, type=fields.pop("type", T.INCIDENT), subject="Сбой",
            description="Не работает", **fields,
        )  # fmt: skip


def kinds(ticket):
    return list(ticket.events.exclude(kind=Kind.CREATED).values_list("kind", flat=True))


@pytest.mark.django_db
class TestType:
    def test_support_changes_the_type_with_a_history_entry(self, customer, agent):
        ticket = filed(customer, type=T.SERVICE_REQUEST)
        lifecycle.set_type(ticket, actor=agent, type=T.INCIDENT)
        ticket.refresh_from_db()
        assert ticket.type == T.INCIDENT and ticket.version == 2
        [event] = ticket.events.filter(kind=Kind.TYPE_CHANGED)
        assert event.actor == agent and event.is_public
        assert event.data == {"from": T.SERVICE_REQUEST, "to": T.INCIDENT}
        assert event.note == f"{T.SERVICE_REQUEST.label} → {T.INCIDENT.label}"

    def test_a_problem_is_raised_to_high_with_new_due_times(self, customer, agent):
        ticket = filed(customer)
        normal_due = ticket.resolution_due_at
        with time_machine.travel(MONDAY_10.replace(hour=11), tick=False):
            lifecycle.set_type(ticket, actor=agent, type=T.PROBLEM)
        ticket.refresh_from_db()
        assert ticket.priority == P.HIGH
        assert kinds(ticket) == [Kind.TYPE_CHANGED, Kind.PRIORITY_CHANGED]
        priority = ticket.events.get(kind=Kind.PRIORITY_CHANGED)
        assert priority.data == {"from": P.NORMAL, "to": P.HIGH} and priority.actor == agent
        # High: 8 h of business time from filing instead of Normal's 24 h.
        assert ticket.resolution_due_at < normal_due

    def test_a_critical_problem_stays_critical(self, customer, agent):
        ticket = filed(customer)
        lifecycle.set_priority(ticket, actor=agent, priority=P.CRITICAL)
        lifecycle.set_type(ticket, actor=agent, type=T.PROBLEM)
        assert Ticket.objects.get(pk=ticket.pk).priority == P.CRITICAL

    def test_leaving_the_problem_type_lowers_nothing(self, customer, agent):
        ticket = filed(customer, type=T.PROBLEM)
        assert ticket.priority == P.HIGH
        lifecycle.set_type(ticket, actor=agent, type=T.INCIDENT)
        ticket.refresh_from_db()
        assert ticket.priority == P.HIGH and kinds(ticket) == [Kind.TYPE_CHANGED]

    def test_the_same_type_again_records_nothing(self, customer, agent):
        ticket = filed(customer)
        lifecycle.set_type(ticket, actor=agent, type=T.INCIDENT)
        assert kinds(ticket) == [] and Ticket.objects.get(pk=ticket.pk).version == 1

    def test_customers_cannot_change_the_type(self, customer, customer_manager):
        ticket = filed(customer)
        for user in (customer, customer_manager):
            with pytest.raises(TransitionRefused):
                lifecycle.set_type(ticket, actor=user, type=T.PROBLEM)
        assert Ticket.objects.get(pk=ticket.pk).type == T.INCIDENT

    def test_a_closed_request_keeps_its_type(self, customer, agent):
        ticket = TicketFactory(requester=customer, status=S.CLOSED)
        with pytest.raises(TransitionRefused):
            lifecycle.set_type(ticket, actor=agent, type=T.PROBLEM)

    def test_an_unknown_type_is_refused_before_anything_is_written(self, customer, agent):
        ticket = filed(customer)
        with pytest.raises(ValueError):
            lifecycle.set_type(ticket, actor=agent, type="anything")
        assert kinds(ticket) == []

    def test_a_type_the_plan_does_not_cover_has_no_due_times(self, customer, agent):
        ticket = filed(customer)
        ticket.plan.covered_types = [T.INCIDENT]
        ticket.plan.save()
        lifecycle.set_type(ticket, actor=agent, type=T.CHANGE_REQUEST)
        ticket.refresh_from_db()
        assert ticket.resolution_due_at is None and ticket.first_response_due_at is None


@pytest.mark.django_db
class TestBlocksWork:
    def test_setting_it_raises_normal_to_high(self, customer, agent):
        ticket = filed(customer)
        lifecycle.set_blocks_work(ticket, actor=agent, blocks_work=True)
        ticket.refresh_from_db()
        assert ticket.blocks_work and ticket.priority == P.HIGH
        assert kinds(ticket) == [Kind.BLOCKS_WORK_CHANGED, Kind.PRIORITY_CHANGED]
        event = ticket.events.get(kind=Kind.BLOCKS_WORK_CHANGED)
        assert event.data == {"from": False, "to": True} and event.is_public

    def test_setting_it_on_a_low_request_raises_it_to_high(self, customer, agent):
        ticket = filed(customer)
        lifecycle.set_priority(ticket, actor=agent, priority=P.LOW)
        lifecycle.set_blocks_work(ticket, actor=agent, blocks_work=True)
        assert Ticket.objects.get(pk=ticket.pk).priority == P.HIGH

    def test_clearing_it_lowers_nothing(self, customer, agent):
        ticket = filed(customer, blocks_work=True)
        lifecycle.set_blocks_work(ticket, actor=agent, blocks_work=False)
        ticket.refresh_from_db()
        assert not ticket.blocks_work and ticket.priority == P.HIGH
        assert kinds(ticket) == [Kind.BLOCKS_WORK_CHANGED]

    def test_customers_cannot_change_it(self, customer, customer_manager, other_org_customer):
        ticket = filed(customer)
        for user in (customer, customer_manager, other_org_customer):
            with pytest.raises(TransitionRefused):
                lifecycle.set_blocks_work(ticket, actor=user, blocks_work=True)
        assert not Ticket.objects.get(pk=ticket.pk).blocks_work

    def test_a_stale_version_is_refused(self, customer, agent, supervisor):
        ticket = filed(customer)
        lifecycle.set_priority(Ticket.objects.get(pk=ticket.pk), actor=supervisor, priority=P.LOW)
        with pytest.raises(lifecycle.ConcurrentChange):
            lifecycle.set_blocks_work(ticket, actor=agent, blocks_work=True, expected_version=1)
        assert not Ticket.objects.get(pk=ticket.pk).blocks_work


@pytest.mark.django_db
class TestPriorityRule:
    @pytest.mark.parametrize("fields", [{"blocks_work": True}, {"type": T.PROBLEM}])
    def test_a_blocking_request_or_problem_cannot_go_below_high(self, customer, agent, fields):
        ticket = filed(customer, **fields)
        for priority in (P.NORMAL, P.LOW):
            with pytest.raises(TransitionRefused) as refusal:
                lifecycle.set_priority(ticket, actor=agent, priority=priority)
            assert ticket.reference in refusal.value.message
        assert Ticket.objects.get(pk=ticket.pk).priority == P.HIGH
        lifecycle.set_priority(ticket, actor=agent, priority=P.CRITICAL)
        lifecycle.set_priority(ticket, actor=agent, priority=P.HIGH)
        assert Ticket.objects.get(pk=ticket.pk).priority == P.HIGH

    def test_once_the_flag_is_cleared_the_priority_may_go_down(self, customer, agent):
        ticket = filed(customer, blocks_work=True)
        lifecycle.set_blocks_work(ticket, actor=agent, blocks_work=False)
        lifecycle.set_priority(ticket, actor=agent, priority=P.NORMAL)
        assert Ticket.objects.get(pk=ticket.pk).priority == P.NORMAL

    @pytest.mark.parametrize(
        ("type_", "blocks", "lowest"),
        [(T.INCIDENT, False, None), (T.INCIDENT, True, P.HIGH), (T.PROBLEM, False, P.HIGH),
         (T.SERVICE_REQUEST, False, None), (T.CHANGE_REQUEST, True, P.HIGH)],
    )  # fmt: skip
    def test_the_rule_itself(self, type_, blocks, lowest):
        assert Ticket.lowest_priority(type_, blocks_work=blocks) == lowest
