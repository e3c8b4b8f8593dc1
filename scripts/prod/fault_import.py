"""Fault: an import killed mid-run (SIGKILL to the command and its worker processes).

The database must hold only whole posts (each with its rendered HTML, search vector and all
of its tags), a rerun must complete the import, and a third run must find nothing to do.

Uses its own database (default blog_prod_import, dropped and recreated) and a folder of
generated Markdown files. Usage: python -m scripts.prod.fault_import [--posts 1000] [--kill-at 0.4]
Prints a JSON report; exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.prod.harness import PYTHON, ROOT, app_env, manage, recreate_database

TAGS = ["postgres", "redis", "django", "python", "backup", "health", "logging", "cache"]


def write_posts(folder: Path, count: int) -> None:
    for n in range(count):
        tags = [TAGS[n % 8], TAGS[(n + 3) % 8], f"series-{n % 50}"]
        body = "\n\n".join(
            f"Paragraph {p} of post {n}, about *{tags[0]}* and `{tags[1]}`." for p in range(6)
        )
        (folder / f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}-post-{n}.md").write_text(
            f"---\ntitle: 'Imported post {n}: {tags[0]}'\n"
            f"date: 2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T10:00:00Z\n"
            f"tags: [{', '.join(tags)}]\ndescription: Post number {n}.\n---\n\n"
            f"# Heading\n\n{body}\n\n```python\nprint({n})\n```\n",
            encoding="utf-8",
        )


CONSISTENCY_SQL = """
SELECT
  (SELECT count(*) FROM blog_post) AS posts,
  (SELECT count(*) FROM blog_post
    WHERE body_html = '' OR source_hash = '' OR search_vector IS NULL
       OR excerpt = '' OR word_count = 0) AS incomplete_posts,
  (SELECT count(*) FROM blog_post p WHERE (
      SELECT count(*) FROM taggit_taggeditem ti
      JOIN django_content_type ct ON ct.id = ti.content_type_id
      WHERE ct.app_label = 'blog' AND ct.model = 'post' AND ti.object_id = p.id) <> 3
  ) AS posts_without_all_tags,
  (SELECT count(*) FROM (SELECT slug FROM blog_post GROUP BY slug HAVING count(*) > 1) d)
    AS duplicate_slugs,
  (SELECT count(*) FROM (SELECT source_path FROM blog_post GROUP BY source_path
    HAVING count(*) > 1) d) AS duplicate_sources
"""


def consistency(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        cursor = conn.execute(CONSISTENCY_SQL)
        names = [column.name for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def post_count(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("SELECT count(*) FROM blog_post").fetchone()[0]
    except psycopg.Error:
        return 0


def run_import(env: dict[str, str], folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [PYTHON, "manage.py", "import_posts", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/blog_prod_import"
    )
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction of posts written")
    args = parser.parse_args()

    recreate_database(args.database_url)
    env = app_env(args.database_url, None)
    manage(env, "migrate", "--no-input")
    report: dict[str, object] = {"posts_in_folder": args.posts}
    with tempfile.TemporaryDirectory(prefix="fault-import-") as tmp:
        folder = Path(tmp)
        write_posts(folder, args.posts)

        started = time.monotonic()
        # Its own session, so the kill reaches the command and its rendering workers alike.
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [PYTHON, "manage.py", "import_posts", str(folder)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        target = int(args.posts * args.kill_at)
        try:
            while process.poll() is None and post_count(args.database_url) < target:
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        report["killed_after_s"] = round(time.monotonic() - started, 1)
        report["exit_status_of_killed_run"] = process.returncode
        time.sleep(0.5)  # let PostgreSQL notice the dropped connection and roll back
        report["after_kill"] = consistency(args.database_url)

        rerun = run_import(env, folder)
        report["rerun"] = {
            "exit_status": rerun.returncode,
            "summary": rerun.stdout.strip().splitlines()[-1:] or rerun.stderr[-500:],
        }
        report["after_rerun"] = consistency(args.database_url)
        third = run_import(env, folder)
        report["third_run"] = {
            "exit_status": third.returncode,
            "summary": third.stdout.strip().splitlines()[-1:] or third.stderr[-500:],
        }

    killed = report["after_kill"]
    final = report["after_rerun"]
    whole = ("incomplete_posts", "posts_without_all_tags", "duplicate_slugs", "duplicate_sources")
    checks = {
        "the import was killed part way": process.returncode == -signal.SIGKILL
        and 0 < killed["posts"] < args.posts,
        "only whole posts after the kill": all(killed[key] == 0 for key in whole),
        "the rerun succeeds": report["rerun"]["exit_status"] == 0,
        "every post imported after the rerun": final["posts"] == args.posts,
        "only whole posts after the rerun": all(final[key] == 0 for key in whole),
        "the rerun skipped what was already there": f"{killed['posts']} unchanged"
        in " ".join(report["rerun"]["summary"]),
        "a third run finds nothing to do": f"{args.posts} unchanged"
        in " ".join(report["third_run"]["summary"]),
    }
    report["checks"] = checks
    print(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
