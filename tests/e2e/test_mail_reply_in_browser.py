"""A customer answers by e-mail; the engineer sees it in the workspace after one poll."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, TicketFactory
from tests.mail_intake import samples
from tests.mail_intake.conftest import dovecot, imap, mailbox  # noqa: F401  (fixtures)
from tickets import jobs, lifecycle
from tickets.mail_intake import thread_ids

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reply_by_e_mail_appears_in_the_workspace_within_one_poll(
    live_server,
    page,
    imap,  # noqa: F811  (the fixture imported above)
    mailbox,  # noqa: F811
    agent,
    customer,
):
    ticket = TicketFactory(requester=customer, subject="Нет связи на узле Самара-3")
    lifecycle.request_info(ticket, actor=agent, question="Пришлите журнал узла.")
    page.goto(f"{live_server.url}/admin/")
    page.locator('input[name="username"]').fill(agent.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[type="submit"]').click()
    page.goto(f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/")
    expect(page.locator("#ticket-status")).to_have_text("Ожидает ответа клиента")

    imap.deliver(
        samples.mail(
            sender=customer.email,
            subject=f"Re: [{ticket.reference}] Поддержке нужна информация",
            text=samples.GMAIL_RU,
            encoding="base64",
            in_reply_to=thread_ids.thread_root(ticket.pk),
        )
    )
    jobs.poll_mailboxes()  # the schedule's run (django-q2 runs the mailbox's task inline here)
    page.reload()

    message = page.locator(".ws-msg", has_text=samples.GMAIL_RU_OWN)
    expect(message).to_be_visible()
    expect(message.locator(".ws-by-email")).to_be_visible()
    expect(message).not_to_contain_text("Пришлите, пожалуйста")
    expect(message).to_contain_text(".eml")
    expect(page.locator("#ticket-status")).to_have_text("В работе")
