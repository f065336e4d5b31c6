"""What a logged-in user gets is never cached: Cache-Control: private, no-store (one middleware)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import TINY_PNG
from tickets import lifecycle
from tickets.models import Ticket

PRIVATE = "private, no-store"


@pytest.fixture
def filed(customer):
    return lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.INCIDENT, subject="Сбой", description="Скриншот",
        files=[SimpleUploadedFile("shot.png", TINY_PNG)],
    )  # fmt: skip


@pytest.mark.django_db
class TestNothingPrivateIsCached:
    def test_portal_pages_of_a_logged_in_customer(self, client, customer, filed):
        client.force_login(customer)
        for url in (reverse("tickets:list"), filed.get_absolute_url(), reverse("tickets:new")):
            assert client.get(url)["Cache-Control"] == PRIVATE, url

    def test_an_attachment(self, client, customer, filed):
        # It was "private, max-age=3600": a shared computer's browser kept the file an hour.
        client.force_login(customer)
        attachment = filed.attachments.get()
        url = reverse("tickets:attachment",
                      args=[filed.reference, attachment.pk, attachment.original_name])  # fmt: skip
        response = client.get(url)
        b"".join(response.streaming_content)
        assert response["Cache-Control"] == PRIVATE

    def test_reports_and_their_csv(self, client, supervisor):
        client.force_login(supervisor)
        page = client.get(reverse("reports:overview"))
        assert page.status_code == 200 and page["Cache-Control"] == PRIVATE
        table = next(iter(page.context["report"].tables))
        csv = client.get(reverse("reports:overview"), {"format": "csv", "table": table})
        assert csv["Content-Type"].startswith("text/csv")
        b"".join(csv.streaming_content)
        assert csv["Cache-Control"] == PRIVATE

    def test_the_console(self, client, agent, filed):
        client.force_login(agent)
        response = client.get(reverse("admin:tickets_ticket_change", args=[filed.pk]))
        assert response["Cache-Control"] == PRIVATE

    def test_an_error_page_of_a_logged_in_user(self, client, customer):
        client.force_login(customer)
        assert client.get("/tickets/PT-999999/")["Cache-Control"] == PRIVATE

    def test_an_anonymous_answer_is_left_as_the_view_made_it(self, client, db):
        assert "Cache-Control" not in client.get(reverse("home"))
