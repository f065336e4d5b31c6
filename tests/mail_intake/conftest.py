"""A real IMAP server (Dovecot) for the intake tests, and a Mailbox pointing at it."""

import os

import pytest
from imap_tools import MailBoxUnencrypted

from inbound.models import Mailbox
from tickets.mail_intake.local_dovecot import Dovecot, available

USER, PASSWORD = "support", "imap-secret"


@pytest.fixture(scope="session")
def dovecot():
    if not available():
        if os.environ.get("DOVECOT_REQUIRED"):
            pytest.fail("Dovecot is required here: apt-get install -y dovecot-imapd")
        pytest.skip("Dovecot is not installed (apt-get install -y dovecot-imapd)")
    server = Dovecot.create({USER: PASSWORD})
    server.start()
    yield server
    server.remove()


class Imap:
    """The test mailbox, seen from outside: deliver messages, read what is left."""

    def __init__(self, server):
        self.server = server

    def client(self):
        return MailBoxUnencrypted(self.server.host, self.server.port, timeout=5).login(
            USER, PASSWORD
        )

    def deliver(self, *messages: bytes) -> None:
        with self.client() as box:
            for raw in messages:
                box.append(raw, "INBOX", dt=None, flag_set=())

    def unread(self, folder="INBOX") -> int:
        with self.client() as box:
            if not box.folder.exists(folder):
                return 0
            box.folder.set(folder)
            return len(list(box.uids("UNSEEN")))

    def count(self, folder="INBOX") -> int:
        with self.client() as box:
            if not box.folder.exists(folder):
                return 0
            box.folder.set(folder)
            return len(list(box.uids("ALL")))

    def empty(self) -> None:
        with self.client() as box:
            for folder in [f.name for f in box.folder.list()]:
                box.folder.set(folder)
                if uids := list(box.uids("ALL")):
                    box.delete(uids)


@pytest.fixture
def imap(dovecot, monkeypatch):
    monkeypatch.setenv("TEST_MAILBOX_PASSWORD", PASSWORD)
    box = Imap(dovecot)
    box.empty()
    yield box
    if dovecot.process is None:  # a test stopped it
        dovecot.start()
    box.empty()


@pytest.fixture
def mailbox(imap, db):
    return Mailbox.objects.create(
        name="Support",
        host=imap.server.host,
        port=imap.server.port,
        security=Mailbox.Security.NONE,
        username=USER,
        password_env="TEST_MAILBOX_PASSWORD",
        after_processing=Mailbox.AfterProcessing.MOVE,
        processed_folder="Processed",
    )


@pytest.fixture
def ticket(customer):
    """A new request of `customer`, as filed (moved on through the lifecycle)."""
    from tests.factories import TicketFactory

    return TicketFactory(requester=customer)
