"""Two imports into one database at once: the second waits for the first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection

from blog.importing.importer import import_posts
from blog.importing.lock import WAITING, file_lock
from blog.models import Post


def corpus(folder: Path, count: int) -> None:
    for n in range(count):
        (folder / f"post-{n:03}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2021-01-02\ntags: [t{n % 7}]\n---\nBody {n}\n"
        )


@pytest.mark.django_db(transaction=True)
def test_a_second_import_of_the_same_folder_waits_for_the_first(tmp_path):
    """Started while the first is writing, the second import says it waits, then finds every
    file unchanged: no duplicate-key failures, no duplicate posts."""
    corpus(tmp_path, 120)
    second: dict = {}

    def run_second() -> None:
        try:
            second["result"] = import_posts(
                [tmp_path], workers=1, on_wait=lambda message: second.setdefault("waited", message)
            )
        except Exception as error:  # noqa: BLE001 (reported by the assertions below)
            second["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run_second)

    def start_second(outcome) -> None:
        # The first import is mid-batch: its first posts are written, not yet committed.
        if not second.get("started"):
            second["started"] = True
            thread.start()

    first = import_posts([tmp_path], workers=1, on_file=start_second)
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert "error" not in second, second.get("error")
    assert first.ok and first.counts["created"] == 120
    assert second["waited"] == WAITING
    assert second["result"].ok, [str(item) for item in second["result"].with_outcome("failed")]
    assert second["result"].counts["unchanged"] == 120
    assert Post.objects.count() == 120


def test_a_held_file_lock_is_waited_for(tmp_path):
    """The SQLite lock beside a database file: a second holder is told, then waits its turn."""
    path = str(tmp_path / "db.sqlite3.import-lock")
    events: list[str] = []
    waiting = threading.Event()

    def second() -> None:
        def told(message: str) -> None:
            events.append(message)
            waiting.set()

        with file_lock(path, told):
            events.append("second holds it")

    with file_lock(path):
        thread = threading.Thread(target=second)
        thread.start()
        assert waiting.wait(timeout=60)
        events.append("first releases it")
    thread.join(timeout=60)
    assert events == [WAITING, "first releases it", "second holds it"]
