"""Replies and new requests by e-mail, through a real IMAP server (Dovecot) and real SMTP."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inbound.models import InboundMessage, Mailbox
from tests.factories import TINY_PNG
from tests.mail_intake import samples
from tickets import lifecycle
from tickets.mail_intake import acting, polling, thread_ids
from tickets.models import Attachment, Comment, Ticket, TicketEvent

Outcome = InboundMessage.Outcome
S = Ticket.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the automatic answers) as production would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def waiting(ticket, agent):
    """The customer's request, support has asked a question: it waits for the customer."""
    lifecycle.request_info(ticket, actor=agent, question="Пришлите журнал узла за вчера.")
    return ticket


def poll(mailbox, committed):
    with committed():
        return polling.poll(mailbox.pk)


def test_an_outlook_reply_in_windows_1251_lands_as_the_customers_message_and_resumes_work(
    imap, mailbox, smtp_server, committed, waiting, customer
):
    raw = samples.mail(
        sender=customer.email,
        subject=f"RE: [{waiting.reference}] Поддержке нужна информация",
        text=samples.OUTLOOK_RU,
        charset="windows-1251",
        encoding="qp",
        in_reply_to=thread_ids.thread_root(waiting.pk),
        references=thread_ids.thread_root(waiting.pk),
    )
    imap.deliver(raw)

    result = poll(mailbox, committed)

    assert result.processed == 1 and result.error == ""
    waiting.refresh_from_db()
    assert waiting.status == S.IN_PROGRESS
    comment = waiting.comments.order_by("pk").last()
    assert comment.author == customer and not comment.is_internal
    assert comment.body == samples.OUTLOOK_RU_OWN
    event = TicketEvent.objects.get(comment=comment)
    assert event.kind == TicketEvent.Kind.CUSTOMER_REPLIED and event.to_status == S.IN_PROGRESS
    assert event.data["via"] == "email"
    original = Attachment.objects.get(comment=comment, content_type="message/rfc822")
    assert original.is_internal
    assert imap.count("INBOX") == 0 and imap.count("Processed") == 1
    assert smtp_server.to(customer.email) == []  # a plain reply: nothing to answer


@pytest.mark.parametrize(
    ("text", "own", "charset", "encoding"),
    [
        (samples.GMAIL_RU, samples.GMAIL_RU_OWN, "utf-8", "base64"),
        (samples.THUNDERBIRD_EN, samples.THUNDERBIRD_EN_OWN, "utf-8", "qp"),
        (samples.THUNDERBIRD_RU, samples.THUNDERBIRD_RU_OWN, "koi8-r", "base64"),
        (samples.OUTLOOK_RU, samples.OUTLOOK_RU_OWN, "windows-1251", "base64"),
    ],
    ids=["gmail-ru-utf8-base64", "thunderbird-en-qp", "thunderbird-ru-koi8r", "outlook-ru-1251"],
)
def test_a_reply_found_by_the_id_in_its_subject_is_added_with_the_quote_stripped(
    imap, mailbox, smtp_server, committed, ticket, customer, text, own, charset, encoding
):
    imap.deliver(
        samples.mail(
            sender=customer.email.upper(),
            subject=f"Re: [{ticket.reference}] Ваш запрос зарегистрирован",
            text=text,
            charset=charset,
            encoding=encoding,
        )
    )

    poll(mailbox, committed)

    comment = ticket.comments.get()
    assert comment.body == own
    assert InboundMessage.objects.get().outcome == Outcome.REPLIED


def test_a_reply_to_the_signed_address_is_found_without_headers_or_subject(
    imap, mailbox, smtp_server, committed, ticket, customer, settings
):
    settings.MAIL_INTAKE_REPLY_ADDRESS = "support@proftiket.local"
    address = thread_ids.reply_address(ticket.pk)
    imap.deliver(samples.mail(sender=customer.email, subject="Ответ", text="Да", to=address))

    poll(mailbox, committed)

    assert ticket.comments.get().body == "Да"


def test_a_forged_id_or_signature_matches_nothing(ticket, customer, settings):
    settings.MAIL_INTAKE_REPLY_ADDRESS = "support@proftiket.local"
    forged = f"<pt-{ticket.pk}-0123456789abcdef@proftiket.local>"
    assert thread_ids.tickets_in_ids(forged) == []
    assert thread_ids.ticket_in_addresses([f"support+PT-{ticket.pk}.0123456789abcdef@x"]) is None
    assert thread_ids.tickets_in_ids(thread_ids.thread_root(ticket.pk)) == [ticket.pk]


def test_the_subject_text_alone_never_threads_a_message(
    imap, mailbox, smtp_server, committed, ticket, customer
):
    imap.deliver(samples.mail(sender=customer.email, subject=f"Re: {ticket.subject}", text="Ещё"))

    poll(mailbox, committed)

    assert not ticket.comments.exists()
    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.CREATED and record.ticket != ticket


def test_a_sender_who_may_not_act_on_the_request_is_refused_politely_and_nothing_is_added(
    imap, mailbox, smtp_server, committed, ticket, other_org_customer, colleague
):
    for sender in (other_org_customer.email, colleague.email, "stranger@elsewhere.test"):
        imap.deliver(samples.mail(sender=sender, subject=f"[{ticket.reference}] x", text="Моё"))

    poll(mailbox, committed)

    assert not ticket.comments.exists()
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {Outcome.REFUSED}
    for sender in (other_org_customer.email, colleague.email, "stranger@elsewhere.test"):
        (answer,) = smtp_server.to(sender)
        assert answer["Auto-Submitted"] == "auto-replied"
        assert ticket.subject not in answer.get_body(("plain",)).get_content()


def test_a_customer_manager_may_answer_a_colleagues_request(
    imap, mailbox, smtp_server, committed, ticket, customer_manager
):
    imap.deliver(
        samples.mail(sender=customer_manager.email, subject=f"[{ticket.reference}]", text="Я")
    )

    poll(mailbox, committed)

    assert ticket.comments.get().author == customer_manager


def test_a_reply_to_a_closed_request_opens_a_linked_follow_up_and_names_it(
    imap, mailbox, smtp_server, committed, ticket, customer, agent
):
    lifecycle.resolve(ticket, actor=agent, solution="Перезагрузили.")
    lifecycle.confirm(ticket, actor=customer)
    imap.deliver(
        samples.mail(
            sender=customer.email, subject=f"Re: [{ticket.reference}] Решено", text="Снова"
        )
    )

    poll(mailbox, committed)

    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.FOLLOW_UP
    new = record.ticket
    assert new != ticket and new.related.filter(pk=ticket.pk).exists()
    assert new.description == "Снова" and new.subject == "Re: Решено"
    answers = [m for m in smtp_server.to(customer.email) if m["Auto-Submitted"] == "auto-replied"]
    assert new.reference in answers[0]["Subject"]
    assert new.reference in answers[0].get_body(("plain",)).get_content()


def test_a_reply_to_a_resolved_request_is_added_and_the_confirm_links_are_sent_again(
    imap, mailbox, smtp_server, committed, ticket, customer, agent
):
    lifecycle.resolve(ticket, actor=agent, solution="Перезагрузили.")
    imap.deliver(
        samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text="Подтверждаю")
    )

    poll(mailbox, committed)

    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED  # words close nothing
    assert ticket.comments.filter(body="Подтверждаю", author=customer).exists()
    (answer,) = [m for m in smtp_server.to(customer.email) if m["Auto-Submitted"] == "auto-replied"]
    assert (
        reverse("tickets:detail", args=[ticket.reference])
        in answer.get_body(("plain",)).get_content()
    )


def test_a_known_customer_files_a_new_request_by_e_mail_with_files_under_the_portal_rules(
    imap, mailbox, smtp_server, committed, customer
):
    imap.deliver(
        samples.mail(
            sender=customer.email,
            subject="Нет связи на узле Самара-3",
            html="<p>С 9:00 <b>нет связи</b>.</p><script>alert(1)</script>",
            files=(
                ("схема.png", "image/png", TINY_PNG, True),
                ("setup.exe", "application/octet-stream", b"MZ" + b"\0" * 200, False),
            ),
        )
    )

    poll(mailbox, committed)

    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.CREATED
    new = record.ticket
    assert new.requester == customer and new.type == Ticket.Type.INCIDENT
    assert new.description.startswith("С 9:00 нет связи.")
    assert "<" not in new.description and "alert" not in new.description
    assert "setup.exe" in new.description
    names = set(new.attachments.values_list("original_name", "is_internal"))
    assert ("схема.png", False) in names
    assert any(name.endswith(".eml") and internal for name, internal in names)
    assert not any(name == "setup.exe" for name, _internal in names)
    created = [m for m in smtp_server.to(customer.email) if new.reference in m["Subject"]]
    assert created  # the usual confirmation with the ID, and the list of refused files
    assert any("setup.exe" in m.get_body(("plain",)).get_content() for m in created)


def test_an_unknown_sender_is_pointed_to_the_portal_once_a_day_and_nothing_is_created(
    imap, mailbox, smtp_server, committed, settings
):
    settings.MAIL_INTAKE_ANSWERS_DAILY = 1
    for number in range(3):
        imap.deliver(
            samples.mail(sender="someone@unknown.test", subject=f"Помогите {number}", text="?")
        )

    poll(mailbox, committed)

    assert not Ticket.objects.exists()
    assert InboundMessage.objects.filter(outcome=Outcome.UNKNOWN_SENDER).count() == 3
    assert len(smtp_server.to("someone@unknown.test")) == 1


@pytest.mark.parametrize(
    ("headers", "sender", "outcome"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, Outcome.AUTO_REPLY),
        ({"Precedence": "bulk"}, None, Outcome.AUTO_REPLY),
        ({"Precedence": "junk"}, None, Outcome.AUTO_REPLY),
        ({"List-Id": "<ops.alpha.test>"}, None, Outcome.AUTO_REPLY),
        ({}, "MAILER-DAEMON@mx.alpha.test", Outcome.BOUNCE),
        ({"X-Failed-Recipients": "client@alpha.test"}, None, Outcome.BOUNCE),
    ],
)
def test_automatic_messages_and_bounces_are_neither_added_nor_answered(
    imap, mailbox, smtp_server, committed, ticket, customer, headers, sender, outcome
):
    imap.deliver(
        samples.mail(
            sender=sender or customer.email,
            subject=f"Автоответ: [{ticket.reference}]",
            text="Я в отпуске до 10 декабря.",
            headers=headers,
        )
    )

    poll(mailbox, committed)

    assert InboundMessage.objects.get().outcome == outcome
    assert not ticket.comments.exists() and smtp_server.messages == []


def test_our_own_message_coming_back_is_ignored(imap, mailbox, smtp_server, committed, ticket):
    own = thread_ids.message_id(ticket.pk, event_id=1, recipient="client@alpha.test")
    imap.deliver(
        samples.mail(sender="support@proftiket.local", subject="[x]", text="x", message_id=own)
    )

    poll(mailbox, committed)

    assert InboundMessage.objects.get().outcome == Outcome.OWN
    assert smtp_server.messages == []


def test_the_same_message_twice_is_processed_once(
    imap, mailbox, smtp_server, committed, ticket, customer
):
    raw = samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text="Один раз")
    imap.deliver(raw, raw)

    result = poll(mailbox, committed)

    assert result.fetched == 2 and result.processed == 1
    assert ticket.comments.count() == 1
    assert imap.count("Processed") == 2 and imap.unread() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_pollers_at_the_same_moment_add_a_message_once(organization, customer):
    from tests.factories import TicketFactory

    ticket = TicketFactory(requester=customer)
    raw = samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text="Гонка")
    barrier = threading.Barrier(2)
    results = []

    def worker():
        from django.db import connections

        barrier.wait()
        try:
            results.append(acting.process(raw))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r is None for r in results) == [False, True]
    assert Comment.objects.filter(ticket=ticket).count() == 1


def test_a_mailbox_that_is_down_is_retried_with_backoff_and_recovers(
    imap, mailbox, smtp_server, committed, ticket, customer, client, dovecot
):
    imap.deliver(samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text="Жду"))
    dovecot.stop()

    failed = poll(mailbox, committed)

    mailbox.refresh_from_db()
    assert failed.error and mailbox.is_failing and mailbox.failures == 1
    assert mailbox.next_poll_at > mailbox.last_polled_at
    assert client.get(reverse("healthz")).json()["details"] == {"mailboxes_failing": 1}
    assert polling.poll_due(now=mailbox.last_polled_at) == []  # waits for its retry time

    dovecot.start()
    assert polling.poll_due(now=mailbox.next_poll_at) == [mailbox.pk]
    mailbox.refresh_from_db()
    assert not mailbox.is_failing and mailbox.last_error == ""
    assert ticket.comments.get().body == "Жду"


def test_a_wrong_password_marks_only_that_mailbox_failing(imap, mailbox, committed, monkeypatch):
    broken = Mailbox.objects.create(
        name="Broken", host=mailbox.host, port=mailbox.port, security=Mailbox.Security.NONE,
        username="support", password_env="NO_SUCH_VARIABLE",
    )  # fmt: skip

    with committed():
        polling.poll_due()

    broken.refresh_from_db()
    mailbox.refresh_from_db()
    assert broken.is_failing and broken.last_error and broken.next_poll_at
    assert not mailbox.is_failing and mailbox.last_success_at is not None
    assert Mailbox.backoff(1) < Mailbox.backoff(3) <= Mailbox.backoff(50)


def test_a_mailbox_being_read_by_another_worker_is_left_to_it(
    imap, mailbox, committed, ticket, customer
):
    imap.deliver(samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text="Один"))
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() + timedelta(minutes=1))

    assert polling.poll(mailbox.pk) is None
    assert imap.unread() == 1 and not ticket.comments.exists()

    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert poll(mailbox, committed).processed == 1


def test_an_inactive_mailbox_is_not_polled(imap, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
    assert polling.poll_due() == [] and polling.poll(mailbox.pk) is None


def test_a_customer_whose_organisation_has_no_contract_is_told_why_nothing_was_filed(
    smtp_server, committed, db
):
    from tests.factories import UserFactory

    uncovered = UserFactory(email="client@nocontract.test")
    with committed():
        record = acting.process(samples.mail(sender=uncovered.email, subject="Сбой", text="x"))

    assert record.outcome == Outcome.REFUSED and not Ticket.objects.exists()
    (answer,) = smtp_server.to(uncovered.email)
    assert record.note in answer.get_body(("plain",)).get_content()


def test_a_reply_to_an_answer_that_belonged_to_no_request_is_taken_as_a_new_message(
    smtp_server, committed, customer
):
    answer_id = thread_ids.message_id(0, event_id="in1refused", recipient=customer.email)
    raw = samples.mail(sender=customer.email, subject="Re: Сбой", text="Вот", in_reply_to=answer_id)
    with committed():
        record = acting.process(raw)

    assert record.outcome == Outcome.CREATED


def test_a_poll_stops_when_its_time_is_spent_and_the_next_one_goes_on(
    imap, mailbox, committed, ticket, customer
):
    for number in range(3):
        imap.deliver(
            samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text=f"№{number}")
        )

    with committed():
        first = polling.poll(mailbox.pk, budget=timedelta(0))

    assert first.fetched == 1 and imap.unread() == 2
    assert poll(mailbox, committed).processed == 2
    assert ticket.comments.count() == 3
