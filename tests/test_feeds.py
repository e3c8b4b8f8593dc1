import html
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import html5lib
import pytest
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog.feeds import FEED_ITEMS, absolutize_urls
from blog.models import Post
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db

SITE_FEEDS = {"atom10": reverse("blog:feed_atom"), "rss20": reverse("blog:feed_rss")}


def tag_feeds(slug: str) -> dict[str, str]:
    return {
        "atom10": reverse("blog:tag_feed_atom", kwargs={"slug": slug}),
        "rss20": reverse("blog:tag_feed_rss", kwargs={"slug": slug}),
    }


def parse(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    return feedparser.parse(response.content)


@pytest.mark.parametrize("version,url", SITE_FEEDS.items())
def test_site_feeds_are_valid_with_full_content(client, version, url):
    """Both feeds parse cleanly and carry each post's summary and its full, absolute HTML."""
    author = make_staff()
    author.first_name, author.last_name = "Ada", "Lovelace"
    author.save()
    post = make_post(
        title="Feeds & <things>",
        description="A short summary.",
        body="Intro with a [local link](/tags/x/) and ![img](/media/a.png).\n\n"
        "## Part\n\nMore[^1].\n\n[^1]: A note.",
        tags=["python", "Deep Learning"],
        author=author,
    )
    feed = parse(client, url)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == version
    assert feed.feed.title == "Field Notes"
    assert feed.feed.link == "http://testserver/"
    (entry,) = feed.entries
    # RSS titles are HTML (escaped for readers), Atom titles text.
    title = entry.title
    if entry.title_detail.type == "text/html":
        title = html.unescape(title)
    assert title == "Feeds & <things>"
    assert entry.link == "http://testserver" + post.get_absolute_url()
    assert entry.summary == "A short summary."
    content = entry.content[0].value
    assert '<h2 id="part">Part</h2>' in content
    assert 'href="http://testserver/tags/x/"' in content
    assert 'src="http://testserver/media/a.png"' in content
    assert "A note." in content
    assert sorted(tag.term for tag in entry.tags) == ["Deep Learning", "python"]
    assert entry.author == "Ada Lovelace"
    assert entry.published_parsed[:6] == post.publish_date.utctimetuple()[:6]


def test_feeds_are_advertised_on_pages(client):
    """Pages carry autodiscovery links to the site's feeds, tag pages to the tag's too."""
    make_post(tags=["python"])
    home = client.get(reverse("blog:post_list")).content.decode()
    assert (
        f'type="application/atom+xml" title="Field Notes (Atom)" href="{SITE_FEEDS["atom10"]}"'
        in home
    )
    assert (
        f'type="application/rss+xml" title="Field Notes (RSS)" href="{SITE_FEEDS["rss20"]}"' in home
    )
    tag_page = client.get(reverse("blog:tag_detail", kwargs={"slug": "python"})).content.decode()
    for url in tag_feeds("python").values():
        assert f'href="{url}"' in tag_page


def test_feed_holds_the_latest_posts_newest_first(client):
    """The feed lists the newest published posts, newest first, up to its limit."""
    now = timezone.now()
    for day in range(FEED_ITEMS + 2):
        make_post(title=f"Day {day}", publish_date=now - timedelta(days=day + 1))
    feed = parse(client, SITE_FEEDS["atom10"])
    titles = [entry.title for entry in feed.entries]
    assert titles == [f"Day {day}" for day in range(FEED_ITEMS)]


@pytest.mark.parametrize("version", ["atom10", "rss20"])
def test_tag_feeds_hold_the_posts_of_their_tags(client, version):
    """A tag's feed, and a feed of several tags, holds only posts carrying all of them."""
    make_post(title="Python only", tags=["python"])
    make_post(title="Both", tags=["python", "django"])
    make_post(title="Django only", tags=["django"])
    feed = parse(client, tag_feeds("python")[version])
    assert feed.bozo == 0 and feed.version == version
    assert sorted(entry.title for entry in feed.entries) == ["Both", "Python only"]
    assert feed.feed.title == "Field Notes: posts tagged python"
    both = parse(client, tag_feeds("django+python")[version])
    assert [entry.title for entry in both.entries] == ["Both"]
    assert both.feed.link == "http://testserver/tags/django+python/"


def test_unknown_tag_feeds_are_404(client):
    """Feeds of missing tags, empty combinations or too many tags are 404."""
    make_post(tags=["python"])
    make_post(tags=["django"])
    for slug in ["nope", "python+nope", "django+python", "a+b+c+d+e+f"]:
        assert client.get(tag_feeds(slug)["atom10"]).status_code == 404, slug


def test_absolutize_urls_leaves_absolute_urls_alone():
    """Relative links and fragments are resolved; http(s) and mailto URLs are untouched."""
    html = (
        '<a href="/a/">x</a><a href="#fn:1">1</a><img src="b.png">'
        '<a href="https://example.com/">e</a><a href="mailto:a@b.c">m</a>'
    )
    assert absolutize_urls(html, "https://site.example/posts/p/") == (
        '<a href="https://site.example/a/">x</a><a href="https://site.example/posts/p/#fn:1">1</a>'
        '<img src="https://site.example/posts/p/b.png"><a href="https://example.com/">e</a>'
        '<a href="mailto:a@b.c">m</a>'
    )


@pytest.mark.parametrize("version", ["atom10", "rss20"])
def test_control_characters_never_break_a_feed(client, version):
    """A body holding control characters (raw, or as &#1; and &#11; that the sanitizer
    decodes), and a title, description and tag stored before the write path refused them,
    still give a valid feed, without those characters."""
    post = make_post(body="x &#1; y &#11; z \x01 and <a\\_b@example.com>", tags=["feed"])
    Post.objects.filter(pk=post.pk).update(title="Bell\x07 title", description="Vertical\x0b tab")
    Tag.objects.filter(name="feed").update(name="form\x0cfeed")
    response = client.get(SITE_FEEDS[version])
    assert response.status_code == 200
    text = response.content.decode()
    assert not re.search(
        r"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(x0*[0-8bcef]|x0*1[0-9a-f]|0*[0-8]|0*1[1-9]|0*2[0-9]|0*3[01]);",
        text,
    )
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    (entry,) = feed.entries
    assert entry.title == "Bell title"
    assert [tag.term for tag in entry.tags] == ["formfeed"]
    assert 'href="mailto:a_b@example.com"' in entry.content[0].value


def test_feeds_leave_urls_in_code_text_alone(client):
    """Relative URLs written inside code are text, not links: the feed keeps them as typed,
    and still makes the real links absolute."""
    make_post(body='`<a href="page.html">` and [a link](page.html)')
    feed = parse(client, SITE_FEEDS["atom10"])
    content = feed.entries[0].content[0].value
    assert '<code>&lt;a href="page.html"&gt;</code>' in content
    assert content.count("http://testserver/") == 1


def test_absolutize_urls_ignores_text():
    """Only href and src attributes of tags are resolved, never text that looks like one."""
    html = '<p>src="a.png" <a href="b/">b</a></p>'
    assert absolutize_urls(html, "https://site.example/p/") == (
        '<p>src="a.png" <a href="https://site.example/p/b/">b</a></p>'
    )


def test_rss_titles_and_categories_read_as_html_show_the_text(client):
    """RSS readers treat <title> and <category> as HTML: markup in a title or tag name is
    escaped for them, so they show it as typed instead of rendering it."""
    make_post(title="Use <b>bold</b> & <i>more</i>", tags=["<em>tag</em> & co"])
    root = ET.fromstring(client.get(SITE_FEEDS["rss20"]).content)
    (item,) = root.iter("item")
    for element, expected in [
        (item.find("title"), "Use <b>bold</b> & <i>more</i>"),
        (item.find("category"), "<em>tag</em> & co"),
    ]:
        fragment = html5lib.parseFragment(element.text, namespaceHTMLElements=False)
        assert list(fragment) == [], element.text  # no elements: text only
        assert "".join(fragment.itertext()) == expected
    slug = Tag.objects.get().slug
    tag_feed = ET.fromstring(client.get(tag_feeds(slug)["rss20"]).content)
    channel_title = tag_feed.find("channel/title").text
    assert "".join(html5lib.parseFragment(channel_title).itertext()).endswith("<em>tag</em> & co")
