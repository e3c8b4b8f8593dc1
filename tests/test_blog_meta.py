import json
import re
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db


def meta(content: str, key: str) -> list[str]:
    """Values of <meta property|name="key" content="..."> in a page."""
    return re.findall(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', content)


def json_ld(content: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return json.loads(block)


def test_post_page_meta_with_cover_image(client):
    """A post has its title, description, canonical URL, OpenGraph and a large Twitter card."""
    post = make_post(
        title="Cover story",
        description="What the post is about.",
        cover_image="/static/cover.jpg",
        cover_image_alt="A cover",
        tags=["python"],
    )
    content = client.get(post.get_absolute_url(), {"utm_source": "x"}).content.decode()
    url = f"http://testserver{post.get_absolute_url()}"
    assert "<title>Cover story · Field Notes</title>" in content
    assert meta(content, "description") == ["What the post is about."]
    assert f'<link rel="canonical" href="{url}">' in content
    assert meta(content, "og:type") == ["article"]
    assert meta(content, "og:title") == ["Cover story"]
    assert meta(content, "og:url") == [url]
    assert meta(content, "og:image") == ["http://testserver/static/cover.jpg"]
    assert meta(content, "og:image:alt") == ["A cover"]
    assert meta(content, "twitter:card") == ["summary_large_image"]
    assert meta(content, "twitter:image") == ["http://testserver/static/cover.jpg"]
    assert meta(content, "article:tag") == ["python"]
    assert "noindex" not in content


def test_pages_without_an_image_get_a_summary_card(client):
    """Without a cover image there is no og:image and the Twitter card is the small one."""
    post = make_post(title="No cover")
    content = client.get(post.get_absolute_url()).content.decode()
    assert meta(content, "og:image") == []
    assert meta(content, "twitter:card") == ["summary"]
    home = client.get(reverse("blog:post_list")).content.decode()
    assert meta(home, "og:type") == ["website"]
    assert '<link rel="canonical" href="http://testserver/">' in home


def test_canonical_url_keeps_only_the_page_number(client):
    """Listing pages past the first are their own canonical page; stray parameters are dropped."""
    now = timezone.now()
    for day in range(12):
        make_post(publish_date=now - timedelta(days=day + 1))
    content = client.get("/page/2/", {"ref": "x"}).content.decode()
    assert '<link rel="canonical" href="http://testserver/page/2/">' in content


def test_json_ld_blog_posting(client):
    """Posts describe themselves as a schema.org BlogPosting."""
    author = make_staff()
    post = make_post(
        title="Structured",
        description="Desc",
        author=author,
        tags=["python"],
        cover_image="https://example.com/c.jpg",
    )
    data = json_ld(client.get(post.get_absolute_url()).content.decode())
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Structured"
    assert data["description"] == "Desc"
    assert data["url"] == f"http://testserver{post.get_absolute_url()}"
    assert "author" not in data  # no full name: the login name is never shown
    assert data["image"] == "https://example.com/c.jpg"
    assert data["keywords"] == ["python"]
    assert data["datePublished"].startswith(post.publish_date.strftime("%Y-%m-%dT%H:%M"))


def test_json_ld_cannot_be_broken_out_of(client):
    """A title with </script> and <!-- stays inside the JSON, and decodes to itself."""
    title = '</script><script>alert(1)</script><!-- "quoted" & more'
    post = make_post(title=title, description="</SCRIPT>")
    content = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content
    assert content.count("</script>") == 1
    data = json_ld(content)
    assert data["headline"] == title
    assert data["description"] == "</SCRIPT>"


def test_draft_preview_and_search_are_noindex(client):
    """Draft previews and search results tell robots not to index them."""
    client.force_login(make_staff())
    draft = make_post(draft=True)
    assert (
        '<meta name="robots" content="noindex, nofollow">'
        in client.get(draft.get_absolute_url()).content.decode()
    )
    search = client.get(reverse("blog:search"), {"q": "x"}).content.decode()
    assert '<meta name="robots" content="noindex">' in search


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata"])
def test_date_filters_give_what_djangos_date_filter_gives(settings, zone):
    """long_date and machine_date are the |date formats they replace, in any time zone."""
    from django.template.defaultfilters import date as date_filter

    from blog.templatetags.blog_meta import long_date, machine_date

    settings.TIME_ZONE = zone
    start = timezone.datetime(2024, 1, 1, tzinfo=UTC)
    for hours in range(0, 24 * 400, 37):
        moment = start + timedelta(hours=hours)
        # In a template, |date gets the value in the site's time zone (expects_localtime).
        local = timezone.localtime(moment)
        assert long_date(moment) == date_filter(local, "j F Y")
        assert machine_date(moment) == date_filter(local, r"Y-m-d\TH:i:sO")
