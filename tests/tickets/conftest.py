"""Fixtures of the tickets tests beyond the shared users of tests/conftest.py."""

import pytest

from tests.factories import StaffUserFactory, TicketFactory


@pytest.fixture
def other_agent(db):
    return StaffUserFactory(email="agent2@support.test", full_name="Вера Второва")


@pytest.fixture
def ticket(customer):
    """A new request of `customer`, as filed (set up directly; moved on through the lifecycle)."""
    return TicketFactory(requester=customer)
