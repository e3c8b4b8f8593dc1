"""Site settings: validation, the write path, what every reader-facing surface shows, the
cache (no extra query when warm, never stale), and the admin's one form."""

from __future__ import annotations

import html
import json
import os
import re
import uuid
from datetime import timedelta

import feedparser
import pytest
import redis
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.media.images import store_upload
from blog.pagecache import invalidate_pages
from blog.sitesettings.models import SINGLETON_PK, SiteSettings
from blog.sitesettings.reading import Site, current
from blog.sitesettings.writes import load_or_default, save_site_settings, set_social_links
from tests.factories import make_post
from tests.media_helpers import image_bytes, upload

pytestmark = pytest.mark.django_db

HOME = "/"
CHANGE = reverse("admin:blog_sitesettings_change", args=[SINGLETON_PK])
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def edit(**fields) -> SiteSettings:
    row = load_or_default()
    for name, value in fields.items():
        setattr(row, name, value)
    save_site_settings(row)
    return row


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw-unused-1"))
    return client


@pytest.fixture
def page_cache_on(settings):
    settings.CACHES = LOCMEM
    settings.PAGE_CACHE_TIMEOUT = 600
    caches["default"].clear()


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,stored", [("en", "en"), ("EN-gb", "en-GB"), ("pt_BR", "pt-BR"), ("zh-hant", "zh-Hant")]
)
def test_language_tags_are_stored_in_their_standard_spelling(typed, stored):
    """Any spelling of a valid BCP 47 tag is kept the way <html lang> should say it."""
    assert edit(language=typed).language == stored
    assert SiteSettings.objects.get().language == stored


@pytest.mark.parametrize("typed", ["english", "xx", "en-", "en us", ""])
def test_a_language_that_is_no_tag_is_refused_with_an_example(typed):
    """Not a tag, or a tag of no language: the error says what to type instead."""
    with pytest.raises(ValidationError) as error:
        edit(language=typed)
    assert "language" in error.value.message_dict


@pytest.mark.parametrize("count", [0, 101])
def test_posts_per_page_is_bounded(count):
    """0 or 101 posts a page is refused; the stored setting is unchanged."""
    with pytest.raises(ValidationError) as error:
        edit(posts_per_page=count)
    assert "posts_per_page" in error.value.message_dict
    assert SiteSettings.objects.get().posts_per_page == 10


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.com/me", "mastodon.social/@me", "data:,x"]
)
def test_social_links_must_be_web_addresses(url):
    """Only http(s) profile addresses; the error names the link, and nothing is replaced."""
    row = edit()
    set_social_links(row, [("GitHub", "https://github.com/someone")])
    with pytest.raises(ValidationError, match=r"Social link 2 \('Bad'\)"):
        set_social_links(row, [("Fine", "https://example.com/"), ("Bad", url)])
    assert list(row.social_links.values_list("label", flat=True)) == ["GitHub"]


def test_control_characters_are_refused_in_the_title():
    """A title a feed could not carry is refused, not stored."""
    with pytest.raises(ValidationError) as error:
        edit(title="Bell\x07")
    assert "title" in error.value.message_dict


def test_a_favicon_must_be_square(media_root):
    """A wide image as favicon is refused with its size; a square one is accepted."""
    wide, _ = store_upload(upload(image_bytes(600, 300)), alt_text="Wide")
    square, _ = store_upload(upload(image_bytes(256, 256), name="sq.jpg"), alt_text="Square")
    with pytest.raises(ValidationError, match="600 × 300"):
        edit(favicon=wide)
    assert edit(favicon=square).favicon == square


def test_the_footer_is_rendered_and_sanitized_on_save():
    """Markdown in the footer becomes HTML once, on save; scripts and javascript: links do not
    survive."""
    row = edit(
        footer_text="© Ada · [Imprint](/imprint/) <script>alert(1)</script> "
        "[x](javascript:alert(1))"
    )
    assert '<a href="/imprint/">Imprint</a>' in row.footer_html
    assert "<script" not in row.footer_html and "javascript:" not in row.footer_html
    assert SiteSettings.objects.get().footer_html == row.footer_html


# --- what readers see ------------------------------------------------------------------------


def test_every_page_shows_the_settings(client, media_root):
    """Title, tagline, description, language, logo, favicon, footer and rel=me links reach
    the header, <title>, meta tags, OpenGraph, JSON-LD and footer."""
    logo, _ = store_upload(upload(image_bytes(800, 200)), alt_text="Logo")
    icon, _ = store_upload(upload(image_bytes(64, 64), name="icon.jpg"), alt_text="Icon")
    row = edit(
        title="Ada's Notebook",
        tagline="Engines & more",
        description="Notes on the analytical engine.",
        language="en-GB",
        logo=logo,
        favicon=icon,
        footer_text="Written by *Ada*.",
    )
    set_social_links(row, [("Mastodon", "https://example.social/@ada")])
    post = make_post(title="On Bernoulli numbers")

    home = client.get(HOME).content.decode()
    assert '<html lang="en-GB">' in home
    assert "<title>Ada&#x27;s Notebook</title>" in home
    assert '<meta name="description" content="Notes on the analytical engine.">' in home
    assert '<p class="site-tagline">Engines &amp; more</p>' in home
    assert re.search(r'<img class="site-logo" src="[^"]+\.(jpg|png)" width="\d+"', home)
    assert '<meta property="og:site_name" content="Ada&#x27;s Notebook">' in home
    assert "<em>Ada</em>" in home
    assert '<a href="https://example.social/@ada" rel="me">Mastodon</a>' in home
    assert 'title="Ada&#x27;s Notebook (Atom)"' in home
    favicon = re.search(r'<link rel="icon" href="([^"]+)" type="image/(jpeg|png)">', home)
    assert favicon and "favicon.svg" not in home

    page = client.get(post.get_absolute_url()).content.decode()
    assert "<title>On Bernoulli numbers · Ada&#x27;s Notebook</title>" in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page)[1])
    assert ld["publisher"]["name"] == "Ada's Notebook"
    assert ld["publisher"]["logo"]["url"].startswith("http://testserver/")

    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == favicon[1]


def test_feeds_carry_the_site_title_and_description(client):
    """Site and tag feeds are titled and described by the settings, not the environment."""
    edit(title="Ada's Notebook", description="Notes on the engine.")
    make_post(title="A post", tags=["maths"])
    for url in (reverse("blog:feed_atom"), reverse("blog:feed_rss")):
        feed = feedparser.parse(client.get(url).content)
        assert feed.bozo == 0, url
        # RSS titles are HTML (escaped for readers), Atom titles text.
        title = feed.feed.title
        if feed.feed.title_detail.type == "text/html":
            title = html.unescape(title)
        assert title == "Ada's Notebook"
        assert feed.feed.get("subtitle", feed.feed.get("description")) == "Notes on the engine."
    tag_feed = feedparser.parse(
        client.get(reverse("blog:tag_feed_atom", kwargs={"slug": "maths"})).content
    )
    assert tag_feed.feed.title == "Ada's Notebook: posts tagged maths"


def test_posts_per_page_paginates_every_listing(client):
    """Three posts a page: the home page and tag pages split after three."""
    edit(posts_per_page=3)
    now = timezone.now()
    for day in range(4):
        make_post(title=f"Day {day}", publish_date=now - timedelta(days=day + 1), tags=["t"])
    for url in (HOME, reverse("blog:tag_detail", kwargs={"slug": "t"})):
        response = client.get(url)
        assert len(response.context["posts"]) == 3, url
        assert client.get(f"{url}page/2/").context["posts"][0].title == "Day 3", url


def test_without_a_row_the_environment_gives_the_defaults(client, settings):
    """Before any save (a flushed database) the site uses BLOG_TITLE and friends; once saved,
    the admin's settings win over the environment."""
    SiteSettings.objects.all().delete()
    settings.SITE_TITLE, settings.SITE_DESCRIPTION = "From the environment", "Env description"
    assert current() == Site.from_environment()
    assert "<title>From the environment</title>" in client.get(HOME).content.decode()
    edit(title="From the admin")
    assert "<title>From the admin</title>" in client.get(HOME).content.decode()
    assert SiteSettings.objects.get().description == "Env description"


def test_the_migration_seeds_the_row_from_the_environment():
    """The row exists after migrating, holding what the environment said."""
    row = SiteSettings.objects.get(pk=SINGLETON_PK)
    assert (row.title, row.posts_per_page, row.language) == ("Field Notes", 10, "en")


# --- cache ---------------------------------------------------------------------------------


def test_a_warm_cache_reads_no_settings_from_the_database(client, warm_site_settings):
    """Pages and feeds read the settings from the cache: no query touches their tables."""
    make_post(title="Cached", tags=["t"])
    with CaptureQueriesContext(connection) as queries:
        for url in (HOME, "/tags/t/", reverse("blog:feed_atom"), "/search/"):
            assert client.get(url).status_code == 200
    assert not [q for q in queries.captured_queries if "sitesettings" in q["sql"]]


def test_one_request_asks_once(rf, warm_site_settings, django_assert_num_queries):
    """Asking again within a request costs nothing, not even a cache read."""
    request = rf.get(HOME)
    first = current(request)
    caches["default"].clear()
    with django_assert_num_queries(0):
        assert current(request) is first


def test_saving_the_settings_invalidates_cached_pages(client, page_cache_on):
    """A cached page is replaced as soon as the settings are saved."""
    make_post(title="A post")
    client.get(HOME)
    assert client.get(HOME)["X-Page-Cache"] == "hit"
    edit(title="Renamed site")
    response = client.get(HOME)
    assert response["X-Page-Cache"] == "miss"
    assert "<title>Renamed site</title>" in response.content.decode()


def test_a_miss_with_the_page_cache_on_adds_no_query(
    client, page_cache_on, django_assert_num_queries
):
    """The page cache reads the content version anyway; the settings reuse it."""
    make_post(title="A post")
    client.get("/archive/")  # another page: the settings, tagged with the current version
    # version, page of posts, their tags, the menu, next scheduled post
    with django_assert_num_queries(5):
        assert client.get(HOME)["X-Page-Cache"] == "miss"


def test_another_process_sees_the_change_at_once(client, page_cache_on):
    """A process that still holds the old settings (simulated: the row changed without this
    process dropping its copy) shows the new ones on its next page: the version moved."""
    make_post(title="A post")
    assert "<title>Field Notes</title>" in client.get(HOME).content.decode()
    SiteSettings.objects.update(title="Changed elsewhere")
    invalidate_pages()  # what the other process's save did
    assert "<title>Changed elsewhere</title>" in client.get(HOME).content.decode()


def test_an_editor_sees_a_change_made_elsewhere_at_once(admin_client, page_cache_on):
    """Logged-in pages skip the page cache, so they check the version themselves."""
    make_post(title="A post")
    admin_client.get(HOME)
    SiteSettings.objects.update(title="Changed elsewhere")
    invalidate_pages()
    assert "<title>Changed elsewhere</title>" in admin_client.get(HOME).content.decode()


@pytest.fixture
def redis_cache(settings):
    prefix = f"test-settings-{uuid.uuid4().hex[:8]}"
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
def test_with_redis_settings_cost_no_query_and_follow_saves(
    client, redis_cache, settings, django_assert_num_queries
):
    """With Redis, warm pages read the settings without SQL, and every process sees a save
    (the version is replaced in Redis once the save commits)."""
    settings.PAGE_CACHE_TIMEOUT = 600
    edit(title="Field Notes")  # an earlier transactional test may have emptied the table
    make_post(title="A post")
    client.get(HOME)
    with django_assert_num_queries(0):
        assert current(None).title == "Field Notes"
    SiteSettings.objects.filter(pk=SINGLETON_PK).update(title="Changed elsewhere")
    invalidate_pages()  # another process's save, committed (autocommit here)
    assert "<title>Changed elsewhere</title>" in client.get(HOME).content.decode()
    edit(title="Saved here")
    assert "<title>Saved here</title>" in client.get(HOME).content.decode()


# --- admin ---------------------------------------------------------------------------------


def form(**changes) -> dict[str, str]:
    data = {
        "title": "Field Notes",
        "tagline": "",
        "description": "",
        "language": "en",
        "logo": "",
        "favicon": "",
        "posts_per_page": "10",
        "footer_text": "",
        "social_links-TOTAL_FORMS": "0",
        "social_links-INITIAL_FORMS": "0",
        "social_links-MIN_NUM_FORMS": "0",
        "social_links-MAX_NUM_FORMS": "12",
    }
    data.update(changes)
    return data


def test_the_admin_list_is_the_one_form(admin_client):
    """The settings have no list, no add and no delete: the list opens the form."""
    response = admin_client.get(reverse("admin:blog_sitesettings_changelist"))
    assert response.status_code == 302 and response["Location"] == CHANGE
    assert admin_client.get(reverse("admin:blog_sitesettings_add")).status_code == 403
    page = admin_client.get(CHANGE).content.decode()
    assert 'class="deletelink"' not in page and "Site settings" in page


def test_saving_in_the_admin_changes_the_site(admin_client, client):
    """Title, links in the order given, and the footer: saved through the write path."""
    data = form(
        title="Renamed",
        language="de_de",
        footer_text="**Hello**",
        **{
            "social_links-TOTAL_FORMS": "2",
            "social_links-0-label": "GitHub",
            "social_links-0-url": "https://github.com/ada",
            "social_links-0-position": "2",
            "social_links-1-label": "Mastodon",
            "social_links-1-url": "https://example.social/@ada",
            "social_links-1-position": "1",
        },
    )
    response = admin_client.post(CHANGE, data)
    assert response.status_code == 302 and response["Location"] == CHANGE
    row = SiteSettings.objects.get()
    assert (row.title, row.language) == ("Renamed", "de-DE")
    assert "<strong>Hello</strong>" in row.footer_html
    assert list(row.social_links.values_list("label", "position")) == [
        ("Mastodon", 0),
        ("GitHub", 1),
    ]
    make_post(title="A post")
    page = client.get(HOME).content.decode()
    assert page.index(">Mastodon<") < page.index(">GitHub<")


def test_bad_input_in_the_admin_says_what_is_wrong_and_keeps_the_rest(admin_client):
    """Errors name the field; nothing is saved, and the form keeps what was typed."""
    data = form(
        title="Kept",
        language="klingonish",
        posts_per_page="500",
        **{
            "social_links-TOTAL_FORMS": "1",
            "social_links-0-label": "Evil",
            "social_links-0-url": "javascript:alert(1)",
            "social_links-0-position": "0",
        },
    )
    response = admin_client.post(CHANGE, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a language tag" in page
    assert "Ensure this value is less than or equal to 100" in page
    assert "starting with https://" in page
    assert 'value="Kept"' in page
    assert SiteSettings.objects.get().title == "Field Notes"


# --- static copy ---------------------------------------------------------------------------


def test_the_static_copy_follows_a_settings_change(client, settings, tmp_path):
    """Saving the settings queues a full rebuild; after one worker run every file shows them
    and the tree matches a crawl of the app."""
    from blog.staticsite.build import build_site
    from blog.staticsite.models import PublishTask
    from blog.staticsite.target import DirectoryTarget
    from blog.staticsite.worker import run_once
    from tests.staticsite_helpers import problems

    settings.STATIC_SITE_DIR = str(tmp_path)
    now = timezone.now()
    for day in range(3):
        make_post(title=f"Day {day}", publish_date=now - timedelta(days=day + 1), tags=["t"])
    build_site(DirectoryTarget(tmp_path), jobs=1)
    PublishTask.objects.all().delete()
    current()  # this process holds the old settings, as a running worker would

    edit(title="Renamed for the tree", posts_per_page=2)
    assert PublishTask.objects.filter(kind="everything").exists()
    while run_once(DirectoryTarget(tmp_path)) is not None:
        pass
    assert "<title>Renamed for the tree</title>" in (tmp_path / "index.html").read_text()
    assert (tmp_path / "page" / "2" / "index.html").exists()
    assert problems(client, tmp_path) == []
