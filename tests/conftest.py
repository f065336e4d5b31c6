"""Shared users and helpers. Every view test uses at least one user who must be refused."""

import os
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from accounts.models import Role
from tests.factories import ContractFactory, OrganizationFactory, StaffUserFactory, UserFactory

# pytest-playwright runs an event loop in the main thread; Django's ORM refuses to run
# "inside" it unless told that tests are synchronous on purpose.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_calendar_schedules():
    # Database rows come and go between tests (and SQLite reuses ids): start each test clean.
    from sla.models import clear_schedule_cache

    clear_schedule_cache()


@pytest.fixture
def organization(db):
    """A customer with a support contract in force (so its users can file requests)."""
    organization = OrganizationFactory(name="Alpha Telecom")
    ContractFactory(organization=organization)
    return organization


@pytest.fixture
def other_organization(db):
    organization = OrganizationFactory(name="Beta Telecom")
    ContractFactory(organization=organization)
    return organization


@pytest.fixture
def customer(organization):
    return UserFactory(email="client@alpha.test", organization=organization)


@pytest.fixture
def colleague(organization):
    """Same organisation as `customer`, plain customer role (no manager rights)."""
    return UserFactory(email="colleague@alpha.test", organization=organization)


@pytest.fixture
def customer_manager(organization):
    return UserFactory(
        email="boss@alpha.test", organization=organization, role=Role.CUSTOMER_MANAGER
    )


@pytest.fixture
def other_org_customer(other_organization):
    return UserFactory(email="client@beta.test", organization=other_organization)


@pytest.fixture
def other_org_manager(other_organization):
    return UserFactory(
        email="boss@beta.test", organization=other_organization, role=Role.CUSTOMER_MANAGER
    )


@pytest.fixture
def agent(db):
    return StaffUserFactory(email="agent@support.test", role=Role.AGENT)


@pytest.fixture
def supervisor(db):
    return StaffUserFactory(email="lead@support.test", role=Role.SUPERVISOR)


@pytest.fixture
def administrator(db):
    return StaffUserFactory(email="admin@support.test", role=Role.ADMINISTRATOR)


@dataclass
class _Inbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        message.envelope_recipients = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if address in m.envelope_recipients]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; the app's default mailer is pointed at it."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield inbox
    finally:
        controller.stop()


def text_body(message) -> str:
    """The text/plain part of a parsed e-mail."""
    return message.get_body(preferencelist=("plain",)).get_content()
