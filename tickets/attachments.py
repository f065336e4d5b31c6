"""What may be attached, and how an uploaded file becomes an Attachment.

A file is accepted by its name and by its content: an image must be an image Pillow can read,
an archive, a PDF or a packet capture must be one (puremagic), and no program is accepted under
any name. An image is shown in the browser only if its header declares at most
ATTACHMENT_IMAGE_MAX_PIXELS and, for a PNG, every chunk is whole; otherwise it is stored as a
download.
"""

import hashlib
import warnings
from datetime import datetime, timedelta
from functools import cache
from pathlib import PurePosixPath

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from tickets.models import Attachment

# Kinds support needs: screenshots, documents, logs, archives, packet captures.
ALLOWED_EXTENSIONS = {
    # images
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".bmp": "image/bmp",
    # documents
    ".pdf": "application/pdf",
    # text and logs
    ".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv", ".json": "application/json",
    ".xml": "application/xml", ".conf": "text/plain", ".cfg": "text/plain", ".ini": "text/plain",
    ".yaml": "text/plain", ".yml": "text/plain",
    # archives
    ".zip": "application/zip", ".gz": "application/gzip", ".tgz": "application/gzip",
    ".tar": "application/x-tar", ".7z": "application/x-7z-compressed",
    ".rar": "application/vnd.rar", ".bz2": "application/x-bzip2", ".xz": "application/x-xz",
    # packet captures
    ".pcap": "application/vnd.tcpdump.pcap", ".pcapng": "application/vnd.tcpdump.pcap",
    ".cap": "application/vnd.tcpdump.pcap",
}  # fmt: skip

# Served inline (shown in the browser); everything else is a download. Never SVG or HTML:
# a script inside them would run on our origin.
INLINE_CONTENT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}


# How much of a file is read to recognise its kind (tar's marker is at byte 257).
SNIFF_BYTES = 8192
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"}
# As Pillow names them. MPO is a JPEG carrying further images (a phone photo with an HDR gain
# map or a depth map): every browser shows its first, and Pillow names the whole file MPO.
IMAGE_FORMATS = {"PNG", "JPEG", "MPO", "GIF", "WEBP", "BMP"}
# What puremagic must recognise in a file with this extension (among the extensions it reports).
EXPECTED_CONTENT = {
    ".pdf": {".pdf"}, ".zip": {".zip"}, ".gz": {".gz"}, ".tgz": {".gz"}, ".tar": {".tar"},
    ".7z": {".7z"}, ".rar": {".rar"}, ".bz2": {".bz2"}, ".xz": {".xz"},
}  # fmt: skip
# Packet captures: puremagic names pcap without an extension, so the magic numbers are ours.
CAPTURE_EXTENSIONS = {".pcap", ".pcapng", ".cap"}
CAPTURE_MAGICS = {bytes.fromhex(magic) for magic in
                  ("a1b2c3d4", "d4c3b2a1", "a1b23c4d", "4d3cb2a1", "0a0d0d0a")}  # fmt: skip
EXECUTABLE_TYPES = {
    "application/vnd.microsoft.portable-executable", "application/x-msdownload",
    "application/x-dosexec", "application/x-executable", "application/x-mach-binary",
    "application/x-sharedlib",
}  # fmt: skip


def content_type_for(name: str) -> str:
    """The content type we store and serve, decided by the extension (never by the client)."""
    suffix = PurePosixPath(name).suffix.lower()
    # Anything not on the list is opaque bytes: never text/html or image/svg+xml.
    return ALLOWED_EXTENSIONS.get(suffix, "application/octet-stream")


def _head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def _recognised(head: bytes) -> list:
    try:
        return puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return []  # nothing puremagic knows: plain text, or an unknown binary


def _is_program(matches) -> bool:
    return any(
        match.mime_type in EXECUTABLE_TYPES
        or "executable" in match.name.lower()
        or "mach-o" in match.name.lower()
        for match in matches
    )


def _image_format(upload) -> str | None:
    """The format Pillow reads in the file's header, or None if it is not an image."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                return image.format
    except Image.DecompressionBombError:
        return "OVERSIZED"  # an image header, declaring too many pixels to ever show
    except Exception:  # any failure of the decoder on untrusted bytes: not an image
        return None
    finally:
        upload.seek(0)


def _expected_kind(suffix: str) -> str:
    if suffix in IMAGE_EXTENSIONS:
        return _("an image")
    if suffix == ".pdf":
        return _("a PDF document")
    if suffix in CAPTURE_EXTENSIONS:
        return _("a packet capture")
    return _("an archive of this type")


def content_problem(upload, suffix: str) -> str | None:
    """Why the file's content does not fit its name (a message), or None if it does."""
    if suffix in IMAGE_EXTENSIONS and _image_format(upload) in IMAGE_FORMATS | {"OVERSIZED"}:
        # Pillow read an image header at the first byte, where a program's own marker (MZ, ELF,
        # Mach-O) would have to be: it is not a program, and puremagic's ~0.3 ms scan of its
        # signatures (the most common attachment is a screenshot) can be skipped.
        return None
    head = _head(upload)
    matches = _recognised(head)
    name = upload.name
    if _is_program(matches):
        return _("%(name)s is a program: programs are not accepted under any name.") % {
            "name": name
        }
    if suffix in IMAGE_EXTENSIONS:
        fits = _image_format(upload) in IMAGE_FORMATS | {"OVERSIZED"}
    elif suffix in EXPECTED_CONTENT:
        fits = bool(EXPECTED_CONTENT[suffix] & {match.extension.lower() for match in matches})
    elif suffix in CAPTURE_EXTENSIONS:
        fits = head[:4] in CAPTURE_MAGICS
    else:
        fits = True  # text and logs: anything but a program
    if fits:
        return None
    return _(
        "%(name)s: its content is not %(kind)s, as its name says. Check the file, or send it "
        "in a ZIP archive."
    ) % {"name": name, "kind": _expected_kind(suffix)}


def served_content_type(file, declared: str) -> str:
    """The content type to store: an image that could not be shown safely becomes a download.

    Shown inline means drawn by the browser of everyone who opens the request. Checked here:
    the size its header declares, within ATTACHMENT_IMAGE_MAX_PIXELS (a small file declaring
    20000×20000 pixels makes every browser that shows it allocate gigabytes); and for a PNG,
    the screenshot format, every chunk's checksum up to its end marker, which catches a file
    cut short or damaged on the way.

    Not checked: that the compressed pixel data decodes. That took a full decode in the web
    worker, ~7 ms of CPU for a 1366×768 screenshot (a third of a filing) and ~0.5 s and 100 MB
    for an image at the limit, up to ten a message. A file whose pixel data is broken (a JPEG,
    GIF or BMP cut short; a PNG written with valid checksums around broken data) is shown as
    a partly drawn or broken picture. Decoding here was no defence against a file crafted for
    a browser decoder's bug either: such a file is made to be decoded, up to the bug.
    """
    if declared not in INLINE_CONTENT_TYPES:
        return declared
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                if width * height > settings.ATTACHMENT_IMAGE_MAX_PIXELS:
                    return "application/octet-stream"
                image.verify()  # PNG: every chunk's checksum; the other formats: nothing more
    except Exception:  # any failure to read untrusted bytes: not shown inline
        return "application/octet-stream"
    finally:
        file.seek(0)
    return declared


def validate_upload(upload) -> None:
    """Raise ValidationError naming the file when it is too large, empty or of a refused kind."""
    name = upload.name or ""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _(
                "%(name)s: files of this kind are not accepted. Allowed: images, PDF, text and "
                "logs, archives, packet captures."
            )
            % {"name": name},
            code="file_type",
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="file_empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s a file.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
            code="file_size",
        )
    if problem := content_problem(upload, suffix):
        raise ValidationError(problem, code="file_content")


def validate_uploads(uploads) -> None:
    """Check the number and total size of the files of one message, and each file."""
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("At most %(limit)d files can be attached to one message.")
            % {"limit": settings.ATTACHMENT_MAX_FILES},
            code="too_many_files",
        )
    total = sum(upload.size for upload in uploads)
    if total > settings.ATTACHMENT_MAX_MESSAGE_BYTES:
        raise ValidationError(
            _("Together the files are %(size)s; one message can carry at most %(limit)s.")
            % {
                "size": filesizeformat(total),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_MESSAGE_BYTES),
            },
            code="message_size",
        )
    errors = []
    for upload in uploads:
        try:
            validate_upload(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)


# The customer's daily allowance is counted over the last 24 hours.
USER_DAY = timedelta(days=1)


def check_quotas(uploads, *, uploader, ticket=None) -> None:
    """Refuse files beyond what one request, or one customer in a day, may carry.

    Per request (the ticket): ATTACHMENT_MAX_FILES_PER_TICKET files and
    ATTACHMENT_MAX_BYTES_PER_TICKET bytes in all. Per customer: ATTACHMENT_USER_DAILY_FILES
    files and ATTACHMENT_USER_DAILY_BYTES bytes within the last 24 hours (support staff are not
    limited per day), counted from the files they have attached, so a refused form or a
    failed filing counts nothing. One indexed read (attachment_uploader_created): it was a
    counter in the shared cache, which on the database cache cost five queries and a commit
    of its own on every upload. Uploads of one customer at the same moment may both pass:
    the limit can be exceeded by the files of a few concurrent requests, never by more.
    """
    count, size = len(uploads), sum(upload.size for upload in uploads)
    if ticket is not None and ticket.pk:
        _check_ticket_quota(ticket, count, size)
    if uploader.is_staff:
        return
    used_files, used_bytes = _stored("uploaded_by", uploader.pk, since=timezone.now() - USER_DAY)
    if (
        used_files + count > settings.ATTACHMENT_USER_DAILY_FILES
        or used_bytes + size > settings.ATTACHMENT_USER_DAILY_BYTES
    ):
        raise ValidationError(
            _(
                "You have attached as many files today as one person may (%(count)d files, "
                "%(size)s). Send the message without them, or try again tomorrow."
            )
            % {
                "count": settings.ATTACHMENT_USER_DAILY_FILES,
                "size": filesizeformat(settings.ATTACHMENT_USER_DAILY_BYTES),
            },
            code="user_quota",
        )


def _check_ticket_quota(ticket, count: int, size: int) -> None:
    stored_files, stored_bytes = _stored("ticket", ticket.pk)
    files_limit = settings.ATTACHMENT_MAX_FILES_PER_TICKET
    if stored_files + count > files_limit:
        raise ValidationError(
            ngettext(
                "A request can have at most %(limit)d file; %(count)d are attached already.",
                "A request can have at most %(limit)d files; %(count)d are attached already.",
                files_limit,
            )
            % {"limit": files_limit, "count": stored_files},
            code="ticket_files",
        )
    if stored_bytes + size > settings.ATTACHMENT_MAX_BYTES_PER_TICKET:
        raise ValidationError(
            _("A request can carry at most %(limit)s of files; %(size)s are attached already.")
            % {
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES_PER_TICKET),
                "size": filesizeformat(stored_bytes),
            },
            code="ticket_size",
        )


def _stored(owner: str, owner_id: int, *, since: datetime | None = None) -> tuple[int, int]:
    """How many files, and how many bytes, are stored for this request ("ticket") or from this
    uploader ("uploaded_by"), created after `since` if given.

    Asked on every upload. One statement whose text is built once per process: the ORM's
    aggregate took ~0.45 ms of Python a call to build and compile (0.5 ms against 0.1 ms
    measured in-process). Each form reads one index (attachment_ticket,
    attachment_uploader_created) and the rows it finds, at most a daily allowance's worth.
    """
    connection = connections[router.db_for_read(Attachment)]
    params = [owner_id]
    if since is not None:
        params.append(connection.ops.adapt_datetimefield_value(since))
    with connection.cursor() as cursor:
        cursor.execute(_stored_statement(connection.alias, owner, since is not None), params)
        files, size = cursor.fetchone()
    return files, int(size)


@cache
def _stored_statement(alias: str, owner: str, with_since: bool) -> str:
    q = connections[alias].ops.quote_name
    meta = Attachment._meta
    column = {name: q(meta.get_field(name).column) for name in (owner, "size", "created_at")}
    sql = (
        f"SELECT COUNT(*), COALESCE(SUM({column['size']}), 0) FROM {q(meta.db_table)}"  # noqa: S608  (model names only)
        f" WHERE {column[owner]} = %s"
    )
    return sql + f" AND {column['created_at']} > %s" if with_since else sql


def browser_checks() -> dict:
    """Data attributes for static/js/attachments.js: the limits it checks before sending, the
    texts of its refusals (the server's own, %(name)s etc. filled in by the script) and the
    time zone pasted screenshots are named in."""
    count = settings.ATTACHMENT_MAX_FILES
    return {
        "data-max-file-bytes": settings.ATTACHMENT_MAX_BYTES,
        "data-max-files": count,
        "data-max-total-bytes": settings.ATTACHMENT_MAX_MESSAGE_BYTES,
        "data-time-zone": timezone.get_current_timezone_name(),
        "data-text-remove": _("Remove %(name)s"),
        "data-text-too-large": _(
            "%(name)s is too large (%(size)s); the limit is %(limit)s a file."
        ),
        "data-text-too-many": _("At most %(limit)d files can be attached to one message.")
        % {"limit": count},
        "data-text-too-much": _(
            "Together the files are %(size)s; one message can carry at most %(limit)s."
        ),
        "data-text-summary": _("Nothing has been sent yet. Please check:"),
    }


def checksum(upload) -> str:
    """SHA-256 of an uploaded file, read in chunks."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def safe_download_name(name: str) -> str:
    """The original name without path parts or control characters, for Content-Disposition."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"')
    return cleaned or "attachment"
