"""tickets.attachments: which files are accepted, how they are typed, named and checksummed."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import TINY_PNG, TicketFactory
from tests.tickets.samples import sample_content
from tickets import attachments, lifecycle
from tickets.attachments import (
    INLINE_CONTENT_TYPES,
    checksum,
    content_type_for,
    safe_download_name,
    validate_upload,
    validate_uploads,
)
from tickets.models import Ticket


def upload(name: str, content: bytes = b"some bytes", content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def error_codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


@pytest.mark.parametrize(
    "name",
    [
        "screenshot.png",
        "photo.JPG",
        "capture.pcap",
        "capture.pcapng",
        "gateway.log",
        "logs.zip",
        "logs.tar.gz",
        "report.pdf",
        "config.yaml",
        "export.csv",
        "archive.7z",
        "setup.exe.png",
    ],
)
def test_files_support_needs_are_accepted(name):
    validate_upload(upload(name, sample_content(name)))


@pytest.mark.parametrize(
    "name",
    [
        "drawing.svg",
        "page.html",
        "page.HTM",
        "setup.exe",
        "script.js",
        "macro.docm",
        "run.bat",
        "run.sh",
        "shot.png.exe",
        "shot.png.html",
        "no-extension",
        ".htaccess",
    ],
)
def test_files_that_could_run_or_render_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload(name))

    assert error_codes(refused.value) == {"file_type"}


def test_the_refusal_names_the_file():
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("evil.svg"))

    assert "evil.svg" in refused.value.messages[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("empty.log", b""))

    assert error_codes(refused.value) == {"file_empty"}


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 10

    validate_upload(upload("fits.log", b"x" * 10))
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("big.log", b"x" * 11))

    assert error_codes(refused.value) == {"file_size"}
    assert "big.log" in refused.value.messages[0]


def test_more_files_than_allowed_on_one_message_are_refused(settings):
    settings.ATTACHMENT_MAX_FILES = 2

    validate_uploads([upload("a.log"), upload("b.log")])
    with pytest.raises(ValidationError) as refused:
        validate_uploads([upload("a.log"), upload("b.log"), upload("c.log")])

    assert error_codes(refused.value) == {"too_many_files"}


def test_every_bad_file_of_a_message_is_reported_at_once(settings):
    settings.ATTACHMENT_MAX_BYTES = 10

    with pytest.raises(ValidationError) as refused:
        validate_uploads(
            [upload("ok.log"), upload("a.svg"), upload("b.log", b""), upload("c.log", b"x" * 11)]
        )

    messages = refused.value.messages
    assert len(messages) == 3
    for name, message in zip(("a.svg", "b.log", "c.log"), messages, strict=True):
        assert name in message


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("screenshot.png", "image/png"),
        ("SCREENSHOT.PNG", "image/png"),
        ("photo.jpeg", "image/jpeg"),
        ("capture.pcap", "application/vnd.tcpdump.pcap"),
        ("gateway.log", "text/plain"),
        ("logs.zip", "application/zip"),
        ("report.pdf", "application/pdf"),
        ("setup.exe.png", "image/png"),
    ],
)
def test_the_content_type_follows_the_extension(name, content_type):
    assert content_type_for(name) == content_type


@pytest.mark.django_db
def test_a_stored_file_gets_its_type_from_the_extension_not_from_the_client(customer):
    # A browser (or an attacker) may claim any type: only the extension counts.
    content = TINY_PNG
    claimed_html = upload('C:\\Temp\\screen"shot.png', content, "text/html")
    ticket = TicketFactory(requester=customer, status=Ticket.Status.IN_PROGRESS)

    message = lifecycle.reply(ticket, actor=customer, body="See file", files=[claimed_html])

    [stored] = message.attachments.all()
    assert stored.content_type == "image/png"
    assert stored.original_name == "screenshot.png"
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert not stored.is_internal


def test_an_unknown_extension_is_served_as_a_plain_download():
    assert content_type_for("blob.unknownext") == "application/octet-stream"


def test_only_raster_images_are_ever_shown_inline():
    accepted_types = set(attachments.ALLOWED_EXTENSIONS.values())

    assert INLINE_CONTENT_TYPES.issubset(accepted_types)
    assert all(t.startswith("image/") and "svg" not in t for t in INLINE_CONTENT_TYPES)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/var/log/syslog.log", "syslog.log"),
        ("C:\\Users\\ivan\\Desktop\\trace.pcap", "trace.pcap"),
        ("..\\..\\boot.ini", "boot.ini"),
        ('say "hello".txt', "say hello.txt"),
        ("evil\r\nX-Injected: yes.txt", "evilX-Injected: yes.txt"),
        ("tab\there.log", "tabhere.log"),
        ("nul\x00byte.log", "nulbyte.log"),
        ("bell\x07.log", "bell.log"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # right-to-left override dropped
        ("отчёт за март.pdf", "отчёт за март.pdf"),
        ("", "attachment"),
        ("/", "attachment"),
        ('"\r\n"', "attachment"),
    ],
)
def test_a_download_name_has_no_path_quotes_or_control_characters(name, safe):
    assert safe_download_name(name) == safe


def test_the_checksum_is_the_sha256_of_the_whole_file_and_rewinds_it():
    content = bytes(range(256)) * 1024  # 256 KiB: more than one chunk
    file = upload("big.bin", content)

    assert checksum(file) == hashlib.sha256(content).hexdigest()
    assert file.read() == content


def test_the_checksum_of_a_small_file():
    assert checksum(upload("a.log", b"abc")) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
