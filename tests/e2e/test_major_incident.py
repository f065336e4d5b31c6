"""A major incident in a real browser: a supervisor marks it, attaches requests of two
organisations, posts an update (one e-mail per person over real SMTP) and resolves it; a
customer of the other organisation sees the banner and the wider incident, never the first
organisation's requests, and disputes: their request leaves the incident, back in progress."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import PASSWORD, StaffUserFactory, UserFactory
from tickets import lifecycle
from tickets.models import StatusNotice, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TITLE = "Сбой SMS-шлюза"


def file_request(customer, subject):
    return lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.PROBLEM, subject=subject, description="Не работает."
    )


def console_login(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/")
    page.locator('input[name="username"]').fill(user.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/admin/")


def portal_login(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(f"{live_server.url}/tickets/")


def test_a_major_incident_from_marking_to_a_dispute(
    live_server, page, smtp_server, organization, other_organization
):
    lead = StaffUserFactory(email="lead@support.test", role=Role.SUPERVISOR)
    alpha = UserFactory(email="alpha@alpha.test", organization=organization)
    beta = UserFactory(email="beta@beta.test", organization=other_organization)
    parent = file_request(alpha, "Alpha: шлюз молчит")
    alpha_children = [file_request(alpha, "Alpha secret one"), file_request(alpha, "Alpha two")]
    beta_child = file_request(beta, "Beta: SMS не доходят")
    smtp_server.messages.clear()

    console_login(page, live_server, lead)
    page.goto(f"{live_server.url}/admin/tickets/ticket/{parent.pk}/")
    page.locator("#incident-mark-title").fill(TITLE)
    page.locator("#incident-mark").click()
    expect(page.locator("#incident-title")).to_have_text(TITLE)

    references = ", ".join(t.reference for t in [*alpha_children, beta_child])
    page.locator("#incident-attach").fill(references)
    page.get_by_role("button", name="Присоединить", exact=True).click()
    children = page.locator("#incident-children")
    for child in [*alpha_children, beta_child]:
        expect(children).to_contain_text(child.reference)

    page.locator("#incident-update").fill("Меняем плату шлюза, ждите к 14:00.")
    page.get_by_role("button", name="Опубликовать сообщение").click()
    expect(page.locator("#ws-toast")).to_contain_text("3 присоединённых обращениях")
    # One e-mail per person: the first organisation's customer owns three of the requests.
    addresses = sorted(a for m in smtp_server.messages for a in m.envelope_recipients)
    assert addresses == ["alpha@alpha.test", "beta@beta.test"]
    StatusNotice.objects.create(
        text_ru="SMS задерживаются, чиним", everyone=False, incident=parent
    ).organizations.set([other_organization])

    portal_login(page, live_server, beta)
    expect(page.locator("#status-notices")).to_contain_text("Известная проблема:")
    expect(page.locator("#status-notices")).to_contain_text("SMS задерживаются")
    page.goto(f"{live_server.url}{beta_child.get_absolute_url()}")
    expect(page.locator("#incident-note")).to_contain_text(TITLE)
    expect(page.locator("#timeline")).to_contain_text("Меняем плату шлюза")
    body = page.locator("body")
    for secret in ("Alpha", parent.reference, alpha_children[0].reference):
        expect(body).not_to_contain_text(secret)

    console_login(page, live_server, lead)
    page.goto(f"{live_server.url}/admin/tickets/ticket/{parent.pk}/")
    page.locator("#compose-resolve").check()
    page.locator("#compose-body").fill("Плата заменена, SMS доставляются.")
    page.locator("#compose-send").click()
    expect(page.locator("#ticket-status")).to_have_text("Решено")
    expect(children).to_contain_text("Решено")

    portal_login(page, live_server, beta)
    expect(page.locator("#status-notices")).to_have_count(0)  # its incident is resolved
    page.goto(f"{live_server.url}{beta_child.get_absolute_url()}")
    expect(page.locator("#ticket-status")).to_have_text("Решено")
    expect(page.locator("#timeline")).to_contain_text("Плата заменена")
    page.get_by_text("Оспорить решение").click()
    page.get_by_label("Почему решение вам не подходит?").fill("У нас SMS всё ещё не уходят.")
    page.get_by_role("button", name="Отправить возражение").click()
    expect(page.locator("#ticket-status")).to_have_text("В работе")
    expect(page.locator("#timeline")).to_contain_text("Отсоединено от массового инцидента")
    assert Ticket.objects.get(pk=beta_child.pk).major_incident_id is None
    assert all(Ticket.objects.get(pk=t.pk).status == Ticket.Status.RESOLVED for t in alpha_children)
