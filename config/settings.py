"""Settings for the blog, driven by environment variables.

Everything that differs between a laptop and production comes from the environment, so this
one file serves both. Unsafe choices (DEBUG, a known SECRET_KEY, any host) are never defaults.
"""

import base64
import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# The quick start (scripts/serve) writes a local .env beside manage.py with a generated secret
# key; variables set in the environment win over it. Tests never read it, so a laptop's .env
# cannot change what they see; DJANGO_ENV_FILE names another file.
if not os.environ.get("PYTEST_VERSION"):
    load_dotenv(os.environ.get("DJANGO_ENV_FILE") or BASE_DIR / ".env", override=False)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off: run scripts/serve once "
            "to write a local .env, or set DJANGO_DEBUG=1 for local development."
        )
    # Only reachable with DEBUG on: a throwaway key for a developer's laptop.
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SITE_TITLE = os.environ.get("BLOG_TITLE", "Field Notes")
# The site's address, the one source of absolute URLs in pages, feeds, sitemaps and robots.txt:
# never the request's Host header, whose port, case or trailing dot would be copied into
# cached pages. Required in production, e.g. SITE_URL=https://blog.example.com.
SITE_URL = (os.environ.get("SITE_URL") or ("http://127.0.0.1:8000" if DEBUG else "")).strip()
SITE_URL = SITE_URL.rstrip("/")
if not re.fullmatch(r"https?://[^/?#\s]+", SITE_URL):
    raise ImproperlyConfigured(
        "SITE_URL must be set to the site's address, such as https://blog.example.com "
        f"(scheme and host, no path), when DJANGO_DEBUG is off; got {SITE_URL!r}."
    )
SITE_DESCRIPTION = os.environ.get(
    "BLOG_DESCRIPTION", "Notes on programming, machine learning and the tools around them."
)
POSTS_PER_PAGE = int(os.environ.get("BLOG_POSTS_PER_PAGE", "10"))
# import_posts refuses a file larger than this before reading it.
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(4 * 1024 * 1024)))
# The HTML sanitizer behind blog.rendering.sanitize: "nh3" (default) or "bleach".
BLOG_SANITIZER = os.environ.get("BLOG_SANITIZER", "nh3").strip().lower()
if BLOG_SANITIZER not in {"nh3", "bleach"}:
    raise ImproperlyConfigured(f'BLOG_SANITIZER is "{BLOG_SANITIZER}"; use "nh3" or "bleach".')

INSTALLED_APPS = [
    # Django's admin, with the blog's admin site (blog/adminsite.py).
    "blog.apps.BlogAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # For its sitemap.xml template; URLs come from the request's host (no contrib.sites).
    "django.contrib.sitemaps",
    "taggit",
    # Admin login throttling (django-axes; configured in the security section below).
    "axes",
    "blog",
]

MIDDLEWARE = [
    # Outermost, so a hit runs nothing else: the stored page already carries the headers the
    # middleware below added (security, CSP, ETag). It answers conditional GETs of its hits.
    "blog.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware, so gunicorn serves the admin's CSS and ours.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which answers static files itself: only pages get the policy.
    "blog.security.ContentSecurityPolicyMiddleware",
    # If-None-Match answered with 304 for the pages the cache did not serve.
    "django.middleware.http.ConditionalGetMiddleware",
    # Pages are stored compressed; anonymous, cookie-less pages only.
    "blog.pagecache.middleware.PublicGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, adding a slash only where the address with it can answer (blog.redirects).
    "blog.redirects.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the final 404 (and request.user); it queries only on a 404.
    "blog.redirects.RedirectFallbackMiddleware",
    # Turns django-axes' lockout of a login attempt into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or os.environ.get("PYTEST_VERSION")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Tags are matched case-insensitively, so "PyTorch" and "pytorch" are one tag.
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- speed ---
# Django's cache holds whole pages for anonymous readers (blog.pagecache). Redis when REDIS_URL
# is set (e.g. redis://127.0.0.1:6379/0), shared by all workers; otherwise each process has its own
# LocMem cache. Either way the content version lives in the database. Short socket timeouts: if
# Redis is down, pages come from the database instead, without waiting.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "blog"),
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "blog",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# Seconds a page stays in Django's cache (it is invalidated on change anyway); 0 turns the page
# cache off. Browsers and CDNs get Cache-Control: public, max-age, s-maxage, capped at the
# next scheduled post's publish time when the page cache knows it. Off by default with DEBUG,
# where a template edit must show on the next reload.
PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "0" if DEBUG else "600"))
PAGE_CACHE_MAX_AGE = int(os.environ.get("PAGE_CACHE_MAX_AGE", "60"))
PAGE_CACHE_S_MAXAGE = int(os.environ.get("PAGE_CACHE_S_MAXAGE", "60"))
# Pages larger than this (bytes, as sent: compressed or not) are not stored. Give Redis a
# maxmemory and an evicting policy too (docs/pagecache.md).
PAGE_CACHE_MAX_ENTRY_BYTES = int(os.environ.get("PAGE_CACHE_MAX_ENTRY_BYTES", str(2 * 1024 * 1024)))

# --- prod ---
# Production operation: structured logs (the health endpoint is blog/health.py, gunicorn's
# settings config/gunicorn.conf.py).

# LOG_FORMAT=json: every log line is one JSON object (python-json-logger, through
# blog.logging.JsonFormatter), for a log collector; anything else keeps plain text for people
# reading a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT == "json":
    LOGGING["formatters"] = {"json": {"()": "blog.logging.JsonFormatter"}}
    LOGGING["handlers"]["console"]["formatter"] = "json"

# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto, so that
# request.is_secure() and absolute URLs say https. Only set it when that proxy is the sole way
# in and overwrites the header: a client could otherwise claim https for itself.
if env_bool("DJANGO_BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- security ---
# Production runs behind TLS: DJANGO_HTTPS=1 turns on HTTPS redirects, HSTS and secure
# cookies (kept off by default so `runserver` on http://127.0.0.1 keeps working).
HTTPS = env_bool("DJANGO_HTTPS")
SECURE_SSL_REDIRECT = HTTPS and env_bool("DJANGO_SSL_REDIRECT", True)
# Load balancers probe over plain HTTP; the health answer holds nothing a cookie or page would.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# (DJANGO_BEHIND_HTTPS_PROXY, in the prod block above, trusts a proxy's X-Forwarded-Proto.)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a promise browsers bake in for months; it is the operator's call, so off by
# default, and check --deploy's reminder about it (W021) is silenced.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _style_hash(declaration: str) -> str:
    digest = hashlib.sha256(declaration.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# Content-Security-Policy (django-csp, through blog.security). Reader pages run no script.
# The only inline styles are the table alignments blog.rendering.render keeps, allowed by hash.
_TABLE_ALIGN_HASHES = [_style_hash(f"text-align: {side};") for side in ("left", "center", "right")]
# Post bodies and covers may show images from any https host (and http, for old posts).
_IMAGE_SOURCES = ["'self'", "https:", "http:"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'none'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-hashes'", *_TABLE_ALIGN_HASHES],
        "img-src": _IMAGE_SOURCES,
        # The video and audio the sanitizer lets into post bodies, from the same places.
        "media-src": _IMAGE_SOURCES,
        "font-src": ["'self'"],
        "manifest-src": ["'self'"],
        # No page script makes requests (script-src is 'none'), but Lighthouse fetches
        # /robots.txt from the page's context and reported it missing under connect-src 'none'.
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
# Under /admin/: Django's own scripts, and the author autocomplete's requests. The post
# editor (CodeMirror) writes its styles into a <style> element that carries the request's nonce.
CONTENT_SECURITY_POLICY_ADMIN = {
    "script-src": ["'self'"],
    "style-src": ["'self'", NONCE],
    "connect-src": ["'self'"],
}

# Admin login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed attempts for one
# username from one address, that pair cannot log in for LOGIN_LOCKOUT_SECONDS; other addresses
# and other usernames are unaffected, so nobody can lock every admin out. Attempts are counted in
# the database, not the cache, so the login works (and counts) while Redis is down. Unlock with
# `manage.py axes_reset_username NAME` (docs/security-login.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("DJANGO_LOGIN_LOCKOUT_SECONDS", "900"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Successful logins need no table of their own; failures are what the lockout counts.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner on every manage.py command; failures and lockouts are still logged.
AXES_VERBOSE = False
AXES_COOLOFF_MESSAGE = (
    "Too many failed login attempts. For your account's safety, logging in from this address "
    f"is paused for {max(1, LOGIN_LOCKOUT_SECONDS // 60)} minutes. If you have forgotten your "
    "password, ask another administrator to reset it."
)
# Who the client is. By default the socket's address (REMOTE_ADDR): X-Forwarded-For is sent by
# the client too and would let anyone pick the address they are counted under. Behind proxies
# that append the client's address to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for),
# DJANGO_TRUSTED_PROXY_COUNT says how many: the address that many entries from the right is the
# client (django-ipware). Only set it when those proxies are the sole way in.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"DJANGO_TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}: the number "
        "of proxies in front of the site that append to X-Forwarded-For."
    )
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    # ipware counts the proxies whose own address is in the header: all but the nearest one.
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    # Entries left of the client's are whatever the client sent: tolerated, never believed.
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# --- media ---
# Uploaded images (blog.media). Stored on the local filesystem under MEDIA_ROOT, served at
# MEDIA_URL (by `runserver` with DEBUG on, by nginx in production), unless MEDIA_S3_BUCKET
# names an S3-compatible bucket: then every app server shares it through django-storages.
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Stored names come from the content hash, so a name always holds the same image: writing it
# again replaces it instead of adding a random suffix.
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"allow_overwrite": True},
}
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    # Credentials come from boto3's usual sources: AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY, a profile, or an instance role.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", ""),
            # Public images at plain URLs; a name never changes content, so caches keep it.
            "querystring_auth": env_bool("MEDIA_S3_SIGNED_URLS"),
            "file_overwrite": True,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
# Uploads larger than this are refused before they are decoded.
MEDIA_MAX_UPLOAD_BYTES = int(os.environ.get("MEDIA_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# Decompression-bomb guard: an image whose header declares more pixels than this is refused
# before its pixels are decoded (Pillow's Image.MAX_IMAGE_PIXELS is set to it too). 50
# megapixels holds any camera's photo and decodes in about 200 MB of memory.
MEDIA_MAX_PIXELS = int(os.environ.get("MEDIA_MAX_PIXELS", "50000000"))

# --- static site ---
# A static copy of every public page, kept exact on every change (blog.staticsite,
# docs/staticsite.md): `manage.py publish_site` writes it whole, `manage.py publish_worker`
# keeps it current. Empty: static publishing is off, and saving a post queues nothing.
STATIC_SITE_DIR = os.environ.get("BLOG_STATIC_SITE_DIR", "").strip()
# A function called with the addresses whose files the worker replaced or deleted, once they
# are in place: a CDN's purge (docs/staticsite.md). Dotted path, e.g. "mysite.cdn.purge".
STATIC_SITE_PURGE_HOOK = os.environ.get("BLOG_STATIC_SITE_PURGE_HOOK", "").strip()
# Or into a bucket, with the media's S3 settings (endpoint, region, credentials): a CDN in
# front of it serves the site.
STATIC_SITE_S3_BUCKET = os.environ.get("BLOG_STATIC_SITE_S3_BUCKET", "").strip()
if STATIC_SITE_S3_BUCKET:
    STORAGES["staticsite"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STATIC_SITE_S3_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "location": os.environ.get("BLOG_STATIC_SITE_S3_PREFIX", ""),
            "querystring_auth": False,
            "file_overwrite": True,
        },
    }
