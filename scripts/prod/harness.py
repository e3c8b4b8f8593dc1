"""Shared pieces of the production scripts: start gunicorn app servers, talk HTTP to them,
recreate and seed a database. Used by scripts/prod/*.py, scripts/bench_site.py and
tests/test_scaleout.py; standard library only (psycopg is imported where it is needed).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/blog_prod"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _database_name(url: str) -> str:
    """The database name of ``url``, refused unless it is a plain identifier (it is quoted
    into CREATE and DROP, which take no parameters)."""
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"refusing to create or drop database {name!r}")
    return name


def recreate_database(url: str) -> None:
    """Drop the PostgreSQL database of ``url`` (if it exists) and create it empty."""
    import psycopg

    name = _database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def create_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` unless it exists (nothing in it is touched)."""
    import psycopg

    name = _database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def app_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a production app server (DEBUG off, real secret, JSON logs)."""
    # Production defaults, not the caller's: pytest, for one, turns the page cache off.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_", "PAGE_CACHE_", "CACHE_"))
    }
    env.update(
        DJANGO_SECRET_KEY="prod-scripts-" + "k" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        DATABASE_URL=database_url,
        LOG_FORMAT="json",
    )
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Runs manage.py with ``env``; raises with its output if it fails."""
    result = subprocess.run(  # noqa: S603 - our own manage.py, argv from our scripts
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@dataclass
class AppServer:
    """One gunicorn process (its own master and workers) on 127.0.0.1:port."""

    port: int
    env: dict[str, str]
    workers: int = 2
    log_path: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> AppServer:
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
        }
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {self.port} exited at start")
            try:
                get(self.url + "/health/", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn on port {self.port} did not answer in {timeout}s")

    def pin(self, cpus: str) -> None:
        """Pins the master and its workers to ``cpus`` (a taskset list such as "0")."""
        children = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["/usr/bin/pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        for pid in [str(self.process.pid), *children]:
            subprocess.run(  # noqa: S603 - fixed argv, no shell
                ["/usr/bin/taskset", "-a", "-p", "-c", cpus, pid], capture_output=True
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


def get(
    url: str,
    *,
    timeout: float = 10,
    opener: urllib.request.OpenerDirector | None = None,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """GET (or POST with ``data``); HTTP error statuses are returned, not raised."""
    encoded = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=encoded, headers=headers or {})  # noqa: S310
    try:
        with (opener or _plain).open(request, timeout=timeout) as reply:
            return Response(reply.status, dict(reply.headers), reply.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read().decode(errors="replace"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        # Redirects are part of what the scripts check (e.g. a login's 302), so none is followed.
        return None


_plain = urllib.request.build_opener(_NoRedirect)


class AdminSession:
    """A logged-in admin session on one app server (cookies kept, CSRF handled)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        page = self.get("/admin/login/")
        reply = self.post(
            "/admin/login/?next=/admin/",
            {
                "username": username,
                "password": password,
                "next": "/admin/",
                "csrfmiddlewaretoken": csrf_token(page.body),
            },
        )
        if reply.status != 302:
            raise RuntimeError(f"admin login failed on {base_url}: HTTP {reply.status}")

    def get(self, path: str) -> Response:
        return get(self.base_url + path, opener=self.opener)

    def post(self, path: str, data: dict[str, str]) -> Response:
        # Django checks the Referer of HTTPS posts only; Origin must match the host if sent.
        return get(
            self.base_url + path, opener=self.opener, data=data, headers={"Origin": self.base_url}
        )

    def post_action(self, action: str, post_ids: list[int]) -> Response:
        """Runs an admin action (e.g. publish_posts) from the post changelist."""
        page = self.get("/admin/blog/post/")
        # "post": "yes" confirms an action that asks first (publishing shows the dates).
        data = {
            "action": action,
            "index": "0",
            "post": "yes",
            "csrfmiddlewaretoken": csrf_token(page.body),
        }
        body = urllib.parse.urlencode(data) + "".join(f"&_selected_action={pk}" for pk in post_ids)
        request = urllib.request.Request(  # noqa: S310
            self.base_url + "/admin/blog/post/",
            data=body.encode(),
            headers={"Origin": self.base_url},
        )
        try:
            with self.opener.open(request, timeout=10) as reply:
                return Response(reply.status, dict(reply.headers), reply.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read().decode())


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


SEED_CODE = """
import sys
import threading
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from blog.models import Post

wanted = int(sys.argv[-1]) if sys.argv[-1].isdigit() else {count}
have = Post.objects.filter(slug__startswith="load-").count()
now = timezone.now()
words = "postgres redis gunicorn django python cache replica backup health logging".split()
for n in range(have, wanted):
    post = Post.objects.create(
        title=f"Load post {{n}}: {{words[n % len(words)]}} notes",
        slug=f"load-{{n}}",
        body="\\n\\n".join(
            f"Paragraph {{p}} about *{{words[(n + p) % len(words)]}}* with `code` and a "
            "[link](https://example.com/)." for p in range(8)
        ) + "\\n\\n```python\\nprint('hello')\\n```\\n",
        description=f"Notes number {{n}}.",
        draft=False,
        publish_date=now - timedelta(hours=n + 1),
    )
    post.tags.set([words[n % len(words)], words[(n + 3) % len(words)]])
print(Post.objects.filter(slug__startswith="load-").count())
"""


def seed_posts(env: dict[str, str], count: int = 40) -> int:
    """Makes sure ``count`` published load-test posts exist (idempotent)."""
    return int(manage(env, "shell", "-c", SEED_CODE.format(count=count)).strip().splitlines()[-1])


def ensure_admin(env: dict[str, str], username: str, password: str) -> None:
    """A superuser for the scripts to log in with (created or its password reset)."""
    code = (
        "from django.contrib.auth.models import User\n"
        f"u, _ = User.objects.get_or_create(username={username!r})\n"
        "u.is_staff = u.is_superuser = True\n"
        f"u.set_password({password!r})\n"
        "u.save()\n"
    )
    manage(env, "shell", "-c", code)


def cleanup_keys(redis_url: str, key_prefix: str) -> None:
    """Deletes this run's keys (its own prefix), leaving everything else in the db alone."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{key_prefix}:*", count=500))
    if keys:
        client.delete(*keys)


def prepare(env: dict[str, str]) -> None:
    """What scripts/prod/run does before gunicorn: migrate and collect static files (without
    the manifest that collectstatic writes, DEBUG-off pages cannot name their stylesheet)."""
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")


WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"


def wrk(
    url: str,
    paths: list[str],
    *,
    duration: int,
    connections: int = 16,
    threads: int = 1,
    cpu: str | None = None,
) -> dict:
    """Runs wrk against ``url`` rotating over ``paths``; returns wrk_report.lua's figures."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        *paths,
    ]
    if cpu is not None:
        command = ["/usr/bin/taskset", "-c", cpu, *command]
    result = subprocess.run(  # noqa: S603 - fixed argv
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["wrk"] = " ".join(command[command.index("wrk") :])
    return report


@dataclass
class Sample:
    at: float  # seconds since the prober started
    url: str
    status: int  # 0: no HTTP answer at all (connection refused, timeout)
    ms: float
    cache: str | None


class Prober:
    """Threads requesting ``urls`` in turn as fast as they are answered, recording each reply.

    A fault script starts it, breaks something, repairs it, and reads ``samples`` back."""

    def __init__(self, urls: list[str], threads: int = 4, timeout: float = 5) -> None:
        self.urls, self.threads, self.timeout = urls, threads, timeout
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.started = 0.0

    def __enter__(self) -> Prober:
        self.started = time.monotonic()
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(self.timeout + 5)

    def now(self) -> float:
        return time.monotonic() - self.started

    def _run(self, offset: int) -> None:
        n = offset
        while not self._stop.is_set():
            url = self.urls[n % len(self.urls)]
            n += 1
            began = time.monotonic()
            try:
                reply = get(url, timeout=self.timeout)
                status, cache = reply.status, reply.headers.get("X-Page-Cache")
            except OSError:
                status, cache = 0, None
            self.samples.append(
                Sample(began - self.started, url, status, (time.monotonic() - began) * 1000, cache)
            )

    def summary(self, start: float = 0, end: float = float("inf"), url_part: str = "") -> dict:
        """Counts by status, latency percentiles and cache hits for samples in [start, end)."""
        chosen = [s for s in self.samples if start <= s.at < end and url_part in s.url]
        statuses: dict[str, int] = {}
        for s in chosen:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
        latencies = sorted(s.ms for s in chosen)

        def pct(p: float) -> float | None:
            if not latencies:
                return None
            return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1)

        return {
            "requests": len(chosen),
            "statuses": statuses,
            "cache_hits": sum(1 for s in chosen if s.cache == "hit"),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
        }
