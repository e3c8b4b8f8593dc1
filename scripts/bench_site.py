"""Load-test the reader pages against the Django floor and nginx, on SQLite and PostgreSQL.

For each database: builds a site of N posts (default 10,000) and 60 tags, drafts and
scheduled posts included, with bulk_create (bodies rendered by blog.rendering.render_post
from a few templates); prints each page's in-process render time and SQL query count (page
cache off), PostgreSQL's plans for the list and tag queries, then serves the site with
gunicorn as in production (DEBUG off, a secret key, ALLOWED_HOSTS, hashed static files) and
runs wrk against home, a post, a tag page, pages 50 and 500 of the list, the Atom feed, the
sitemap index and its first page of posts: page cache off, on with the default process-local
cache (LocMem) and on with Redis. Every figure is put next to, in the same run, (a) the
"Django floor": a constant-bytes view under the same gunicorn settings and middleware
(scripts/bench_floor_wsgi.py), measured just before and just after each page, and (b) nginx
serving a static copy of the home page. Also prints each gunicorn worker's RSS.

The static mode publishes the whole site (manage.py publish_site, timed: the full build) and
measures home, a post, a tag page and the Atom feed through nginx with the production
static-site configuration (scripts/prod/nginx/), each next to the same nginx serving the same
file from a bare server block and the floor. scripts/bench_static.py times the build more
closely, and a save until its files are replaced.

Usage: python -m scripts.bench_site [--quick] [--posts N] [--db sqlite,postgres]
    [--modes off,locmem,redis,static]
PostgreSQL: --pg-url (default postgres://postgres@127.0.0.1:5432/blog_speed): THAT DATABASE IS
DROPPED AND CREATED AGAIN. Needs wrk and nginx. Redis: --redis-url
(default redis://127.0.0.1:6379/1; only keys under its own prefix are written and deleted).
Servers listen on 127.0.0.1, --port and the next two.
Timings are printed, never asserted; the machine's other load shows in them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from scripts.prod import static_nginx
from scripts.prod.harness import cleanup_keys, recreate_database
from scripts.prod.harness import wrk as harness_wrk

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(os.environ.get("PYTHON", sys.executable))
WRK = shutil.which("wrk")
NGINX = static_nginx.NGINX
RESULTS = ROOT / "bench-results"
REDIS_PREFIX = "bench-site"

NGINX_CONF = """
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  types {{ text/html html; }}
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/www;
    location / {{ index index.html; }}
  }}
}}
"""

# The in-Django parts (build, profile) run in child processes of this script, each with the
# environment of the database under test: `bench_site.py _build ...` and `_profile ...`.

BODY_TEMPLATES = [
    """Some notes on **{topic}**, written while trying things out.

## Why it matters

Most of the time the defaults are fine. When they are not, it helps to know where to look:
the [documentation](https://docs.example.org/{topic}) and the source.

```python
def answer(question: str) -> int:
    # A comment in a code block, highlighted by Pygments.
    return len(question) * 42
```

## What I would do again

1. Measure first.
2. Change one thing.
3. Measure again.[^1]

[^1]: Ideally on a quiet machine.
""",
    """A short post about {topic}.

| option | default | meaning |
| --- | --- | --- |
| `speed` | `1` | how fast |
| `care` | `high` | how careful |

> Quoting someone wiser: simple things should be simple.

That is all for today.
""",
    """# Long read on {topic}

## Part one

Paragraph one of a longer post. """
    + "Words that fill a paragraph about the subject at hand. " * 30
    + """

## Part two

### A detail

"""
    + "More words, because long posts exist and pages must cope with them. " * 40
    + """

## Part three

- a list item
- another list item with `code`
- and a [link](/posts/elsewhere/)
""",
]


def build(posts: int, tags: int) -> None:
    """Fill an empty, migrated database (runs in a child process with Django set up)."""
    import random
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from blog.models import Post
    from blog.pagecache.invalidation import invalidate_pages
    from blog.rendering.render import render_post
    from blog.search import update_search_vectors

    rng = random.Random(6)  # noqa: S311 - test data, not secrets
    started = time.monotonic()
    tag_rows = Tag.objects.bulk_create(
        [Tag(name=f"topic {k:02d}", slug=f"topic-{k:02d}") for k in range(tags)]
    )
    if not tag_rows[0].pk:  # backends that do not return ids from bulk_create
        tag_rows = list(Tag.objects.order_by("slug"))
    rendered = [render_post(t.format(topic="the topic")) for t in BODY_TEMPLATES]
    now = timezone.now()
    objects = []
    for i in range(posts):
        n = i % len(BODY_TEMPLATES)
        page = rendered[n]
        if i % 101 == 50:
            when = now + timedelta(days=1 + i % 30, minutes=i)  # scheduled
        else:
            when = now - timedelta(minutes=45 * (i + 1))
        objects.append(
            Post(
                title=f"Notes on topic {i % tags:02d}, part {i}",
                slug=f"notes-{i}",
                body=BODY_TEMPLATES[n].format(topic="the topic"),
                body_html=page.html,
                excerpt=page.excerpt,
                word_count=page.word_count,
                body_text=page.text,
                toc_html=page.toc_html,
                description="" if i % 3 else f"Short description of post {i}.",
                publish_date=when,
                draft=i % 37 == 36,
            )
        )
    created = Post.objects.bulk_create(objects, batch_size=1000)
    if not created[0].pk:
        created = list(Post.objects.order_by("id"))
    content_type = ContentType.objects.get_for_model(Post)
    items = []
    for post in created:
        for tag in rng.sample(tag_rows, 3):
            items.append(TaggedItem(content_type=content_type, object_id=post.pk, tag=tag))
    TaggedItem.objects.bulk_create(items, batch_size=2000)
    update_search_vectors(Post.objects.all())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does to a settled table: statistics, and the visibility map
            # that lets counts be answered from the index alone.
            cursor.execute("VACUUM ANALYZE")
    invalidate_pages()  # bulk writes send no signals
    public = Post.objects.published().count()
    print(
        f"  built {posts} posts ({public} public, {posts - public} drafts or scheduled), "
        f"{tags} tags, {len(items)} taggings in {time.monotonic() - started:.1f}s"
    )


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pages_to_profile() -> dict[str, str]:
    """Every public page, as paths, for the data build() made (runs with Django set up)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    from blog.models import Post

    post = Post.objects.published()[20]
    when = timezone.localtime(post.publish_date)
    # With fewer posts, the deepest page there is stands in for page 500.
    last = max(1, -(-Post.objects.published().count() // settings.POSTS_PER_PAGE))
    return {
        "home": "/",
        "post": post.get_absolute_url(),
        "tag": "/tags/topic-07/",
        "tags+": "/tags/topic-07+topic-13/",
        "page 50": f"/page/{min(50, last)}/",
        "page 500": f"/page/{min(500, last)}/",
        "tag index": "/tags/",
        "archive": "/archive/",
        "year": reverse("blog:archive_year", kwargs={"year": when.year}),
        "month": reverse("blog:archive_month", kwargs={"year": when.year, "month": when.month}),
        "search": "/search/?q=topic+part",
        "feed": "/feed.atom",
        "tag feed": "/tags/topic-07/feed.rss",
        "sitemap": "/sitemap.xml",
        "sitemap 1": "/sitemap-posts.xml",  # the first 1,000 posts of the index
    }


def explain() -> None:
    """PostgreSQL's plans for the list and tag pages' queries: index use, not a table scan."""
    from django.db import connection
    from taggit.models import Tag

    from blog.models import Post

    tag = Tag.objects.get(slug="topic-07")
    queries = {
        "list page 50": Post.objects.for_listing()[490:500],
        "list count": Post.objects.published(),
        "tag page 5": Post.objects.for_listing().tagged_with_all([tag])[40:50],
        "tag count": Post.objects.published().tagged_with_all([tag]),
    }
    for name, qs in queries.items():
        if name.endswith("count"):
            sql, params = qs.values("id").query.sql_with_params()
            sql = f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608 - ORM-made SQL
        else:
            sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        scans = [
            line.strip().split(" (")[0].lstrip("-> ").strip() for line in plan if "Scan" in line
        ]
        verdict = (
            "table scan on blog_post!"
            if any("Seq Scan on blog_post" in s for s in scans)
            else "index"
        )
        timing = next((line for line in plan if line.startswith("Execution Time")), "")
        print(f"  {name:<13} {verdict:<6} {timing:<28} {'; '.join(scans)}")


def profile(repeat: int) -> None:
    """In-process render time and SQL queries per page, page cache off (child process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    rows = {}
    for name, path in pages_to_profile().items():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = len(captured)  # now: the next request clears the log it reads from
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        rows[name] = (path, statistics.median(times) * 1000, queries, len(response.content))
    print(f"  {'page':<10} {'render ms':>9} {'queries':>7} {'bytes':>8}  path")
    for name, (path, ms, count, size) in rows.items():
        print(f"  {name:<10} {ms:>9.2f} {count:>7} {size:>8}  {path}")
    print(
        f"  RSS of this process after rendering every page {repeat + 2} times: "
        f"{rss_kib() / 1024:.0f} MiB"
    )
    print(
        "JSON "
        + json.dumps(
            {
                "paths": {k: v[0] for k, v in rows.items()},
                "profile": {k: [v[1], v[2]] for k, v in rows.items()},
            }
        )
    )


def child(argv: list[str]) -> None:
    """Entry point of the child processes: Django set up from the environment."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command = argv[0]
    if command == "_build":
        build(int(argv[1]), int(argv[2]))
    elif command == "_profile":
        profile(int(argv[1]))
        from django.db import connection

        if connection.vendor == "postgresql":
            print("  PostgreSQL plans (EXPLAIN ANALYZE):")
            explain()


# The orchestrating process: no Django here, only subprocesses, servers and wrk.


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(PYTHON), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our loopback server
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.read()


def wrk(url: str, args: argparse.Namespace) -> dict:
    """wrk against one page; scripts/prod/wrk_report.lua's figures (requests, rps, errors,
    latency_ms)."""
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return harness_wrk(
        f"{parts.scheme}://{parts.netloc}",
        [path or "/"],
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
    )


def worker_rss_mib(master_pid: int) -> list[float]:
    out = subprocess.run(  # noqa: S603 - fixed argv
        ["/usr/bin/ps", "-o", "rss=", "--ppid", str(master_pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [int(x) / 1024 for x in out.split()]


class Server:
    """A gunicorn (or nginx) process on 127.0.0.1:port, stopped by its own pid."""

    def __init__(self, argv: list[str], env: dict[str, str], url: str) -> None:
        self.url = url
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env)  # noqa: S603 - fixed argv
        try:
            wait_until_up(url)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def gunicorn(
    app: str, port: int, env: dict[str, str], args: argparse.Namespace, path: str = "/"
) -> Server:
    argv = [
        str(PYTHON.parent / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
    ]
    return Server(argv, env, f"http://127.0.0.1:{port}{path}")


def fmt_row(
    name: str, result: dict[str, float], floor: float, nginx: float, extra: str = ""
) -> str:
    errors = sum(result["errors"].values())
    latency = result["latency_ms"]
    return (
        f"  {name:<10} {result['rps']:>8.0f} {latency['p50']:>8.2f} {latency['p99']:>8.2f}"
        f" {errors:>6} {100 * result['rps'] / floor:>7.0f}% {100 * result['rps'] / nginx:>6.1f}%"
        f"{extra}"
    )


HEADER = (
    f"  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    f" {'floor':>8} {'nginx':>7}"
)


def bench_database(
    label: str, database_url: str, args: argparse.Namespace, tmp: Path, summary: dict
) -> None:
    print(f"\n=== {label}: {args.posts} posts, {args.tags} tags ===")
    base_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_DEBUG": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "PAGE_CACHE_TIMEOUT": "0",
        "LOG_LEVEL": "WARNING",
    }
    base_env.pop("REDIS_URL", None)
    run(base_env, "manage.py", "migrate", "--noinput", "-v0")
    print(
        run(base_env, "-m", "scripts.bench_site", "_build", str(args.posts), str(args.tags)), end=""
    )
    out = run(base_env, "-m", "scripts.bench_site", "_profile", str(args.repeat))
    json_line = next(x for x in out.splitlines() if x.startswith("JSON "))
    print("\n".join(x for x in out.splitlines() if not x.startswith("JSON ")))
    profiled = json.loads(json_line[5:])
    paths = profiled["paths"]
    loaded = {
        name: paths[name]
        for name in ("home", "post", "tag", "page 50", "page 500", "feed", "sitemap", "sitemap 1")
    }
    db_summary = summary.setdefault(label, {"profile": profiled["profile"]})

    port = args.port
    # The static copy of the home page, served by nginx and, from memory, by the floor view.
    site = gunicorn("config.wsgi:application", port, base_env, args)
    try:
        home = fetch(site.url)
    finally:
        site.stop()
    www = tmp / "www"
    www.mkdir(exist_ok=True)
    (www / "index.html").write_bytes(home)
    # nginx's workers run as nobody: they must be able to reach the file.
    for path in (tmp, www, www / "index.html"):
        path.chmod(0o755)

    # The floor stays up for the whole section and is measured again before each block of
    # pages, so each ratio compares figures taken minutes, not a quarter of an hour, apart.
    floor_server = gunicorn(
        "scripts.bench_floor_wsgi:application",
        port + 1,
        {**base_env, "BENCH_FLOOR_FILE": str(www / "index.html")},
        args,
    )
    try:
        floor = wrk(floor_server.url, args)
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port + 2))
        nginx_server = Server(
            [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
            base_env,
            f"http://127.0.0.1:{port + 2}/",
        )
        try:
            nginx = wrk(nginx_server.url, args)
        finally:
            nginx_server.stop()
        print(
            f"\n  load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s, gunicorn "
            f"{args.workers} sync workers; home page {len(home)} bytes, no compression (wrk "
            f"sends no Accept-Encoding); ratios: req/s over the floor's and nginx's"
        )
        print(HEADER)
        print(fmt_row("nginx", nginx, floor["rps"], nginx["rps"]))
        print(fmt_row("floor", floor, floor["rps"], nginx["rps"]))
        db_summary["nginx"], db_summary["floor"] = nginx, floor
        for mode in args.modes:
            if mode == "static":
                run_static(base_env, paths, floor_server, tmp, args, db_summary)
            else:
                run_mode(mode, base_env, loaded, floor_server, nginx, args, db_summary)
    finally:
        floor_server.stop()
    if "redis" in args.modes:
        cleanup_keys(args.redis_url, REDIS_PREFIX)


MODES = {
    "off": ("page cache off", {"PAGE_CACHE_TIMEOUT": "0"}),
    "locmem": (
        "page cache on (LocMem, version in the database)",
        {"PAGE_CACHE_TIMEOUT": "600"},
    ),
    "redis": ("page cache on (Redis)", {"PAGE_CACHE_TIMEOUT": "600"}),
    "static": ("static publishing: the published tree through nginx", {}),
}


def run_mode(
    mode: str,
    base_env: dict[str, str],
    loaded: dict[str, str],
    floor_server: Server,
    nginx: dict[str, float],
    args: argparse.Namespace,
    db_summary: dict,
) -> None:
    title, extra_env = MODES[mode]
    env = {**base_env, **extra_env}
    if mode == "redis":
        env.update(REDIS_URL=args.redis_url, CACHE_KEY_PREFIX=REDIS_PREFIX)
    # The floor is measured before the first page and after each one, and every page is
    # compared with the mean of the floors just before and after it: the machine's speed
    # drifts over a block on a shared host, and a page must not look slow or
    # fast only for when it ran.
    floors = [wrk(floor_server.url, args)]
    print(f"\n  {title}  (floor: mean of the runs just before and after each page)")
    print(HEADER)
    print(fmt_row("floor", floors[0], floors[0]["rps"], nginx["rps"]))
    port = args.port
    server = gunicorn("config.wsgi:application", port, env, args)
    results = {}
    try:
        for name, path in loaded.items():
            url = f"http://127.0.0.1:{port}{path}"
            for _ in range(args.workers * 2):
                fetch(url)  # warm every worker (and its cache)
            results[name] = wrk(url, args)
            floors.append(wrk(floor_server.url, args))
            results[name]["floor_rps"] = (floors[-2]["rps"] + floors[-1]["rps"]) / 2
            print(
                fmt_row(name, results[name], results[name]["floor_rps"], nginx["rps"]),
                flush=True,
            )
        rss = worker_rss_mib(server.process.pid)
    finally:
        server.stop()
    ratio = results["page 500"]["latency_ms"]["p50"] / max(
        results["home"]["latency_ms"]["p50"], 1e-6
    )
    rates = [floor["rps"] for floor in floors]
    print(
        f"  floor over the block: {min(rates):.0f}-{max(rates):.0f} req/s;  "
        f"page 500 / page 1 median latency: {ratio:.2f}x;  worker RSS: "
        + ", ".join(f"{r:.0f} MiB" for r in rss)
    )
    db_summary[mode] = {"floors": floors, "pages": results, "worker_rss_mib": rss}


STATIC_PAGES = ("home", "post", "tag", "feed")


def publish(env: dict[str, str], tree: Path) -> float:
    """The full build into ``tree`` (publish_site, every core); its wall-clock seconds."""
    started = time.monotonic()
    run(env, "manage.py", "publish_site", "--output", str(tree))
    return time.monotonic() - started


def run_static(
    base_env: dict[str, str],
    paths: dict[str, str],
    floor_server: Server,
    tmp: Path,
    args: argparse.Namespace,
    db_summary: dict,
) -> None:
    """The static mode: build, then home, post, tag and feed from the tree through nginx,
    each next to nginx's plain file and the floor measured around it."""
    tree = tmp / "site"
    shutil.rmtree(tree, ignore_errors=True)
    seconds = publish(base_env, tree)
    files = sum(1 for p in tree.rglob("*") if p.is_file() and p.suffix not in (".gz", ".br"))
    print(
        f"\n  static publishing: full build {seconds:.1f}s for {args.posts} posts "
        f"({files} files, each also .gz and .br)"
    )
    port = args.port
    app = gunicorn("config.wsgi:application", port, base_env, args)
    nginx = static_nginx.StaticNginx(
        tmp / "static-nginx",
        tree,
        port=port + 2,
        app_port=port,
        plain_port=port + 3,
        workers=2,
    )
    results: dict = {}
    try:
        with nginx:
            for name in STATIC_PAGES:
                url = nginx.url + paths[name]
                served = urllib.request.Request(url, headers={"Host": "127.0.0.1"})  # noqa: S310
                with urllib.request.urlopen(served, timeout=10) as reply:  # noqa: S310
                    if reply.headers.get("X-Page-Cache"):
                        raise SystemExit(f"{url} came from the app, not from the tree")
                floor_before = wrk(floor_server.url, args)
                # The same file from a server block with no configuration but the root: what
                # try_files, the maps and the headers cost, apart from the body's size.
                plain = wrk(nginx.plain_url + paths[name], args)
                page = wrk(url, args)
                floor_after = wrk(floor_server.url, args)
                page["plain_rps"], page["floor_rps"] = (
                    plain["rps"],
                    (floor_before["rps"] + floor_after["rps"]) / 2,
                )
                results[name] = page
    finally:
        app.stop()
    print(
        "  load: as above; each page right after the same nginx serving the same file from a"
        " bare server block (plain), the floor measured before and after it"
    )
    print(
        f"  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
        f" {'floor':>8} {'plain':>7}"
    )
    for name, page in results.items():
        print(fmt_row(name, page, page["floor_rps"], page["plain_rps"]))
    worst = min(page["rps"] / page["plain_rps"] for page in results.values())
    print(f"  slowest page over the plain file: {100 * worst:.0f}% (target: at least 50%)")
    db_summary["static"] = {"build_s": seconds, "files": files, "pages": results}
    print("  (from a save to its files replaced, with publish_worker: scripts/bench_static.py)")


def redis_available(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child(sys.argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=60)
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument(
        "--modes",
        default="off,locmem,redis,static",
        help="modes to load-test: page cache off, locmem, redis; static (published tree)",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/blog_speed"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--repeat", type=int, default=10, help="in-process renders per page")
    parser.add_argument("--port", type=int, default=8300, help="uses this port and the next 2")
    parser.add_argument(
        "--quick", action="store_true", help="2-second wrk runs and 3 in-process renders per page"
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.repeat = 2, 3
    args.modes = [m for m in args.modes.split(",") if m]
    missing = [name for name, path in (("wrk", WRK), ("nginx", NGINX)) if path is None]
    if "static" in args.modes and static_nginx.missing():
        missing.append(static_nginx.missing())
    if missing:
        # Said before the minutes of building sites, not as a traceback halfway through.
        raise SystemExit(
            f"bench_site needs {' and '.join(missing)}: apt-get install wrk nginx-light"
        )
    if "redis" in args.modes and not redis_available(args.redis_url):
        print(f"(no Redis at {args.redis_url}: skipping the Redis runs)")
        args.modes.remove("redis")
    print("Figures move with the machine's other load: compare rows of one run, not runs.")
    RESULTS.mkdir(exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed argv
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env={
            **os.environ,
            "DJANGO_SECRET_KEY": "collectstatic-only",
            "DJANGO_DEBUG": "",
            "SITE_URL": "http://127.0.0.1",
        },
    )
    summary: dict = {"posts": args.posts, "tags": args.tags, "duration_s": args.duration}
    with tempfile.TemporaryDirectory(prefix="bench-site-") as name:
        tmp = Path(name)
        for db in args.db.split(","):
            if db == "sqlite":
                bench_database("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args, tmp, summary)
            elif db == "postgres":
                recreate_database(args.pg_url)
                bench_database("PostgreSQL", args.pg_url, args, tmp, summary)
            else:
                raise SystemExit(f"unknown database {db!r}")
    out = RESULTS / f"bench_site-{args.posts}.json"
    out.write_text(json.dumps(summary, indent=1))
    print(f"\nAll figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
