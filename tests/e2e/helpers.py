"""What the browser tests share besides fixtures (those are in conftest.py)."""

from proftiket.demo import DEMO_PASSWORD


def log_in(page, live_server, email, password=DEMO_PASSWORD):
    """Through the portal's login form, as a person would; waits for the page it leads to."""
    page.goto(f"{live_server.url}/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
