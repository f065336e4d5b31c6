"""Shared users and helpers. Every view test uses at least one user who must be refused."""

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

import pytest
import time_machine
from aiosmtpd.controller import Controller

from accounts.models import Role
from tests.factories import ContractFactory, OrganizationFactory, StaffUserFactory, UserFactory

# pytest-playwright runs an event loop in the main thread; Django's ORM refuses to run
# "inside" it unless told that tests are synchronous on purpose.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_addoption(parser):
    parser.addoption(
        "--shift-clock",
        metavar="DAYS",
        type=int,
        default=0,
        help="Run with the clock moved DAYS days ahead (time-machine): a test that depends on "
        "today's date fails here instead of on some future day in CI.",
    )
    parser.addoption(
        "--fuzz-all",
        action="store_true",
        help="tests/test_fuzzing.py sends every kind of hostile value to every field and query "
        "parameter (minutes), instead of a rotating few (seconds).",
    )


def pytest_report_header(config):
    if days := config.getoption("--shift-clock"):
        return f"clock shifted {days} days ahead: {dt.datetime.now(dt.UTC) + dt.timedelta(days)}"
    return None


@pytest.fixture(scope="session", autouse=True)
def _shifted_clock(request):
    """With --shift-clock, the whole session runs on a later day; the clock keeps ticking.

    Tests that freeze or move time themselves (time_machine.travel) nest inside this. The
    database's own clock (now() in SQL) is not moved: code must take "now" from Python.
    """
    days = request.config.getoption("--shift-clock")
    if not days:
        yield None
        return
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True) as t:
        yield t


@pytest.fixture(autouse=True)
def _short_demo(request, monkeypatch):
    """`seed_demo` without its two years of history (thousands of requests, seconds to write):
    tests that seed the demo to log in or click through get the short demo. The history is
    tested where it is asked for with the `demo_history` marker (tests/test_demo_history.py)."""
    if request.node.get_closest_marker("demo_history") is None:
        from proftiket import demo_history

        monkeypatch.setattr(demo_history, "HISTORY_REQUESTS", 0)


@pytest.fixture(autouse=True)
def _fresh_calendar_schedules():
    # Database rows come and go between tests (and SQLite reuses ids): start each test clean.
    from sla.models import clear_schedule_cache
    from tickets import timeline
    from tickets.console import local_copies, rendering

    clear_schedule_cache()
    timeline.remembered.clear()
    rendering.rendered_entries.clear()
    local_copies.forget()


@pytest.fixture(autouse=True)
def _fresh_status_notices():
    # The banner's notices are kept in memory per process: a rolled-back test leaves none.
    from tickets import notices

    notices.forget()


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
        message.peer = session.peer  # the client's (address, port): one per SMTP connection
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


@pytest.fixture
def queued_tasks(monkeypatch, db):
    """django-q2 queues tasks in the database, as in production, instead of running them inline.

    Returns a function that lists the queued tasks (func, args, kwargs) in order.
    """
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    monkeypatch.setattr(Conf, "SYNC", False)
    return lambda: [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]


# CI runs these again with REDIS_URL set (Redis as django-q2's broker and as the cache):
# modules whose every test is marked redis_ready. A single test can carry the mark itself.
REDIS_READY_MODULES = {
    "test_notifications",
    "test_jobs",
    "test_sla_monitor",
    # The API's rate limit and idempotency, and webhooks as an outbox channel.
    "test_webhooks",
    "test_customer_endpoints",
    "test_staff_and_idempotency",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.rsplit(".", 1)[-1] in REDIS_READY_MODULES:
            item.add_marker(pytest.mark.redis_ready)
