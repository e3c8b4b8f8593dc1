"""Static publishing speed: a full build of N posts, and the time from saving a post to its files.

Builds a site of N posts (default 10,000) and 60 tags as scripts/bench_site.py does, on
SQLite (or --pg-url: THAT DATABASE IS DROPPED AND CREATED AGAIN), with DEBUG off and hashed
static files, then prints:

- the wall time of `manage.py publish_site` (all cores, --jobs), and of a second run over
  the unchanged site (nothing rewritten);
- with `manage.py publish_worker` running: the time from the commit of a save to the post's
  own file holding the new text, to the home page showing a newly published post, and to the
  queue being empty (every affected file replaced), for a title edit and a new post.

Usage: python -m scripts.bench_static [--posts N] [--jobs N] [--pg-url URL]
Timings are printed, never asserted; the machine's other load shows in them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench_site import PYTHON, ROOT, run


def environment(tmp: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_DEBUG": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url,
        "BLOG_STATIC_SITE_DIR": str(tmp / "site"),
        "PAGE_CACHE_TIMEOUT": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def child(argv: list[str]) -> None:
    """In a child process with Django set up: time a save (``_save <tree>``)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    time_a_save(Path(argv[1]))


def wait_for(check, timeout: float = 120.0) -> float:
    """Seconds until ``check()`` is true (polled every 5 ms)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError("the worker did not write the file in time")
        time.sleep(0.005)
    return time.monotonic() - started


def time_a_save(site: Path) -> None:
    from django.utils import timezone

    from blog.models import Post
    from blog.posts import save_post
    from blog.staticsite.models import PublishTask

    def read(name: str) -> bytes:
        try:
            return (site / name).read_bytes()
        except FileNotFoundError:
            return b""

    def queue_empty() -> bool:
        return not PublishTask.objects.exists()

    old = Post.objects.published().order_by("publish_date")[500]
    title = f"Edited title {secrets.token_hex(4)}"
    old.title = title
    save_post(old)  # committed on return (autocommit)
    started = time.monotonic()
    own = wait_for(lambda: title.encode() in read(f"posts/{old.slug}/index.html"))
    everything = wait_for(queue_empty) + (time.monotonic() - started - own)
    print(
        f"  title edit of an older post: its page {own:.2f}s, every affected file {everything:.2f}s"
    )

    title = f"Brand new post {secrets.token_hex(4)}"
    new = save_post(
        Post(title=title, body="A new post.", draft=False, publish_date=timezone.now()),
        tags=["topic 01", "topic 02", "topic 03"],
    )
    started = time.monotonic()
    own = wait_for(lambda: title.encode() in read(f"posts/{new.slug}/index.html"))
    home = wait_for(lambda: title.encode() in read("index.html")) + own
    everything = wait_for(queue_empty) + (time.monotonic() - started - home)
    print(
        f"  a new post published: its page {own:.2f}s, the home page {home:.2f}s, "
        f"every affected file {everything:.2f}s (every page of the list moves down one post)"
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child(sys.argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pg-url", help="PostgreSQL URL to use instead of SQLite (recreated)")
    args = parser.parse_args()
    print("Figures move with the machine's other load: compare rows of one run, not runs.")
    with tempfile.TemporaryDirectory(prefix="bench-static-") as name:
        tmp = Path(name)
        if args.pg_url:
            from scripts.prod.harness import recreate_database

            recreate_database(args.pg_url)
            database_url = args.pg_url
        else:
            database_url = f"sqlite:///{tmp / 'db.sqlite3'}"
        env = environment(tmp, database_url)
        run(env, "manage.py", "collectstatic", "--noinput", "-v0")
        run(env, "manage.py", "migrate", "--noinput", "-v0")
        print(
            run(env, "-m", "scripts.bench_site", "_build", str(args.posts), str(args.tags)), end=""
        )
        for label in ("full build", "again, nothing changed"):
            started = time.monotonic()
            out = run(env, "manage.py", "publish_site", "--jobs", str(args.jobs)).strip()
            seconds = time.monotonic() - started
            print(f"  publish_site ({label}, {args.jobs} jobs): {seconds:.1f}s wall")
            print(f"    {out}")
        files = sum(1 for path in (tmp / "site").rglob("*") if path.is_file())
        print(f"  {files} files in the tree (.gz and .br included)")
        worker = subprocess.Popen(  # noqa: S603 - fixed argv
            [str(PYTHON), "manage.py", "publish_worker", "--jobs", str(args.jobs)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(2)  # the worker's start-up
            subprocess.run(  # noqa: S603 - fixed argv
                [str(PYTHON), "-m", "scripts.bench_static", "_save", str(tmp / "site")],
                cwd=ROOT,
                env=env,
                check=True,
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=120)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
