"""What an image upload costs: decoding, renditions per format, storing, per image.

    .venv/bin/python -m scripts.bench_media --images 8 --size 4000x3000 --size 1200x800

For each size it makes photo-like JPEGs (noise over a gradient, with EXIF), uploads each
through ``blog.media.images.store_upload`` into a throwaway SQLite database and media folder,
and prints one line per image (total milliseconds; decode, each format's encoding summed over
its widths, and the CPU time of the whole upload: the files are encoded in parallel threads,
so the encodings may add up to more than the total) and a line of medians. A figure for people
to read, never a test.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def photo(width: int, height: int, seed: int) -> bytes:
    from PIL import Image, ImageChops

    gradient = Image.linear_gradient("L").rotate(seed * 37).resize((width, height))
    noise = Image.effect_noise((width, height), 40 + seed % 20)
    picture = Image.merge("RGB", (gradient, ImageChops.add(gradient, noise, 2.0), noise)).convert(
        "RGB"
    )
    exif = Image.Exif()
    exif[0x0110] = "Bench Camera"
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=5, help="images per size")
    parser.add_argument(
        "--size", action="append", help="WIDTHxHEIGHT (repeatable); default 4000x3000"
    )
    args = parser.parse_args()
    sizes = [tuple(map(int, s.lower().split("x"))) for s in (args.size or ["4000x3000"])]

    workdir = Path(tempfile.mkdtemp(prefix="bench-media-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
    )
    os.environ.pop("MEDIA_S3_BUCKET", None)
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from PIL import features

    from blog.media import images

    call_command("migrate", verbosity=0)
    encode = images.encode
    spent: dict[str, float] = defaultdict(float)

    def timed_encode(picture, fmt, icc_profile):
        start = time.perf_counter()
        try:
            return encode(picture, fmt, icc_profile)
        finally:
            spent[fmt] += time.perf_counter() - start

    images.encode = timed_encode  # the benchmark's own instrumentation, not the app's
    decode = images.decode

    def timed_decode(data, name):
        start = time.perf_counter()
        try:
            return decode(data, name)
        finally:
            spent["decode"] += time.perf_counter() - start

    images.decode = timed_decode
    formats = [*images.modern_formats(), "jpeg"]
    print(f"Pillow AVIF: {features.check('avif')}; formats: {', '.join(formats)}")
    columns = ["decode", *formats]
    for width, height in sizes:
        print(f"\n{width}x{height}, {args.images} images (ms)")
        print(f"{'image':>5} {'total':>7} " + " ".join(f"{c:>7}" for c in columns) + "     cpu")
        rows: list[list[float]] = []
        for n in range(args.images):
            data = photo(width, height, n)
            spent.clear()
            cpu = time.process_time()
            start = time.perf_counter()
            images.store_upload(SimpleUploadedFile(f"{n}.jpg", data, "image/jpeg"))
            total = (time.perf_counter() - start) * 1000
            parts = [spent[c] * 1000 for c in columns]
            other = (time.process_time() - cpu) * 1000
            rows.append([total, *parts, other])
            print(
                f"{n:>5} {total:>7.0f} " + " ".join(f"{p:>7.0f}" for p in parts) + f" {other:>7.0f}"
            )
        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"{'med':>5} {medians[0]:>7.0f} "
            + " ".join(f"{m:>7.0f}" for m in medians[1:-1])
            + f" {medians[-1]:>7.0f}"
        )
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
