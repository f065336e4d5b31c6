"""One raw message → what the intake needs: sender, threading headers, text, files, noise.

Everything here reads untrusted bytes: no header or part may raise. Charsets follow the
message (KOI8-R, Windows-1251, UTF-8; base64 or quoted-printable); an unknown one falls back
to Windows-1251, the commonest legacy charset of Russian mail.
"""

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings

from tickets.mail_intake import cleaning, thread_ids

NOISE_OWN = "own"
NOISE_BOUNCE = "bounce"
NOISE_AUTO = "auto_reply"
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
_LIST_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


@dataclass
class File:
    name: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMail:
    raw: bytes
    message_id: str
    sender: str  # lower-case address, "" if none could be read
    sender_name: str
    subject: str
    in_reply_to: str
    references: str
    recipients: list[str]
    text: str  # the newest part: quoted history and signature stripped
    files: list[File] = field(default_factory=list)
    noise: str = ""  # NOISE_*: never answered, nothing added

    @property
    def thread_headers(self) -> str:
        return f"{self.in_reply_to} {self.references}"


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else ""
    except Exception:  # a malformed header: as if absent
        return ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    try:
        addresses = message["From"].addresses
    except Exception:  # a malformed From: the plain parser below
        addresses = ()
    if addresses:
        return addresses[0].addr_spec.strip().lower(), addresses[0].display_name
    name, address = parseaddr(_header(message, "From"))
    return address.strip().lower(), name


def _recipients(message: EmailMessage) -> list[str]:
    values = [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    return [address.lower() for _name, address in getaddresses(values) if address]


def _content(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        # An unknown or lying charset: the bytes as Windows-1251 (never raises).
        content = (part.get_payload(decode=True) or b"").decode("cp1251", "replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _body(message: EmailMessage):
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:  # a broken MIME tree: no body rather than an error
        return None


def _text(body) -> str:
    if body is None:
        return ""
    content = _content(body)
    if body.get_content_type() == "text/html":
        return cleaning.html_to_text(content)
    return cleaning.normalise(content)


def _files(message: EmailMessage, body) -> list[File]:
    files = []
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart() or part is body:
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        try:
            name = part.get_filename() or ""
        except Exception:  # an undecodable file name
            name = ""
        if content_type in ("text/plain", "text/html") and not name and disposition != "attachment":
            continue  # the other alternative of the body, or a text part of a report
        inline = disposition != "attachment" and content_type.startswith("image/")
        if not name:
            stem = "image" if inline else "attachment"
            name = f"{stem}-{number}{mimetypes.guess_extension(content_type) or '.bin'}"
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:  # undecodable transfer encoding
            data = b""
        files.append(File(name=name, content_type=content_type, data=data, inline=inline))
    return files


def _noise(message: EmailMessage, *, message_id: str, sender: str) -> str:
    """Why this message must be neither answered nor added, or ""."""
    own = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    if thread_ids.is_ours(message_id) or (own and sender == own):
        return NOISE_OWN
    report = message.get_content_type() == "multipart/report"
    if (
        report
        or _BOUNCE_SENDERS.match(sender or "")
        or _header(message, "X-Failed-Recipients")
        or _header(message, "Return-Path") == "<>"
    ):
        return NOISE_BOUNCE
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if (
        (auto_submitted and auto_submitted != "no")
        or _header(message, "Precedence").lower() in _LIST_PRECEDENCE
        or _header(message, "X-Autoreply")
        or _header(message, "X-Autorespond")
        or _header(message, "List-Id")
    ):
        return NOISE_AUTO
    return ""


def parse(raw: bytes) -> ParsedMail:
    """Read one message (never raises on a malformed one)."""
    message = message_from_bytes(raw, policy=policy.default)
    message_id = _header(message, "Message-ID")
    if not message_id:
        # Without an ID the same bytes are still recognised as the same message.
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"
    sender, sender_name = _sender(message)
    body = _body(message)
    return ParsedMail(
        raw=raw,
        message_id=message_id[:998],
        sender=sender,
        sender_name=sender_name,
        subject=_header(message, "Subject")[:1000],
        in_reply_to=_header(message, "In-Reply-To"),
        references=_header(message, "References"),
        recipients=_recipients(message),
        text=cleaning.reply_text(_text(body)),
        files=_files(message, body),
        noise=_noise(message, message_id=message_id, sender=sender),
    )
