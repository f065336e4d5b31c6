"""Attachments are judged by their content (tickets.attachments): a program, or a page or a
drawing under an image's name, is refused; an image that cannot be shown safely is a download;
one message, one request and one customer's day have limits."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ImageFile

from tests.factories import TINY_PNG, TicketFactory
from tests.tickets.samples import (
    HTML,
    LINUX_PROGRAM,
    SVG,
    WINDOWS_PROGRAM,
    damaged_png,
    image_bytes,
    mpo_bytes,
    png_declaring,
    sample_content,
    truncated_jpeg,
    truncated_png,
)
from tickets import lifecycle
from tickets.attachments import validate_upload
from tickets.models import Attachment, Ticket

NEW = reverse("tickets:new")


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(name, content) -> str:
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload(name, content))
    [message] = refused.value.messages
    return message


class TestContentMustFitTheName:
    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("logs.zip", WINDOWS_PROGRAM),
            ("logs.7z", LINUX_PROGRAM),
            ("trace.log", WINDOWS_PROGRAM),
            ("notes.txt", LINUX_PROGRAM),
            ("screenshot.png", WINDOWS_PROGRAM),
        ],
        ids=["exe-as-zip", "elf-as-7z", "exe-as-log", "elf-as-txt", "exe-as-png"],
    )
    def test_a_program_is_refused_under_any_name(self, name, content):
        assert f"{name} — это программа" in refusal(name, content)

    @pytest.mark.parametrize(
        ("name", "content", "kind"),
        [
            ("screenshot.png", HTML, "изображение"),
            ("photo.jpg", SVG, "изображение"),
            ("report.pdf", HTML, "PDF"),
            ("logs.zip", b"just some text\n", "архив"),
            ("capture.pcap", b"no capture here\n", "запись сетевого трафика"),
        ],
        ids=["html-as-png", "svg-as-jpg", "html-as-pdf", "text-as-zip", "text-as-pcap"],
    )
    def test_content_that_is_not_what_the_name_says_is_refused(self, name, content, kind):
        message = refusal(name, content)
        assert name in message
        assert kind in message

    @pytest.mark.parametrize(
        "name",
        ["a.png", "b.jpg", "c.jpeg", "d.gif", "e.webp", "f.bmp", "g.pdf", "h.zip", "i.tar.gz",
         "j.gz", "k.7z", "l.pcap", "m.pcapng", "n.cap", "o.log", "p.json"],
    )  # fmt: skip
    def test_genuine_files_of_every_kind_are_accepted(self, name):
        validate_upload(upload(name, sample_content(name)))

    def test_a_png_named_jpg_is_still_an_image(self):
        validate_upload(upload("photo.jpg", TINY_PNG))

    def test_html_in_a_text_file_is_accepted_it_is_only_ever_a_download(self):
        validate_upload(upload("page-source.txt", HTML))


@pytest.mark.django_db
class TestShownInlineOnlyWhenSafe:
    def stored(self, customer, name, content) -> Attachment:
        ticket = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject="Сбой", description="См. файл",
            files=[upload(name, content)],
        )  # fmt: skip
        return ticket.attachments.get()

    def test_a_real_screenshot_is_shown_inline(self, customer):
        assert self.stored(customer, "shot.png", TINY_PNG).content_type == "image/png"

    def test_an_image_declaring_20000_by_20000_pixels_is_accepted_as_a_download(
        self, customer, client
    ):
        content = png_declaring(20000, 20000)
        validate_upload(upload("huge.png", content))  # a valid header: not refused
        attachment = self.stored(customer, "huge.png", content)
        assert attachment.content_type == "application/octet-stream"
        client.force_login(customer)
        ticket = attachment.ticket
        url = reverse("tickets:attachment",
                      args=[ticket.reference, attachment.pk, attachment.original_name])  # fmt: skip
        response = client.get(url)
        assert response["Content-Disposition"].startswith("attachment;")
        b"".join(response.streaming_content)  # read to the end: closes the file

    def test_a_png_cut_short_is_a_download(self, customer):
        content = truncated_png()
        validate_upload(upload("cut.png", content))
        assert self.stored(customer, "cut.png", content).content_type == "application/octet-stream"

    def test_a_png_damaged_on_the_way_is_a_download(self, customer):
        content = damaged_png()
        validate_upload(upload("damaged.png", content))  # its header is fine: not refused
        assert self.stored(customer, "damaged.png", content).content_type == (
            "application/octet-stream"
        )

    @pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
    def test_a_screenshot_is_judged_without_decoding_its_pixels(self, customer, monkeypatch, fmt):
        # Decoding a 1366×768 screenshot cost ~7 ms of the web worker's CPU, a third of a
        # filing; its header and (PNG) chunks say what showing it needs.
        decoded = []
        monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
        content = image_bytes(fmt, size=(1366, 768))
        name = f"shot.{fmt.lower()}"
        assert self.stored(customer, name, content).content_type.startswith("image/")
        assert decoded == []

    def test_a_jpeg_cut_short_is_still_shown(self, customer):
        # Its header is whole: the browser draws the part that arrived (the pixels are not
        # decoded here, see served_content_type).
        assert self.stored(customer, "cut.jpg", truncated_jpeg()).content_type == "image/jpeg"

    def test_a_phone_photo_with_a_second_image_is_a_jpeg(self, customer):
        # An HDR gain map or depth map makes the file an MPO to Pillow; a browser shows the
        # first image, as of any JPEG.
        content = mpo_bytes()
        validate_upload(upload("photo.jpg", content))
        assert self.stored(customer, "photo.jpg", content).content_type == "image/jpeg"

    def test_an_image_over_the_pixel_setting_is_a_download(self, customer, settings):
        settings.ATTACHMENT_IMAGE_MAX_PIXELS = 3  # TINY_PNG is 2×2
        assert self.stored(customer, "shot.png", TINY_PNG).content_type == (
            "application/octet-stream"
        )

    def test_the_portal_shows_it_as_a_download_link(self, customer, client):
        attachment = self.stored(customer, "cut.png", truncated_png())
        client.force_login(customer)
        page = client.get(attachment.ticket.get_absolute_url()).content.decode()
        assert '/cut.png" download>cut.png</a>' in page


def post_reply(client, ticket, *files):
    return client.post(
        reverse("tickets:reply", args=[ticket.reference]), {"body": "Логи", "files": list(files)}
    )


def log(name="sip.log", size=10):
    return upload(name, b"x" * size)


@pytest.mark.django_db
class TestQuotas:
    def test_the_files_of_one_message_together_have_a_limit(self, client, customer, settings):
        settings.ATTACHMENT_MAX_MESSAGE_BYTES = 25
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        response = post_reply(client, ticket, log("a.log"), log("b.log"), log("c.log"))
        assert response.status_code == 400
        assert "одно сообщение может нести не больше 25\xa0байт" in response.content.decode()
        assert not ticket.comments.exists()

    def test_a_request_has_a_limit_on_its_files_however_many_messages(
        self, client, customer, settings
    ):
        # 150 files on one request were accepted, ten at a time.
        settings.ATTACHMENT_MAX_FILES_PER_TICKET = 3
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        assert post_reply(client, ticket, log("a.log"), log("b.log")).status_code == 302
        response = post_reply(client, ticket, log("c.log"), log("d.log"))
        assert response.status_code == 400
        assert "не больше 3 файлов; уже приложено 2" in response.content.decode()
        assert ticket.attachments.count() == 2
        assert post_reply(client, ticket, log("c.log")).status_code == 302

    def test_a_request_has_a_limit_on_its_total_size(self, client, customer, settings):
        settings.ATTACHMENT_MAX_BYTES_PER_TICKET = 15
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        assert post_reply(client, ticket, log(size=10)).status_code == 302
        assert post_reply(client, ticket, log(size=10)).status_code == 400

    def test_a_customer_has_a_daily_limit_across_requests(self, client, customer, settings):
        settings.ATTACHMENT_USER_DAILY_FILES = 3
        first, second = TicketFactory(requester=customer), TicketFactory(requester=customer)
        day = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(day, tick=False):
            client.force_login(customer)
            assert post_reply(client, first, log("a.log"), log("b.log")).status_code == 302
            response = post_reply(client, second, log("c.log"), log("d.log"))
            assert response.status_code == 400
            assert "сегодня вы уже приложили столько файлов" in response.content.decode().lower()
            # The refused message counted nothing: one more file still fits.
            assert post_reply(client, second, log("c.log")).status_code == 302
        with time_machine.travel(day + dt.timedelta(days=1, minutes=1), tick=False):
            client.force_login(customer)
            assert post_reply(client, second, log("d.log"), log("e.log")).status_code == 302

    def test_the_daily_limit_in_bytes_counts_the_last_24_hours(self, client, customer, settings):
        settings.ATTACHMENT_USER_DAILY_BYTES = 25
        ticket = TicketFactory(requester=customer)
        day = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(day, tick=False):
            client.force_login(customer)
            assert post_reply(client, ticket, log("a.log", size=20)).status_code == 302
        with time_machine.travel(day + dt.timedelta(hours=23, minutes=59), tick=False):
            client.force_login(customer)
            response = post_reply(client, ticket, log("b.log", size=10))
            assert response.status_code == 400
            assert "сегодня вы уже приложили столько файлов" in response.content.decode().lower()
            assert post_reply(client, ticket, log("b.log", size=5)).status_code == 302
        with time_machine.travel(day + dt.timedelta(days=1, seconds=1), tick=False):
            # The first 20 bytes left the window; the 5 of a minute ago are still in it.
            client.force_login(customer)
            assert post_reply(client, ticket, log("c.log", size=21)).status_code == 400
            assert post_reply(client, ticket, log("c.log", size=20)).status_code == 302
        assert ticket.attachments.count() == 3

    def test_support_staff_have_no_daily_limit(self, client, customer, agent, settings):
        settings.ATTACHMENT_USER_DAILY_FILES = 1
        ticket = TicketFactory(requester=customer)
        lifecycle.take(ticket, actor=agent)
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_compose", args=[ticket.pk])
        for name in ("a.log", "b.log"):
            data = {"mode": "note", "body": "Трассировка", "files": [log(name)]}
            assert client.post(url, data).status_code == 302
        assert ticket.attachments.count() == 2

    def test_a_form_with_another_error_counts_nothing(self, client, customer, settings):
        settings.ATTACHMENT_USER_DAILY_FILES = 1
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        url = reverse("tickets:reply", args=[ticket.reference])
        assert client.post(url, {"body": "", "files": [log()]}).status_code == 400
        assert post_reply(client, ticket, log()).status_code == 302
