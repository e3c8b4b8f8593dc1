"""How fast import_posts reads a WordPress export: items per second for a generated WXR file.

    .venv/bin/python -m scripts.bench_platforms                 # 10,000 posts, SQLite
    .venv/bin/python -m scripts.bench_platforms --posts 2000 \\
        --postgres postgres://postgres@127.0.0.1:5432/blog_platforms

It writes one WXR 1.2 file of N posts (Gutenberg blocks, a caption and a code shortcode,
categories and tags, comments, 5 % drafts, an attachment for every tenth post), then imports
it in a fresh process into a new SQLite file (or the PostgreSQL database given, whose
benchmark posts are deleted after) and prints the posts per second, the time spent reading
the file alone, and the importing process's peak memory, which should not grow with N: the
file is streamed.

A figure for people to read, never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from scripts.prod.harness import create_database

ROOT = Path(__file__).resolve().parent.parent
HOST = "https://bench-platforms.example.com"
HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><link>{host}</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>writer</wp:author_login>
<wp:author_display_name>A Writer</wp:author_display_name></wp:author>
"""
BODY = """<!-- wp:paragraph --><p>Post {n} is about <strong>topic {topic}</strong> and
<a href="https://example.org/{n}">a source</a>. {filler}</p><!-- /wp:paragraph -->
<!-- wp:heading --><h2>Details</h2><!-- /wp:heading -->
<!-- wp:list --><ul><li>first point</li><li>second point</li></ul><!-- /wp:list -->
[caption id="attachment_1" width="300"]<img src="{host}/wp-content/uploads/{n}.jpg"
 alt="Figure {n}"> Figure {n}[/caption]

[code language="python"]
def step(model, batch):
    return model(batch).mean()
[/code]
<!-- wp:paragraph --><p>{filler}</p><!-- /wp:paragraph -->"""
FILLER = "Words that make a post about as long as a real one, sentence after sentence. " * 20


def generate(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD.format(host=HOST))
        for n in range(1, count + 1):
            status = "draft" if n % 20 == 0 else "publish"
            body = BODY.format(n=n, topic=n % 60, filler=FILLER, host=HOST)
            thumbnail = ""
            if n % 10 == 0:
                thumbnail = (
                    "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
                    f"<wp:meta_value>{count + n}</wp:meta_value></wp:postmeta>"
                )
                out.write(
                    f"<item><title>image {n}</title><wp:post_id>{count + n}</wp:post_id>"
                    "<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
                    f"<wp:attachment_url>{HOST}/wp-content/uploads/{n}.jpg</wp:attachment_url>"
                    "</item>\n"
                )
            out.write(
                f"<item><title>Benchmark post {n}</title>"
                f"<link>{HOST}/{2000 + n % 20}/bench-post-{n}/</link>"
                f"<dc:creator>writer</dc:creator>"
                f'<guid isPermaLink="false">{HOST}/?p={n}</guid>'
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<excerpt:encoded>Excerpt {n}</excerpt:encoded>"
                f"<wp:post_id>{n}</wp:post_id>"
                f"<wp:post_date_gmt>{2000 + n % 20}-01-01 10:00:00</wp:post_date_gmt>"
                f"<wp:post_name>bench-post-{n}</wp:post_name><wp:status>{status}</wp:status>"
                "<wp:post_type>post</wp:post_type>"
                f'<category domain="category" nicename="c">{escape(f"topic {n % 60}")}</category>'
                f'<category domain="post_tag" nicename="t">tag-{n % 7}</category>'
                f"{thumbnail}"
                "<wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item>\n"
            )
        out.write("</channel></rss>\n")


def child(path: str) -> None:
    """Runs in a fresh process so that peak memory belongs to this measurement alone."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("SITE_URL", "http://127.0.0.1")
    os.environ.pop("DJANGO_DEBUG", None)  # DEBUG would keep every query in memory
    import django

    django.setup()
    from django.core.management import call_command

    from blog.importing import platforms, wordpress
    from blog.importing.importer import import_posts
    from blog.models import Post

    call_command("migrate", verbosity=0)
    export = Path(path)
    started = time.perf_counter()
    read = sum(
        isinstance(item, platforms.Item)
        for item in wordpress.read(lambda: platforms.open_export(export.parent, export))
    )
    reading = time.perf_counter() - started
    started = time.perf_counter()
    result = import_posts([export], keep_outcomes=False)
    seconds = time.perf_counter() - started
    assert result.ok and result.counts["created"] == read, result.counts
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ours = Post.objects.filter(source_path__startswith=f"wordpress:{HOST}/")
        while ids := list(ours.values_list("pk", flat=True)[:500]):
            Post.objects.filter(pk__in=ids).delete()
    print(json.dumps({"posts": read, "seconds": seconds, "reading": reading, "rss_mb": rss}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--postgres", help="PostgreSQL URL to import into instead of SQLite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench-platforms-") as folder:
        export = Path(folder, "export", "wordpress.xml")
        export.parent.mkdir()
        generate(export, args.posts)
        url = args.postgres or f"sqlite:///{Path(folder, 'bench.sqlite3')}"
        if args.postgres:
            create_database(url)
        done = subprocess.run(  # noqa: S603 (our own script)
            [sys.executable, "-m", "scripts.bench_platforms", "--child", str(export)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"the import failed:\n{done.stderr}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{figures['posts']} posts from a {args.posts}-post WXR file: "
        f"{figures['posts'] / figures['seconds']:.0f} items/s "
        f"({figures['seconds']:.1f} s; reading the file alone {figures['reading']:.1f} s), "
        f"peak memory {figures['rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
