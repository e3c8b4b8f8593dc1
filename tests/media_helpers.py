"""Image files for the media tests, made with Pillow in memory."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
MODEL = 0x0110
BODY_SERIAL_NUMBER = 0xA431


def image_bytes(
    width: int = 2000, height: int = 1000, fmt: str = "JPEG", mode: str = "RGB", **save
) -> bytes:
    """A picture with some detail (a gradient), so encoders have something to compress."""
    picture = Image.linear_gradient("L").resize((width, height)).convert(mode)
    out = io.BytesIO()
    picture.save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo_with_location(width: int = 1200, height: int = 800, orientation: int = 6) -> bytes:
    """A JPEG carrying GPS coordinates, a camera model and serial, and a rotation."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MODEL] = "Secret Camera 9000"
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL_NUMBER] = "SERIAL-123456"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    return image_bytes(width, height, exif=exif.tobytes())


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pixel_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (10 gigapixels)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * 8))
        + _chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
PHP_SCRIPT = b"<?php system($_GET['cmd']); ?>\n"
