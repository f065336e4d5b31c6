"""Layout in a real browser: long words do not widen pages; sections stack; file sizes read well."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import CommentFactory
from tickets import lifecycle
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# 200 characters (the longest subject allowed) and not one space: a pasted hash or log line.
LONG_SUBJECT = "Ошибка" * 20 + "x" * 80
SLACK = 3  # px: rounding of sub-pixel widths


def log_in(page, live_server, user):
    """A session cookie made by Django, so that layout tests do not go through the login form."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def width_of(page, selector) -> float:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().width")


@pytest.fixture
def long_request(customer):
    assert len(LONG_SUBJECT) == 200
    ticket = lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject=LONG_SUBJECT,
        description="Лог: " + "0xDEADBEEF" * 30, technical_details="trace:" + "a" * 400,
    )  # fmt: skip
    CommentFactory(ticket=ticket, author=customer, body="Ещё: " + "Z" * 300)
    lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject="Не проходят звонки",
        description="С 10:00 входящие сбрасываются.",
    )  # fmt: skip
    return ticket


@pytest.mark.parametrize("viewport", [1280, 390])
def test_a_long_subject_without_spaces_does_not_widen_the_portal(
    live_server, page, customer, long_request, viewport
):
    page.set_viewport_size({"width": viewport, "height": 900})
    log_in(page, live_server, customer)

    page.goto(f"{live_server.url}/tickets/")
    expect(page.get_by_role("link", name=LONG_SUBJECT)).to_be_visible()
    assert page_width(page) <= viewport + SLACK

    page.goto(f"{live_server.url}{long_request.get_absolute_url()}")
    expect(page.locator("h1")).to_contain_text(LONG_SUBJECT[:50])
    assert page_width(page) <= viewport + SLACK


def test_a_long_subject_keeps_the_console_queue_and_request_page_in_the_window(
    live_server, page, agent, long_request
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, agent)

    page.goto(f"{live_server.url}/admin/tickets/ticket/")
    expect(page.locator("#result_list")).to_contain_text(LONG_SUBJECT[:50])
    assert page_width(page) <= 1280 + SLACK
    # The admin scrolls the table inside its own box, so the page width alone proves nothing:
    # the subject column is capped, and the table is no wider than the window.
    assert width_of(page, "#result_list td.field-subject_line") <= 1280 / 2
    assert width_of(page, "#result_list") <= 1280

    page.goto(f"{live_server.url}/admin/tickets/ticket/{long_request.pk}/")
    expect(page.locator("#conversation")).to_contain_text("Ещё:")
    assert page_width(page) <= 1280 + SLACK


def test_the_workspace_puts_the_properties_beside_the_conversation(
    live_server, page, agent, long_request
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, agent)
    page.goto(f"{live_server.url}/admin/tickets/ticket/{long_request.pk}/")
    main = page.locator(".ws-main").evaluate("e => e.getBoundingClientRect().toJSON()")
    side = page.locator("#ws-side").evaluate("e => e.getBoundingClientRect().toJSON()")
    assert side["left"] >= main["right"]  # beside, not below
    assert abs(side["top"] - main["top"]) < 2
    compose = page.locator("#compose").evaluate("e => e.getBoundingClientRect().top")
    conversation = page.locator("#conversation").evaluate("e => e.getBoundingClientRect().bottom")
    assert compose >= conversation  # the compose box below the conversation


@pytest.mark.parametrize(
    ("language", "sizes"),
    [
        ("ru", {156: "156 Б", 1234: "1,2 КБ", 50_000: "49 КБ", 3_500_000: "3,3 МБ"}),
        ("en", {156: "156 B", 1234: "1.2 KB", 50_000: "49 KB", 3_500_000: "3.3 MB"}),
    ],
)
def test_chosen_files_are_listed_with_sizes_in_the_pages_language(
    live_server, page, customer, language, sizes
):
    customer.language = language
    customer.save()
    ticket = lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject="Скриншот ошибки",
        description="Приложу скриншот.",
    )  # fmt: skip
    log_in(page, live_server, customer)
    page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    files = [
        {"name": f"file{size}.png", "mimeType": "image/png", "buffer": b"\0" * size}
        for size in sizes
    ]
    page.locator("#reply input[type=file]").set_input_files(files)
    shown = page.locator("#reply .selected-files li span").all_inner_texts()  # not the ×
    assert [text.replace("\u00a0", " ") for text in shown] == [
        f"file{size}.png ({text})" for size, text in sizes.items()
    ]
