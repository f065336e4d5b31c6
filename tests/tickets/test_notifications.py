"""tickets.notifications: who is told what, in their language, and only after commit.

Mail goes through a real SMTP server (the `smtp_server` fixture); django-q2 runs its tasks
inline in tests, so the e-mails are in the inbox once the on-commit callbacks have run.
"""

import socket

import pytest
from django.db import transaction

from accounts.models import Role
from tests.conftest import text_body
from tests.factories import StaffUserFactory, TicketFactory, UserFactory
from tickets import lifecycle
from tickets.models import Delivery, Ticket, TicketEvent

S = Ticket.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is inside as if its transaction committed (on-commit callbacks executed)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def support(agent, supervisor, administrator):
    """Every staff member, including one who left (deactivated)."""
    gone = StaffUserFactory(email="gone@support.test", is_active=False)
    return {"agent": agent, "supervisor": supervisor, "administrator": administrator, "gone": gone}


def file_request(customer, **fields):
    return lifecycle.create_ticket(
        requester=customer,
        type=fields.pop("type", Ticket.Type.INCIDENT),
        subject=fields.pop("subject", "Calls drop after 30 seconds"),
        description=fields.pop("description", "Every outgoing call drops after 30 seconds."),
        **fields,
    )


def subject(message) -> str:
    # A long header is folded on the wire; unfolding leaves the fold's leading space.
    return str(message["Subject"]).strip()


def html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def everything_sent(inbox) -> str:
    """Subjects, text and HTML of every e-mail sent, as one string to search."""
    return "\n".join(f"{subject(m)}\n{text_body(m)}\n{html_body(m)}" for m in inbox.messages)


def recipients(inbox) -> list[str]:
    return sorted(address for m in inbox.messages for address in m.envelope_recipients)


# --- To the customer --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_customer_is_told_the_reference_of_a_new_request(smtp_server, committed, customer):
    with committed():
        ticket = file_request(customer)

    [message] = smtp_server.to(customer.email)
    assert ticket.reference in subject(message)
    assert "Ваше обращение зарегистрировано" in subject(message)
    assert "Calls drop after 30 seconds" in subject(message)
    assert ticket.reference in text_body(message)
    assert f"http://testserver/tickets/{ticket.reference}/" in text_body(message)


@pytest.mark.django_db
def test_the_customer_gets_supports_public_reply(smtp_server, committed, customer, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.reply(ticket, actor=agent, body="Please send us the SIP trace.")

    assert recipients(smtp_server) == [customer.email]
    [message] = smtp_server.messages
    assert subject(message) == f"[{ticket.reference}] Ответ поддержки: {ticket.subject}"
    assert "Please send us the SIP trace." in text_body(message)
    assert agent.full_name in text_body(message)


@pytest.mark.django_db
def test_the_customer_is_asked_for_information(smtp_server, committed, customer, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.request_info(ticket, actor=agent, question="Which codec do you use?")

    [message] = smtp_server.to(customer.email)
    assert "Поддержке нужна информация от вас" in subject(message)
    assert "Which codec do you use?" in text_body(message)
    assert recipients(smtp_server) == [customer.email]


@pytest.mark.django_db
def test_a_proposed_solution_explains_confirming_disputing_and_the_deadline(
    smtp_server, committed, customer, agent
):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.resolve(ticket, actor=agent, solution="Switch the codec to G.711.")

    [message] = smtp_server.to(customer.email)
    assert "Предложено решение" in subject(message)
    for part in (text_body(message), html_body(message)):
        assert "Switch the codec to G.711." in part
        assert "подтвердите" in part
        assert "оспорьте" in part
        assert "10 рабочих дней" in part


@pytest.mark.django_db
def test_an_english_speaking_customer_gets_the_solution_in_english(
    smtp_server, committed, customer, agent
):
    customer.language = "en"
    customer.save()
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.resolve(ticket, actor=agent, solution="Switch the codec to G.711.")

    [message] = smtp_server.to(customer.email)
    assert subject(message) == (
        f"[{ticket.reference}] Solution proposed: please confirm: {ticket.subject}"
    )
    body = text_body(message)
    assert "confirm it" in body
    assert "dispute it" in body
    assert "10 working days" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("close", "words"),
    [
        (lambda t, customer, agent: lifecycle.close(t, actor=agent), "Closed by support"),
        (lambda t, customer, agent: lifecycle.confirm(t, actor=customer), "Confirmed by"),
        (lambda t, customer, agent: lifecycle.auto_close(t), "Closed automatically"),
    ],
    ids=["by support", "confirmed", "automatically"],
)
def test_the_customer_is_told_when_the_request_is_closed(
    smtp_server, committed, customer, agent, close, words
):
    customer.language = "en"
    customer.save()
    ticket = TicketFactory(requester=customer, status=S.RESOLVED, assignee=agent)

    with committed():
        close(ticket, customer, agent)

    assert recipients(smtp_server) == [customer.email]
    [message] = smtp_server.messages
    assert subject(message) == f"[{ticket.reference}] Request closed: {ticket.subject}"
    assert words in text_body(message)


@pytest.mark.django_db
def test_a_deactivated_customer_gets_no_mail(smtp_server, committed, customer, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)
    customer.is_active = False
    customer.save()

    with committed():
        lifecycle.reply(ticket, actor=agent, body="Hello")

    assert smtp_server.messages == []


# --- To support ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_request_goes_to_every_active_agent_and_supervisor_when_configured_so(
    settings, smtp_server, committed, customer, colleague, customer_manager, support
):
    settings.NEW_REQUEST_NOTIFY = "all"
    with committed():
        ticket = file_request(customer)

    staff = [support["agent"].email, support["supervisor"].email]
    assert recipients(smtp_server) == sorted([customer.email, *staff])
    for address in staff:
        [message] = smtp_server.to(address)
        assert subject(message) == f"[{ticket.reference}] Новое обращение: {ticket.subject}"
        assert "Every outgoing call drops after 30 seconds." in text_body(message)
        assert f"/admin/tickets/ticket/{ticket.pk}/\r\n" in text_body(message)  # the workspace


@pytest.mark.django_db
def test_a_new_request_goes_to_the_supervisors_on_duty_by_default(
    smtp_server, committed, customer, colleague, customer_manager, support
):
    with committed():
        ticket = file_request(customer)

    supervisor = support["supervisor"]
    assert recipients(smtp_server) == sorted([customer.email, supervisor.email])
    [message] = smtp_server.to(supervisor.email)
    assert subject(message) == f"[{ticket.reference}] Новое обращение: {ticket.subject}"
    assert f"/admin/tickets/ticket/{ticket.pk}/\r\n" in text_body(message)  # the workspace


@pytest.mark.django_db
def test_without_a_supervisor_the_agents_on_duty_hear_of_a_new_request(
    smtp_server, committed, customer, agent
):
    second = StaffUserFactory(email="second@support.test", role=Role.AGENT)
    StaffUserFactory(email="left@support.test", role=Role.AGENT, is_active=False)

    with committed():
        file_request(customer)

    assert recipients(smtp_server) == sorted([customer.email, agent.email, second.email])


@pytest.mark.django_db
def test_a_new_request_goes_once_to_the_team_address_when_configured_so(
    settings, smtp_server, committed, customer, support
):
    settings.NEW_REQUEST_NOTIFY = "team"
    settings.SUPPORT_TEAM_EMAIL = "Support-Team@support.test"
    settings.LANGUAGE_CODE = "en"

    with committed():
        ticket = file_request(customer)

    assert recipients(smtp_server) == sorted([customer.email, "Support-Team@support.test"])
    [message] = smtp_server.to("Support-Team@support.test")
    assert subject(message) == f"[{ticket.reference}] New request: {ticket.subject}"
    assert f"/admin/tickets/ticket/{ticket.pk}/\r\n" in text_body(message)  # the workspace
    assert Delivery.objects.filter(target="support-team@support.test").count() == 1


@pytest.mark.django_db
def test_a_customer_reply_goes_to_the_assigned_engineer_only(
    smtp_server, committed, customer, support
):
    agent = support["agent"]
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.reply(ticket, actor=customer, body="It also happens on Sundays.")

    assert recipients(smtp_server) == [agent.email]
    [message] = smtp_server.messages
    assert subject(message) == f"[{ticket.reference}] Ответ клиента: {ticket.subject}"
    assert "It also happens on Sundays." in text_body(message)


@pytest.mark.django_db
def test_the_answer_to_a_question_goes_to_the_engineer(smtp_server, committed, customer, support):
    agent = support["agent"]
    ticket = TicketFactory(requester=customer, status=S.WAITING, assignee=agent)

    with committed():
        lifecycle.reply(ticket, actor=customer, body="Codec is G.729.")

    [message] = smtp_server.to(agent.email)
    assert "Ответ клиента" in subject(message)
    assert recipients(smtp_server) == [agent.email]


@pytest.mark.django_db
def test_an_unassigned_customer_reply_goes_to_support_on_duty_but_never_to_customers(
    settings, smtp_server, committed, customer, colleague, customer_manager, support
):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS)

    with committed():
        lifecycle.reply(ticket, actor=customer_manager, body="Any news?")
    assert recipients(smtp_server) == [support["supervisor"].email]

    settings.NEW_REQUEST_NOTIFY = "all"
    with committed():
        lifecycle.reply(ticket, actor=customer_manager, body="Hello?")
    assert recipients(smtp_server) == sorted(
        [support["supervisor"].email, support["agent"].email, support["supervisor"].email]
    )


@pytest.mark.django_db
def test_a_deactivated_engineer_is_replaced_by_support_on_duty(
    smtp_server, committed, customer, support
):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=support["gone"])

    with committed():
        lifecycle.reply(ticket, actor=customer, body="Any news?")

    assert recipients(smtp_server) == [support["supervisor"].email]


@pytest.mark.django_db
def test_a_dispute_goes_to_the_engineer_with_the_reason(smtp_server, committed, customer, agent):
    ticket = TicketFactory(requester=customer, status=S.RESOLVED, assignee=agent)

    with committed():
        lifecycle.dispute(ticket, actor=customer, reason="Calls still drop on line 2.")

    assert recipients(smtp_server) == [agent.email]
    [message] = smtp_server.messages
    assert "Клиент оспаривает решение" in subject(message)
    assert "Calls still drop on line 2." in text_body(message)


@pytest.mark.django_db
def test_a_withdrawal_goes_to_the_engineer_and_confirms_the_closing_to_the_customer(
    smtp_server, committed, customer, agent
):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.withdraw(ticket, actor=customer, reason="Fixed it ourselves.")

    assert recipients(smtp_server) == sorted([agent.email, customer.email])
    [to_engineer] = smtp_server.to(agent.email)
    assert "Клиент отозвал обращение" in subject(to_engineer)
    assert "Fixed it ourselves." in text_body(to_engineer)
    [to_customer] = smtp_server.to(customer.email)
    assert "Обращение закрыто" in subject(to_customer)


@pytest.mark.django_db
def test_what_support_does_itself_is_not_mailed_to_support(
    smtp_server, committed, customer, agent, supervisor
):
    ticket = TicketFactory(requester=customer, status=S.NEW)

    with committed():
        lifecycle.take(ticket, actor=agent)
        lifecycle.set_priority(ticket, actor=agent, priority=Ticket.Priority.HIGH)
        lifecycle.reply(ticket, actor=agent, body="On it.")
        lifecycle.close(ticket, actor=supervisor)

    assert {a for m in smtp_server.messages for a in m.envelope_recipients} == {customer.email}


@pytest.mark.django_db
def test_each_recipient_reads_the_mail_in_their_own_language(
    settings, smtp_server, committed, customer, agent, supervisor
):
    settings.NEW_REQUEST_NOTIFY = "all"
    customer.language = "en"
    customer.save()
    supervisor.language = "en"
    supervisor.save()
    assert agent.language == "ru"

    with committed():
        ticket = file_request(customer)

    [to_customer] = smtp_server.to(customer.email)
    assert subject(to_customer) == (
        f"[{ticket.reference}] Your request is registered: {ticket.subject}"
    )
    assert "Your request has been registered under the number" in text_body(to_customer)
    [to_supervisor] = smtp_server.to(supervisor.email)
    assert subject(to_supervisor).startswith(f"[{ticket.reference}] New request:")
    [to_agent] = smtp_server.to(agent.email)
    assert subject(to_agent).startswith(f"[{ticket.reference}] Новое обращение:")


@pytest.mark.django_db
def test_the_emails_of_one_event_go_over_one_smtp_connection(
    settings, smtp_server, committed, customer, support
):
    settings.NEW_REQUEST_NOTIFY = "all"
    StaffUserFactory(email="third@support.test", role=Role.AGENT)

    with committed():
        file_request(customer)

    assert len(smtp_server.messages) == 4
    assert len({message.peer for message in smtp_server.messages}) == 1


# --- What must never be sent --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_internal_note_is_sent_to_nobody_and_never_leaks_later(
    smtp_server, committed, customer, agent, supervisor
):
    secret = "Their PBX licence expired, do not tell them yet"
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS)

    with committed():
        lifecycle.add_note(ticket, actor=agent, body=secret)
    assert smtp_server.messages == []

    with committed():
        lifecycle.reply(ticket, actor=customer, body="Any news?")
        lifecycle.reply(ticket, actor=agent, body="Working on it.")
        lifecycle.resolve(ticket, actor=agent, solution="Renewed a setting.")
        lifecycle.close(ticket, actor=supervisor)
    assert len(smtp_server.messages) >= 4
    assert secret not in everything_sent(smtp_server)


@pytest.mark.django_db
def test_internal_history_sends_nothing(smtp_server, committed, customer, colleague, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS)
    foreign = TicketFactory(requester=UserFactory(), status=S.IN_PROGRESS)

    with committed():
        lifecycle.set_executors(ticket, actor=agent, executors=[agent])
        lifecycle.link(ticket, foreign, actor=agent)

    assert smtp_server.messages == []


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_server, committed, customer, agent):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        file_request(customer)
        raise RuntimeError("something later in the same request failed")

    assert smtp_server.messages == []
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_nothing_is_sent_before_the_commit(
    smtp_server, django_capture_on_commit_callbacks, customer
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_request(customer)

    assert len(callbacks) == 1
    assert smtp_server.messages == []


# --- A mail server that is down -------------------------------------------------------------


@pytest.fixture
def mail_server_down(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }


@pytest.mark.django_db
def test_a_mail_server_that_is_down_does_not_fail_the_action(
    mail_server_down, committed, customer, agent
):
    with committed():
        ticket = file_request(customer)
    with committed():
        lifecycle.resolve(ticket, actor=agent, solution="Done.")

    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_fail_a_real_commit(mail_server_down, customer):
    ticket = file_request(customer)  # commits for real: the callbacks run inside this call

    assert Ticket.objects.get(pk=ticket.pk).status == S.NEW


# --- The shape of an e-mail -------------------------------------------------------------------


@pytest.mark.django_db
def test_html_in_a_customer_message_is_escaped_in_the_html_part(
    smtp_server, committed, customer, agent
):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)
    body = '<script>alert(1)</script><img src=x onerror="alert(2)"> & <b>bold</b>'

    with committed():
        lifecycle.reply(ticket, actor=customer, body=body)

    [message] = smtp_server.to(agent.email)
    html = html_body(message)
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;" in html
    # The text part is plain text: the message as typed, no entities.
    assert body in text_body(message)


@pytest.mark.django_db
def test_html_in_the_request_subject_is_escaped_in_the_html_part(smtp_server, committed, customer):
    with committed():
        ticket = file_request(customer, subject="<img src=x onerror=alert(1)>")

    [message] = smtp_server.to(customer.email)
    assert "<img" not in html_body(message)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_body(message)
    assert subject(message) == (
        f"[{ticket.reference}] Ваше обращение зарегистрировано: <img src=x onerror=alert(1)>"
    )


@pytest.mark.django_db
def test_html_in_the_customers_name_is_escaped_in_the_html_part(
    smtp_server, committed, customer, agent
):
    customer.full_name = "<b>Ivan</b>"
    customer.save()
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)

    with committed():
        lifecycle.reply(ticket, actor=customer, body="Hello")

    [message] = smtp_server.to(agent.email)
    assert "<b>Ivan" not in html_body(message)
    assert "&lt;b&gt;Ivan&lt;/b&gt;" in html_body(message)
    assert "<b>Ivan</b>" in text_body(message)


@pytest.mark.django_db
def test_every_mail_has_a_text_and_an_html_part(smtp_server, committed, customer, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS)

    with committed():
        lifecycle.reply(ticket, actor=customer, body="Hello")
        lifecycle.resolve(ticket, actor=agent, solution="Done")

    assert len(smtp_server.messages) == 2  # to the agent, then to the customer
    for message in smtp_server.messages:
        assert message.get_content_type() == "multipart/alternative"
        assert message.get_body(preferencelist=("plain",)) is not None
        assert message.get_body(preferencelist=("html",)) is not None


@pytest.mark.django_db
def test_the_subject_is_one_line_even_if_the_request_subject_is_not(
    smtp_server, committed, customer
):
    with committed():
        ticket = file_request(customer, subject="Line one\r\nBcc: victim@example.test\nline two")

    [message] = smtp_server.messages
    assert message.envelope_recipients == [customer.email]
    assert message["Bcc"] is None
    assert subject(message) == (
        f"[{ticket.reference}] Ваше обращение зарегистрировано: "
        "Line one Bcc: victim@example.test line two"
    )


# --- Assignment -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["supervisor", "administrator"])
def test_the_engineer_given_a_request_by_someone_else_is_told(
    smtp_server, committed, customer, support, by
):
    ticket = file_request(customer, subject="Нет звонков на 8-800")
    smtp_server.messages.clear()
    assigner = support[by]

    with committed():
        lifecycle.assign(ticket, actor=assigner, assignee=support["agent"])

    assert recipients(smtp_server) == [support["agent"].email]
    [message] = smtp_server.messages
    assert ticket.reference in subject(message) and "Назначено вам" in subject(message)
    assert f"{assigner.full_name} назначил(а) вам это обращение." in text_body(message)
    assert f"/admin/tickets/ticket/{ticket.pk}/" in text_body(message)


@pytest.mark.django_db
def test_taking_a_request_yourself_mails_nobody(smtp_server, committed, customer, agent):
    ticket = TicketFactory(requester=customer)

    with committed():
        lifecycle.take(ticket, actor=agent)
        lifecycle.assign(ticket, actor=agent, assignee=None)  # and letting it go again

    assert smtp_server.messages == []
    assert ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).count() == 2


@pytest.mark.django_db
def test_a_reassignment_is_not_mailed_to_the_customer_or_the_previous_engineer(
    smtp_server, committed, customer, customer_manager, support
):
    second = StaffUserFactory(email="second@support.test")
    ticket = TicketFactory(requester=customer)
    lifecycle.take(ticket, actor=support["agent"])

    with committed():
        lifecycle.assign(ticket, actor=support["supervisor"], assignee=second)

    assert recipients(smtp_server) == [second.email]


@pytest.mark.django_db
def test_a_deactivated_engineer_gets_no_assignment_mail(smtp_server, committed, customer, support):
    ticket = TicketFactory(requester=customer)
    with committed():
        lifecycle.assign(ticket, actor=support["supervisor"], assignee=support["agent"])
        support["agent"].is_active = False
        support["agent"].save()
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_the_assignment_mail_is_in_the_engineers_language(
    smtp_server, committed, customer, supervisor
):
    english = StaffUserFactory(email="en@support.test", language="en")
    ticket = TicketFactory(requester=customer)
    with committed():
        lifecycle.assign(ticket, actor=supervisor, assignee=english)
    [message] = smtp_server.messages
    assert "Assigned to you" in subject(message)
    assert f"{supervisor.full_name} assigned this request to you." in text_body(message)
