"""docs/api_client.py against a running server: files a request with a screenshot, follows it."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.tickets.samples import image_bytes
from tickets import lifecycle
from tickets.models import Attachment, Ticket

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_the_example_client_files_with_a_screenshot_and_sees_the_answer(
    live_server, make_token, customer, agent, tmp_path
):
    if connection.vendor == "sqlite":
        # The test's thread and the server's share an in-memory SQLite database whose table
        # locks refuse the concurrent reads and writes; PostgreSQL runs it.
        pytest.skip("needs a database that serves the server and a thread of the test at once")
    shot = tmp_path / "alarm.png"
    shot.write_bytes(image_bytes("PNG"))
    env = {
        **os.environ,
        "PROFTIKET_URL": live_server.url,
        "PROFTIKET_TOKEN": make_token(customer),
        "PROFTIKET_FOLLOW_SECONDS": "60",
        "PROFTIKET_POLL_SECONDS": "0.3",
    }

    def answer_when_filed():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Ticket.objects.exists():
            time.sleep(0.1)
        ticket = Ticket.objects.first()
        if ticket:
            lifecycle.reply(ticket, actor=agent, body="We see the alarm, an engineer is on it.")
        connection.close()

    support = threading.Thread(target=answer_when_filed)
    support.start()
    run = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "docs" / "api_client.py"), str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    support.join()
    assert run.returncode == 0, run.stderr
    ticket = Ticket.objects.get()
    assert f"Filed {ticket.reference}" in run.stdout
    assert "We see the alarm" in run.stdout
    assert Attachment.objects.get(ticket=ticket).original_name == "alarm.png"
