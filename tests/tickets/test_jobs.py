"""Scheduled work: automatic closing, reminders, the job entry points, the schedules."""

import importlib
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django_q.models import Schedule

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
        select = lifecycle.batch._next_batch

        def select_then_customer_disputes(*args, **kwargs):
            ids = select(*args, **kwargs)
            if racing.pk in ids:  # the customer's dispute commits right after the selection
                lifecycle.dispute(Ticket.objects.get(pk=racing.pk), actor=customer,
                                  reason="Не помогло")  # fmt: skip
            return ids

        monkeypatch.setattr(lifecycle.batch, "_next_batch", select_then_customer_disputes)
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
def test_the_sla_monitor_job_returns_what_it_did(customer):
    with time_machine.travel(moscow(2026, 11, 30, 10, 0), tick=False):  # Monday
        lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject="SMS", description="..."
        )
    assert jobs.sla_monitor(now=moscow(2026, 11, 30, 14, 1))["breaches_recorded"] == 1


def test_every_scheduled_function_can_be_imported():
    # Existing installations keep these dotted paths in django_q_schedule: a job that moves
    # must leave its entry point here.
    for job in SCHEDULES:
        module, name = job.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name)), job.func
