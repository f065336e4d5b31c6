"""What may be attached, and how an uploaded file becomes an Attachment."""

import hashlib
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

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


def content_type_for(name: str) -> str:
    """The content type we store and serve, decided by the extension (never by the client)."""
    suffix = PurePosixPath(name).suffix.lower()
    # Anything not on the list is opaque bytes: never text/html or image/svg+xml.
    return ALLOWED_EXTENSIONS.get(suffix, "application/octet-stream")


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


def validate_uploads(uploads) -> None:
    """Check the number of files of one message and each file."""
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("At most %(limit)d files can be attached to one message.")
            % {"limit": settings.ATTACHMENT_MAX_FILES},
            code="too_many_files",
        )
    errors = []
    for upload in uploads:
        try:
            validate_upload(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)


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
