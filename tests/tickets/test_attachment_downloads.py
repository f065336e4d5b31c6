"""Files only through the access-checked download view: never sniffed, never active inline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import TINY_PNG, TicketFactory
from tickets import lifecycle
from tickets.models import Attachment, Ticket

LOGIN = reverse("accounts:login")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name, data=TINY_PNG, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def file_request(customer, *files) -> Ticket:
    return lifecycle.create_ticket(
        requester=customer,
        type=Ticket.Type.INCIDENT,
        subject="Сбой",
        description="Подробности во вложениях.",
        files=files,
    )


def download_url(ticket, attachment) -> str:
    return reverse(
        "tickets:attachment",
        kwargs={
            "reference": ticket.reference,
            "attachment_id": attachment.pk,
            "filename": attachment.original_name,
        },
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def internal(customer, agent):
    """A request whose internal note carries a file, and that file."""
    ticket = file_request(customer)
    lifecycle.add_note(
        ticket, actor=agent, body="Трассировка вендора", files=[upload("vendor-trace.log", b"x")]
    )
    return ticket, ticket.attachments.get()


def test_customer_downloads_own_screenshot_inline_with_its_exact_bytes(client, customer):
    ticket = file_request(customer, upload("screen.png", content_type="image/png"))
    attachment = ticket.attachments.get()
    client.force_login(customer)
    response = client.get(download_url(ticket, attachment))
    assert response.status_code == 200
    assert body(response) == TINY_PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="screen.png"'
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        (
            "router.log",
            b"%LINK-3-UPDOWN: Interface ge-0/0/1, changed state to down\n",
            "text/plain",
        ),
        ("capture.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip"),
        ("invoice.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ("dump.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 20, "application/vnd.tcpdump.pcap"),
    ],
)
def test_other_files_are_downloads_typed_by_their_extension(
    client, customer, name, data, content_type
):
    # The client's claimed type is ignored: the extension decides.
    ticket = file_request(customer, upload(name, data, content_type="text/html"))
    attachment = ticket.attachments.get()
    client.force_login(customer)
    response = client.get(download_url(ticket, attachment))
    assert body(response) == data
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_cyrillic_file_name_survives_the_download(client, customer):
    ticket = file_request(customer, upload("Скриншот ошибки.png"))
    attachment = ticket.attachments.get()
    client.force_login(customer)
    response = client.get(download_url(ticket, attachment))
    assert response.status_code == 200
    assert "filename*=utf-8''%D0%A1%D0%BA%D1%80" in response["Content-Disposition"]


def test_customer_manager_downloads_a_colleagues_file(client, colleague, customer_manager):
    ticket = file_request(colleague, upload("screen.png"))
    client.force_login(customer_manager)
    assert client.get(download_url(ticket, ticket.attachments.get())).status_code == 200


@pytest.mark.parametrize("who", ["customer", "customer_manager"])
def test_internal_note_file_is_404_for_customers(client, request, internal, who):
    ticket, attachment = internal
    assert attachment.is_internal
    client.force_login(request.getfixturevalue(who))
    assert client.get(download_url(ticket, attachment)).status_code == 404


def test_internal_note_file_is_served_to_support(client, internal, agent):
    ticket, attachment = internal
    client.force_login(agent)
    response = client.get(download_url(ticket, attachment))
    assert response.status_code == 200
    assert body(response) == b"x"


@pytest.mark.parametrize("who", ["other_org_customer", "other_org_manager", "colleague"])
def test_file_is_404_for_someone_who_may_not_see_the_request(client, request, customer, who):
    ticket = file_request(customer, upload("screen.png"))
    client.force_login(request.getfixturevalue(who))
    assert client.get(download_url(ticket, ticket.attachments.get())).status_code == 404


def test_file_requested_under_another_request_is_404(client, customer):
    first = file_request(customer, upload("first.png"))
    second = file_request(customer, upload("second.png"))
    client.force_login(customer)
    assert client.get(download_url(second, first.attachments.get())).status_code == 404
    assert client.get(download_url(first, first.attachments.get())).status_code == 200


def test_unknown_file_or_request_is_404(client, customer):
    ticket = file_request(customer, upload("screen.png"))
    attachment = ticket.attachments.get()
    client.force_login(customer)
    assert client.get(f"/tickets/{ticket.reference}/files/999999/screen.png").status_code == 404
    assert client.get(f"/tickets/PT-999999/files/{attachment.pk}/screen.png").status_code == 404


def test_file_missing_from_storage_is_404_not_500(client, customer):
    ticket = file_request(customer, upload("screen.png"))
    attachment = ticket.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(customer)
    assert client.get(download_url(ticket, attachment)).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, customer):
    ticket = file_request(customer, upload("screen.png"))
    response = client.get(download_url(ticket, ticket.attachments.get()))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("name", ["evil.html", "evil.HTM", "evil.svg", "evil.png.html", "evil"])
def test_active_content_cannot_even_be_uploaded(client, customer, name):
    client.force_login(customer)
    evil = upload(name, b"<script>alert(document.cookie)</script>", content_type="image/png")
    response = client.post(
        reverse("tickets:new"),
        {"type": Ticket.Type.INCIDENT, "subject": "s", "description": "d", "files": [evil]},
    )
    assert response.status_code == 200
    assert "файлы такого типа не принимаются" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not Ticket.objects.exists()


def test_active_content_cannot_be_sent_in_a_reply_either(client, customer):
    ticket = TicketFactory(requester=customer)
    client.force_login(customer)
    evil = upload("evil.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client.post(
        reverse("tickets:reply", kwargs={"reference": ticket.reference}),
        {"body": "см. вложение", "files": [evil]},
    )
    assert response.status_code == 400
    assert "evil.html: файлы такого типа не принимаются" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not ticket.comments.exists()


def test_stored_content_type_comes_from_the_extension_not_the_client(client, customer):
    client.force_login(customer)
    disguised = upload("x.png", TINY_PNG, content_type="text/html")
    client.post(
        reverse("tickets:new"),
        {"type": Ticket.Type.INCIDENT, "subject": "s", "description": "d", "files": [disguised]},
    )
    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    assert attachment.content_type == "image/png"
    response = client.get(download_url(ticket, attachment))
    assert response["Content-Type"] == "image/png"
