"""Fault: PostgreSQL restarted while app servers are under load. Errors are allowed only
while it is down; afterwards every request succeeds again without restarting anything
(CONN_HEALTH_CHECKS drops the dead persistent connections and reconnects).

Two app servers: one with the Redis page cache (as in production) and one with the page cache
off (PAGE_CACHE_TIMEOUT=0), so every one of its requests needs the database. A prober records
every reply; pg_isready is polled every 0.1 s to time the outage.

THIS RESTARTS THE MACHINE'S SHARED POSTGRESQL CLUSTER (every database on it): run it rarely.
PostgreSQL is started again in a `finally` block whatever happens.
Usage: python -m scripts.prod.fault_pg [--cluster 15/main]
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from scripts.prod.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    AppServer,
    Prober,
    app_env,
    cleanup_keys,
    get,
    prepare,
    seed_posts,
)

PG_CTLCLUSTER = "/usr/bin/pg_ctlcluster"
PG_ISREADY = "/usr/bin/pg_isready"
# A request that failed this long after pg_isready first said yes again counts against recovery.
GRACE_SECONDS = 1.0


def pg_ready() -> bool:
    return (
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [PG_ISREADY, "-h", "127.0.0.1", "-q", "-t", "1"], check=False
        ).returncode
        == 0
    )


def pg_ctl(version: str, cluster: str, action: str) -> None:
    # fast (pg_ctlcluster's default, stated here): disconnect clients at once; smart would wait
    # for every pooled connection of every app on the machine to close by itself.
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [PG_CTLCLUSTER, "--skip-systemctl-redirect", "-m", "fast", version, cluster, action],
        check=True,
        timeout=60,
    )


def ensure_pg_up(version: str, cluster: str) -> None:
    if pg_ready():
        return
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [PG_CTLCLUSTER, "--skip-systemctl-redirect", version, cluster, "start"],
        check=False,
        timeout=60,
    )
    for _ in range(60):
        if pg_ready():
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL is not accepting connections: start it by hand!")


class ReadinessPoller(threading.Thread):
    """Records when pg_isready stopped and started answering yes."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(daemon=True)
        self.clock = clock
        self.stop = threading.Event()
        self.down_at: float | None = None
        self.up_at: float | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            ready = pg_ready()
            now = self.clock()
            if not ready and self.down_at is None:
                self.down_at = now
            if ready and self.down_at is not None and self.up_at is None:
                self.up_at = now
            time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--cluster", default="15/main", help="VERSION/NAME for pg_ctlcluster")
    parser.add_argument("--ports", type=int, nargs=2, default=(8540, 8541))
    parser.add_argument("--before", type=float, default=4, help="seconds of load before")
    parser.add_argument("--after", type=float, default=8, help="seconds of load after")
    args = parser.parse_args()
    version, cluster = args.cluster.split("/")

    prefix = f"faultpg-{secrets.token_hex(4)}"
    env = app_env(args.database_url, args.redis_url, CACHE_KEY_PREFIX=prefix)
    env["GUNICORN_ACCESS_LOG"] = ""
    prepare(env)
    seed_posts(env, 40)
    logs = Path("/tmp")  # noqa: S108
    cached = AppServer(args.ports[0], env, workers=2, log_path=logs / "prod-fault-pg-cached.log")
    uncached = AppServer(
        args.ports[1],
        {**env, "PAGE_CACHE_TIMEOUT": "0"},
        workers=2,
        log_path=logs / "prod-fault-pg-uncached.log",
    )
    paths = ["/", "/posts/load-1/", "/tags/python/"]
    urls = [s.url + p for s in (cached, uncached) for p in paths]
    urls += [uncached.url + "/health/"]
    report: dict[str, object] = {}
    try:
        cached.start()
        uncached.start()
        for url in urls:
            get(url)  # warm the page cache
        with Prober(urls, threads=6) as prober:
            poller = ReadinessPoller(prober.now)
            poller.start()
            time.sleep(args.before)
            restart_at = prober.now()
            try:
                pg_ctl(version, cluster, "restart")
            finally:
                ensure_pg_up(version, cluster)
            restarted_at = prober.now()
            time.sleep(args.after)
            poller.stop.set()
            poller.join()
        end = prober.now()
    finally:
        cached.stop()
        uncached.stop()
        cleanup_keys(args.redis_url, prefix)
        ensure_pg_up(version, cluster)

    down_at = poller.down_at if poller.down_at is not None else restart_at
    up_at = poller.up_at if poller.up_at is not None else restarted_at
    failures = [s for s in prober.samples if s.status != 200]
    first_fail = min((s.at for s in failures), default=None)
    last_fail = max((s.at for s in failures), default=None)
    recovered_after = [s for s in failures if s.at >= up_at + GRACE_SECONDS]
    failed_before = [s for s in failures if s.at < restart_at]

    report["timeline_s"] = {
        "restart_command": round(restart_at, 2),
        "pg_isready_no": round(down_at, 2),
        "pg_isready_yes_again": round(up_at, 2),
        "restart_command_returned": round(restarted_at, 2),
        "first_failed_request": round(first_fail, 2) if first_fail is not None else None,
        "last_failed_request": round(last_fail, 2) if last_fail is not None else None,
        "end": round(end, 2),
    }
    report["outage_s"] = round(up_at - down_at, 2)
    for name, server in (("cached", cached), ("uncached", uncached)):
        part = f"127.0.0.1:{server.port}/"
        report[name] = {
            "before": prober.summary(0, restart_at, part),
            "during": prober.summary(restart_at, up_at + GRACE_SECONDS, part),
            "after": prober.summary(up_at + GRACE_SECONDS, end, part),
        }
    report["failed_statuses"] = sorted({s.status for s in failures})
    checks = {
        "no failures before the restart": not failed_before,
        "no failures after PostgreSQL is back (+1 s)": not recovered_after,
        "requests served after the restart": report["uncached"]["after"]["statuses"].get("200", 0)
        > 0,
        "pg_isready answers": pg_ready(),
    }
    report["checks"] = checks
    print(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
