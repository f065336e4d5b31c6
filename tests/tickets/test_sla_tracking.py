"""The SLA of requests through the lifecycle: due times, the stopped clock, breaches."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import Breach
from tickets import lifecycle, sla_tracking
from tickets.models import Ticket

MSK = ZoneInfo("Europe/Moscow")


def at(day, hour, minute=0):
    """A moment in Moscow in the week of Monday 2026-11-30."""
    return (
        datetime(2026, 11, day, hour, minute, tzinfo=MSK)
        if day <= 30
        else datetime(2026, 12, day - 30, hour, minute, tzinfo=MSK)
    )


def file(customer, when, **fields):
    with time_machine.travel(when, tick=False):
        return lifecycle.create_ticket(
            requester=customer,
            type=fields.pop("type", Ticket.Type.INCIDENT),
            subject="Нет регистрации абонентов",
            description="С 09:40 абоненты не регистрируются в сети.",
            **fields,
        )


@pytest.mark.django_db
class TestDueTimes:
    def test_filing_sets_both_due_times_from_the_plan_and_support_hours(self, customer):
        ticket = file(customer, at(30, 10))  # Monday 10:00, Normal: 4 h / 24 h
        assert ticket.priority == Ticket.Priority.NORMAL
        assert ticket.first_response_due_at == at(30, 14)
        # Monday 10–21 (11 h) + Tuesday 9–21 (12 h) + 1 h on Wednesday.
        assert ticket.resolution_due_at == at(32, 10)
        assert ticket.contract.organization == customer.organization
        assert ticket.plan == ticket.contract.plan

    def test_a_request_filed_friday_evening_is_due_on_saturday(self, customer):
        ticket = file(customer, datetime(2026, 11, 27, 20, 30, tzinfo=MSK), blocks_work=True)
        assert ticket.priority == Ticket.Priority.HIGH  # 1 h / 8 h
        assert ticket.first_response_due_at == datetime(2026, 11, 28, 10, 30, tzinfo=MSK)
        assert ticket.resolution_due_at == datetime(2026, 11, 28, 17, 30, tzinfo=MSK)

    def test_waiting_for_the_customer_stops_the_clock_and_moves_the_due_time(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 12), tick=False):
            lifecycle.request_info(ticket, actor=agent, question="Какие коды ошибок?")
        assert ticket.sla_paused_since == at(30, 12)
        with time_machine.travel(at(31, 10), tick=False):
            lifecycle.reply(ticket, actor=customer, body="Cause 38")
        ticket.refresh_from_db()
        # Stopped Monday 12–21 and Tuesday 9–10: 10 business hours.
        assert ticket.sla_paused_since is None
        assert ticket.sla_paused_for == timedelta(hours=10)
        assert ticket.resolution_due_at == at(32, 20)

    def test_resolved_stops_the_clock_and_a_dispute_restarts_it(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 11), tick=False):
            lifecycle.resolve(ticket, actor=agent, solution="Перезапустили HLR.")
        with time_machine.travel(at(30, 13), tick=False):
            lifecycle.dispute(ticket, actor=customer, reason="Не помогло.")
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.IN_PROGRESS
        assert ticket.sla_paused_for == timedelta(hours=2)
        assert ticket.resolution_due_at == at(32, 12)

    def test_time_stopped_outside_support_hours_does_not_count(self, customer, agent):
        ticket = file(customer, at(30, 20))
        with time_machine.travel(at(30, 20, 30), tick=False):
            lifecycle.request_info(ticket, actor=agent, question="Логи?")
        with time_machine.travel(at(31, 8), tick=False):  # before Tuesday's opening
            lifecycle.reply(ticket, actor=customer, body="Вот")
        ticket.refresh_from_db()
        assert ticket.sla_paused_for == timedelta(minutes=30)

    def test_priority_change_recomputes_targets_from_the_filing_time(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 12), tick=False):
            lifecycle.request_info(ticket, actor=agent, question="?")
        with time_machine.travel(at(31, 10), tick=False):
            lifecycle.reply(ticket, actor=customer, body="!")
        with time_machine.travel(at(31, 11), tick=False):
            lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.HIGH)
        ticket.refresh_from_db()
        # High: 8 h + 10 h stopped = 18 h from Monday 10:00 → Tuesday 16:00.
        assert ticket.resolution_due_at == at(31, 16)
        assert ticket.first_response_due_at == at(30, 21)  # 1 h + 10 h stopped

    def test_types_the_plan_does_not_cover_get_no_targets(self, customer):
        plan = customer.organization.contracts.get().plan
        plan.covered_types = [Ticket.Type.INCIDENT]
        plan.save()
        ticket = file(customer, at(30, 10), type=Ticket.Type.CHANGE_REQUEST)
        assert ticket.first_response_due_at is None and ticket.resolution_due_at is None
        assert sla_tracking.current(ticket, now=at(30, 11)) is None

    def test_a_later_plan_change_does_not_rewrite_a_filed_request(self, customer):
        ticket = file(customer, at(30, 10))
        plan = ticket.plan
        plan.targets.filter(priority=Ticket.Priority.NORMAL).update(resolution=timedelta(hours=1))
        ticket.refresh_from_db()
        assert ticket.resolution_due_at == at(32, 10)


@pytest.mark.django_db
class TestBreaches:
    def test_a_late_first_response_is_recorded_with_its_lateness(self, customer, agent):
        ticket = file(customer, at(30, 10))  # first response due 14:00
        with time_machine.travel(at(30, 15, 30), tick=False):
            lifecycle.reply(ticket, actor=agent, body="Смотрим.")
        breach = Breach.objects.get(ticket=ticket)
        assert breach.target == Breach.Target.FIRST_RESPONSE
        assert breach.due_at == at(30, 14)
        assert breach.late_by == timedelta(hours=1, minutes=30)

    def test_a_first_response_in_time_records_nothing(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 13, 59), tick=False):
            lifecycle.reply(ticket, actor=agent, body="Смотрим.")
        with time_machine.travel(at(30, 16), tick=False):
            lifecycle.reply(ticket, actor=agent, body="Ещё смотрим.")
        assert not Breach.objects.exists()

    def test_an_internal_note_is_not_a_first_response(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 11), tick=False):
            lifecycle.add_note(ticket, actor=agent, body="Похоже на HLR")
        ticket.refresh_from_db()
        assert ticket.first_response_at is None

    def test_a_late_resolution_across_the_weekend_is_measured_in_business_time(
        self, customer, agent
    ):
        ticket = file(customer, datetime(2026, 11, 27, 20, 30, tzinfo=MSK), blocks_work=True)
        # High: resolution due Saturday 17:30; resolved Monday 10:00 = Sat 2.5 h + Sun 10 h + 1 h.
        with time_machine.travel(at(30, 10), tick=False):
            lifecycle.resolve(ticket, actor=agent, solution="Починили.")
        breach = Breach.objects.get(ticket=ticket, target=Breach.Target.RESOLUTION)
        assert breach.late_by == timedelta(hours=13, minutes=30)
        # and the first response (due Saturday 10:30) was missed too, by the same resolve
        assert Breach.objects.get(ticket=ticket, target=Breach.Target.FIRST_RESPONSE)

    def test_breaches_stay_recorded_after_closing(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 15), tick=False):
            lifecycle.resolve(ticket, actor=agent, solution="Готово.")
            lifecycle.confirm(ticket, actor=customer)
        assert Breach.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
class TestTimeLeft:
    def test_time_left_at_risk_and_breached(self, customer):
        ticket = file(customer, at(30, 10))  # first response due 14:00 (4 h)
        clock = sla_tracking.current(ticket, now=at(30, 11))
        assert (clock.target, clock.left, clock.at_risk, clock.breached) == (
            "first_response", timedelta(hours=3), False, False,
        )  # fmt: skip
        assert sla_tracking.current(ticket, now=at(30, 13, 30)).at_risk  # 30 min < 20% of 4 h
        late = sla_tracking.current(ticket, now=at(30, 15))
        assert late.breached and late.left == -timedelta(hours=1)

    def test_a_stopped_clock_keeps_its_time_left(self, customer, agent):
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 11), tick=False):
            lifecycle.reply(ticket, actor=agent, body="Принято")
            lifecycle.request_info(ticket, actor=agent, question="?")
        clock = sla_tracking.current(ticket, now=at(33, 12))
        assert clock.paused and clock.target == "resolution"
        assert clock.left == timedelta(hours=23) and not clock.breached


@pytest.mark.django_db
def test_times_to_answer_and_resolve_are_business_time_without_the_stopped_clock(customer, agent):
    ticket = file(customer, at(30, 10))
    with time_machine.travel(at(30, 12), tick=False):
        lifecycle.request_info(ticket, actor=agent, question="Какие коды ошибок?")
    with time_machine.travel(at(31, 10), tick=False):
        lifecycle.reply(ticket, actor=customer, body="Cause 38")
    with time_machine.travel(at(31, 12), tick=False):
        lifecycle.resolve(ticket, actor=agent, solution="Исправлено")
    ticket.refresh_from_db()
    assert ticket.first_response_time == timedelta(hours=2)
    # Monday 10–21 and Tuesday 9–12 is 14 h, of which 10 h were spent waiting for the customer.
    assert ticket.resolution_time == timedelta(hours=4)


@pytest.mark.django_db
def test_resolving_straight_from_waiting_is_not_late_because_of_the_wait(customer, agent):
    ticket = file(customer, at(30, 10))  # Normal: resolution within 24 business hours
    with time_machine.travel(at(30, 11), tick=False):
        lifecycle.request_info(ticket, actor=agent, question="Логи?")
    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=MSK), tick=False):
        lifecycle.resolve(ticket, actor=agent, solution="Нашли по логам сервера")
    ticket.refresh_from_db()
    assert ticket.resolution_time == timedelta(hours=1)
    assert not Breach.objects.filter(ticket=ticket, target=Breach.Target.RESOLUTION).exists()


@pytest.mark.django_db
def test_the_clock_restarts_even_when_the_new_priority_has_no_target(customer, agent):
    plan = customer.organization.contracts.get().plan
    plan.targets.filter(priority=Ticket.Priority.LOW).delete()
    ticket = file(customer, at(30, 10))
    with time_machine.travel(at(30, 11), tick=False):
        lifecycle.request_info(ticket, actor=agent, question="?")
        lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.LOW)
    with time_machine.travel(at(30, 13), tick=False):
        lifecycle.reply(ticket, actor=customer, body="!")
    ticket.refresh_from_db()
    assert ticket.sla_paused_since is None
    assert ticket.sla_paused_for == timedelta(hours=2)
    assert ticket.resolution_due_at is None  # no target for Low in this plan


@pytest.mark.django_db
def test_an_answer_sent_from_a_stale_page_restarts_the_clock_on_the_current_priority(
    customer, agent
):
    def answer_after_a_priority_change(*, stale: bool) -> Ticket:
        ticket = file(customer, at(30, 10))
        with time_machine.travel(at(30, 11), tick=False):
            lifecycle.request_info(ticket, actor=agent, question="?")
        customer_page = Ticket.objects.get(pk=ticket.pk)  # loaded while it waits for them
        with time_machine.travel(at(30, 12), tick=False):
            lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.HIGH)
        with time_machine.travel(at(30, 13), tick=False):
            page = customer_page if stale else Ticket.objects.get(pk=ticket.pk)
            lifecycle.reply(page, actor=customer, body="ответ")
        ticket.refresh_from_db()
        return ticket

    stale, fresh = (answer_after_a_priority_change(stale=flag) for flag in (True, False))

    assert stale.status == Ticket.Status.IN_PROGRESS and stale.priority == Ticket.Priority.HIGH
    assert stale.resolution_due_at == fresh.resolution_due_at is not None
    assert stale.first_response_due_at == fresh.first_response_due_at
    assert stale.sla_paused_for == fresh.sla_paused_for == timedelta(hours=2)
