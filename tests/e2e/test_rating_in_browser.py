"""Rating a closed request in a browser: from the e-mail's link (confirm, then recorded once),
on the request's page, and the supervisor's satisfaction report."""

import pytest

from tests.e2e.helpers import log_in
from tests.factories import TicketFactory
from tickets import lifecycle, satisfaction
from tickets.models import Rating, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_link_from_the_mail_asks_to_confirm_then_records_once(live_server, page, demo):
    ticket = Ticket.objects.get(subject="Добавить экспорт отчёта в XLSX")  # confirmed in the demo
    link = f"{live_server.url}/rate/{satisfaction.link_token(ticket)}/2/"

    page.goto(link)
    assert page.get_by_label("2 — плохо").is_checked()
    assert not Rating.objects.exists()  # opening the link records nothing
    page.get_by_label("Комментарий (необязательно)").fill("Ждали ответа два дня")
    page.get_by_role("button", name="Отправить оценку").click()
    assert page.locator("h1").inner_text() == "Спасибо за оценку!"
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.score, rating.comment) == (
        ticket.pk,
        2,
        "Ждали ответа два дня",
    )

    page.goto(link.replace("/2/", "/5/"))
    assert page.locator("h1").inner_text() == "Оценку сохранить нельзя"
    assert "уже оценено" in page.locator("#rating-refused").inner_text()

    log_in(page, live_server, "lead@proftiket.demo")
    page.goto(f"{live_server.url}/reports/satisfaction/")
    assert "Ждали ответа два дня" in page.locator("main").inner_text()


def test_the_closed_request_page_asks_its_requester(live_server, page, demo):
    ticket = TicketFactory(requester=demo["customer"], subject="Не работает IVR-меню")
    lifecycle.take(ticket, actor=demo["agent"])
    lifecycle.resolve(ticket, actor=demo["agent"], solution="Перезапустили IVR.")
    lifecycle.confirm(ticket, actor=demo["customer"])

    log_in(page, live_server, "client@alpha.demo")
    page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    prompt = page.locator("#rating")
    assert "Как мы справились?" in prompt.inner_text()
    prompt.get_by_label("4 — хорошо").check()
    prompt.get_by_role("button", name="Отправить оценку").click()
    assert page.locator("#rating-given").inner_text().startswith("Оценка: 4 из 5")
    assert not page.locator("#rating").count()
    assert Rating.objects.get(ticket=ticket).score == 4
