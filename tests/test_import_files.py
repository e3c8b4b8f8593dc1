"""What an import reads: regular files inside the folders it was given, of a bounded size."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import override_settings

from blog.importing.files import Refused, read_file
from blog.importing.importer import import_posts
from blog.models import Post

pytestmark = pytest.mark.django_db

POST = "---\ntitle: {title}\ndate: 2021-01-02\n---\nBody\n"


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Turns a read that would block forever into a test failure."""

    def expired(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outcomes(result) -> dict[str, tuple[str, str]]:
    return {Path(item.path).name: (item.outcome, item.reason) for item in result.outcomes}


def test_a_link_leading_outside_the_folder_is_skipped(tmp_path):
    """A link to a secret elsewhere is not published; the reason names where it leads."""
    secret = tmp_path / "blog.env"
    secret.write_text("---\ntitle: DJANGO_SECRET_KEY=hunter2\n---\nDATABASE_URL=postgres://\n")
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "notes.md").symlink_to(secret)
    (posts / "zero.md").symlink_to("/dev/zero")
    (posts / "good.md").write_text(POST.format(title="Good"))
    with deadline(60):
        result = import_posts([posts])
    found = outcomes(result)
    assert found["notes.md"] == ("skipped", f"a link to {secret}, outside {posts}: not read")
    assert found["zero.md"][0] == "skipped" and "outside" in found["zero.md"][1]
    assert found["good.md"][0] == "created"
    assert list(Post.objects.values_list("title", flat=True)) == ["Good"]


def test_a_link_to_a_folder_outside_is_reported_not_walked(tmp_path):
    """A linked folder is neither walked nor silently dropped."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(POST.format(title="Secret"))
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "more").symlink_to(outside)
    found = outcomes(import_posts([posts]))
    assert found == {"more": ("skipped", f"a link to {outside}, outside {posts}: not read")}
    assert not Post.objects.exists()


def test_links_inside_the_folder_are_read(tmp_path):
    """A link to a file inside the import folder, and a linked import folder, still work."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.md").write_text(POST.format(title="A"))
    (real / "b.md").symlink_to(real / "a.md")
    (tmp_path / "linked").symlink_to(real)
    result = import_posts([tmp_path / "linked"])
    assert result.counts["created"] == 2, [str(item) for item in result.outcomes]


def test_fifos_and_sockets_are_skipped_without_blocking(tmp_path):
    """A named pipe with no writer, and a socket, are skipped; the import goes on."""
    os.mkfifo(tmp_path / "pipe.md")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket.md"))
    (tmp_path / "good.md").write_text(POST.format(title="Good"))
    try:
        with deadline(60):
            result = import_posts([tmp_path])
    finally:
        server.close()
    found = outcomes(result)
    assert found["pipe.md"] == ("skipped", "a named pipe (FIFO), not a regular file: not read")
    assert found["socket.md"] == ("skipped", "a socket, not a regular file: not read")
    assert found["good.md"][0] == "created"
    assert result.ok


def test_a_device_is_not_read(tmp_path):
    """Even inside the given folder, a device is refused without being opened."""
    with pytest.raises(Refused, match="a device, not a regular file"):
        read_file(Path("/dev"), Path("/dev/zero"))


@override_settings(IMPORT_MAX_FILE_BYTES=1000)
def test_a_file_over_the_size_limit_fails_unread(tmp_path):
    """A file larger than IMPORT_MAX_FILE_BYTES fails with its size; smaller ones import."""
    (tmp_path / "big.md").write_text(POST.format(title="Big") + "x" * 1000)
    (tmp_path / "small.md").write_text(POST.format(title="Small"))
    result = import_posts([tmp_path])
    found = outcomes(result)
    assert found["big.md"][0] == "failed"
    assert "more than the 1000 allowed (IMPORT_MAX_FILE_BYTES)" in found["big.md"][1]
    assert found["small.md"][0] == "created"
    assert not result.ok


def test_the_size_is_checked_before_reading(tmp_path):
    """A sparse file of a terabyte is refused at once, not read into memory."""
    huge = tmp_path / "huge.md"
    with huge.open("wb") as file:
        file.truncate(10**12)
    with pytest.raises(Refused, match=r"^1000000000000 bytes, more than"):
        read_file(tmp_path, huge, max_bytes=4096)
