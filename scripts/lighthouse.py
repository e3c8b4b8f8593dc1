"""Record Lighthouse scores for the home, a post, a post with images, a page and an author
page, as in production.

Also scores the accessibility of the admin's index, post list and post form, signed in.

Builds a throwaway SQLite site from fixtures/ (every seed post published, plus a page of short
posts, a post imported with a cover and photos into the media library, site settings with
a tagline, footer, social link, and a logo and favicon from the library, and an About page
in the menu), collects static
files, serves it with gunicorn (DEBUG off, whitenoise, hashed static
names) on 127.0.0.1 and the media folder with a plain file server (nginx's part in
production), runs Lighthouse 12 from node_modules (`npm ci` first) against Debian's
Chromium, prints one line per page and writes the full reports to bench-results/.

Usage: python -m scripts.lighthouse [--runs N]    (the median of N runs per page; default 3)
Exit status 1 if a page errors or misses the targets (performance >= 0.95, others 1.0; the
admin pages: accessibility 1.0).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(os.environ.get("PYTHON", sys.executable))
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
RESULTS = ROOT / "bench-results"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)

# Runs inside `manage.py shell`: the seed posts as published posts, plus a page of short ones.
# The seed's cover image is on an external host this machine cannot reach, so it is left out
# (a failed image would be measured as a broken page, not as this code).
SEED = """
from datetime import timedelta
from pathlib import Path
import yaml
from django.utils import timezone
from blog.models import Post
from blog.posts import save_post

now = timezone.now()
for i, path in enumerate(sorted(Path("fixtures").iterdir())):
    _, front, body = path.read_text().split("---", 2)
    meta = yaml.safe_load(front)
    save_post(Post(
        title=meta["title"], description=meta.get("description", ""), body=body,
        draft=False, publish_date=now - timedelta(days=i + 1),
    ), tags=meta.get("tags") or [])
for i in range(12):
    save_post(Post(
        title=f"Short note {i}", description=f"A short note about tools, number {i}.",
        body="Some *Markdown* text.\\n\\n## A heading\\n\\nMore text.", draft=False,
        publish_date=now - timedelta(days=10 + i),
    ), tags=["notes", "python"] if i % 2 else ["notes"])
print(Post.objects.get(title__startswith="Starting journey").get_absolute_url())
"""


# Runs inside `manage.py shell` with the import folder as its argument: a Hugo page bundle
# (a cover and three photos made with Pillow) imported through import_posts.
IMAGES_SEED = """
import io, sys
from pathlib import Path
from PIL import Image, ImageChops
from blog.importing.importer import import_posts
from blog.models import Post

folder = Path(FOLDER) / "photo-post"
folder.mkdir(parents=True)
def photo(seed, width=2400, height=1600):
    gradient = Image.linear_gradient("L").rotate(seed * 37).resize((width, height))
    noise = Image.effect_noise((width, height), 30)
    out = io.BytesIO()
    channels = (gradient, ImageChops.add(gradient, noise, 2.0), noise)
    Image.merge("RGB", channels).save(out, "JPEG", quality=90)
    return out.getvalue()
text = "Words about the harbour and the boats in it, at dawn and at noon. " * 12
body = []
for n in range(3):
    (folder / f"photo-{n}.jpg").write_bytes(photo(n + 1))
    body += [text, f"![Photo {n} of the harbour](photo-{n}.jpg)"]
(folder / "cover.jpg").write_bytes(photo(0))
(folder / "index.md").write_text(
    "---\\ntitle: A walk round the harbour\\ndescription: Photographs of the harbour.\\n"
    "cover: cover.jpg\\ntags: [photos]\\n---\\n" + "\\n\\n".join(body) + "\\n"
)
result = import_posts([folder.parent], workers=1)
assert result.ok and not any(o.warnings for o in result.outcomes), result.outcomes
print(Post.objects.get(slug="photo-post").get_absolute_url())
"""

# Runs inside `manage.py shell`: a superuser's session key (Lighthouse sends it as a cookie)
# and the address of a post's change form.
ADMIN_SEED = """
import secrets
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from blog.models import Post

user = User.objects.create_superuser("lighthouse", "lighthouse@example.com", secrets.token_hex())
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
post = Post.objects.get(title__startswith="Starting journey")
print(session.session_key, reverse("admin:blog_post_change", args=[post.pk]))
"""


# Runs inside `manage.py shell`: the site settings as a blogger fills them in, with a logo and
# a favicon from the media library, so every page is measured with them.
SETTINGS_SEED = """
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from blog.media.images import store_upload
from blog.sitesettings.writes import load_or_default, save_site_settings, set_social_links

def png(name, width, height, colour):
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
logo, _ = store_upload(png("logo.png", 480, 120, (20, 90, 160)), alt_text="Field Notes logo")
icon, _ = store_upload(png("icon.png", 192, 192, (200, 60, 40)), alt_text="Field Notes icon")
row = load_or_default()
row.tagline = "Notes from the workshop"
row.footer_text = "Written by *the editors*. Every post is in the [archive](/archive/)."
row.logo, row.favicon = logo, icon
save_site_settings(row)
set_social_links(row, [("Mastodon", "https://example.social/@notes")])
"""


# Runs inside `manage.py shell` after the seeds above: the short notes get an author whose
# profile has a bio, a link and an avatar from the library (the imported cover).
AUTHOR_SEED = """
from django.contrib.auth.models import User
from blog.authors import save_profile
from blog.media.models import Image
from blog.models import Post
from blog.profiles import AuthorProfile
user = User.objects.create_user("ada-login", first_name="Ada", last_name="Lovelace")
Post.objects.filter(title__startswith="Short note").update(author=user)
profile = AuthorProfile(
    user=user, website="https://example.org/", avatar=Image.objects.order_by("pk").first(),
    bio="Writes *short notes* about tools.\\n\\nAnd longer ones, [now and then](/).",
)
save_profile(profile)
print(profile.get_absolute_url())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return result.stdout.decode()


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server at {url} did not start")


def lighthouse(
    url: str,
    output: Path,
    attempts: int = 3,
    categories: list[str] = CATEGORIES,
    cookie: str = "",
) -> dict[str, float | None]:
    """One Lighthouse run's category scores. A trace that failed to record (it happens on a
    busy machine: NO_NAVSTART, NO_FCP) is retried, and said so; a page error is not retried."""
    headers = [f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []
    for attempt in range(1, attempts + 1):
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={output}",
                f"--only-categories={','.join(categories)}",
                f"--chrome-flags={CHROME_FLAGS}",
                *headers,
            ],
            env={**os.environ, "CHROME_PATH": CHROME},
            check=False,
        )
        report = json.loads(output.read_text())
        error = report.get("runtimeError")
        if not error:
            return {name: report["categories"][name]["score"] for name in categories}
        print(f"  run failed ({error['code']}), attempt {attempt} of {attempts}", file=sys.stderr)
        if error["code"] not in {"NO_NAVSTART", "NO_FCP", "NO_LCP", "PROTOCOL_TIMEOUT"}:
            break
    raise SystemExit(f"{url}: {error['message']}")


# Runs inside `manage.py shell`: an About page, through the pages' write path, in the menu.
PAGE_SEED = """
from blog import pages
from blog.models import MenuItem, Page
page = pages.save_page(Page(
    title="About", description="Who writes these notes, and why.", draft=False,
    body="I write about *programming* and the tools around it.\\n\\n## Contact\\n\\nBy mail.",
))
pages.save_menu_item(MenuItem(label="About", page=page, position=1000))
print(page.get_absolute_url())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median reported)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("node_modules/.bin/lighthouse missing: run `npm ci` first")
    RESULTS.mkdir(exist_ok=True)
    port, media_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/lighthouse.sqlite3",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_DEBUG": "",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "MEDIA_ROOT": f"{tmp}/media",
            "MEDIA_URL": f"http://127.0.0.1:{media_port}/media/",
        }
        manage(env, "migrate", "--noinput", "-v0")
        post_path = manage(env, "shell", "-c", SEED).strip().splitlines()[-1]
        seed = IMAGES_SEED.replace("FOLDER", repr(f"{tmp}/import"))
        images_path = manage(env, "shell", "-c", seed).strip().splitlines()[-1]
        manage(env, "shell", "-c", SETTINGS_SEED)
        author_path = manage(env, "shell", "-c", AUTHOR_SEED).strip().splitlines()[-1]
        session_key, form_path = manage(env, "shell", "-c", ADMIN_SEED).split()[-2:]
        page_path = manage(env, "shell", "-c", PAGE_SEED).strip().splitlines()[-1]
        manage(env, "collectstatic", "--noinput", "-v0")
        media_server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [str(PYTHON), "-m", "http.server", str(media_port), "--bind", "127.0.0.1"],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                str(PYTHON.parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/")
            pages = {
                "home": base + "/",
                "post": base + post_path,
                "images": base + images_path,
                "page": base + page_path,
                "author": base + author_path,
            }
            failed = False
            for name, url in pages.items():
                runs = [
                    lighthouse(url, RESULTS / f"lighthouse-{name}-{i}.json")
                    for i in range(args.runs)
                ]
                median = {c: statistics.median(r[c] or 0 for r in runs) for c in CATEGORIES}
                line = "  ".join(f"{c}={median[c]:.2f}" for c in CATEGORIES)
                each = ", ".join(f"{r['performance'] or 0:.2f}" for r in runs)
                print(f"{name:6} {line}  (median of {args.runs}; performance runs: {each}; {url})")
                failed |= any(median[c] < TARGETS[c] for c in CATEGORIES)
            # The admin: accessibility only (its speed is not a reader's), signed in.
            admin_pages = {
                "admin-index": "/admin/",
                "admin-posts": "/admin/blog/post/",
                "admin-post-form": form_path,
            }
            for name, path in admin_pages.items():
                score = lighthouse(
                    base + path,
                    RESULTS / f"lighthouse-{name}.json",
                    categories=["accessibility"],
                    cookie=f"sessionid={session_key}",
                )["accessibility"]
                print(f"{name:15} accessibility={score or 0:.2f}  ({base + path})")
                failed |= (score or 0) < TARGETS["accessibility"]
        finally:
            server.terminate()
            server.wait(timeout=10)
            media_server.terminate()
            media_server.wait(timeout=10)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
