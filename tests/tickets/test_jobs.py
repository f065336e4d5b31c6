"""Scheduled work: automatic closing, reminders, SLA monitoring, the schedules themselves."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django_q.models import Schedule

from sla import monitor
from sla.models import Breach
from tickets import jobs, lifecycle
from tickets.models import Ticket, TicketEvent
from tickets.schedules import SCHEDULES, sync_schedules

MSK = ZoneInfo("Europe/Moscow")
Kind = TicketEvent.Kind


def moscow(*args):
    return datetime(*args, tzinfo=MSK)


def file_and_resolve(customer, agent, resolved_at, **fields):
    with time_machine.travel(resolved_at - timedelta(hours=1), tick=False):
        ticket = lifecycle.create_ticket(
            requester=customer, type=fields.pop("type", Ticket.Type.INCIDENT),
            subject="Нет голоса", description="Односторонняя слышимость", **fields,
        )  # fmt: skip
    with time_machine.travel(resolved_at, tick=False):
        lifecycle.resolve(ticket, actor=agent, solution="Исправили кодеки на SBC.")
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def resolved_before_new_year(customer, agent):
    # Friday 2026-12-25; 10 working days later is Tuesday 2027-01-19 (Dec 31 and Jan 1–8 off).
    return file_and_resolve(customer, agent, moscow(2026, 12, 25, 15, 0))


@pytest.mark.django_db
class TestAutoClose:
    def test_the_closing_moment_counts_working_days_across_the_new_year(
        self, resolved_before_new_year
    ):
        ticket = resolved_before_new_year
        assert ticket.auto_close_at == moscow(2027, 1, 20, 0, 0)
        assert ticket.auto_close_reminder_at == moscow(2027, 1, 16, 0, 0)  # after Fri Jan 15

    def test_closes_exactly_the_requests_that_are_due(self, customer, agent,
                                                      resolved_before_new_year):  # fmt: skip
        later = file_and_resolve(customer, agent, moscow(2027, 1, 11, 12, 0))
        assert lifecycle.auto_close_due(now=moscow(2027, 1, 19, 23, 59)) == []
        closed = lifecycle.auto_close_due(now=moscow(2027, 1, 20, 0, 0))
        assert closed == [resolved_before_new_year.pk]
        resolved_before_new_year.refresh_from_db()
        later.refresh_from_db()
        assert resolved_before_new_year.status == Ticket.Status.CLOSED
        assert resolved_before_new_year.close_reason == Ticket.CloseReason.AUTO
        assert later.status == Ticket.Status.RESOLVED
        event = resolved_before_new_year.events.get(kind=Kind.AUTO_CLOSED)
        assert (event.actor, event.from_status, event.to_status, event.is_public) == (
            None, "resolved", "closed", True,
        )  # fmt: skip

    def test_a_disputed_or_reopened_request_is_never_auto_closed(self, customer, agent):
        disputed = file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0))
        reopened = file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0))
        lifecycle.dispute(disputed, actor=customer, reason="Не работает")
        lifecycle.reopen(reopened, actor=agent)
        assert lifecycle.auto_close_due(now=moscow(2027, 6, 1, 0, 0)) == []
        for ticket in (disputed, reopened):
            ticket.refresh_from_db()
            assert ticket.status == Ticket.Status.IN_PROGRESS
            assert ticket.auto_close_at is None

    def test_a_new_resolution_starts_the_countdown_again(self, customer, agent):
        ticket = file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0))
        with time_machine.travel(moscow(2026, 12, 10, 12, 0), tick=False):
            lifecycle.dispute(ticket, actor=customer, reason="Снова пропадает")
            lifecycle.resolve(ticket, actor=agent, solution="Заменили плату")
        ticket.refresh_from_db()
        assert ticket.auto_close_at == moscow(2026, 12, 25, 0, 0)  # Dec 10 + 10 working days
        assert lifecycle.auto_close_due(now=moscow(2026, 12, 16, 0, 0)) == []

    def test_running_twice_closes_and_records_each_request_once(
        self, customer, agent, resolved_before_new_year
    ):
        now = moscow(2027, 2, 1, 0, 0)
        assert lifecycle.auto_close_due(now=now) == [resolved_before_new_year.pk]
        assert lifecycle.auto_close_due(now=now) == []
        assert TicketEvent.objects.filter(kind=Kind.AUTO_CLOSED).count() == 1

    def test_a_customer_action_between_selection_and_update_wins(
        self, customer, agent, monkeypatch
    ):
        racing = file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0))
        other = file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0))
        select = lifecycle._next_batch

        def select_then_customer_disputes(*args, **kwargs):
            ids = select(*args, **kwargs)
            if racing.pk in ids:  # the customer's dispute commits right after the selection
                lifecycle.dispute(Ticket.objects.get(pk=racing.pk), actor=customer,
                                  reason="Не помогло")  # fmt: skip
            return ids

        monkeypatch.setattr(lifecycle, "_next_batch", select_then_customer_disputes)
        closed = lifecycle.auto_close_due(now=moscow(2027, 6, 1, 0, 0), batch_size=10)
        assert closed == [other.pk]
        racing.refresh_from_db()
        assert racing.status == Ticket.Status.IN_PROGRESS
        assert not racing.events.filter(kind=Kind.AUTO_CLOSED).exists()

    def test_small_batches_close_everything(self, customer, agent):
        tickets = [file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0)) for _ in range(5)]
        closed = lifecycle.auto_close_due(now=moscow(2027, 6, 1, 0, 0), batch_size=2)
        assert sorted(closed) == sorted(t.pk for t in tickets)

    def test_the_customer_gets_an_email_when_closed_automatically(
        self, customer, agent, resolved_before_new_year, smtp_server,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.auto_close_due(now=moscow(2027, 1, 20, 0, 0))
        [message] = smtp_server.to(customer.email)
        assert resolved_before_new_year.reference in message["Subject"]
        assert "Обращение закрыто" in message["Subject"]


@pytest.mark.django_db
class TestReminders:
    def test_the_reminder_is_sent_once_with_the_closing_date(
        self, customer, agent, resolved_before_new_year, smtp_server,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        now = moscow(2027, 1, 16, 9, 0)
        with django_capture_on_commit_callbacks(execute=True):
            assert lifecycle.send_auto_close_reminders(now=now) == [resolved_before_new_year.pk]
        with django_capture_on_commit_callbacks(execute=True):
            assert lifecycle.send_auto_close_reminders(now=now) == []
        [message] = smtp_server.to(customer.email)
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "19.01.2027" in body or "19 января 2027" in body
        assert resolved_before_new_year.events.filter(kind=Kind.AUTO_CLOSE_REMINDER).count() == 1

    def test_no_reminder_before_its_time_nor_for_a_request_closing_now(
        self, resolved_before_new_year
    ):
        assert lifecycle.send_auto_close_reminders(now=moscow(2027, 1, 15, 23, 0)) == []
        assert lifecycle.send_auto_close_reminders(now=moscow(2027, 1, 21, 0, 0)) == []


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

    def test_the_job_entry_point_returns_what_it_did(self, filed):
        assert jobs.sla_monitor(now=moscow(2026, 11, 30, 14, 1))["breaches_recorded"] == 1


@pytest.mark.django_db
class TestSchedules:
    def test_setting_up_schedules_twice_creates_each_once(self):
        assert all(created for _name, created in sync_schedules())
        assert not any(created for _name, created in sync_schedules())
        assert Schedule.objects.count() == len(SCHEDULES)

    def test_a_duplicated_schedule_is_cleaned_up(self):
        sync_schedules()
        Schedule.objects.create(name=SCHEDULES[0].name, func="old.func")
        sync_schedules()
        assert Schedule.objects.filter(name=SCHEDULES[0].name).get().func == SCHEDULES[0].func


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_really_runs_the_auto_close_job(customer, agent):
    from django_q.scheduler import scheduler

    ticket = file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0))
    sync_schedules()
    Schedule.objects.update(next_run=moscow(2027, 6, 1, 0, 0))
    with time_machine.travel(moscow(2027, 6, 1, 0, 5), tick=False):
        scheduler()  # Q_CLUSTER is in sync mode in tests: the task runs inline
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.close_reason == Ticket.CloseReason.AUTO


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_close_each_request_once(customer, agent):
    tickets = [file_and_resolve(customer, agent, moscow(2026, 12, 1, 12, 0)) for _ in range(30)]
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(lifecycle.auto_close_due(now=moscow(2027, 6, 1, 0, 0), batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    closed = results[0] + results[1]
    assert sorted(closed) == sorted(t.pk for t in tickets)
    assert TicketEvent.objects.filter(kind=Kind.AUTO_CLOSED).count() == len(tickets)


@pytest.mark.django_db
def test_seeding_the_demo_sends_no_mail(settings, mailoutbox, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert Ticket.objects.count() >= 9
    assert mailoutbox == []


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
def test_a_retried_notification_task_mails_nobody_twice(
    customer, smtp_server, django_capture_on_commit_callbacks
):
    from tickets import notifications

    with django_capture_on_commit_callbacks(execute=True):
        ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.INCIDENT,
                                         subject="Нет связи", description="...")  # fmt: skip
    sent = len(smtp_server.messages)
    event = ticket.events.get(kind=Kind.CREATED)
    assert notifications.fan_out_many([event.pk]) == 0  # a retry of the same task
    assert len(smtp_server.messages) == sent


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
