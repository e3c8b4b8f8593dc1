"""Load: gunicorn + PostgreSQL + Redis driven by wrk for 60 seconds; prints throughput,
latency percentiles and errors as JSON, and exits 1 if any request failed.

Usage: python -m scripts.prod.load [--duration 60] [--connections 16] [--workers 2] [--port 8530]
The app server is pinned to CPU 0 and wrk to CPU 1 (2-core machine), so they do not measure
each other. The database is seeded with 40 published posts (idempotent) before the run.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
from pathlib import Path

from scripts.prod.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    AppServer,
    app_env,
    cleanup_keys,
    get,
    prepare,
    seed_posts,
    wrk,
)

# What readers ask for: the home page, post pages, a tag page, the feed.
PATHS = ["/", *(f"/posts/load-{n}/" for n in range(10)), "/tags/python/", "/feed.atom", "/?page=2"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8530)
    parser.add_argument("--server-cpus", default="0", help="taskset list for gunicorn")
    parser.add_argument("--wrk-cpus", default="1", help="taskset list for wrk")
    parser.add_argument(
        "--reference",
        default="/robots.txt",
        help="a near-constant page measured for 10 s after the run, for scale ('' to skip)",
    )
    parser.add_argument(
        "--log", type=Path, default=Path(tempfile.gettempdir()) / "prod-load-gunicorn.log"
    )
    args = parser.parse_args()

    prefix = f"load-{secrets.token_hex(4)}"
    # Access logs off: at thousands of requests a second, writing them is part of what is
    # measured; production would ship them, so this is the app's ceiling, not the host's.
    env = app_env(
        args.database_url, args.redis_url, CACHE_KEY_PREFIX=prefix, GUNICORN_ACCESS_LOG=""
    )
    prepare(env)
    posts = seed_posts(env, 40)
    server = AppServer(args.port, env, workers=args.workers, log_path=args.log)
    server.start()
    server.pin(args.server_cpus)
    try:
        statuses = {path: get(server.url + path).status for path in PATHS}
        if any(status != 200 for status in statuses.values()):
            print(json.dumps({"error": "pages not 200 before the run", "statuses": statuses}))
            return 1
        if args.warmup:
            wrk(
                server.url,
                PATHS,
                duration=args.warmup,
                connections=args.connections,
                cpu=args.wrk_cpus,
            )
        report = wrk(
            server.url,
            PATHS,
            duration=args.duration,
            connections=args.connections,
            cpu=args.wrk_cpus,
        )
        health = get(server.url + "/health/").status
        if args.reference:
            reference = wrk(
                server.url,
                [args.reference],
                duration=10,
                connections=args.connections,
                cpu=args.wrk_cpus,
            )
            report["reference"] = {
                "path": args.reference,
                "rps": reference["rps"],
                "p99_ms": reference["latency_ms"]["p99"],
                "errors": sum(reference["errors"].values()),
            }
    finally:
        server.stop()
        cleanup_keys(args.redis_url, prefix)
    errors = sum(report["errors"].values())
    report.update(
        posts=posts,
        paths=len(PATHS),
        gunicorn_workers=args.workers,
        server_cpus=args.server_cpus,
        health_after=health,
        total_errors=errors,
    )
    print(json.dumps(report, indent=2))
    return 1 if errors or health != 200 else 0


if __name__ == "__main__":
    sys.exit(main())
