"""The page cache (blog.pagecache): hits, every kind of invalidation, what is never cached, HTTP."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from unittest import mock
from urllib.parse import quote

import pytest
import redis
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from blog.models import ContentVersion, Post
from blog.pagecache import invalidation, middleware
from blog.posts import delete_posts, delete_tags, save_post, save_tag, set_draft
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db

HOME = reverse("blog:post_list")
FEED = reverse("blog:feed_atom")
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Nothing listens on this port (the speed helper's range): a Redis that is down.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:8399/1",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}


def tag_url(slug: str) -> str:
    return reverse("blog:tag_detail", kwargs={"slug": slug})


class HeaderMiddleware:
    """Stands in for a middleware below the page cache that adds a header (e.g. CSP)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Content-Security-Policy"] = "default-src 'self'"
        return response


@pytest.fixture(autouse=True)
def cache_on(settings):
    """The page cache on, in an empty process-local cache."""
    settings.CACHES = LOCMEM
    settings.PAGE_CACHE_TIMEOUT = 600
    settings.PAGE_CACHE_MAX_AGE = 60
    settings.PAGE_CACHE_S_MAXAGE = 60
    caches["default"].clear()


def get(client, url: str, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response


def test_second_request_is_a_hit_with_the_same_bytes(client, django_assert_num_queries):
    """A cached page comes back byte for byte, with one query (the content version)."""
    make_post(title="Cached title", tags=["python"])
    first = get(client, HOME)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(1):
        second = get(client, HOME)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]


def test_query_strings_and_hosts_are_separate_pages(client, settings):
    """?page=2 and another host are other entries, not the home page's."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    for day in range(12):
        make_post(title=f"Day {day}", publish_date=timezone.now() - timedelta(days=day + 1))
    get(client, HOME)
    second = get(client, HOME + "page/2/")
    assert second["X-Page-Cache"] == "miss" and "Day 11" in second.content.decode()
    other = get(client, HOME, HTTP_HOST="other.example")
    assert other["X-Page-Cache"] == "miss"
    # Absolute URLs come from SITE_URL, whatever the host.
    assert "http://other.example/" not in other.content.decode()


def test_unknown_query_parameters_share_the_pages_entry(client):
    """Tracking tags and junk parameters neither make new entries nor reach the page: a
    miss with junk is rendered, and stored, as the page without it."""
    for day in range(12):
        make_post(title=f"Day {day}", publish_date=timezone.now() - timedelta(days=day + 1))
    second = HOME + "page/2/"
    first = get(client, second, data={"utm_source": "feed", "spam": "visit-evil"})
    assert first["X-Page-Cache"] == "miss"
    assert "visit-evil" not in first.content.decode()
    for query in ({}, {"spam": "other"}):
        assert get(client, second, data=query)["X-Page-Cache"] == "hit", query
    get(client, HOME)
    assert get(client, HOME, data={"utm_campaign": uuid.uuid4().hex})["X-Page-Cache"] == "hit"


def test_search_results_are_not_stored(client):
    """Every search text would be an entry of its own: searches are rendered, never stored."""
    make_post(title="Searchable words")
    for text in ("searchable", "searchable", uuid.uuid4().hex):
        response = get(client, reverse("blog:search"), data={"q": text})
        assert "X-Page-Cache" not in response, text


def test_pages_over_the_size_cap_are_not_stored(client, settings):
    """An entry larger than PAGE_CACHE_MAX_ENTRY_BYTES is not stored."""
    settings.PAGE_CACHE_MAX_ENTRY_BYTES = 200
    make_post(body="Many words. " * 100)
    assert get(client, HOME)["X-Page-Cache"] == "miss"
    assert get(client, HOME)["X-Page-Cache"] == "miss"
    settings.PAGE_CACHE_MAX_ENTRY_BYTES = 1_000_000
    assert get(client, HOME)["X-Page-Cache"] == "miss"
    assert get(client, HOME)["X-Page-Cache"] == "hit"


def test_headers_added_below_the_cache_survive_a_hit(client, settings):
    """A header from a later middleware (a security policy) is stored with the page."""
    index = settings.MIDDLEWARE.index("blog.pagecache.middleware.PublicGZipMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: index + 1],
        "tests.test_cache.HeaderMiddleware",
        *settings.MIDDLEWARE[index + 1 :],
    ]
    make_post()
    get(client, HOME)
    hit = get(client, HOME)
    assert hit["X-Page-Cache"] == "hit"
    assert hit["Content-Security-Policy"] == "default-src 'self'"


# Invalidation: one test per kind of change.


def test_saving_a_post_invalidates(client):
    """An edited title shows at once on the home page, its own page and the feed."""
    post = make_post(title="Old title")
    for url in (HOME, post.get_absolute_url(), FEED):
        get(client, url), get(client, url)
    post.title = "New title"
    save_post(post)
    for url in (HOME, post.get_absolute_url(), FEED):
        content = get(client, url).content.decode()
        assert "New title" in content and "Old title" not in content, url


def test_a_new_post_invalidates(client):
    """A newly published post appears on the cached home page."""
    make_post(title="First")
    get(client, HOME)
    make_post(title="Second")
    assert "Second" in get(client, HOME).content.decode()


def test_a_batch_of_writes_invalidates_once_at_its_end(client, django_assert_num_queries):
    """Inside batched_invalidation() saves publish no version; its end publishes one, and the
    pages cached before it are misses again."""
    make_post(title="First")
    get(client, HOME)
    with invalidation.batched_invalidation():
        with django_assert_num_queries(0):
            invalidation.invalidate_pages()
        make_post(title="Second")
        make_post(title="Third", tags=["x"])
        version = ContentVersion.objects.get(pk=1).version
    assert ContentVersion.objects.get(pk=1).version != version
    content = get(client, HOME).content.decode()
    assert "Second" in content and "Third" in content


def test_deleting_a_post_invalidates(client):
    """A deleted post disappears from cached pages."""
    keep, gone = make_post(title="Keeper"), make_post(title="Goner")
    get(client, HOME)
    delete_posts(Post.objects.filter(pk=gone.pk))
    content = get(client, HOME).content.decode()
    assert "Goner" not in content and "Keeper" in content
    assert keep.title in content


def test_unpublishing_invalidates(client):
    """Back to draft (the admin's bulk action) hides the post at once; publishing shows it."""
    post = make_post(title="Flip flop")
    get(client, HOME)
    set_draft(Post.objects.filter(pk=post.pk), draft=True)
    assert "Flip flop" not in get(client, HOME).content.decode()
    assert client.get(post.get_absolute_url()).status_code == 404
    set_draft(Post.objects.filter(pk=post.pk), draft=False)
    assert "Flip flop" in get(client, HOME).content.decode()


def test_changing_a_posts_tags_invalidates(client):
    """Adding and removing a tag shows on the post and the tag pages."""
    post = make_post(title="Tagged", tags=["python"])
    get(client, post.get_absolute_url()), get(client, tag_url("python"))
    save_post(post, tags=["python", "django"])
    assert tag_url("django") in get(client, post.get_absolute_url()).content.decode()
    assert "Tagged" in get(client, tag_url("django")).content.decode()
    save_post(post, tags=["django"])
    assert client.get(tag_url("python")).status_code == 404


def test_renaming_a_tag_invalidates(client):
    """A renamed tag shows under its new name on cached pages."""
    post = make_post(tags=["pyhton"])
    get(client, post.get_absolute_url())
    tag = post.tags.get()
    tag.name = "python-fixed"
    save_tag(tag)
    assert "python-fixed" in get(client, post.get_absolute_url()).content.decode()


def test_renaming_an_author_invalidates(client):
    """The feed names authors, so a changed name must show in it."""
    author = User.objects.create_user("writer", first_name="Ada", last_name="Byron")
    make_post(author=author)
    assert "Ada Byron" in get(client, FEED).content.decode()
    get(client, FEED)
    author.last_name = "Lovelace"
    author.save()
    assert "Ada Lovelace" in get(client, FEED).content.decode()


def test_adding_an_existing_tag_invalidates(client):
    """Tagging a post with a tag that already exists creates no Tag: the link alone counts."""
    make_post(title="Other", tags=["python"])
    post = make_post(title="Untagged yet")
    get(client, tag_url("python"))
    save_post(post, tags=["python"])
    assert "Untagged yet" in get(client, tag_url("python")).content.decode()


def test_deleting_a_tag_invalidates(client):
    """A deleted tag's link disappears from cached post pages."""
    post = make_post(tags=["python"])
    assert tag_url("python") in get(client, post.get_absolute_url()).content.decode()
    delete_tags(post.tags.all())
    assert tag_url("python") not in get(client, post.get_absolute_url()).content.decode()


def test_deleting_an_author_invalidates(client):
    """Deleting an author only nulls Post.author (no Post signal): the feed must drop the name."""
    author = User.objects.create_user("leaver", first_name="Ada", last_name="Byron")
    make_post(author=author)
    get(client, FEED)
    assert "Ada Byron" in get(client, FEED).content.decode()
    author.delete()
    assert "Ada Byron" not in get(client, FEED).content.decode()


def test_logging_in_does_not_invalidate(client):
    """Only last_login changes when someone logs in: no page shows it."""
    make_post()
    get(client, HOME)
    staff = make_staff()
    version = invalidation.database_version()
    staff.last_login = timezone.now()
    staff.save(update_fields=["last_login"])
    assert invalidation.database_version() == version


def test_scheduled_post_appears_exactly_on_time(client, settings):
    """Cached pages expire when the next scheduled post's time comes, with no change saved."""
    settings.PAGE_CACHE_TIMEOUT = 3600  # entries outlive the 30 minutes, as far as time goes
    now = timezone.now()
    make_post(title="Already out", publish_date=now - timedelta(hours=1))
    make_post(title="Scheduled one", publish_date=now + timedelta(minutes=30))
    assert "Scheduled one" not in get(client, HOME).content.decode()
    just_before = now + timedelta(minutes=29, seconds=30)
    with mock.patch("django.utils.timezone.now", return_value=just_before):
        before = get(client, HOME)
        assert before["X-Page-Cache"] == "hit"
        # Browsers and CDNs are told to keep it only until then.
        assert before["Cache-Control"] == "public, max-age=30, s-maxage=30"
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(minutes=30)):
        after = get(client, HOME)
        assert after["X-Page-Cache"] == "miss"
        assert "Scheduled one" in after.content.decode()
        assert get(client, HOME)["X-Page-Cache"] == "hit"


def test_the_version_is_a_database_row(client):
    """The version is a database row every worker reads, whatever the cache."""
    make_post()
    before = ContentVersion.objects.get(pk=1).version
    make_post()
    assert ContentVersion.objects.get(pk=1).version != before
    ContentVersion.objects.all().delete()  # e.g. a flushed database: the row comes back
    make_post()
    assert ContentVersion.objects.filter(pk=1).exists()


# Never cached.


def test_logged_in_people_never_get_or_make_cached_pages(client):
    """Staff get fresh, private pages; what they see is never stored for others."""
    post = make_post(title="Public")
    get(client, HOME)
    client.force_login(make_staff())
    response = get(client, HOME)
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert "Content-Encoding" not in get(client, HOME, HTTP_ACCEPT_ENCODING="gzip")
    client.logout()
    assert get(client, post.get_absolute_url())["X-Page-Cache"] == "miss"


def test_previews_are_never_stored(client):
    """A draft preview is private, no-store, and the public still gets a 404."""
    draft = make_post(title="Secret draft", draft=True)
    client.force_login(make_staff())
    preview = get(client, draft.get_absolute_url())
    assert "no-store" in preview["Cache-Control"] and "private" in preview["Cache-Control"]
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_session_cookie_naming_no_session_gets_the_cache(client, settings):
    """A made-up session cookie is not a logged-in reader: it gets the cached page and is
    stored like any anonymous request, so junk cookies cannot make every request a render."""
    make_post()
    get(client, HOME)
    client.cookies[settings.SESSION_COOKIE_NAME] = "made-up"
    assert get(client, HOME)["X-Page-Cache"] == "hit"
    client.cookies[settings.SESSION_COOKIE_NAME] = "made-up-too"
    assert get(client, "/tags/")["X-Page-Cache"] == "miss"
    client.cookies.pop(settings.SESSION_COOKIE_NAME)
    assert get(client, "/tags/")["X-Page-Cache"] == "hit"


def test_responses_setting_cookies_are_not_stored_nor_compressed(client):
    """The admin login page holds a CSRF token: not cached, not gzipped (BREACH)."""
    url = reverse("admin:login")
    for _ in range(2):
        response = get(client, url, HTTP_ACCEPT_ENCODING="gzip")
        assert "X-Page-Cache" not in response
        assert "Content-Encoding" not in response
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_admin_is_private_and_no_store(client):
    """Every admin response, even the redirect to the login page, is private and no-store."""
    client.force_login(make_staff())
    for url in (reverse("admin:index"), reverse("admin:blog_post_changelist")):
        cache_control = client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url
    client.logout()
    cache_control = client.get(reverse("admin:index"))["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_not_found_is_not_stored(client):
    """Only 200s are stored: a 404 may become a page or a redirect at any time."""
    client.get("/posts/nope/")
    assert "X-Page-Cache" not in client.get("/posts/nope/")


# HTTP: validators, Cache-Control, compression.


def test_public_pages_carry_cdn_cache_control(client):
    """Public pages may be kept by browsers and CDNs for a minute."""
    post = make_post(tags=["python"])
    for url in (HOME, post.get_absolute_url(), tag_url("python"), FEED, "/sitemap.xml"):
        for _ in range(2):  # miss, then hit
            cache_control = get(client, url)["Cache-Control"]
            assert cache_control == "public, max-age=60, s-maxage=60", url


def test_conditional_get_answers_304(client):
    """The ETag of a page, cached or not, gets a 304 when the client already has it."""
    make_post()
    etag = get(client, HOME)["ETag"]
    for _ in range(2):
        response = client.get(HOME, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304
        assert response.content == b""


def test_a_hit_runs_no_other_middleware_and_keeps_their_headers(client):
    """The page cache is outermost: a hit carries the security and CSP headers the miss got,
    without the middleware that adds them running again."""
    from blog.security import ContentSecurityPolicyMiddleware

    make_post()
    miss = get(client, HOME)
    with mock.patch.object(
        ContentSecurityPolicyMiddleware, "process_response", side_effect=AssertionError
    ):
        hit = get(client, HOME)
    assert hit["X-Page-Cache"] == "hit"
    for header in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "ETag",
    ):
        assert hit[header] == miss[header], header


def test_static_files_are_never_looked_up(client, settings):
    """Requests under STATIC_URL go straight to WhiteNoise: no cache, no version query."""
    with mock.patch.object(middleware, "page_cache", side_effect=AssertionError):
        client.get(settings.STATIC_URL + "css/site.css")


def test_conditional_get_without_the_page_cache(client, settings):
    """With the page cache off, ETags still work and are stable across renders."""
    settings.PAGE_CACHE_TIMEOUT = 0
    make_post()
    first = get(client, HOME, HTTP_ACCEPT_ENCODING="gzip")
    second = get(client, HOME, HTTP_ACCEPT_ENCODING="gzip")
    assert "X-Page-Cache" not in second
    assert first["ETag"] == second["ETag"]  # gzip's random padding does not change it
    assert client.get(HOME, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert second["Cache-Control"] == "public, max-age=60, s-maxage=60"


def test_anonymous_pages_are_compressed_and_cached_per_encoding(client):
    """gzip for clients that accept it, identity for the others, each cached."""
    make_post(body="Some words. " * 200)
    zipped = get(client, HOME, HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    plain = get(client, HOME)
    assert "Content-Encoding" not in plain and plain["X-Page-Cache"] == "miss"
    hit = get(client, HOME, HTTP_ACCEPT_ENCODING="gzip")
    assert hit["X-Page-Cache"] == "hit" and hit["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.content) == plain.content


def test_gzip_refused_with_q_0_is_not_sent(client, settings):
    """``gzip;q=0`` means "not gzip": neither a stored gzip page nor a fresh one is sent."""
    make_post(body="Some words. " * 200)
    assert get(client, HOME, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"
    for header in ("gzip;q=0", "br, gzip; q=0.0", "identity, GZIP;Q=0"):
        response = get(client, HOME, HTTP_ACCEPT_ENCODING=header)
        assert "Content-Encoding" not in response, header
        assert "Some words." in response.content.decode()
    settings.PAGE_CACHE_TIMEOUT = 0
    assert "Content-Encoding" not in get(client, HOME, HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert get(client, HOME, HTTP_ACCEPT_ENCODING="gzip;q=0.5")["Content-Encoding"] == "gzip"


# A cache that is down.


def test_pages_are_served_when_redis_is_down(client, settings, caplog):
    """With Redis unreachable: 200s from the database, a warning, saves still work."""
    settings.CACHES = DEAD_REDIS
    post = make_post(title="Still here")
    with caplog.at_level(logging.WARNING, logger="blog.pagecache"):
        for url in (HOME, post.get_absolute_url(), FEED):
            assert "Still here" in get(client, url).content.decode()
        post.title = "Edited while down"
        save_post(post)
        assert "Edited while down" in get(client, HOME).content.decode()
    assert "unreachable" in caplog.text or "Could not" in caplog.text


def test_a_cache_that_failed_is_left_alone_for_a_while(client, settings):
    """After an error the cache is not asked again for BACKOFF_SECONDS: a Redis that times
    out costs each request nothing; then it is tried again."""
    settings.CACHES = DEAD_REDIS
    make_post()
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as cache_get:
        get(client, HOME)
        get(client, HOME)
        assert cache_get.call_count == 1
        later = time.monotonic() + invalidation.BACKOFF_SECONDS
        with mock.patch("time.monotonic", return_value=later):
            get(client, HOME)
        assert cache_get.call_count == 2


# A real Redis (db 1 by default, own key prefix): the version lives in the cache, and is
# replaced once the writer's transaction commits.

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def redis_cache(settings):
    prefix = f"test-blog-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.25)
    try:
        server.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    yield caches["default"]
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


@pytest.mark.django_db(transaction=True)
def test_redis_hits_need_no_query(client, redis_cache, django_assert_num_queries):
    """With Redis, a hit costs one round trip and no SQL; a save invalidates it."""
    post = make_post(title="In Redis")
    get(client, HOME)
    with django_assert_num_queries(0):
        assert get(client, HOME)["X-Page-Cache"] == "hit"
    post.title = "Changed in Redis"
    save_post(post)
    assert "Changed in Redis" in get(client, HOME).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_lost_redis_version_cannot_match_old_pages(client, redis_cache):
    """If the version key is evicted, a new random one is made and old pages are misses."""
    make_post()
    get(client, HOME)
    redis_cache.delete(invalidation.VERSION_KEY)
    assert get(client, HOME)["X-Page-Cache"] == "miss"
    assert get(client, HOME)["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_a_change_written_without_signals_is_seen_at_once(client, redis_cache):
    """A bulk update followed by invalidate_pages(), as the importer does: a miss, new text."""
    post = make_post(title="Before")
    get(client, HOME)
    assert get(client, HOME)["X-Page-Cache"] == "hit"
    Post.objects.filter(pk=post.pk).update(title="After")
    invalidation.invalidate_pages()
    page = get(client, HOME)
    assert page["X-Page-Cache"] == "miss"
    assert "After" in page.content.decode() and "Before" not in page.content.decode()


def test_a_page_is_not_served_while_redis_is_down(client, redis_cache, settings):
    """A cache that does not answer serves nothing: the page is rendered."""
    post = make_post(title="Kept")
    get(client, HOME)
    Post.objects.filter(pk=post.pk).update(title="Newer")
    settings.CACHES = DEAD_REDIS
    page = get(client, HOME)
    assert "X-Page-Cache" not in page
    assert "Newer" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_change_saved_while_redis_was_down_shows_when_it_is_back(client, redis_cache, settings):
    """The process that saved while Redis was unreachable publishes the new version before it
    uses the cache again: the pages Redis still holds are stale."""
    post = make_post(title="Before the outage")
    get(client, HOME)
    working = settings.CACHES
    settings.CACHES = DEAD_REDIS
    post.title = "Saved during the outage"
    save_post(post)
    settings.CACHES = working
    page = get(client, HOME)
    assert page["X-Page-Cache"] == "miss"
    assert "Saved during the outage" in page.content.decode()


# Redis refusing writes (maxmemory reached with noeviction): a change must still make every
# server stop serving the pages cached before it.

OUT_OF_MEMORY = redis.exceptions.OutOfMemoryError(
    "command not allowed when used memory > 'maxmemory'."
)


def home_from_another_server(settings) -> tuple[str | None, str]:
    """The home page as a second app server sees it: its own process, the same database and
    Redis, no memory of what this process went through."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{quote(database['USER'] or '', safe='')}@"
            f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "PAGE_CACHE_TIMEOUT": "600",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        f"r = Client().get({HOME!r}); "
        "print(json.dumps([r.get('X-Page-Cache'), r.content.decode()]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_unpublishing_while_redis_refuses_writes_is_seen_by_every_server(
    client, redis_cache, settings
):
    """The new version cannot be written, so the old one is deleted: another server finds no
    version and renders the page instead of serving the one cached before the change."""
    if connection.vendor != "postgresql":
        pytest.skip("a second server needs a shared database: run with DATABASE_URL=postgres://")
    post = make_post(title="Taken down soon")
    get(client, HOME)
    assert home_from_another_server(settings)[0] == "hit"
    with mock.patch.object(redis_cache, "set", side_effect=OUT_OF_MEMORY):
        set_draft(Post.objects.filter(pk=post.pk), draft=True)
    served, content = home_from_another_server(settings)
    assert served != "hit"
    assert "Taken down soon" not in content


@pytest.mark.django_db(transaction=True)
def test_unpublishing_while_redis_refuses_writes_is_seen_here(client, redis_cache, caplog):
    """The server that made the change does not serve the old page either, and says why."""
    post = make_post(title="Taken down soon")
    get(client, HOME)
    with mock.patch.object(redis_cache, "set", side_effect=OUT_OF_MEMORY):
        with caplog.at_level(logging.WARNING, logger="blog.pagecache"):
            set_draft(Post.objects.filter(pk=post.pk), draft=True)
        assert "Could not invalidate" in caplog.text
        assert "Taken down soon" not in get(client, HOME).content.decode()


def test_editing_a_library_images_alt_text_invalidates(client, settings, tmp_path):
    """A cover's alt text is read live, so an edit in the image library must show; a new
    upload, which no page shows yet, keeps the cached pages."""
    from blog.media.images import store_upload
    from tests.media_helpers import image_bytes, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    image, _ = store_upload(upload(image_bytes(800, 400), "cover.jpg"), alt_text="Old words")
    post = make_post(cover_library_image=image)
    url = post.get_absolute_url()
    assert 'alt="Old words"' in get(client, url).content.decode()
    version = ContentVersion.objects.get(pk=1).version
    store_upload(upload(image_bytes(400, 200), "other.jpg"), alt_text="Unused")
    assert ContentVersion.objects.get(pk=1).version == version
    image.alt_text = "New words"
    image.save()
    assert 'alt="New words"' in get(client, url).content.decode()
