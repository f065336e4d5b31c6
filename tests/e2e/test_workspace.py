"""The request workspace in a real browser: the demo agent works a request without a form's
Save button and loses nothing typed; colleagues see each other; a supervisor's reassignment
reaches the engineer by e-mail; the queue and the workspace fit their screens.

Set SCREENSHOT_DIR to keep screenshots of the workspace at 1,366, 1,920 and 390 px.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from proftiket.demo import DEMO_PASSWORD
from tests.factories import PASSWORD, AttachmentFactory, StaffUserFactory
from tickets import lifecycle
from tickets.models import CannedReply, Comment, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SLACK = 3  # px: rounding of sub-pixel widths


def log_in_to_the_console(page, live_server, email, password=DEMO_PASSWORD):
    page.goto(f"{live_server.url}/admin/")
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    page.locator('input[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/admin/")


def workspace(live_server, ticket) -> str:
    return f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/"


def test_the_demo_agent_works_a_request_and_nothing_typed_is_lost(live_server, page, demo):
    ticket = Ticket.objects.get(subject="Не проходят вызовы на номер 0611")
    log_in_to_the_console(page, live_server, "agent@proftiket.demo")

    # From the home page to the queue, and from the queue to the request.
    page.locator("#tile-unassigned").click()
    page.locator("#result_list").get_by_role("link", name=ticket.reference, exact=True).click()
    page.wait_for_url(workspace(live_server, ticket))
    expect(page.locator("#ticket-status")).to_have_text("Новое")

    # A reply template, searched and inserted, then edited.
    page.locator("#canned-open").click()
    page.locator("#canned-search").fill("Привет")
    expect(page.locator("#canned-list .ws-canned-item")).to_have_count(1)
    page.locator("#canned-list .ws-canned-item").click()
    body = page.locator("#compose-body")
    expect(body).to_have_value(re.compile(r"^Здравствуйте, Анна Клиентова!"))
    body.press("Control+End")
    body.type("\nP.S. Проверим также короткие номера 0611–0619.")
    draft = page.evaluate(f"localStorage.getItem('proftiket:draft:{demo['agent'].pk}:{ticket.pk}')")
    assert "0611–0619" in draft
    assert CannedReply.objects.get(title="Приветствие и взятие в работу").usage_count == 1

    # The priority changes while the draft is typed: the draft stays where it is.
    page.locator("#prop-priority").select_option(str(Ticket.Priority.HIGH))
    expect(page.locator("#ws-toast")).to_contain_text("Высокий")
    expect(page.locator("#ticket-priority")).to_have_text("Высокий")
    expect(body).to_have_value(re.compile("0611–0619"))
    assert Ticket.objects.get(pk=ticket.pk).priority == Ticket.Priority.HIGH

    # Leaving and coming back (a reload): the draft is restored from the browser.
    page.once("dialog", lambda dialog: dialog.accept())  # "leave the page with unsent text?"
    page.reload()
    expect(page.locator("#ws-draft")).to_be_visible()
    expect(body).to_have_value(re.compile("0611–0619"))

    # Ctrl+Enter sends it as a public reply; the draft is gone.
    body.press("Control+Enter")
    expect(page.locator("#ws-toast")).to_contain_text("Ваш ответ отправлен клиенту")
    expect(body).to_have_value("")
    expect(page.locator("#conversation")).to_contain_text("0611–0619")
    expect(page.locator("#ticket-status")).to_have_text("В работе")
    comment = Comment.objects.get(ticket=ticket)
    assert comment.body.startswith("Здравствуйте, Анна Клиентова!") and not comment.is_internal
    assert (
        page.evaluate(f"localStorage.getItem('proftiket:draft:{demo['agent'].pk}:{ticket.pk}')")
        is None
    )


def test_a_refused_send_keeps_the_text_and_says_what_changed(live_server, page, demo):
    ticket = Ticket.objects.get(subject="Не проходят вызовы на номер 0611")
    log_in_to_the_console(page, live_server, "agent@proftiket.demo")
    page.goto(workspace(live_server, ticket))
    page.locator("#compose-resolve").check()
    page.locator("#compose-body").fill("Решение, которое нельзя потерять")
    lifecycle.take(Ticket.objects.get(pk=ticket.pk), actor=demo["lead"])  # meanwhile

    page.locator("#compose-send").click()
    toast = page.locator("#ws-toast")
    expect(toast).to_contain_text("тем временем изменилось")
    expect(toast).to_contain_text(demo["lead"].full_name)
    expect(page.locator("#compose-body")).to_have_value("Решение, которое нельзя потерять")
    expect(page.locator("#ticket-status")).to_have_text("В работе")
    assert not Comment.objects.filter(ticket=ticket).exists()

    # Seen now: sending again goes through.
    page.locator("#compose-body").press("Control+Enter")
    expect(page.locator("#ticket-status")).to_have_text("Решено")


@pytest.fixture
def second_browser(browser):
    """Two more browser contexts (two agents); at the end they send nothing more."""
    contexts = []

    def new_page():
        context = browser.new_context(locale="ru-RU")
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.route("**/*", lambda route: route.abort())
        context.close()


def test_a_second_agent_sees_the_first_ones_presence(live_server, second_browser, demo):
    ticket = Ticket.objects.get(subject="Не проходят вызовы на номер 0611")
    colleague = StaffUserFactory(email="vera@support.test", full_name="Вера Второва")
    first = second_browser()
    log_in_to_the_console(first, live_server, colleague.email, password=PASSWORD)
    first.goto(workspace(live_server, ticket))
    first.locator("#compose-body").fill("Черновик Веры")

    second = second_browser()
    log_in_to_the_console(second, live_server, "agent@proftiket.demo")
    second.goto(workspace(live_server, ticket))
    expect(second.locator("#ws-presence")).to_contain_text("Вера Второва")
    expect(first.locator("#ws-presence")).to_contain_text("Григорий Инженеров", timeout=30_000)


def test_a_supervisor_reassigns_and_the_engineer_gets_the_mail(
    live_server, page, demo, smtp_server
):
    ticket = Ticket.objects.get(subject="Недоступен модуль биллинга")  # taken by the agent
    colleague = StaffUserFactory(email="vera@support.test", full_name="Вера Второва")
    log_in_to_the_console(page, live_server, "lead@proftiket.demo")
    page.goto(workspace(live_server, ticket))
    page.locator("#prop-assignee").select_option(str(colleague.pk))
    expect(page.locator("#ws-toast")).to_contain_text("Вера Второва")
    expect(page.locator("#conversation")).to_contain_text("Назначен инженер (Вера Второва)")
    assert Ticket.objects.get(pk=ticket.pk).assignee == colleague
    expect(page.locator("#history-link")).to_be_visible()

    def mailed():
        return smtp_server.to(colleague.email)

    page.wait_for_function("true")  # let the server thread finish its after-commit work
    for _ in range(50):
        if mailed():
            break
        page.wait_for_timeout(100)
    [message] = mailed()
    assert ticket.reference in str(message["Subject"])
    assert smtp_server.to(demo["customer"].email) == []


@pytest.fixture
def busy_queue(demo):
    """Long subjects, organisation names and engineer names: the widest rows the queue gets."""
    customer = demo["customer"]
    customer.organization.name = "Акционерное общество «Альфа Телеком Северо-Запад»"
    customer.organization.save()
    engineer = StaffUserFactory(full_name="Константин Константинопольский-Длинноименный")
    for i in range(12):
        ticket = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.CHANGE_REQUEST,
            subject=f"Очень длинная тема обращения про межоператорский роуминг № {i} " * 2,
            description="...",
        )  # fmt: skip
        lifecycle.assign(ticket, actor=demo["lead"], assignee=engineer)


def test_the_queue_fits_1366_px_with_the_filters_open(live_server, page, busy_queue):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in_to_the_console(page, live_server, "agent@proftiket.demo")
    page.goto(f"{live_server.url}/admin/tickets/ticket/?status=all")
    expect(page.locator("#changelist-filter")).to_be_visible()
    results = page.locator(".results")
    scroll, client = results.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client + SLACK, "the table scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366 + SLACK
    sla = page.locator("#result_list thead th.column-sla_left")
    assert sla.evaluate("e => e.getBoundingClientRect().right") <= 1366
    last = page.locator("#result_list thead th.column-last_activity")
    assert last.evaluate("e => e.getBoundingClientRect().right") <= 1366


@pytest.mark.parametrize("width", [1366, 1920, 390])
def test_the_workspace_fits_its_screen(live_server, page, demo, width):
    ticket = Ticket.objects.get(subject="Не работает личный кабинет абонента")
    agent = demo["agent"]
    lifecycle.add_note(ticket, actor=agent, body="Проверил журналы: ошибка 502 на балансировщике.")
    AttachmentFactory(ticket=ticket, comment=Comment.objects.filter(ticket=ticket).last())
    page.set_viewport_size({"width": width, "height": 900})
    log_in_to_the_console(page, live_server, "agent@proftiket.demo")
    page.goto(workspace(live_server, ticket))
    expect(page.locator("#conversation")).to_contain_text("ошибка 502")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + SLACK
    if directory := os.environ.get("SCREENSHOT_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/workspace-{width}.png", full_page=True)
