"""Browser tests: Playwright driving Debian's Chromium against Django's live server."""

import os
import shutil

import pytest
from django.core.management import call_command

from accounts.models import User

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or os.environ.get("E2E_REQUIRED"):
        return  # in CI a missing browser must fail loudly, not skip
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture
def page(page):
    """The browser page; at the end no request of it may reach the server any more (the
    console's presence beat, the beacon sent on leaving), or it would race the test database's
    teardown."""
    yield page
    page.context.route("**/*", lambda route: route.abort())
    page.goto("about:blank")


@pytest.fixture
def demo(settings):
    """The demo data of `make run`, and its people the browser tests act as."""
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo")
    settings.DEBUG = False
    return {
        "agent": User.objects.get(email="agent@proftiket.demo"),
        "lead": User.objects.get(email="lead@proftiket.demo"),
        "customer": User.objects.get(email="client@alpha.demo"),
    }
