"""Real file contents of every accepted kind, made on the spot (tests check content, not names)."""

import gzip
import io
import struct
import tarfile
import zipfile
import zlib
from pathlib import PurePosixPath

from PIL import Image

from tests.factories import TINY_PNG


def image_bytes(fmt: str, size=(2, 2)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def mpo_bytes() -> bytes:
    """A JPEG with a second image after the first (MPF), as phones write HDR photos."""
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (8, 8), (200, 30, 30)), Image.new("RGB", (8, 8), (0, 0, 0))
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sip.log", "INVITE sip:8800@pbx SIP/2.0\n")
    return buffer.getvalue()


def tar_gz_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"log line\n"
        info = tarfile.TarInfo("gateway.log")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


PCAP = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # a capture with no packets
PCAPNG = bytes.fromhex("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SEVEN_ZIP = b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24
# What a program looks like to anyone who reads more than its name.
WINDOWS_PROGRAM = b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" + bytes(200)
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + bytes(120)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def sample_content(name: str) -> bytes:
    """Genuine content for a file name (by its extension)."""
    lower = name.lower()
    if lower.endswith(".tar.gz"):
        return tar_gz_bytes()
    suffix = PurePosixPath(lower).suffix
    return {
        ".png": TINY_PNG,
        ".jpg": image_bytes("JPEG"),
        ".jpeg": image_bytes("JPEG"),
        ".gif": image_bytes("GIF"),
        ".webp": image_bytes("WEBP"),
        ".bmp": image_bytes("BMP"),
        ".pcap": PCAP,
        ".cap": PCAP,
        ".pcapng": PCAPNG,
        ".zip": zip_bytes(),
        ".gz": gzip.compress(b"log\n"),
        ".pdf": PDF,
        ".7z": SEVEN_ZIP,
    }.get(suffix, b"2026-12-01 10:00:00 INFO call set up\n")


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares this size, with (almost) no pixel data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))  # fmt: skip


def photo_bytes(fmt: str, side: int) -> bytes:
    """A real photo-like image (noise, which compresses poorly) of side×side pixels."""
    buffer = io.BytesIO()
    Image.effect_noise((side, side), 80).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def truncated_png() -> bytes:
    """A real 64×64 photo-like PNG cut off in the middle of its pixel data."""
    data = photo_bytes("PNG", 64)
    return data[: len(data) * 6 // 10]


def truncated_jpeg() -> bytes:
    """A real 128×128 photo-like JPEG cut off in the middle of its pixel data."""
    data = photo_bytes("JPEG", 128)
    return data[: len(data) * 6 // 10]


def damaged_png() -> bytes:
    """A real 64×64 PNG, whole in length, with one byte of its pixel data changed on the way
    (the chunk's checksum no longer matches)."""
    data = bytearray(photo_bytes("PNG", 64))
    pixels = data.index(b"IDAT") + 4
    data[pixels + 100] ^= 0xFF
    return bytes(data)
