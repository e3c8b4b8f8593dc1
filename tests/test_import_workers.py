"""The importer's rendering workers: they end with the import, and their death is explained."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from django.conf import settings

from blog.importing import importer
from blog.importing.importer import WorkerDied, import_posts, render_pool
from blog.models import Post

# The child starts a pool as the importer does, reports its workers' ids, then dies the way
# `kill -9` or the OOM killer would end it: without a chance to stop them.
ORPHANING_PARENT = """
import multiprocessing, os, signal, sys
import django
django.setup()
from blog.importing.importer import render_pool
pool = render_pool(2)
pool.submit(os.getpid).result()
with open(sys.argv[1], "w") as file:
    file.write(" ".join(str(child.pid) for child in multiprocessing.active_children()))
os.kill(os.getpid(), signal.SIGKILL)
"""


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_end_when_the_importing_process_is_killed(tmp_path):
    """SIGKILL to the importing process leaves no rendering worker running."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"}
    pids, errors = tmp_path / "pids", tmp_path / "stderr"
    # Output to files, not pipes: a worker left running would hold a pipe open forever.
    with errors.open("w") as stderr:
        child = subprocess.run(
            [sys.executable, "-c", ORPHANING_PARENT, str(pids)],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            timeout=120,
        )
    assert child.returncode == -signal.SIGKILL, errors.read_text()
    workers = [int(pid) for pid in pids.read_text().split()]
    assert len(workers) == 2
    # Bounded wait: the workers notice within a second; without the fix they never end.
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def interrupt_myself() -> str:
    os.kill(os.getpid(), signal.SIGINT)
    return "still rendering"


def test_ctrl_c_is_left_to_the_importing_process():
    """Ctrl-C reaches every process of the terminal's group: a worker goes on, and the
    importing process stops it (it would otherwise die with a traceback of its own)."""
    pool = render_pool(1)
    try:
        result = pool.submit(interrupt_myself).result(timeout=60)
    except KeyboardInterrupt:  # the worker's, sent back: not this test run's
        result = "interrupted"
    finally:
        pool.shutdown()
    assert result == "still rendering"


def corpus(folder: Path, count: int) -> None:
    for n in range(count):
        (folder / f"post-{n:03}.md").write_text(f"---\ntitle: Post {n}\ndate: 2021-01-02\n---\nB\n")


class BreaksAfter:
    """A pool that breaks, as when a worker is killed, after a number of files were handed out."""

    def __init__(self, workers: int, after: int) -> None:
        self.pool = render_pool(workers)
        self.left = after

    def submit(self, *args):
        self.left -= 1
        if self.left < 0:
            raise BrokenProcessPool("A child process terminated abruptly")
        return self.pool.submit(*args)

    def shutdown(self, **kwargs) -> None:
        self.pool.shutdown(**kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_worker_dead_before_a_file_is_handed_out_gives_the_documented_error(
    tmp_path, monkeypatch
):
    """Whether a dead worker is noticed on handing out a file or on reading a result, the
    operator gets WorkerDied with what to do, never BrokenProcessPool."""
    corpus(tmp_path, 40)
    monkeypatch.setattr(importer, "render_pool", lambda workers: BreaksAfter(workers, 5))
    with pytest.raises(WorkerDied, match=r"post-0\d\d\.md: a rendering worker process died"):
        import_posts([tmp_path], workers=2)
    assert multiprocessing.active_children() == []


@pytest.mark.django_db(transaction=True)
def test_killed_workers_stop_the_import_with_the_documented_error(tmp_path):
    """Workers killed from outside mid-import: WorkerDied, only whole posts, a rerun finishes."""
    corpus(tmp_path, 200)
    killed = []

    def kill_workers(outcome) -> None:
        if not killed and multiprocessing.active_children():
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    with pytest.raises(WorkerDied, match="Run the import again to finish"):
        import_posts([tmp_path], workers=2, on_file=kill_workers)
    assert killed and multiprocessing.active_children() == []
    assert Post.objects.count() < 200
    assert import_posts([tmp_path], workers=2).ok
    assert Post.objects.count() == 200
