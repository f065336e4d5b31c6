"""With REDIS_URL set, django-q2's queue and Django's cache live in Redis (several web
processes and workers then share them). CI runs the redis_ready tests against a real Redis
server with a database number of its own; without REDIS_URL these are skipped.
"""

import os
import pydoc
import threading

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_q import scheduler as q_scheduler
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.signing import SignedPackage

from tickets import lifecycle
from tickets.models import Ticket

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.redis_ready,
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (CI sets it)"),
]


@pytest.fixture(autouse=True)
def empty_redis():
    """This test's Redis database number starts and ends empty."""
    client = redis.from_url(REDIS_URL) if REDIS_URL else None
    if client is not None:
        client.flushdb()
    yield client
    if client is not None:
        client.flushdb()


@pytest.fixture
def queued(monkeypatch):
    """Tasks go to the Redis queue instead of running inline (as in production)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    return get_broker()


def run_queued_tasks(broker) -> list[str]:
    """Do what a django-q2 worker does with each queued task, until the queue is empty."""
    ran = []
    for _ in range(50):
        if not broker.queue_size():
            break
        for task_id, payload in broker.dequeue() or []:
            task = SignedPackage.loads(payload)
            function = task["func"] if callable(task["func"]) else pydoc.locate(task["func"])
            function(*task["args"], **task["kwargs"])
            broker.acknowledge(task_id)
            ran.append(str(task["func"]))
    assert broker.queue_size() == 0
    return ran


def test_the_settings_put_the_queue_and_the_cache_on_redis():
    assert settings.Q_CLUSTER["redis"] == REDIS_URL
    assert "orm" not in settings.Q_CLUSTER
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert type(get_broker()).__name__ == "Redis"


def test_a_value_cached_by_one_process_is_read_by_another(empty_redis):
    cache.set("presence:PT-1", "agent@support.test", timeout=60)

    other_process = caches.create_connection("default")  # a fresh client, as in another process
    assert other_process.get("presence:PT-1") == "agent@support.test"
    assert any(b"presence:PT-1" in key for key in empty_redis.keys("proftiket:*"))


@pytest.mark.django_db(transaction=True)
def test_a_filed_request_is_mailed_through_the_redis_queue_once_per_recipient(
    queued, smtp_server, customer, agent
):
    ticket = lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject="Нет связи", description="..."
    )
    assert queued.queue_size() >= 1
    assert smtp_server.messages == []  # nothing is sent before a worker takes the task

    run_queued_tasks(queued)

    for person in (customer, agent):
        [message] = smtp_server.to(person.email)
        assert ticket.reference in message["Subject"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_schedulers_at_once_enqueue_each_due_schedule_once(queued):
    call_command("setup_schedules", verbosity=0)
    Schedule.objects.update(next_run=timezone.now() - timezone.timedelta(seconds=5))
    due = Schedule.objects.count()
    start = threading.Barrier(2)
    errors = []

    def one_cluster():
        try:
            start.wait(timeout=10)
            q_scheduler.scheduler(broker=get_broker())
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    clusters = [threading.Thread(target=one_cluster) for _ in range(2)]
    for cluster in clusters:
        cluster.start()
    for cluster in clusters:
        cluster.join(timeout=30)

    assert errors == []
    assert queued.queue_size() == due
    assert len(set(run_queued_tasks(queued))) == due
    assert Schedule.objects.filter(next_run__lte=timezone.now()).count() == 0
