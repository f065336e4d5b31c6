"""Every e-mail about a request is threaded: a stable Message-ID, the thread's root, the ID."""

from tests.factories import TicketFactory
from tickets import lifecycle
from tickets.mail_intake import thread_ids


def test_every_e_mail_about_a_request_names_it_and_refers_to_the_thread_root(
    smtp_server, django_capture_on_commit_callbacks, customer, agent, settings
):
    settings.MAIL_INTAKE_REPLY_ADDRESS = "support@proftiket.local"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = lifecycle.create_ticket(
            requester=customer, type="incident", subject="Нет связи", description="С 9:00"
        )
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reply(ticket, actor=agent, body="Смотрим.")

    registered, replied = smtp_server.to(customer.email)
    root = thread_ids.thread_root(ticket.pk)
    assert registered["Message-ID"] == root and registered["In-Reply-To"] is None
    assert replied["In-Reply-To"] == root and replied["References"] == root
    assert replied["Message-ID"] != root and thread_ids.is_ours(replied["Message-ID"])
    for message in (registered, replied):
        assert f"[{ticket.reference}]" in message["Subject"]
        assert message["Reply-To"] == thread_ids.reply_address(ticket.pk)
        assert message["Auto-Submitted"] == "auto-generated"
    staff_copy = smtp_server.to(agent.email)[0]  # the new request, to support
    assert staff_copy["Message-ID"] not in (root, replied["Message-ID"])
    assert thread_ids.tickets_in_ids(staff_copy["Message-ID"]) == [ticket.pk]


def test_the_message_id_is_stable_per_event_and_recipient_and_differs_between_them(db):
    ticket = TicketFactory()
    one = thread_ids.message_id(ticket.pk, event_id=5, recipient="A@x.test")
    assert one == thread_ids.message_id(ticket.pk, event_id=5, recipient="a@x.test")
    assert one != thread_ids.message_id(ticket.pk, event_id=5, recipient="b@x.test")
    assert one != thread_ids.message_id(ticket.pk, event_id=6, recipient="a@x.test")


def test_without_a_reply_address_no_reply_to_is_set(settings):
    settings.MAIL_INTAKE_REPLY_ADDRESS = ""
    assert "Reply-To" not in thread_ids.headers(7, event_id=1, recipient="a@x.test")


def test_the_subject_id_is_read_from_the_last_bracket_and_only_from_brackets():
    assert thread_ids.ticket_in_subject("Re: [PT-12] Fwd: [pt-34] x") == 34
    assert thread_ids.ticket_in_subject("PT-12 without brackets") is None
