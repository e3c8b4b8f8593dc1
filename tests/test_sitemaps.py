from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml(client, url: str, **extra) -> ElementTree.Element:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def sitemap_entries(client, **extra) -> dict[str, str | None]:
    """{absolute URL: lastmod} of every sitemap the index at /sitemap.xml points to."""
    entries = {}
    for sitemap in xml(client, reverse("blog:sitemap"), **extra).findall("s:sitemap", NS):
        location = urlsplit(sitemap.findtext("s:loc", namespaces=NS))
        page = xml(client, f"{location.path}?{location.query}", **extra)
        entries.update(
            (url.findtext("s:loc", namespaces=NS), url.findtext("s:lastmod", namespaces=NS))
            for url in page.findall("s:url", NS)
        )
    return entries


def test_sitemap_is_an_index_of_sections_with_pages(client, monkeypatch):
    """/sitemap.xml lists the pages, posts, tags and authors sitemaps, each with its latest
    lastmod; posts come in pages of PostSitemap.limit."""
    from blog.sitemaps import PostSitemap

    monkeypatch.setattr(PostSitemap, "limit", 2)
    now = timezone.now()
    author = User.objects.create_user("ada", first_name="Ada", last_name="Lovelace")
    for days in (9, 7, 5, 3, 1):
        make_post(publish_date=now - timedelta(days=days), tags=["python"], author=author)
    response = client.get(reverse("blog:sitemap"))
    index = ElementTree.fromstring(response.content)
    found = {
        urlsplit(item.findtext("s:loc", namespaces=NS)).path
        + ("?" + urlsplit(item.findtext("s:loc", namespaces=NS)).query).rstrip("?"): item.findtext(
            "s:lastmod", namespaces=NS
        )
        for item in index.findall("s:sitemap", NS)
    }
    posts = reverse("blog:sitemap_section", kwargs={"section": "posts"})
    assert set(found) == {
        reverse("blog:sitemap_section", kwargs={"section": "pages"}),
        posts,
        posts.replace(".xml", "-2.xml"),
        posts.replace(".xml", "-3.xml"),
        reverse("blog:sitemap_section", kwargs={"section": "tags"}),
        reverse("blog:sitemap_section", kwargs={"section": "authors"}),
    }
    assert all(found.values())
    assert found[posts].startswith(now.strftime("%Y-%m-%d"))  # the posts were just saved
    assert response.has_header("Last-Modified")
    assert len(sitemap_entries(client)) == 3 + 5 + 1 + 1


def test_sitemap_lists_pages_posts_and_tags_with_lastmod(client):
    """Listing pages, every published post and every tag page are listed with a lastmod."""
    now = timezone.now()
    old = make_post(title="Old", publish_date=now - timedelta(days=30), tags=["python"])
    new = make_post(title="New", publish_date=now - timedelta(days=2), tags=["python", "django"])
    entries = sitemap_entries(client)
    base = "http://testserver"
    assert set(entries) == {
        f"{base}/",
        f"{base}/tags/",
        f"{base}/archive/",
        f"{base}{old.get_absolute_url()}",
        f"{base}{new.get_absolute_url()}",
        f"{base}/tags/python/",
        f"{base}/tags/django/",
    }
    assert all(entries.values())
    # A tag page last changed when its newest post appeared.
    assert entries[f"{base}/tags/python/"] == new.publish_date.strftime("%Y-%m-%d")


def test_entries_hold_only_what_search_engines_read(client):
    """<loc> and <lastmod>; no <changefreq> or <priority>, which Google ignores."""
    make_post(tags=["python"])
    for section in ("pages", "posts", "tags"):
        page = xml(client, reverse("blog:sitemap_section", kwargs={"section": section}))
        urls = page.findall("s:url", NS)
        assert urls, section
        for url in urls:
            assert [child.tag.split("}")[1] for child in url] == ["loc", "lastmod"], section


def test_post_lastmod_is_its_latest_date(client):
    """lastmod is the latest of the publish, edit and revision dates."""
    now = timezone.now()
    post = make_post(publish_date=now - timedelta(days=10))
    Post.objects.filter(pk=post.pk).update(updated_at=now - timedelta(days=20))
    url = "http://testserver" + post.get_absolute_url()
    assert sitemap_entries(client)[url] == (now - timedelta(days=10)).strftime("%Y-%m-%d")
    Post.objects.filter(pk=post.pk).update(revised_date=now - timedelta(days=5))
    assert sitemap_entries(client)[url] == (now - timedelta(days=5)).strftime("%Y-%m-%d")


def test_listing_pages_changed_when_a_scheduled_post_went_live(client):
    """A post written ahead of time changes the home page when it appears, not when it was
    last edited."""
    now = timezone.now()
    post = make_post(publish_date=now - timedelta(days=10))
    Post.objects.filter(pk=post.pk).update(updated_at=now - timedelta(days=20))
    assert sitemap_entries(client)["http://testserver/"] == (now - timedelta(days=10)).strftime(
        "%Y-%m-%d"
    )


def test_absolute_urls_come_from_site_url_never_the_host_header(client, settings):
    """Sitemaps, feeds, robots.txt and a page's canonical and social URLs are on SITE_URL,
    whatever port, case or trailing dot the request's Host header had."""
    settings.SITE_URL = "https://blog.example.org"
    settings.ALLOWED_HOSTS = ["blog.example.org", "blog.example.org."]
    post = make_post(tags=["t"])
    odd = {"HTTP_HOST": "BLOG.example.org.:8443"}
    entries = sitemap_entries(client, **odd)
    assert f"https://blog.example.org{post.get_absolute_url()}" in entries
    index = xml(client, reverse("blog:sitemap"), **odd)
    assert {urlsplit(loc.text).netloc for loc in index.findall("s:sitemap/s:loc", NS)} == {
        "blog.example.org"
    }
    for url in (
        reverse("blog:robots_txt"),
        reverse("blog:feed_atom"),
        reverse("blog:feed_rss"),
        reverse("blog:tag_feed_atom", kwargs={"slug": "t"}),
        post.get_absolute_url(),
        reverse("blog:post_list"),
    ):
        content = client.get(url, **odd).content.decode()
        assert "https://blog.example.org/" in content, url
        assert "8443" not in content and "BLOG." not in content and "org." not in content, url


def test_robots_txt_points_to_the_sitemap(client):
    """robots.txt allows crawling, keeps the admin out and names the sitemap in full."""
    response = client.get(reverse("blog:robots_txt"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
