"""What an upload must be to enter the library, and the renditions made of it.

An upload is an image only if Pillow decodes it as one of ``ACCEPTED_FORMATS``; its name and
declared type are never trusted. What is stored is re-encoded from the decoded pixels, turned
upright first, so no metadata of the upload (EXIF, GPS, camera serial, XMP, comments) and no
bytes smuggled after the pixels are ever served. Stored names come from the content hash.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError, features

from blog.media.models import Image

# Pillow's format names. Others Pillow can read (TIFF, BMP, ICO, PSD, EPS through Ghostscript
# ...) are refused: no browser shows most of them, and each decoder is more attack surface.
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF")
ACCEPTED_NAMES = "JPEG, PNG, GIF, WebP or AVIF"
RENDITION_WIDTHS = (480, 960, 1600)
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif"}
# Encoder settings: photographs look the same to a reader at these qualities, at a fraction of
# the bytes. AVIF's speed trades compression for upload time (0 slowest, 10 fastest).
ENCODER_OPTIONS = {
    "jpeg": {"quality": 82, "progressive": True},
    "png": {"compress_level": 6},
    "webp": {"quality": 80, "method": 4},
    "avif": {"quality": 60, "speed": 8},
}
# Pillow refuses (DecompressionBombError) images over twice its limit and only warns above it;
# the library refuses everything over MEDIA_MAX_PIXELS, and Pillow's own check backs it up.
PILImage.MAX_IMAGE_PIXELS = settings.MEDIA_MAX_PIXELS


class ImageRejected(ValueError):
    """An upload that is not accepted, with a message naming the file and the reason."""


def modern_formats() -> tuple[str, ...]:
    """The formats renditions are made in besides the fallback, best first."""
    return ("avif", "webp") if features.check("avif") else ("webp",)


@dataclass(frozen=True)
class Decoded:
    image: PILImage.Image  # upright, no metadata left in ``info``
    fallback: str  # "jpeg" or "png": the format every browser shows
    icc_profile: bytes | None  # colours, not a privacy matter: kept so they stay right


def decode(data: bytes, name: str) -> Decoded:
    """Decode ``data`` as an accepted image, upright and without metadata, or refuse it."""
    limit = settings.MEDIA_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            picture = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            if picture.width * picture.height > limit:
                raise ImageRejected(
                    f"{name}: the image is {picture.width:,} × {picture.height:,} pixels; "
                    f"the limit is {limit:,} pixels (MEDIA_MAX_PIXELS)."
                )
            picture.load()  # the whole image: a truncated or corrupt file fails here
    except ImageRejected:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageRejected(
            f"{name}: the image has more pixels than the limit of {limit:,} (MEDIA_MAX_PIXELS)."
        ) from None
    except UnidentifiedImageError:
        head = data[:1024].lstrip().lower()
        if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
            raise ImageRejected(
                f"{name}: SVG images are not accepted (an SVG file can carry scripts). "
                f"Upload a {ACCEPTED_NAMES} image instead."
            ) from None
        raise ImageRejected(
            f"{name} is not an image this site accepts: it must be a {ACCEPTED_NAMES} file."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"{name}: the image is damaged and cannot be read ({error}).") from None
    source_format = picture.format
    has_alpha = picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    icc_profile = picture.info.get("icc_profile")
    # Animated images keep their first frame: renditions are still images.
    upright = ImageOps.exif_transpose(picture)
    upright = upright.convert("RGBA" if has_alpha else "RGB")
    upright.info = {}
    fallback = "png" if has_alpha or source_format in ("PNG", "GIF") else "jpeg"
    return Decoded(upright, fallback, icc_profile)


def encode(picture: PILImage.Image, fmt: str, icc_profile: bytes | None) -> bytes:
    out = io.BytesIO()
    options = dict(ENCODER_OPTIONS[fmt])
    if icc_profile:
        options["icc_profile"] = icc_profile
    picture.save(out, format=fmt.upper(), **options)
    return out.getvalue()


def stored_name(digest: str, fmt: str, width: int | None = None) -> str:
    """``images/ab/<sha256>[-<width>].<ext>``: from the content hash, never the upload's name."""
    suffix = f"-{width}" if width else ""
    return f"images/{digest[:2]}/{digest}{suffix}.{EXTENSIONS[fmt]}"


def make_files(decoded: Decoded, digest: str) -> tuple[str, bytes, list[dict], list[bytes]]:
    """The full-size file and the renditions of ``decoded``, as (name, bytes) to store.

    Widths are ``RENDITION_WIDTHS`` below the image's own, plus its own width capped at the
    largest; never upscaled. Each width comes in ``modern_formats()`` and the fallback.
    """
    original_name = stored_name(digest, decoded.fallback)
    # Pillow's encoders release the GIL, so the files are encoded in threads, one per core;
    # a pool per image, so no thread outlives it (the importer forks its workers between).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return _make_files(decoded, digest, original_name, pool)


def _make_files(
    decoded: Decoded, digest: str, original_name: str, pool: ThreadPoolExecutor
) -> tuple[str, bytes, list[dict], list[bytes]]:
    image, fallback = decoded.image, decoded.fallback
    original = pool.submit(encode, image, fallback, decoded.icc_profile)
    widths = sorted(
        {w for w in RENDITION_WIDTHS if w < image.width} | {min(image.width, max(RENDITION_WIDTHS))}
    )
    renditions: list[dict] = []
    blobs: list[Future | bytes] = []
    current = image
    for width in reversed(widths):  # largest first, each resized from the one before
        height = max(1, round(image.height * width / image.width))
        if width != current.width:
            current = current.resize((width, height), PILImage.Resampling.LANCZOS)
        for fmt in (*modern_formats(), fallback):
            if fmt == fallback and width == image.width:
                # The full-size file already is this rendition.
                renditions.append(
                    {"format": fmt, "width": width, "height": height, "name": original_name}
                )
                blobs.append(b"")
                continue
            renditions.append(
                {
                    "format": fmt,
                    "width": width,
                    "height": height,
                    "name": stored_name(digest, fmt, width),
                }
            )
            blobs.append(pool.submit(encode, current, fmt, decoded.icc_profile))
    renditions.reverse()
    blobs.reverse()
    files = [blob.result() if isinstance(blob, Future) else blob for blob in blobs]
    return original_name, original.result(), renditions, files


def megabytes(size: int) -> str:
    """``size`` in MiB as people write it: 20971520 is "20 MB", not "21 MB"."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"


def read_upload(upload, name: str) -> bytes:
    """The upload's bytes, refused past MEDIA_MAX_UPLOAD_BYTES before reading them all."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ImageRejected(
            f"{name}: the file is {megabytes(size)}; the limit is {megabytes(limit)} "
            "(MEDIA_MAX_UPLOAD_BYTES)."
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImageRejected(
            f"{name}: the file is over the limit of {megabytes(limit)} (MEDIA_MAX_UPLOAD_BYTES)."
        )
    return data


def store_upload(
    upload, *, alt_text: str = "", caption: str = "", credit: str = "", user=None
) -> tuple[Image, bool]:
    """Add an uploaded file to the library: ``(image, created)``, or raise ``ImageRejected``.

    A file whose bytes are already in the library is not stored again: its image is returned
    with ``created`` False (and gets ``alt_text`` if it had none).
    """
    name = os.path.basename(getattr(upload, "name", "") or "upload")
    data = read_upload(upload, name)
    digest = hashlib.sha256(data).hexdigest()
    # A file written out by export_posts is the library's own copy: the same image.
    existing = Image.objects.filter(Q(content_hash=digest) | Q(file_hash=digest)).first()
    if existing is not None:
        return _known(existing, alt_text), False
    decoded = decode(data, name)
    original_name, original, renditions, blobs = make_files(decoded, digest)
    storage = default_storage
    stored = storage.save(original_name, ContentFile(original))
    for rendition, blob in zip(renditions, blobs, strict=True):
        if blob:
            rendition["name"] = storage.save(rendition["name"], ContentFile(blob))
    try:
        with transaction.atomic():
            image = Image.objects.create(
                file=stored,
                content_hash=digest,
                file_hash=hashlib.sha256(original).hexdigest(),
                alt_text=alt_text.strip(),
                caption=caption.strip(),
                credit=credit.strip(),
                original_name=name[:255],
                width=decoded.image.width,
                height=decoded.image.height,
                renditions=renditions,
                uploaded_by=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError:
        # The same file, uploaded at the same moment by someone else: theirs is the one.
        return _known(Image.objects.get(content_hash=digest), alt_text), False
    return image, True


def _known(image: Image, alt_text: str) -> Image:
    if alt_text.strip() and not image.alt_text:
        image.alt_text = alt_text.strip()
        image.save(update_fields=["alt_text"])
    return image
