"""How fast import_posts loads a big blog, next to what rendering alone costs.

    .venv/bin/python -m scripts.bench_import --posts 1000 --posts 4000 \\
        --postgres postgres://postgres@127.0.0.1:5432/blog_importer

For each N it writes N realistic posts (about 1,000 words with code fences, tags from a
vocabulary of 60, 5 % drafts) into a temporary folder, one file at a time, then measures in
fresh processes, each reporting its peak memory (the largest RSS of the importing process
and its rendering workers):

- render only: read, split and ``render_post`` every file in one process (the floor; run
  first and last, and the mean taken, since load drifts on a shared machine);
- import into a new SQLite file;
- import into PostgreSQL (only with ``--postgres``; the benchmark's posts are deleted after).

"CPU s" is the importing process and its rendering workers; "db CPU s" the local PostgreSQL
server's processes during the import (read from /proc; "-" when the server is elsewhere).
``--rounds R`` repeats the whole sequence R times and adds the medians. ``--images K`` gives
every post K photo-like JPEGs (1600x1000), named by site paths (``/images/…``) and read from
a static folder, so the imports also store each image and its renditions in the library (a
throwaway media folder); the render-only runs do not, so "vs render" shows their cost.

A figure for people to read, never a test. Memory should not grow with N: files are streamed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.prod.harness import create_database

ROOT = Path(__file__).resolve().parent.parent
MARKER = "bench-import"  # the folder the posts live in: their source_path prefix
WORDS = (
    "model data python layer tensor graph training loss gradient batch epoch network "
    "deploy server query index cache latency memory thread process request response "
    "the a of and to in is that for with as on it this by be are from at or an"
).split()
TAGS = [f"topic-{n}" for n in range(60)]
CODE = "```python\ndef step(model, batch):\n    loss = model(batch).mean()\n    return loss\n```\n"


def photo(seed: int, width: int = 1600, height: int = 1000) -> bytes:
    """A JPEG with detail everywhere (noise over a gradient), as photographs have."""
    import io

    from PIL import Image, ImageChops

    gradient = Image.linear_gradient("L").rotate(seed * 37).resize((width, height))
    noise = Image.effect_noise((width, height), 40 + seed % 20)
    channels = (gradient, ImageChops.add(gradient, noise, 2.0), noise)
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=90)
    return out.getvalue()


def generate(folder: Path, count: int, images: int = 0) -> None:
    rng = random.Random(count)  # noqa: S311 (test data, not security)
    posts = folder / MARKER
    posts.mkdir(parents=True)
    static = folder.parent / "static" / "images"
    for n in range(count):
        paragraphs = []
        for k in range(images):
            name = f"post-{n:06d}-{k}.jpg"
            static.mkdir(parents=True, exist_ok=True)
            (static / name).write_bytes(photo(n * images + k))
            paragraphs.append(f"![Figure {k} of post {n}](/images/{name})")
        for p in range(12):
            words = " ".join(rng.choice(WORDS) for _ in range(80))
            paragraphs.append(f"{words.capitalize()}.")
            if p % 4 == 3:
                paragraphs.append(CODE)
            if p % 5 == 0:
                paragraphs.append(f"## Section {p}")
        tags = ", ".join(rng.sample(TAGS, 5))
        draft = "true" if n % 20 == 0 else "false"
        day = 1 + n % 28
        text = (
            f"---\ntitle: Benchmark post {n}\ndate: 2023-{1 + n % 12:02d}-{day:02d}\n"
            f"tags: [{tags}]\ndraft: {draft}\ndescription: Post {n} of {count}\nlayout: post\n"
            f"---\n\n" + "\n\n".join(paragraphs) + "\n"
        )
        (posts / f"2023-01-{day:02d}-post-{n:06d}.md").write_text(text, encoding="utf-8")


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the rendering workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # Linux reports KiB


def child(mode: str, folder: str) -> None:
    """Runs in a fresh process so that peak memory belongs to this measurement alone."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("SITE_URL", "http://127.0.0.1")
    os.environ.pop("DJANGO_DEBUG", None)  # DEBUG would keep every query in memory
    import django

    django.setup()
    from django.core.management import call_command

    from blog.importing import frontmatter
    from blog.importing.importer import import_posts
    from blog.rendering.process import end_children
    from blog.rendering.render import render_post

    if mode == "render":
        cpu = cpu_seconds()
        started = time.perf_counter()
        count = 0
        for path in sorted(Path(folder, MARKER).iterdir()):
            render_post(frontmatter.split(path.read_text(encoding="utf-8")).body)
            count += 1
        seconds = time.perf_counter() - started
        end_children()  # Markdown runs in child processes: count their CPU time too
        cpu = cpu_seconds() - cpu
    else:
        from django.db import connection

        from blog.models import Post

        call_command("migrate", verbosity=0)
        db_cpu = postgres_cpu_seconds() if mode == "postgres" else None
        cpu = cpu_seconds()
        started = time.perf_counter()
        static = [Path(folder).parent / "static"]
        # As the command does; --static-dir where the benchmark made images.
        result = import_posts([folder], keep_outcomes=False, static_dirs=static)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
        if db_cpu is not None:
            # The server's backends are children of the postmaster: an exited backend's CPU
            # is counted once the postmaster has reaped it, so close ours first.
            connection.close()
            time.sleep(0.2)
            after = postgres_cpu_seconds()
            db_cpu = after - db_cpu if after is not None else None
        count = result.counts["created"]
        assert result.ok and count == sum(result.counts.values()), result.counts
        rss = peak_rss_mb()  # before the clean-up below, which loads the posts to delete them
        if mode == "postgres":
            from taggit.models import Tag

            from blog.media.models import Image

            ours = Post.objects.filter(source_path__startswith=f"{MARKER}/")
            while ids := list(ours.values_list("pk", flat=True)[:200]):
                Post.objects.filter(pk__in=ids).delete()
            Tag.objects.filter(taggit_taggeditem_items=None, name__startswith="topic-").delete()
            # The library remembers images by content: a next run must store them afresh.
            Image.objects.filter(original_name__startswith="post-").delete()
        print(
            json.dumps(
                {"posts": count, "seconds": seconds, "cpu": cpu, "db_cpu": db_cpu, "rss_mb": rss}
            )
        )
        return
    print(json.dumps({"posts": count, "seconds": seconds, "cpu": cpu, "rss_mb": peak_rss_mb()}))


def measure(mode: str, folder: Path, database_url: str) -> dict:
    # Images go to a throwaway folder beside the posts, never the project's media/.
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(folder.parent / "media")}
    done = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-m", "scripts.bench_import", "--child", mode, str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, action="append", help="N (repeatable)")
    parser.add_argument("--postgres", help="PostgreSQL URL to import into as well")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure everything this many times, alternating, and report the medians",
    )
    parser.add_argument("--images", type=int, default=0, help="images per post (default 0)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    if args.postgres:
        create_database(args.postgres)  # a fresh machine has only "postgres" and "test"
    columns = ("posts", "run", "seconds", "posts/s", "vs render", "CPU s", "db CPU s", "peak RSS")
    print("{:>6} {:<19} {:>8} {:>8} {:>9} {:>7} {:>8} {:>9}".format(*columns))
    for count in args.posts or [1000]:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            folder = Path(tmp, "posts")
            generate(folder, count, args.images)
            rounds = [measure_round(folder, Path(tmp), args.postgres) for _ in range(args.rounds)]
            for runs in rounds:
                for name, run in runs.items():
                    if name != "floor":
                        print_row(count, name, run, run["seconds"] / runs["floor"])
            if len(rounds) > 1:
                for name in rounds[0]:
                    if name == "floor":
                        continue
                    middle = {
                        key: statistics.median(runs[name][key] for runs in rounds)
                        for key in ("posts", "seconds", "cpu", "rss_mb")
                    }
                    if rounds[0][name].get("db_cpu") is not None:
                        middle["db_cpu"] = statistics.median(r[name]["db_cpu"] for r in rounds)
                    ratio = statistics.median(
                        runs[name]["seconds"] / runs["floor"] for runs in rounds
                    )
                    print_row(count, f"median {name}", middle, ratio)
    return None


def measure_round(folder: Path, tmp: Path, postgres: str | None) -> dict:
    """Render only, the imports, and render only again: load drifts on a shared machine, so
    each import is compared with the mean of the two renders around it ("floor")."""
    runs = {"render only": measure("render", folder, f"sqlite:///{tmp}/render.db")}
    (tmp / "bench.db").unlink(missing_ok=True)
    shutil.rmtree(tmp / "media", ignore_errors=True)  # each import stores its images afresh
    runs["sqlite"] = measure("sqlite", folder, f"sqlite:///{tmp}/bench.db")
    if postgres:
        shutil.rmtree(tmp / "media", ignore_errors=True)
        runs["postgresql"] = measure("postgres", folder, postgres)
    runs["render again"] = measure("render", folder, f"sqlite:///{tmp}/render.db")
    runs["floor"] = (runs["render only"]["seconds"] + runs["render again"]["seconds"]) / 2
    return runs


def print_row(count: int, name: str, run: dict, ratio: float) -> None:
    rate = run["posts"] / run["seconds"]
    db_cpu = f"{run['db_cpu']:>8.1f}" if run.get("db_cpu") is not None else f"{'-':>8}"
    print(
        f"{count:>6} {name:<19} {run['seconds']:>8.1f} {rate:>8.1f} {ratio:>8.2f}x "
        f"{run['cpu']:>7.1f} {db_cpu} {run['rss_mb']:>7.0f}MB",
        flush=True,
    )


def postgres_cpu_seconds() -> float | None:
    """CPU time of the local PostgreSQL server's processes, their exited backends included
    (None when it does not run here or cannot be read)."""
    ticks, found = 0, False
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = status.read_text()
        except OSError:
            continue
        name, _, rest = text.partition(")")
        if not name.endswith(("(postgres", "(postmaster")):
            continue
        fields = rest.split()
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
        ticks += sum(int(value) for value in fields[11:15])
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


if __name__ == "__main__":
    main()
