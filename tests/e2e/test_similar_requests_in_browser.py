"""Similar requests listed while the subject is typed, in a real browser (Chromium, CSP on)."""

import pytest
from playwright.sync_api import expect

from tests.e2e import test_request_journey as journey
from tests.factories import OrganizationFactory, TicketFactory, UserFactory

log_in = journey.log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_a_subject_lists_the_organisations_similar_open_requests(live_server, page, demo):
    customer = demo["customer"]
    mine = TicketFactory(requester=customer, subject="Модемы не работают в филиале")
    stranger = UserFactory(organization=OrganizationFactory(name="Чужая организация"))
    TicketFactory(requester=stranger, subject="Модемы не работают у соседей")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, live_server, customer.email)
    page.goto(f"{live_server.url}/tickets/new/")
    box = page.locator("#similar-requests")
    expect(box).to_be_hidden()

    page.get_by_label("Тема").press_sequentially("не работает модем", delay=20)
    expect(box).to_be_visible()
    expect(box.get_by_role("link")).to_have_count(1)
    expect(box.get_by_role("link")).to_have_text(f"{mine.reference} {mine.subject}")
    expect(box).not_to_contain_text("соседей")

    page.get_by_label("Тема").fill("")
    page.get_by_label("Тема").press_sequentially("счёт", delay=20)
    expect(box).to_be_hidden()
    assert errors == []  # no CSP violation, no script error
