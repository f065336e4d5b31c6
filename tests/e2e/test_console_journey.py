"""The agent console in a real browser: the queue, taking, asking, resolving, reassigning."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import PASSWORD, StaffUserFactory
from tickets import lifecycle
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

S = Ticket.Status


def shown(status) -> str:
    """A status as the Russian console shows it."""
    with translation.override("ru"):
        return str(S(status).label)


def log_in_to_the_console(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/")
    page.locator('input[name="username"]').fill(user.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/admin/")


def file_request(customer, subject) -> Ticket:
    return lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject=subject,
        description="С 10:00 входящие на номер 8-800 сбрасываются.",
    )  # fmt: skip


def test_agent_works_a_request_and_a_supervisor_reassigns_one(
    live_server, page, settings, customer, agent, supervisor
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    colleague = StaffUserFactory(email="second@support.test", full_name="Вера Второва")
    older = file_request(customer, "Медленно открывается личный кабинет")
    newest = file_request(customer, "Не проходят входящие звонки")
    status = page.locator("#ticket-status")

    # The agent opens the queue and finds the newest request in it.
    log_in_to_the_console(page, live_server, agent)
    page.goto(f"{live_server.url}/admin/tickets/ticket/")
    queue = page.locator("#result_list")
    expect(queue).to_contain_text(older.reference)
    queue.get_by_role("link", name=newest.reference, exact=True).click()
    page.wait_for_url(f"**/admin/tickets/ticket/{newest.pk}/")
    expect(status).to_have_text(shown(S.NEW))

    # Takes it into work.
    page.locator("#action-take").click()
    expect(status).to_have_text(shown(S.IN_PROGRESS))
    expect(page.locator("#prop-assignee")).to_have_text(agent.full_name)

    # Asks for information through the compose box.
    page.locator("#compose-request_info").check()
    page.locator("#compose-body").fill("Какой номер транка указан в договоре?")
    page.locator("#compose-send").click()
    expect(status).to_have_text(shown(S.WAITING))
    expect(page.locator("#conversation")).to_contain_text("Какой номер транка")

    # The customer answers in the portal (here: through the lifecycle).
    lifecycle.reply(Ticket.objects.get(pk=newest.pk), actor=customer, body="Транк номер 42.")
    page.reload()
    expect(status).to_have_text(shown(S.IN_PROGRESS))
    expect(page.locator("#conversation")).to_contain_text("Транк номер 42.")

    # Resolves it with a solution for the customer.
    page.locator("#compose-resolve").check()
    page.locator("#compose-body").fill("Перенастроили маршрут на транк 42, проверьте.")
    page.locator("#compose-send").click()
    expect(status).to_have_text(shown(S.RESOLVED))
    assert Ticket.objects.get(pk=newest.pk).status == S.RESOLVED

    # A supervisor hands the older request, taken by the agent, to a colleague.
    lifecycle.take(Ticket.objects.get(pk=older.pk), actor=agent)
    log_in_to_the_console(page, live_server, supervisor)
    page.goto(f"{live_server.url}/admin/tickets/ticket/{older.pk}/")
    page.locator("#prop-assignee").select_option(str(colleague.pk))
    expect(page.locator("#ws-toast")).to_contain_text(colleague.full_name)
    assert Ticket.objects.get(pk=older.pk).assignee == colleague
    page.locator("#history-link").click()
    assigned = page.locator("#history tr.console-event-assigned")
    expect(assigned).to_have_count(2)
    expect(assigned.last).to_contain_text(colleague.full_name)
    expect(assigned.last).to_contain_text(supervisor.full_name)
    assert supervisor.role == Role.SUPERVISOR
