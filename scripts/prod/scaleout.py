"""Scale-out on one machine: two app servers (separate gunicorn processes on two ports) share
one PostgreSQL database and one Redis. A post published through one server's admin is served
at once by the other, never from a stale page cache; and the other way round for unpublishing.

Usage: python -m scripts.prod.scaleout [--database-url URL] [--redis-url URL] [--ports 8510 8511]
Exit status 0 when every check passed. tests/test_scaleout.py runs the same proof.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.prod.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    AdminSession,
    AppServer,
    app_env,
    cleanup_keys,
    ensure_admin,
    get,
    manage,
)

SETUP_CODE = """
import json
from datetime import timedelta
from django.utils import timezone
from blog.models import Post
run = {run!r}
draft = Post.objects.create(
    title=f"Scale-out draft {{run}}", slug=f"scaleout-draft-{{run}}", body="Draft body.",
    draft=True, publish_date=timezone.now() - timedelta(minutes=5),
)
draft.tags.set(["scaleout"])
live = Post.objects.create(
    title=f"Scale-out live {{run}}", slug=f"scaleout-live-{{run}}", body="Live body.",
    draft=False, publish_date=timezone.now() - timedelta(minutes=10),
)
live.tags.set(["scaleout"])
print(json.dumps({{"draft": [draft.pk, draft.slug, draft.title],
                  "live": [live.pk, live.slug, live.title]}}))
"""


@dataclass
class Check:
    step: str
    ok: bool
    detail: str


def prove(
    database_url: str,
    redis_url: str,
    ports: tuple[int, int],
    key_prefix: str,
    log_dir: Path | None = None,
    migrate: bool = True,
) -> list[Check]:
    """Runs the proof; returns one Check per observation (all must be ok)."""
    env = app_env(database_url, redis_url, CACHE_KEY_PREFIX=key_prefix)
    if migrate:
        manage(env, "migrate", "--no-input")
    password = secrets.token_urlsafe(16)
    ensure_admin(env, "scaleout", password)
    run = secrets.token_hex(4)
    posts = json.loads(manage(env, "shell", "-c", SETUP_CODE.format(run=run)).splitlines()[-1])
    draft_id, draft_slug, draft_title = posts["draft"]
    live_id, live_slug, live_title = posts["live"]
    checks: list[Check] = []

    def check(step: str, ok: bool, detail: str = "") -> None:
        checks.append(Check(step, bool(ok), detail))

    def logs(name: str) -> Path | None:
        return log_dir / f"scaleout-{name}.log" if log_dir else None

    server_a = AppServer(ports[0], env, workers=2, log_path=logs("a"))
    server_b = AppServer(ports[1], env, workers=2, log_path=logs("b"))
    with server_a, server_b:
        a, b = server_a.url, server_b.url
        pages = ["/", "/tags/scaleout/", "/feed.atom"]

        # B has every page cached before anything changes, so a stale copy would be served.
        for path in pages:
            get(b + path)
        warm = {path: get(b + path) for path in pages}
        check(
            "B serves its pages from the shared cache before the change",
            all(r.headers.get("X-Page-Cache") == "hit" for r in warm.values()),
            ", ".join(f"{p} {r.headers.get('X-Page-Cache')}" for p, r in warm.items()),
        )
        check(
            "the draft is not public on B",
            get(b + f"/posts/{draft_slug}/").status == 404 and draft_title not in warm["/"].body,
            "404",
        )

        editor_a = AdminSession(a, "scaleout", password)
        reply = editor_a.post_action("publish_posts", [draft_id])
        started = time.perf_counter()
        check("publish through A's admin", reply.status == 302, f"HTTP {reply.status}")

        # One request each, straight away: no retries, no waiting for a timeout.
        for path in pages:
            page = get(b + path)
            check(
                f"B serves {path} with the new post at once",
                page.status == 200 and draft_title in page.body,
                f"HTTP {page.status}, X-Page-Cache {page.headers.get('X-Page-Cache')}, "
                f"{(time.perf_counter() - started) * 1000:.0f} ms after the publish reply",
            )
        detail = get(b + f"/posts/{draft_slug}/")
        check(
            "B serves the new post's page",
            detail.status == 200 and draft_title in detail.body,
            f"HTTP {detail.status}",
        )
        again = get(b + "/")
        check(
            "B caches the fresh page again",
            again.headers.get("X-Page-Cache") == "hit" and draft_title in again.body,
            f"X-Page-Cache {again.headers.get('X-Page-Cache')}",
        )

        # The other direction: unpublish through B, A stops showing it at once.
        for _ in range(2):
            get(a + f"/posts/{live_slug}/")
            get(a + "/")
        cached = get(a + f"/posts/{live_slug}/")
        check(
            "A serves the live post from the cache",
            cached.status == 200 and cached.headers.get("X-Page-Cache") == "hit",
            f"X-Page-Cache {cached.headers.get('X-Page-Cache')}",
        )
        editor_b = AdminSession(b, "scaleout", password)
        reply = editor_b.post_action("unpublish_posts", [live_id])
        check("unpublish through B's admin", reply.status == 302, f"HTTP {reply.status}")
        gone = get(a + f"/posts/{live_slug}/")
        check(
            "A answers 404 for the unpublished post at once",
            gone.status == 404,
            f"HTTP {gone.status}",
        )
        home = get(a + "/")
        check(
            "A's home page no longer lists it",
            home.status == 200 and live_title not in home.body,
            f"HTTP {home.status}",
        )
        health = [get(url + "/health/").status for url in (a, b)]
        check("both servers healthy", health == [200, 200], str(health))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--ports", type=int, nargs=2, default=(8510, 8511))
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args()
    prefix = f"scaleout-{secrets.token_hex(4)}"
    try:
        checks = prove(args.database_url, args.redis_url, tuple(args.ports), prefix, args.log_dir)
    finally:
        cleanup_keys(args.redis_url, prefix)
        # The proof's own posts only (their slugs start with "scaleout-").
        manage(
            app_env(args.database_url, None),
            "shell",
            "-c",
            "from blog.models import Post; "
            "Post.objects.filter(slug__startswith='scaleout-').delete()",
        )
    for c in checks:
        print(f"{'PASS' if c.ok else 'FAIL'}  {c.step}  ({c.detail})")
    failed = [c for c in checks if not c.ok]
    print(
        f"\n{len(checks) - len(failed)}/{len(checks)} checks passed "
        f"(app servers on ports {args.ports[0]} and {args.ports[1]}, one PostgreSQL, one Redis)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
