"""tickets.outbox: queued with the change, dispatched once, nothing left behind.

These tests run django-q2 as production does (not in sync mode): the database broker's
queue row, the real worker function and the broker handing out a task a second time.
"""

import datetime as dt
import logging
import queue
import threading
from multiprocessing import Value

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.monitor import save_task
from django_q.signing import SignedPackage
from django_q.worker import worker

from accounts.models import Role
from tests.conftest import _free_port, _Inbox
from tests.factories import StaffUserFactory, TicketFactory
from tickets import jobs, lifecycle, notifications, outbox
from tickets.models import Delivery, Ticket, TicketEvent

S = Ticket.Status
Kind = TicketEvent.Kind


def file_request(customer, subject="Нет связи"):
    return lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject=subject, description="..."
    )


def queued(broker) -> list[dict]:
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("pk")]


def run_worker(broker, *, acknowledge=True) -> list[dict]:
    """What the cluster does: claim the due tasks, run them in the worker, save, acknowledge."""
    results = []
    for ack_id, payload in broker.dequeue() or []:
        tasks, done = queue.Queue(), queue.Queue()
        tasks.put(SignedPackage.loads(payload) | {"ack_id": ack_id})
        tasks.put("STOP")
        worker(tasks, done, Value("f", -1))
        task = done.get_nowait()
        save_task(task, broker)
        if acknowledge and task["success"]:
            broker.acknowledge(task.pop("ack_id"))
        results.append(task)
    return results


def later(minutes: float):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def to(inbox, address) -> int:
    return len(inbox.to(address))


@pytest.fixture
def logs():
    """The text of what is logged during the test (WARNING and above)."""
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        formatter = logging.Formatter()
        yield lambda: "\n".join(formatter.format(record) for record in records)
    finally:
        root.removeHandler(handler)


# --- Queued with the change ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dispatch_is_queued_inside_the_transaction_of_the_change(
    database_broker, django_capture_on_commit_callbacks, customer
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = file_request(customer)

    assert callbacks == []  # nothing left for after the commit
    [task] = queued(database_broker)
    assert task["func"] == "tickets.outbox.dispatch"
    assert task["args"] == ([ticket.events.get(kind=Kind.CREATED).pk],)


@pytest.mark.django_db
def test_a_change_rolled_back_leaves_no_queued_task(database_broker, customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        file_request(customer)
        raise RuntimeError("something later in the same request failed")

    assert not OrmQ.objects.exists()
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_with_redis_or_in_sync_mode_the_task_is_queued_after_commit(
    settings, django_capture_on_commit_callbacks, customer
):
    settings.Q_CLUSTER = settings.Q_CLUSTER | {"redis": "redis://127.0.0.1:6379/15"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_request(customer)

    assert len(callbacks) == 1
    assert not OrmQ.objects.exists()


@pytest.mark.django_db
def test_history_nobody_hears_about_is_done_when_written(database_broker, customer, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    lifecycle.add_note(ticket, actor=agent, body="internal")
    lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.HIGH)
    with notifications.muted():
        lifecycle.reply(ticket, actor=agent, body="demo data")

    events = list(ticket.events.all())
    assert len(events) == 3
    assert all(event.notified_at == event.created_at for event in events)
    assert not OrmQ.objects.exists()


@pytest.mark.django_db
def test_a_batch_job_queues_its_entries_in_chunks(database_broker, customer):
    tickets = [TicketFactory(requester=customer, status=S.RESOLVED) for _ in range(3)]

    events = lifecycle.record_many(
        [t.pk for t in tickets], Kind.AUTO_CLOSE_REMINDER, now=timezone.now()
    )

    [task] = queued(database_broker)
    assert sorted(task["args"][0]) == sorted(e.pk for e in events)
    assert len(events) <= outbox.TASK_EVENTS


# --- Dispatched once ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_worker_sends_the_mails_of_a_queued_task(
    database_broker, smtp_server, customer, supervisor
):
    ticket = file_request(customer)

    [result] = run_worker(database_broker)

    assert result["success"]
    assert to(smtp_server, customer.email) == to(smtp_server, supervisor.email) == 1
    assert ticket.events.get().notified_at is not None
    assert not OrmQ.objects.exists()
    assert not Task.objects.exists()  # no result row for the bulk of all tasks


@pytest.mark.django_db
def test_a_task_handed_out_again_after_a_lost_acknowledgement_mails_nobody_twice(
    database_broker, smtp_server, customer, supervisor
):
    ticket = file_request(customer)
    [first] = run_worker(database_broker, acknowledge=False)  # the database went away here
    assert first["success"] and len(smtp_server.messages) == 2

    with later(minutes=Conf.RETRY / 60 + 1):
        [again] = run_worker(database_broker)

    assert again["id"] == first["id"]  # the same task, delivered a second time
    assert again["success"]
    assert len(smtp_server.messages) == 2
    assert Delivery.objects.filter(event__ticket=ticket).count() == 2


@pytest.mark.django_db
def test_a_failure_after_the_mails_went_out_is_retried_without_sending_them_again(
    database_broker, smtp_server, customer, supervisor, monkeypatch
):
    ticket = file_request(customer)
    real_update = outbox.mark_done

    def database_gone(*args, **kwargs):
        monkeypatch.setattr(outbox, "mark_done", real_update)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(outbox, "mark_done", database_gone)
    [failed] = run_worker(database_broker)
    assert not failed["success"] and "server closed the connection" in failed["result"]
    assert len(smtp_server.messages) == 2
    assert ticket.events.get().notified_at is None
    assert OrmQ.objects.count() == 1  # not acknowledged: django-q2 hands it out again
    assert Task.objects.get().attempt_count == 1  # a failure is kept, with its attempts

    with later(minutes=Conf.RETRY / 60 + 1):
        [retried] = run_worker(database_broker)

    assert retried["success"]
    assert len(smtp_server.messages) == 2
    assert ticket.events.get().notified_at is not None


@pytest.fixture
def mail_server_down(settings):
    port = _free_port()  # nothing listens there
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    return port


@pytest.mark.django_db
def test_with_the_mail_server_down_the_task_fails_for_a_retry_and_then_sends(
    database_broker, mail_server_down, settings, customer, supervisor
):
    ticket = file_request(customer)

    [failed] = run_worker(database_broker)
    assert not failed["success"] and "DispatchIncomplete" in failed["result"]
    assert not Delivery.objects.exists()
    assert ticket.events.get().notified_at is None

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=mail_server_down)
    controller.start()
    try:
        with later(minutes=Conf.RETRY / 60 + 1):
            [retried] = run_worker(database_broker)
    finally:
        controller.stop()
    assert retried["success"]
    assert sorted(a for m in inbox.messages for a in m.envelope_recipients) == sorted(
        [customer.email, supervisor.email]
    )


class _Bouncer(_Inbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.django_db
def test_an_address_refused_for_good_is_recorded_and_not_retried(
    settings, database_broker, customer
):
    StaffUserFactory(email="bounce@support.test", role=Role.SUPERVISOR)
    inbox, port = _Bouncer(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        ticket = file_request(customer)
        [result] = run_worker(database_broker)
    finally:
        controller.stop()

    assert result["success"]
    assert [m.envelope_recipients for m in inbox.messages] == [[customer.email]]
    refused = Delivery.objects.get(target="bounce@support.test")
    assert refused.sent_at is None and "No such mailbox" in refused.error
    assert ticket.events.get().notified_at is not None


# --- Nothing left behind: the sweeper ---------------------------------------------------------


@pytest.mark.django_db
def test_the_sweeper_delivers_exactly_once_what_the_queue_lost(
    database_broker, smtp_server, customer, supervisor
):
    ticket = file_request(customer)
    OrmQ.objects.all().delete()  # the queued task is gone (a restore, a purge, a lost Redis)

    with later(minutes=1):
        assert jobs.sweep_outbox()["dispatched"] == 0  # too recent: its task may still come
    assert smtp_server.messages == []

    with later(minutes=4):
        assert jobs.sweep_outbox() == {"dispatched": 1, "waiting": 0, "given_up": 0}
        assert jobs.sweep_outbox() == {"dispatched": 0, "waiting": 0, "given_up": 0}

    assert to(smtp_server, customer.email) == to(smtp_server, supervisor.email) == 1
    assert ticket.events.get().notified_at is not None


@pytest.mark.django_db(transaction=True)
def test_when_queueing_fails_after_commit_the_sweeper_delivers_exactly_once(
    settings, smtp_server, customer, supervisor, monkeypatch, logs
):
    settings.Q_CLUSTER = settings.Q_CLUSTER | {"redis": "redis://127.0.0.1:6379/15"}

    def redis_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox, "async_task", redis_down)
    ticket = file_request(customer)  # commits; the task is never queued

    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert smtp_server.messages == []
    assert "Connection refused" in logs()  # logged by on_commit(robust=True)
    with later(minutes=4):
        jobs.sweep_outbox()
        jobs.sweep_outbox()
    assert to(smtp_server, customer.email) == to(smtp_server, supervisor.email) == 1


@pytest.mark.django_db
def test_the_sweeper_and_a_late_task_together_send_each_mail_once(
    database_broker, smtp_server, customer, supervisor
):
    file_request(customer)
    with later(minutes=4):
        jobs.sweep_outbox()
        [late] = run_worker(database_broker)  # the task was only slow, not lost

    assert late["success"]
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db
def test_the_sweeper_stops_while_the_mail_server_is_down_and_goes_on_after(
    database_broker, mail_server_down, customer, supervisor
):
    for n in range(3):
        file_request(customer, subject=f"Нет связи {n}")
    OrmQ.objects.all().delete()

    with later(minutes=4):
        result = jobs.sweep_outbox()
    assert result == {"dispatched": 0, "waiting": 3, "given_up": 0}
    assert TicketEvent.objects.filter(notified_at__isnull=True).count() == 3

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=mail_server_down)
    controller.start()
    try:
        with later(minutes=5):
            assert jobs.sweep_outbox() == {"dispatched": 3, "waiting": 0, "given_up": 0}
    finally:
        controller.stop()
    assert len(inbox.messages) == 6
    assert len({message.peer for message in inbox.messages}) == 1  # one connection for all


@pytest.mark.django_db
def test_the_sweeper_gives_up_on_entries_older_than_the_limit_and_says_so(
    settings, database_broker, smtp_server, customer, logs
):
    ticket = file_request(customer)
    OrmQ.objects.all().delete()

    with later(minutes=settings.OUTBOX_GIVE_UP_AFTER.total_seconds() / 60 + 1):
        result = jobs.sweep_outbox()

    assert result == {"dispatched": 0, "waiting": 0, "given_up": 1}
    assert smtp_server.messages == []
    assert ticket.events.get().notified_at is not None
    assert f"[{ticket.events.get().pk}]" in logs()


# --- Channels: the extension point ----------------------------------------------------------


class RecordingChannel:
    """A second channel, as a webhook channel would be: its own marker per entry."""

    name = "recorder"

    def __init__(self):
        self.down = False

    def wants(self, event) -> bool:
        return event.is_public

    def deliver(self, events):
        if self.down:
            raise ConnectionError("endpoint unreachable")
        done = []
        for event in events:
            Delivery.objects.get_or_create(
                event=event, channel=self.name, target="hook", defaults={"sent_at": timezone.now()}
            )
            done.append(event.pk)
        return done


RECORDER = RecordingChannel()


@pytest.fixture
def two_channels(settings):
    settings.OUTBOX_CHANNELS = ["tickets.notifications.EMAIL", f"{__name__}.RECORDER"]
    RECORDER.down = False
    yield RECORDER
    RECORDER.down = False


@pytest.mark.django_db
def test_every_channel_gets_each_entry_in_the_same_dispatch(
    two_channels, database_broker, smtp_server, customer, agent
):
    ticket = file_request(customer)
    lifecycle.add_note(ticket, actor=agent, body="internal: no channel wants it")

    run_worker(database_broker)

    created = ticket.events.get(kind=Kind.CREATED)
    assert set(created.deliveries.values_list("channel", flat=True)) == {"email", "recorder"}
    assert created.notified_at is not None
    assert not Delivery.objects.filter(event__kind=Kind.NOTE_ADDED).exists()


@pytest.mark.django_db
def test_a_channel_that_fails_holds_its_entries_without_sending_the_others_twice(
    two_channels, database_broker, smtp_server, customer, supervisor, logs
):
    two_channels.down = True
    ticket = file_request(customer)
    [failed] = run_worker(database_broker)
    assert not failed["success"]
    assert len(smtp_server.messages) == 2  # e-mail went out regardless
    assert ticket.events.get().notified_at is None
    assert "endpoint unreachable" in logs()

    two_channels.down = False
    with later(minutes=4):
        jobs.sweep_outbox()

    assert len(smtp_server.messages) == 2
    assert ticket.events.get().deliveries.filter(channel="recorder").count() == 1
    assert ticket.events.get().notified_at is not None


# --- Concurrent dispatches (PostgreSQL) -------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_dispatches_of_the_same_entry_at_once_mail_each_person_once(
    database_broker, smtp_server, settings, customer
):
    settings.NEW_REQUEST_NOTIFY = "all"
    for n in range(4):
        StaffUserFactory(email=f"agent{n}@support.test")
    event = file_request(customer).events.get()
    barrier = threading.Barrier(2)
    errors = []

    def dispatch():
        try:
            barrier.wait(timeout=10)
            outbox.dispatch([event.pk])
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    addresses = [a for m in smtp_server.messages for a in m.envelope_recipients]
    assert sorted(addresses) == sorted(set(addresses))
    assert len(addresses) == 5
