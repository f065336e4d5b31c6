"""Site-wide request hygiene (proftiket.middleware): no input reaches a view that would make it
fail, and every refusal is a page that says why."""

import socket

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import TicketFactory
from tickets import lifecycle
from tickets.models import Ticket

NEW = reverse("tickets:new")
BOUNDARY = "----proftiket-test-boundary"


def russian(text: str) -> str:
    with translation.override("ru"):
        return gettext(text)


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> bytes:
    """A browser-like multipart/form-data body (fields first, then files)."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, content in files:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


NEW_REQUEST = {
    "type": Ticket.Type.INCIDENT,
    "subject": "Не проходят звонки",
    "description": "С утра входящие сбрасываются.",
}
# A log big enough that a cut inside it leaves the fields before it intact.
LOG = b"2026-12-01 10:00:00 SIP/2.0 503 Service Unavailable\n" * 400


def post_body(client, path, body: bytes, **extra):
    return client.generic(
        "POST", path, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra
    )


@pytest.mark.django_db
class TestControlCharacters:
    def test_a_nul_byte_in_an_admin_list_filter_is_a_400_page(self, client, agent):
        # PostgreSQL refuses text with NUL: this was a 500.
        client.force_login(agent)
        response = client.get("/admin/tickets/ticket/?type__exact=%00")
        assert response.status_code == 400
        page = response.content.decode()
        assert russian("Bad request") in page
        assert "управляющие символы" in page

    @pytest.mark.parametrize(
        "query", ["q=%00", "q=a%01b", "status=%7F", "%00=1", "page=1%00"], ids=repr
    )
    def test_control_characters_in_any_query_parameter_are_refused(self, client, customer, query):
        client.force_login(customer)
        assert client.get(f"{reverse('tickets:list')}?{query}").status_code == 400

    def test_a_nul_byte_in_a_form_value_is_refused_and_nothing_is_saved(self, client, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        response = client.post(
            reverse("tickets:reply", args=[ticket.reference]), {"body": "Ответ\x00с NUL"}
        )
        assert response.status_code == 400
        assert not ticket.comments.exists()

    def test_line_breaks_and_tabs_in_typed_text_are_kept(self, client, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        text = "Строка 1\r\nСтрока 2\tс табуляцией"
        response = client.post(reverse("tickets:reply", args=[ticket.reference]), {"body": text})
        assert response.status_code == 302
        assert ticket.comments.get().body == text

    def test_a_nul_byte_in_the_session_cookie_is_refused(self, client, customer):
        client.cookies["sessionid"] = "abcdefgh\x00ijkl"
        assert client.get(reverse("tickets:list")).status_code == 400

    def test_the_refusal_is_in_english_for_an_english_visitor(self, client):
        response = client.get("/account/login/?next=%00", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "control characters" in response.content.decode()


@pytest.mark.django_db
class TestUnreadableBodies:
    def test_a_form_in_utf16_is_a_clean_400_even_with_the_csrf_check_on(self):
        # Before: the CSRF check raised, the 400 handler (which runs the CSRF check again)
        # raised too, and the WSGI server answered with its own bare 500.
        client = Client(enforce_csrf_checks=True)
        client.get(reverse("accounts:login"))  # an anonymous visitor with a CSRF cookie
        body = "username=a@b.test&password=x".encode("utf-16")
        response = client.generic(
            "POST",
            reverse("accounts:login"),
            body,
            content_type="application/x-www-form-urlencoded; charset=utf-16",
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert russian("Bad request") in page
        assert "Не удалось прочитать данные формы" in page

    def test_a_multipart_body_without_a_boundary_is_a_400(self, client, customer):
        client.force_login(customer)
        response = client.generic("POST", NEW, b"x", content_type="multipart/form-data")
        assert response.status_code == 400

    def test_too_many_files_in_one_body_is_a_400_that_says_so(self, client, customer, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
        client.force_login(customer)
        body = multipart(NEW_REQUEST, [("files", f"{n}.log", b"x") for n in range(4)])
        response = post_body(client, NEW, body)
        assert response.status_code == 400
        assert not Ticket.objects.exists()


@pytest.mark.django_db
class TestTruncatedUploads:
    def test_a_body_cut_inside_a_file_creates_nothing(self, client, customer):
        # Before: the fields were kept, the log silently dropped, and the request filed (302).
        client.force_login(customer)
        complete = multipart(NEW_REQUEST, [("files", "sip.log", LOG)])
        cut = complete[: len(complete) - len(LOG) // 2]
        response = post_body(client, NEW, cut)
        assert response.status_code == 400
        assert "Форма пришла не полностью" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_a_body_cut_inside_a_field_creates_nothing(self, client, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        complete = multipart({"body": "Полный текст ответа"}, [])
        response = post_body(client, reverse("tickets:reply", args=[ticket.reference]),
                             complete[: complete.index(b"\xd1\x82\xd0\xb5\xd0\xba")])  # fmt: skip
        assert response.status_code == 400
        assert not ticket.comments.exists()

    def test_the_complete_body_files_the_request_with_its_attachment(self, client, customer):
        client.force_login(customer)
        response = post_body(client, NEW, multipart(NEW_REQUEST, [("files", "sip.log", LOG)]))
        assert response.status_code == 302
        assert Ticket.objects.get().attachments.get().size == len(LOG)


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_during_an_upload_files_nothing_on_the_live_server(
    live_server, customer
):
    """A raw HTTP client announces the whole body, sends half of it and stops sending."""
    client = Client()
    client.force_login(customer)
    session = client.cookies["sessionid"].value
    token = "a" * 32
    complete = multipart({**NEW_REQUEST, "csrfmiddlewaretoken": token}, [("files", "sip.log", LOG)])
    host, port = live_server.thread.host, live_server.thread.port
    head = (
        f"POST {NEW} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Cookie: sessionid={session}; csrftoken={token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(complete)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(head.encode() + complete[: len(complete) - len(LOG) // 2])
        conn.shutdown(socket.SHUT_WR)  # the upload stops here: the connection is dropped
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert not Ticket.objects.exists()


@pytest.mark.django_db
class TestSizeAndMethod:
    def test_a_declared_size_over_the_limit_is_refused_before_reading(
        self, client, customer, settings
    ):
        client.force_login(customer)
        # The body is tiny: only the declared length is over the limit, so it was not read.
        response = post_body(client, NEW, b"", CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1))
        assert response.status_code == 413
        assert russian("Too large to send") in response.content.decode()

    def test_a_form_without_files_over_djangos_memory_limit_is_a_413(
        self, client, customer, settings
    ):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        response = client.post(
            reverse("tickets:reply", args=[ticket.reference]), {"body": "ы" * 2000}
        )
        assert response.status_code == 413

    @pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE", "PATCH", "CONNECT"])
    def test_methods_the_site_never_takes_are_a_405(self, client, customer, method):
        client.force_login(customer)
        response = client.generic(method, reverse("tickets:list"))
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, POST"

    def test_an_action_refused_later_still_works_normally(self, client, customer, agent):
        # The middleware does not get in the way of a normal form with a file.
        ticket = TicketFactory(requester=customer)
        lifecycle.take(ticket, actor=agent)
        client.force_login(customer)
        body = multipart({"body": "Вот лог"}, [("files", "sip.log", LOG)])
        response = post_body(client, reverse("tickets:reply", args=[ticket.reference]), body)
        assert response.status_code == 302
        assert ticket.attachments.get().original_name == "sip.log"
