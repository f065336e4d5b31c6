"""Fixtures of the tickets tests beyond the shared users of tests/conftest.py."""

import pytest
from django_q.brokers.orm import ORM
from django_q.conf import Conf

from tests.factories import StaffUserFactory, TicketFactory


@pytest.fixture
def other_agent(db):
    return StaffUserFactory(email="agent2@support.test", full_name="Вера Второва")


@pytest.fixture
def ticket(customer):
    """A new request of `customer`, as filed (set up directly; moved on through the lifecycle)."""
    return TicketFactory(requester=customer)


@pytest.fixture
def database_broker(settings):
    """django-q2 as in production with the default broker: tasks queued in the database (in
    the transaction of the change), not run inline as in the rest of the suite."""
    q_cluster = {k: v for k, v in settings.Q_CLUSTER.items() if k not in ("sync", "redis")}
    settings.Q_CLUSTER = q_cluster | {"orm": "default"}
    return ORM(list_key=Conf.CLUSTER_NAME)
