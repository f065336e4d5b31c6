"""A request's whole life in a real browser: filed, questioned, answered, disputed, confirmed."""

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.e2e import helpers
from tests.factories import TINY_PNG
from tickets import lifecycle
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/journey.png"  # noqa: S108  (a fixed path the reviewer opens)


def log_in(page, live_server, email):
    helpers.log_in(page, live_server, email)
    page.wait_for_url(f"{live_server.url}/tickets/")


def latest_ticket() -> Ticket:
    """The request as the database has it now (the browser may have changed it)."""
    return Ticket.objects.latest("pk")


def test_customer_and_engineer_take_a_request_from_filing_to_confirmation(
    live_server, page, demo, tmp_path
):
    agent = demo["agent"]
    screenshot = tmp_path / "error-screen.png"
    screenshot.write_bytes(TINY_PNG)
    status = page.locator("#ticket-status")
    timeline = page.locator("#timeline")

    # The customer files an incident with a screenshot.
    log_in(page, live_server, "client@alpha.demo")
    page.get_by_role("main").get_by_role("link", name="Новое обращение").click()
    page.get_by_label("Инцидент").check()
    page.get_by_label("Тема").fill("Не проходят входящие звонки")
    page.get_by_label("Описание").fill("С 10:00 входящие на номер 8-800 сбрасываются.")
    page.get_by_label("Вложения").set_input_files(str(screenshot))
    expect(page.locator(".selected-files")).to_contain_text("error-screen.png")
    page.get_by_role("button", name="Отправить обращение").click()

    ticket = latest_ticket()
    page.wait_for_url(f"{live_server.url}/tickets/{ticket.reference}/")
    expect(page.locator(".msg-success")).to_contain_text(
        f"Ваше обращение зарегистрировано под номером {ticket.reference}"
    )
    expect(page.locator("h1 .ref")).to_have_text(ticket.reference)
    expect(status).to_have_text("Новое")
    expect(page.get_by_role("link", name="error-screen.png")).to_be_visible()
    href = page.get_by_role("link", name="error-screen.png").get_attribute("href")
    assert page.request.get(f"{live_server.url}{href}").body() == TINY_PNG  # same session

    # The engineer takes it and asks a question.
    lifecycle.take(ticket, actor=agent)
    lifecycle.request_info(ticket, actor=agent, question="Какой номер транка в договоре?")
    page.reload()
    expect(status).to_have_text("Ожидает ответа клиента")
    expect(page.locator("#ticket-engineer")).to_have_text("Григорий Инженеров")
    expect(timeline).to_contain_text("Какой номер транка в договоре?")
    expect(timeline).to_contain_text("Запрошена информация")
    reply = page.locator("#reply")
    expect(reply.get_by_role("heading")).to_have_text("Предоставить запрошенную информацию")
    reply.get_by_label("Ваше сообщение").fill("Транк SIP-0042.")
    reply.get_by_role("button", name="Отправить").click()
    expect(page.locator(".msg-success")).to_have_text("Ваше сообщение отправлено.")
    expect(status).to_have_text("В работе")
    expect(timeline).to_contain_text("Транк SIP-0042.")
    expect(page.locator("#reply h2")).to_have_text("Добавить сообщение")

    # The engineer resolves; the customer disputes with a reason.
    lifecycle.resolve(latest_ticket(), actor=agent, solution="Исправили маршрутизацию.")
    page.reload()
    expect(status).to_have_text("Решено")
    expect(page.locator("#decision h2")).to_have_text("Поддержка предложила решение")
    expect(page.locator("#reply")).to_have_count(0)
    page.get_by_text("Оспорить решение").click()
    page.get_by_label("Почему решение вам не подходит?").fill("С мобильных всё ещё сбрасывает.")
    page.get_by_role("button", name="Отправить возражение").click()
    expect(page.locator(".msg-success")).to_contain_text("Ваше возражение записано")
    expect(status).to_have_text("В работе")
    expect(timeline).to_contain_text("Решение оспорено")
    expect(timeline).to_contain_text("С мобильных всё ещё сбрасывает.")

    # The engineer resolves again; this time the customer confirms.
    lifecycle.resolve(latest_ticket(), actor=agent, solution="Добавили мобильные префиксы.")
    page.reload()
    expect(status).to_have_text("Решено")
    page.get_by_role("button", name="Подтвердить решение").click()
    expect(page.locator(".msg-success")).to_have_text("Спасибо! Обращение закрыто.")
    expect(status).to_have_text("Закрыто")
    expect(page.get_by_role("link", name="Открыть связанное обращение")).to_be_visible()
    expect(page.locator("#reply")).to_have_count(0)
    expect(page.locator("#decision")).to_have_count(0)

    # The whole history is on the page, in order.
    entries = timeline.locator("li.entry").all_inner_texts()
    milestones = [
        "Запрошена информация",
        "Ответ клиента",
        "Предложено решение",
        "Решение оспорено",
        "Предложено решение",
        "Решение подтверждено",
    ]
    found = [m for entry in entries for m in dict.fromkeys(milestones) if m in entry]
    assert found == milestones, entries
    assert sum("Добавили мобильные префиксы." in e for e in entries) == 1
    page.screenshot(path=SCREENSHOT, full_page=True)

    # And the list shows it closed.
    page.locator(".crumbs a").click()
    row = page.locator("tr", has_text=ticket.reference)
    expect(row.locator(".status")).to_have_text("Закрыто")


def test_a_pasted_screenshot_is_attached_to_the_request(live_server, page, demo):
    log_in(page, live_server, "client@alpha.demo")
    page.goto(f"{live_server.url}/tickets/new/")
    page.get_by_label("Проблема").check()
    page.get_by_label("Тема").fill("Сервис недоступен")
    description = page.get_by_label("Описание")
    description.fill("Скриншот вставлен из буфера обмена.")
    description.focus()
    # What the browser does on Ctrl+V of a screenshot: a paste event carrying an image file
    # with a generic name.
    page.evaluate(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "image.png", { type: "image/png" }));
            document.activeElement.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: transfer, bubbles: true, cancelable: true,
            }));
        }""",
        base64.b64encode(TINY_PNG).decode(),
    )
    expect(page.locator(".selected-files li")).to_have_count(1)
    expect(page.locator(".selected-files")).to_contain_text(re.compile(r"screenshot-\S+\.png"))
    page.get_by_role("button", name="Отправить обращение").click()

    ticket = latest_ticket()
    page.wait_for_url(f"{live_server.url}/tickets/{ticket.reference}/")
    attachment = ticket.attachments.get()
    assert re.fullmatch(r"screenshot-[\dT-]+\.png", attachment.original_name)
    assert attachment.file.read() == TINY_PNG
    assert ticket.priority == Ticket.Priority.HIGH
    expect(page.get_by_role("link", name=attachment.original_name)).to_be_visible()
