"""E-mail about a major incident over real SMTP: one per person, their language, their requests."""

import pytest

from tests.conftest import text_body
from tests.factories import UserFactory
from tickets import lifecycle, outbox
from tickets.lifecycle import incidents
from tickets.models import Delivery, Ticket, TicketEvent

Kind = TicketEvent.Kind
TITLE = "Сбой SMS-шлюза"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def file_request(customer, subject):
    return lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject=subject, description="Не работает."
    )


@pytest.fixture
def english_customer(other_organization):
    return UserFactory(email="anna@beta.test", organization=other_organization, language="en")


@pytest.fixture
def setting(customer, colleague, english_customer, supervisor, agent):
    """An incident filed by `customer`, who also owns two children; one child of `colleague`
    (same organisation) and one of an English-speaking customer of another organisation."""
    with outbox.muted():
        parent = file_request(customer, "Шлюз молчит у Альфы")
        incidents.mark(parent, actor=supervisor, title=TITLE)
        kids = [
            file_request(customer, "Alpha secret A"),
            file_request(customer, "Alpha secret B"),
            file_request(colleague, "Alpha colleague C"),
            file_request(english_customer, "Beta secret D"),
        ]
        for child in kids:
            incidents.attach(child, incident=parent, actor=agent)
    return parent, kids


def subject(message) -> str:
    return str(message["Subject"]).strip()


def whole(message) -> str:
    html = message.get_body(preferencelist=("html",)).get_content()
    return f"{subject(message)}\n{text_body(message)}\n{html}"


@pytest.mark.django_db
def test_an_update_reaches_each_affected_person_once(
    smtp_server, committed, setting, agent, customer, colleague, english_customer
):
    parent, kids = setting
    with committed():
        incidents.post_update(parent, actor=agent, body="Меняем плату шлюза, ETA 14:00.")

    addresses = sorted(a for m in smtp_server.messages for a in m.envelope_recipients)
    assert addresses == sorted([customer.email, colleague.email, english_customer.email])
    [mine] = smtp_server.to(customer.email)
    assert "Обновление по инциденту" in subject(mine) and TITLE in subject(mine)
    for ticket in (parent, kids[0], kids[1]):  # all three of theirs, in one e-mail
        assert ticket.reference in whole(mine)
        assert f"http://testserver/tickets/{ticket.reference}/" in text_body(mine)
    assert "Меняем плату шлюза" in text_body(mine)
    [english] = smtp_server.to(english_customer.email)
    assert "Update on the incident" in subject(english)
    assert "Your request:" in text_body(english)


@pytest.mark.django_db
def test_no_e_mail_names_another_customers_request(
    smtp_server, committed, setting, agent, colleague, english_customer
):
    parent, kids = setting
    with committed():
        incidents.post_update(parent, actor=agent, body="Работаем.")
        lifecycle.resolve(parent, actor=agent, solution="Плата заменена.")

    beta = "\n".join(whole(m) for m in smtp_server.to(english_customer.email))
    for foreign in (parent, *kids[:3]):
        assert foreign.reference not in beta
        assert foreign.subject not in beta
    assert "Alpha" not in beta and "Альф" not in beta
    assert kids[3].reference in beta
    mate = "\n".join(whole(m) for m in smtp_server.to(colleague.email))
    assert "Alpha secret" not in mate and kids[0].reference not in mate


@pytest.mark.django_db
def test_the_resolution_is_one_e_mail_per_person_with_the_solution(
    smtp_server, committed, setting, agent, customer, colleague, english_customer
):
    parent, kids = setting
    with committed():
        lifecycle.resolve(parent, actor=agent, solution="Плата заменена, SMS идут.")

    assert len(smtp_server.messages) == 3
    [mine] = smtp_server.to(customer.email)
    assert "Инцидент устранён" in subject(mine)
    assert "Плата заменена, SMS идут." in text_body(mine)
    assert "подтвердите" in text_body(mine).lower()
    [english] = smtp_server.to(english_customer.email)
    assert "resolved" in subject(english)
    # One delivery per address, all on the incident's entry; the children's entries send none.
    entry = parent.events.get(kind=Kind.RESOLVED)
    assert Delivery.objects.filter(event=entry).count() == 3
    assert not Delivery.objects.exclude(event=entry).exists()
    assert all(k.events.get(kind=Kind.RESOLVED).notified_at for k in kids)


@pytest.mark.django_db
def test_a_second_dispatch_of_the_same_update_sends_nothing(smtp_server, committed, setting, agent):
    parent, _kids = setting
    with committed():
        incidents.post_update(parent, actor=agent, body="Работаем.")
    entry = parent.events.get(kind=Kind.INCIDENT_UPDATE)
    TicketEvent.objects.filter(pk=entry.pk).update(notified_at=None)

    outbox.dispatch_now([entry.pk])

    assert len(smtp_server.messages) == 3


@pytest.mark.django_db
def test_a_dispute_after_the_cascade_goes_to_support_as_usual(
    smtp_server, committed, setting, agent, customer
):
    parent, kids = setting
    with outbox.muted():
        lifecycle.resolve(parent, actor=agent, solution="Готово.")
    kids[0].refresh_from_db()
    with committed():
        lifecycle.dispute(kids[0], actor=customer, reason="Не работает до сих пор")

    assert not smtp_server.to(customer.email)
    assert any("Не работает до сих пор" in text_body(m) for m in smtp_server.messages)
