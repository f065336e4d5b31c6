"""`manage.py mail_demo`: what a newcomer runs to see the e-mail channel work."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inbound.models import InboundMessage, Mailbox
from tickets.mail_intake import local_dovecot

Outcome = InboundMessage.Outcome


@pytest.fixture
def demo_data(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.skipif(not local_dovecot.available(), reason="Dovecot is not installed")
def test_the_demo_delivers_samples_to_a_local_imap_server_and_shows_what_each_did(demo_data):
    out = StringIO()
    call_command("mail_demo", stdout=out)

    outcomes = set(InboundMessage.objects.values_list("outcome", flat=True))
    assert outcomes == {
        Outcome.REPLIED,
        Outcome.CREATED,
        Outcome.UNKNOWN_SENDER,
        Outcome.AUTO_REPLY,
    }
    assert "4 processed" in out.getvalue()
    assert not Mailbox.objects.get(name="Local demo mailbox").is_active  # its server is gone


def test_without_dovecot_the_samples_go_to_the_intake_directly(demo_data, monkeypatch):
    monkeypatch.setattr("tickets.management.commands.mail_demo.available", lambda: False)
    out = StringIO()
    call_command("mail_demo", stdout=out)
    assert "directly" in out.getvalue()
    assert InboundMessage.objects.filter(outcome=Outcome.CREATED).count() == 1


def test_the_demo_refuses_to_run_in_production(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("mail_demo")
