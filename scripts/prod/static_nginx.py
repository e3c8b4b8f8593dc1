"""nginx with the production static-site configuration (scripts/prod/nginx/), on loopback.

The test and the benchmark run the very files an operator installs: a small nginx.conf
here supplies only what site.conf does in production (the upstream, the listen address, the
tree as root, MEDIA_ROOT) and includes maps.conf and locations.conf unchanged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent / "nginx"
# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")

MAIN_CONF = """
{load_module}
{user}
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=10000 inactive=60s;
  open_file_cache_valid 1s;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  include blog/maps.conf;
  upstream blog_app {{ server 127.0.0.1:{app_port}; }}
  server {{
    listen 127.0.0.1:{port};
    root {tree};
    include blog/locations.conf;
    location @blog_media {{
      root {media_parent};
      include blog/headers-common.conf;
      add_header Cache-Control "public, max-age=31536000, immutable";
    }}
  }}
  # The same files with nothing but a root, for the benchmark's yardstick.
  server {{
    listen 127.0.0.1:{plain_port};
    root {tree};
    types {{ text/html html; }}
  }}
}}
"""


def missing() -> str | None:
    """What this machine lacks to run the configuration, or None."""
    if NGINX is None:
        return "nginx (apt-get install nginx-light)"
    if not BROTLI_MODULE.exists():
        return "nginx's brotli_static module (apt-get install libnginx-mod-http-brotli-static)"
    return None


class StaticNginx:
    """nginx serving ``tree`` on ``port`` in front of the app on ``app_port``, and the same
    tree as plain files on ``plain_port``; stopped by its own pid."""

    def __init__(
        self,
        tmp: Path,
        tree: Path,
        *,
        port: int,
        app_port: int,
        plain_port: int,
        media_root: Path | None = None,
        workers: int = 1,
    ) -> None:
        self.tmp, self.port, self.plain_port = tmp, port, plain_port
        tmp.mkdir(parents=True, exist_ok=True)
        link = tmp / "blog"
        if not link.exists():
            link.symlink_to(CONF_DIR)
        media_root = media_root or tmp / "media"
        (tmp / "nginx.conf").write_text(
            MAIN_CONF.format(
                load_module=f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else "",
                # Run as root, the workers would be nobody, who cannot read a private tmp dir.
                user="user root;" if os.geteuid() == 0 else "",
                workers=workers,
                tmp=tmp,
                tree=tree,
                port=port,
                plain_port=plain_port,
                app_port=app_port,
                media_parent=media_root.parent,
            )
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def plain_url(self) -> str:
        return f"http://127.0.0.1:{self.plain_port}"

    def check(self) -> None:
        """``nginx -t``: raises with nginx's own message if the configuration is refused."""
        result = subprocess.run(  # noqa: S603 - fixed argv
            [NGINX, "-t", "-q", "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"nginx refused the configuration:\n{result.stderr}")

    def start(self, timeout: float = 15) -> StaticNginx:
        self.check()
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [NGINX, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.tmp / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited at start:\n{log}")
            try:
                with urllib.request.urlopen(self.plain_url + "/404.html", timeout=2):  # noqa: S310
                    return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx on port {self.port} did not answer in {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> StaticNginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
