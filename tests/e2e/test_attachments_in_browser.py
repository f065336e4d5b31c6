"""The attachment field and the error summary in a real browser (Chromium)."""

import base64
import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e import test_request_journey as journey
from tests.factories import TINY_PNG

latest_ticket, log_in = journey.latest_ticket, journey.log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _screenshot(page, name: str) -> None:
    """For a person to look at: only when SCREENSHOT_DIR says where (as test_workspace)."""
    if directory := os.environ.get("SCREENSHOT_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/{name}", full_page=True)


PASTE = """(b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "image.png", { type: "image/png" }));
    document.activeElement.dispatchEvent(new ClipboardEvent("paste", {
        clipboardData: transfer, bubbles: true, cancelable: true,
    }));
}"""


def paste_screenshot(page):
    page.get_by_label("Описание").focus()
    page.evaluate(PASTE, base64.b64encode(TINY_PNG).decode())


def fill_request(page):
    page.get_by_label("Инцидент").check()
    page.get_by_label("Тема").fill("Не проходят звонки")
    page.get_by_label("Описание").fill("С утра входящие сбрасываются.")


def test_paste_and_the_chooser_add_to_one_list_and_each_file_can_be_removed(
    live_server,
    page,
    demo,
    tmp_path,
):
    log = tmp_path / "sip.log"
    log.write_text("INVITE sip:8800@pbx SIP/2.0\n")
    other = tmp_path / "gateway.log"
    other.write_text("gateway restarted\n")
    log_in(page, live_server, "client@alpha.demo")
    page.goto(f"{live_server.url}/tickets/new/")
    fill_request(page)
    files = page.locator(".selected-files li")

    paste_screenshot(page)
    expect(files).to_have_count(1)
    # Before: the chooser replaced the list, and the pasted screenshot disappeared.
    page.get_by_label("Вложения").set_input_files([str(log), str(other)])
    expect(files).to_have_count(3)
    expect(files.nth(0)).to_contain_text(re.compile(r"screenshot-\S+\.png"))
    expect(files.nth(1)).to_contain_text("sip.log")

    for width, name in ((1366, "new-request-files-1366.png"), (390, "new-request-files-390.png")):
        page.set_viewport_size({"width": width, "height": 900})
        _screenshot(page, name)
    page.get_by_role("button", name="Удалить gateway.log").click()
    expect(files).to_have_count(2)
    page.get_by_role("button", name="Отправить обращение").click()

    page.wait_for_url(re.compile(r".*/tickets/PT-\d+/$"))
    names = sorted(latest_ticket().attachments.values_list("original_name", flat=True))
    assert names[1] == "sip.log" and names[0].startswith("screenshot-")
    assert len(names) == 2


def test_pasted_screenshots_are_named_in_moscow_time_and_never_twice_the_same(
    live_server,
    browser,
    demo,
):
    # A browser in UTC, at 06:57:03 UTC: the interface (and the name) says 09:57:03.
    context = browser.new_context(locale="ru-RU", timezone_id="UTC")
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2026, 12, 2, 6, 57, 3, tzinfo=dt.UTC))
    log_in(page, live_server, "client@alpha.demo")
    page.goto(f"{live_server.url}/tickets/new/")
    paste_screenshot(page)
    paste_screenshot(page)  # the same second
    expect(page.locator(".selected-files li")).to_have_count(2)
    texts = page.locator(".selected-files li span").all_inner_texts()
    assert texts[0].startswith("screenshot-2026-12-02T09-57-03.png")
    assert texts[1].startswith("screenshot-2026-12-02T09-57-03-2.png")
    context.close()


def test_a_file_over_the_limit_is_refused_before_sending_with_a_focused_summary(
    live_server,
    page,
    demo,
    settings,
    tmp_path,
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = tmp_path / "big.log"
    big.write_bytes(b"x" * 5000)
    log_in(page, live_server, "client@alpha.demo")
    page.goto(f"{live_server.url}/tickets/new/")
    fill_request(page)
    page.get_by_label("Вложения").set_input_files([str(big)])
    requests = []
    page.on("request", lambda request: requests.append(request) if request.method == "POST" else 0)
    page.get_by_role("button", name="Отправить обращение").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("big.log слишком большой")
    assert requests == []  # nothing was sent
    for width, name in (
        (1366, "new-request-too-large-1366.png"),
        (390, "new-request-too-large-390.png"),
    ):
        page.set_viewport_size({"width": width, "height": 900})
        _screenshot(page, name)


def test_form_errors_from_the_server_are_summarised_at_the_top_with_the_focus(
    live_server,
    page,
    demo,
):
    from tests.e2e.test_console_journey import file_request
    from tickets import lifecycle

    ticket = file_request(demo["customer"], "Не проходят входящие звонки")
    agent = demo["agent"]
    lifecycle.take(ticket, actor=agent)
    lifecycle.resolve(ticket, actor=agent, solution="Исправили.")
    log_in(page, live_server, ticket.requester.email)
    page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    page.get_by_text("Оспорить решение").click()
    page.get_by_role("button", name="Отправить возражение").click()  # with no reason

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Обязательное поле")
    box = summary.bounding_box()
    assert box is not None and box["y"] < 300  # at the top, not below the fold
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Почему решение вам не подходит?")).to_be_focused()


def test_an_empty_resolution_in_the_console_is_summarised_at_the_top(
    live_server, page, customer, agent
):
    from tests.e2e.test_console_journey import file_request, log_in_to_the_console
    from tickets import lifecycle

    ticket = file_request(customer, "Не проходят входящие звонки")
    lifecycle.take(ticket, actor=agent)
    log_in_to_the_console(page, live_server, agent)
    page.goto(f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/")
    page.locator("#compose-resolve").check()
    page.locator("#compose-send").click()  # with no text

    summary = page.locator("#ws-toast")  # the workspace's summary of a refused action
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Сначала напишите сообщение")
    box = summary.bounding_box()
    assert box is not None and box["y"] < 300
    assert not ticket.comments.exists()
