"""Fault: Redis dies under an app server. Pages must keep coming from the database (no 500s),
a change made during the outage must show at once, /health/ must say 503 naming the cache,
and everything must be back to normal, cache hits included, once Redis returns.

It starts its OWN redis-server (default port 8579, no persistence) and kills that one; the
shared Redis is never touched. Usage: python -m scripts.prod.fault_redis [--redis-port 8579]
Prints a JSON report per phase (up, down, back); exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from scripts.prod.harness import (
    DEFAULT_DATABASE_URL,
    AdminSession,
    AppServer,
    Prober,
    app_env,
    ensure_admin,
    get,
    manage,
    prepare,
    seed_posts,
)

PHASE_SECONDS = 6


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    for _ in range(50):
        try:
            client.ping()
            return process
        except redis.RedisError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"redis-server on port {port} did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-port", type=int, default=8579)
    parser.add_argument("--port", type=int, default=8520)
    args = parser.parse_args()

    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    env = app_env(args.database_url, redis_url, GUNICORN_ACCESS_LOG="")
    prepare(env)
    seed_posts(env, 40)
    password = secrets.token_urlsafe(16)
    ensure_admin(env, "faultredis", password)
    post_id = int(
        manage(
            env,
            "shell",
            "-c",
            "from blog.models import Post; print(Post.objects.get(slug='load-3').pk)",
        ).split()[-1]
    )

    checks: dict[str, bool] = {}
    report: dict[str, object] = {}
    redis_process = start_redis(args.redis_port)
    server = AppServer(args.port, env, workers=2, log_path=Path("/tmp/prod-fault-redis.log"))  # noqa: S108
    try:
        server.start()
        base = server.url
        pages = [base + p for p in ("/", "/posts/load-1/", "/tags/python/", "/feed.atom")]
        with Prober(pages, threads=3) as prober:
            time.sleep(PHASE_SECONDS)
            up_end = prober.now()
            report["health_up"] = get(base + "/health/").status

            redis_process.send_signal(signal.SIGKILL)
            redis_process.wait()
            down_start = prober.now()
            time.sleep(1)
            health = get(base + "/health/")
            report["health_down"] = {"status": health.status, "body": json.loads(health.body)}
            # A change during the outage is seen at once: pages come from the database.
            editor = AdminSession(base, "faultredis", password)
            unpublished = editor.post_action("unpublish_posts", [post_id]).status
            hidden = get(base + "/posts/load-3/").status
            republished = editor.post_action("publish_posts", [post_id]).status
            shown = get(base + "/posts/load-3/").status
            report["change_during_outage"] = {
                "unpublish": unpublished,
                "page_after": hidden,
                "republish": republished,
                "page_after_republish": shown,
            }
            time.sleep(PHASE_SECONDS - 1)
            down_end = prober.now()

            redis_process = start_redis(args.redis_port)
            back_start = prober.now()
            # The app leaves a failed cache alone for a few seconds (BACKOFF_SECONDS).
            time.sleep(PHASE_SECONDS + 2)
            back_end = prober.now()
            report["health_back"] = get(base + "/health/").status

        report["up"] = prober.summary(0, up_end)
        report["down"] = prober.summary(down_start, down_end)
        report["back"] = prober.summary(back_start, back_end)
        report["back_last_3s"] = prober.summary(back_end - 3, back_end)
    finally:
        server.stop()
        if redis_process.poll() is None:
            redis_process.terminate()
            redis_process.wait()

    def only_200(phase: str) -> bool:
        statuses = report[phase]["statuses"]
        return bool(statuses) and set(statuses) == {"200"}

    checks["pages 200 with Redis up"] = only_200("up")
    checks["cache hits with Redis up"] = report["up"]["cache_hits"] > 0
    checks["pages 200 with Redis down (no 500s)"] = only_200("down")
    checks["no cache hits with Redis down"] = report["down"]["cache_hits"] == 0
    checks["health 503 naming the cache"] = report["health_down"]["status"] == 503 and report[
        "health_down"
    ]["body"]["failed"] == ["cache"]
    checks["change during the outage shown at once"] = report["change_during_outage"] == {
        "unpublish": 302,
        "page_after": 404,
        "republish": 302,
        "page_after_republish": 200,
    }
    checks["pages 200 after Redis is back"] = only_200("back")
    checks["cache hits again after Redis is back"] = report["back_last_3s"]["cache_hits"] > 0
    checks["health 200 after Redis is back"] = report["health_back"] == 200
    report["checks"] = checks
    print(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
