import pytest
from django.core.management import call_command

from proftiket.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_customer_logs_in_and_sees_the_portal_home_in_russian(live_server, page, settings):
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo")
    settings.DEBUG = False

    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Вход на портал поддержки"
    page.get_by_label("E-mail").fill("client@alpha.demo")
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()

    page.wait_for_url(f"{live_server.url}/tickets/")
    assert page.locator("h1").inner_text() == "Мои обращения"
    assert page.get_by_role("main").get_by_role("link", name="Новое обращение").is_visible()
    assert page.get_by_role("link", name="Анна Клиентова").is_visible()
    assert page.get_by_role("button", name="Выйти").is_visible()

    page.get_by_role("button", name="EN").click()
    assert page.locator("h1").inner_text() == "My requests"
