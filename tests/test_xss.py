"""Hostile input: the XSS corpus through the real renderer, and hostile fields on every surface.

The corpus (tests/xss_corpus.py) goes through ``render_post``, exactly what a save stores; each
output is parsed as a browser would and must be inert. Then one post whose title, description,
tags, cover URL and alt text are all hostile is opened on every page, feed and admin screen
that shows them: the values must come back as text, never as markup.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import unquote

import html5lib
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.rendering.render import render_post
from blog.rendering.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from tests.factories import make_post
from tests.xss_corpus import VECTORS, assert_inert, problems

# --- The corpus through the renderer ----------------------------------------------------------


@pytest.fixture(params=["nh3", "bleach"])
def sanitizer(request, settings):
    """Each corpus test runs through both sanitizers the BLOG_SANITIZER setting offers."""
    settings.BLOG_SANITIZER = request.param
    return request.param


def test_corpus_is_large_and_distinct():
    """The corpus holds 150+ different vectors."""
    assert len(set(VECTORS)) == len(VECTORS) >= 150


@pytest.mark.parametrize("source", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
def test_vector_renders_inert(sanitizer, source):
    """Each vector's stored HTML and table of contents are inert and inside the allowlists."""
    rendered = render_post(source)
    for html in (rendered.html, rendered.toc_html):
        assert_inert(html, source)
        root = html5lib.parseFragment(html, namespaceHTMLElements=False)
        for element in root.iter():
            if element is root or not isinstance(element.tag, str):
                continue
            tag = element.tag.rsplit("}", 1)[-1]  # MathML elements come namespaced
            assert tag in ALLOWED_TAGS, (element.tag, source, html)
            allowed = set(ALLOWED_ATTRIBUTES.get(tag, []))
            assert set(element.attrib) <= allowed, (element.tag, element.attrib, source)
            if element.get("target"):
                assert element.get("rel") == "noopener noreferrer", (element.attrib, source)


def test_whole_corpus_as_one_post(sanitizer):
    """All vectors in one body (so they can interact) still render inert."""
    rendered = render_post("\n\n".join(VECTORS))
    assert_inert(rendered.html)
    assert_inert(rendered.toc_html)


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        '<img src="x" onerror="x">',
        '<a href="java&#x09;script:x">a</a>',
        '<a href=" &#1;JavaScript:x">a</a>',
        '<img src="data:image/svg+xml,x">',
        '<a href="vbscript:x">a</a>',
        '<p style="background:url(javascript:x)">p</p>',
        '<p style="width:expression(x)">p</p>',
        "<svg><a>x</a></svg>",
        "<math><maction>x</maction></math>",
        "<math><mglyph></mglyph></math>",
        '<iframe srcdoc="x"></iframe>',
        '<a xlink:href="javascript:x">a</a>',
        '<picture><source srcset="/a.png 1x, javascript:x 2x"></picture>',
    ],
)
def test_checker_catches_live_markup(html):
    """The inertness check itself is not blind: it flags each of these."""
    assert problems(html)


def test_checker_accepts_ordinary_markup(sanitizer):
    """...and passes ordinary sanitized output."""
    assert problems(render_post("A [link](https://example.com) and ![i](/a.png)").html) == []


# --- Hostile fields on every surface ------------------------------------------------------------

HOSTILE = "\"'><img src=x onerror=alert(1)><script>alert(1)</script></title>&amp;"
HOSTILE_TAG = 't"><svg onload=alert(1)>'
HOSTILE_COVER = "https://img.example/c.png?a=\"><script>alert(1)</script>&b='x"


@pytest.fixture
def hostile(db):
    """A published post with hostile title, description, tag and cover, and a neighbour."""
    now = timezone.now()
    neighbour = make_post(title="Neighbour", publish_date=now - timedelta(days=2), tags=["x"])
    post = make_post(
        title="Title " + HOSTILE,
        description="Description " + HOSTILE,
        body="Body text.",
        cover_image=HOSTILE_COVER,
        cover_image_alt="Alt " + HOSTILE,
        tags=[HOSTILE_TAG, "x"],
        publish_date=now - timedelta(days=1),
    )
    return {"post": post, "neighbour": neighbour}


def assert_page_inert(content: bytes, *, admin: bool = False):
    """A whole page: no handler, no executable script, no live foreign content.

    The admin draws its own icons as ``<svg><use href="#icon-…">``; nothing else may be SVG.
    """
    text = content.decode()
    assert "<script>alert(1)" not in text
    assert "<img src=x" not in text
    assert "<svg onload" not in text
    root = html5lib.parse(text, namespaceHTMLElements=False)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        assert not [a for a in element.attrib if str(a).lower().startswith("on")], element.attrib
        if element.tag == "script":
            # Only data blocks, or the admin's own files.
            assert element.get("src") or element.get("type") in {
                "application/ld+json",
                "application/json",
            }, element.attrib
        if admin and element.tag in {"svg", "use"}:
            assert set(element.attrib.values()) <= {"true"} or all(
                value.startswith("#") for key, value in element.attrib.items() if "href" in key
            ), element.attrib
            continue
        assert element.tag not in {"svg", "math", "iframe", "object", "embed"}
    return root


def meta_content(root, key: str) -> list[str]:
    return [
        el.get("content") for el in root.iter("meta") if key in (el.get("property"), el.get("name"))
    ]


def test_post_page(client, hostile):
    """Title, description, tag, cover and alt come back verbatim as text on the post page."""
    post = hostile["post"]
    root = assert_page_inert(client.get(post.get_absolute_url()).content)
    assert root.find(".//title").text.startswith("Title " + HOSTILE)
    assert "".join(root.find(".//h1").itertext()) == "Title " + HOSTILE
    assert meta_content(root, "og:title") == ["Title " + HOSTILE]
    assert meta_content(root, "twitter:title") == ["Title " + HOSTILE]
    assert meta_content(root, "og:description")[0].startswith("Description")
    # Made absolute by build_absolute_uri, which percent-encodes what a URL may not hold.
    assert [unquote(u) for u in meta_content(root, "og:image")] == [HOSTILE_COVER]
    assert meta_content(root, "og:image:alt") == ["Alt " + HOSTILE]
    assert HOSTILE_TAG in meta_content(root, "article:tag")
    cover = root.find(".//figure/img")
    assert (cover.get("src"), cover.get("alt")) == (HOSTILE_COVER, "Alt " + HOSTILE)
    tag_links = [a.text for a in root.iter("a") if a.get("rel") == "tag"]
    assert HOSTILE_TAG in tag_links
    (ld,) = [s for s in root.iter("script") if s.get("type") == "application/ld+json"]
    data = json.loads(ld.text)
    assert data["headline"] == "Title " + HOSTILE
    assert data["description"] == "Description " + HOSTILE
    assert unquote(data["image"]) == HOSTILE_COVER
    assert HOSTILE_TAG in data["keywords"]
    assert "</script" not in ld.text.lower() and "<!--" not in ld.text


def test_neighbour_page_shows_hostile_title_as_text(client, hostile):
    """Previous/next and related links carry the hostile title as text."""
    root = assert_page_inert(client.get(hostile["neighbour"].get_absolute_url()).content)
    texts = ["".join(a.itertext()) for a in root.iter("a")]
    assert any(HOSTILE in text for text in texts)


@pytest.mark.parametrize(
    "url",
    [
        reverse("blog:post_list"),
        reverse("blog:tag_list"),
        reverse("blog:archive_index"),
        reverse("blog:search") + "?q=Title",
        reverse("blog:search") + "?q=" + "%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
        "/no/such/page/%22%3E%3Cscript%3Ealert(1)%3C/script%3E/",
    ],
)
def test_listing_pages(client, hostile, url):
    """Listings, tag index, archive, search and the 404 escape titles, tags and the query."""
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert_page_inert(response.content)


def test_tag_pages_and_archives(client, hostile):
    """A hostile tag's own page and the archive pages escape the tag name and titles."""
    post = hostile["post"]
    tag = post.tags.get(name=HOSTILE_TAG)
    for url in [
        reverse("blog:tag_detail", kwargs={"slug": tag.slug}),
        reverse("blog:tag_detail", kwargs={"slug": f"{tag.slug}+x"}),
        reverse("blog:archive_year", kwargs={"year": timezone.localtime(post.publish_date).year}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        root = assert_page_inert(response.content)
        assert HOSTILE_TAG in root.find(".//title").text or "Title" in response.content.decode()


@pytest.mark.parametrize("name", ["blog:feed_atom", "blog:feed_rss"])
def test_feeds(client, hostile, name):
    """Feeds: titles are text; the summary, an HTML field in both formats, is escaped HTML."""
    post = hostile["post"]
    tag = post.tags.get(name=HOSTILE_TAG)
    for url in [reverse(name), reverse(name.replace("feed", "tag_feed"), args=[tag.slug])]:
        xml = ET.fromstring(client.get(url).content)
        atom = "{http://www.w3.org/2005/Atom}"
        for entry in [*xml.iter(f"{atom}entry"), *xml.iter("item")]:
            title = entry.findtext(f"{atom}title") or entry.findtext("title")
            if not title.startswith("Title"):
                continue
            if entry.tag == "item":
                # RSS readers read titles and categories as HTML: inert, and the text.
                assert_inert(title)
                title = as_text(title)
            assert title == "Title " + HOSTILE
            summary = entry.findtext(f"{atom}summary") or entry.findtext("description")
            # Read as HTML, as feed readers do: inert, and shows the description as text.
            assert_inert(summary)
            text = "".join(html5lib.parseFragment(summary, namespaceHTMLElements=False).itertext())
            assert text == "Description " + HOSTILE
            categories = [c.get("term") or c.text for c in entry.iter() if "category" in c.tag]
            if entry.tag == "item":
                categories = [as_text(category) for category in categories]
            assert HOSTILE_TAG in categories


def as_text(html: str) -> str:
    """What a reader shows of ``html``: its text."""
    return "".join(html5lib.parseFragment(html, namespaceHTMLElements=False).itertext())


def test_tag_feed_titles_are_text(client, hostile):
    """A tag feed's title names the hostile tag as text (Atom titles are text constructs)."""
    tag = hostile["post"].tags.get(name=HOSTILE_TAG)
    xml = ET.fromstring(client.get(reverse("blog:tag_feed_atom", args=[tag.slug])).content)
    title = xml.findtext("{http://www.w3.org/2005/Atom}title")
    assert HOSTILE_TAG in title


def test_content_security_policy_lets_post_media_play(client, db):
    """The video and audio a post body may hold are allowed to load from http(s) hosts."""
    post = make_post(body='<video controls src="https://media.example/v.mp4"></video>')
    assert 'src="https://media.example/v.mp4"' in post.body_html
    policy = client.get(post.get_absolute_url())["Content-Security-Policy"]
    (media,) = [part.split() for part in policy.split(";") if part.split()[0] == "media-src"]
    assert "https:" in media


def test_sitemap_has_escaped_slugs(client, hostile):
    """The sitemap is well-formed XML whatever the tag names."""
    ET.fromstring(client.get(reverse("blog:sitemap")).content)


@pytest.fixture
def admin_client(client, db):
    # No password: hashing one costs a second per test on these machines.
    client.force_login(User.objects.create(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_screens(admin_client, hostile):
    """The admin list, change form and rendered preview escape every hostile field."""
    post = hostile["post"]
    post.body = "<img src=x onerror=alert(1)> [a](javascript:alert(1))\n\n<script>alert(1)</script>"
    post.save()
    for url in [
        reverse("admin:blog_post_changelist"),
        reverse("admin:blog_post_changelist") + "?q=%3Cscript%3E",
        reverse("admin:blog_post_change", args=[post.pk]),
        reverse("admin:blog_tag_changelist"),
        reverse("admin:blog_post_delete", args=[post.pk]),
        reverse("admin:blog_post_history", args=[post.pk]),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        root = assert_page_inert(response.content, admin=True)
    # The change form's inputs hold the exact hostile values.
    values = {el.get("name"): el.get("value") for el in root.iter("input")}
    assert values.get("title") is None or values["title"] == "Title " + HOSTILE
    form = admin_client.get(reverse("admin:blog_post_change", args=[post.pk]))
    root = html5lib.parse(form.content.decode(), namespaceHTMLElements=False)
    inputs = {el.get("name"): el.get("value") for el in root.iter("input")}
    assert inputs["title"] == "Title " + HOSTILE
    assert inputs["cover_image"] == HOSTILE_COVER
    assert HOSTILE_TAG in inputs["tags"]
    (body,) = [el for el in root.iter("textarea") if el.get("name") == "body"]
    assert "<script>alert(1)</script>" in body.text  # the source, shown as text to edit
    preview = [el for el in root.iter("div") if "post-body" in (el.get("class") or "").split()]
    assert preview and problems(ET.tostring(preview[0], encoding="unicode")) == []


# --- Image URLs: the validator, through the admin form ------------------------------------------

REFUSED_IMAGE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java&#x09;script:alert(1)",
    "java&Tab;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;script:alert(1)",
    "javascript&colon;alert(1)",
    "\x00javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\u200bscript:alert(1)",
    "\ufeffjavascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:image/png;base64,iVBORw0KGgo=",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "DATA:text/html,x",
    "file:///etc/passwd",
    "ftp://example.com/a.png",
    "blob:https://example.com/x",
    "jar:http://example.com/x!/y",
    "livescript:alert(1)",
]
ACCEPTED_IMAGE_URLS = [
    "https://example.com/a.png",
    "http://example.com/a.png?x=1&y=2",
    "HTTPS://EXAMPLE.COM/A.PNG",
    "/static/cover.png",
    "//cdn.example.com/a.png",
    "images/a:b.png",
    "a.png?when=10:30",
    "",
]


def post_cover(admin_client, post: Post, url: str):
    return admin_client.post(
        reverse("admin:blog_post_change", args=[post.pk]),
        {
            "title": post.title,
            "slug": post.slug,
            "body": "",
            "description": "",
            "tags": "",
            "publish_date_0": "2024-01-02",
            "publish_date_1": "10:00:00",
            "cover_image": url,
            "cover_image_alt": "",
            "extra_front_matter": "{}",
        },
    )


@pytest.mark.parametrize("url", REFUSED_IMAGE_URLS)
def test_admin_refuses_script_and_data_cover_urls(admin_client, url):
    """Script-bearing and non-http schemes are refused, however they are disguised."""
    post = make_post(cover_image="")
    response = post_cover(admin_client, post, url)
    assert response.status_code == 200
    assert "cover_image" in response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.cover_image == ""


@pytest.mark.parametrize("url", ACCEPTED_IMAGE_URLS)
def test_admin_accepts_http_and_relative_cover_urls(admin_client, url):
    """Ordinary http(s), protocol-relative and site-relative URLs are kept."""
    post = make_post(cover_image="")
    response = post_cover(admin_client, post, url)
    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.cover_image == url


@pytest.mark.parametrize("name", ["<>", "&&", "🐍", "++", "\"'"])
def test_tag_without_sluggable_characters(client, db, name):
    """A tag made only of symbols or emoji gets a usable slug instead of a 500 on every page."""
    post = make_post(title="Symbols", tags=[name])
    tag = post.tags.get()
    assert tag.slug
    for url in [
        reverse("blog:post_list"),
        post.get_absolute_url(),
        reverse("blog:tag_list"),
        reverse("blog:tag_detail", args=[tag.slug]),
    ]:
        assert client.get(url).status_code == 200, url


# --- Per-post SEO fields ----------------------------------------------------------------------

HOSTILE_CANONICAL = "https://elsewhere.example/a?b=\"><script>alert(1)</script>&c='x"


@pytest.fixture
def hostile_seo(db):
    """A published post whose every SEO field is hostile."""
    return make_post(
        title="SEO target",
        meta_title="Meta " + HOSTILE,
        meta_description="Meta description " + HOSTILE,
        canonical_url=HOSTILE_CANONICAL,
        social_image=HOSTILE_COVER,
    )


def test_post_page_seo_fields_are_text(client, hostile_seo):
    """SEO title, description, canonical URL and social image come back verbatim, inert."""
    root = assert_page_inert(client.get(hostile_seo.get_absolute_url()).content)
    assert root.find(".//title").text == "Meta " + HOSTILE
    assert meta_content(root, "og:title") == ["Meta " + HOSTILE]
    assert meta_content(root, "description") == ["Meta description " + HOSTILE]
    assert meta_content(root, "twitter:description") == ["Meta description " + HOSTILE]
    assert [unquote(u) for u in meta_content(root, "og:url")] == [HOSTILE_CANONICAL]
    (link,) = [el for el in root.iter("link") if el.get("rel") == "canonical"]
    assert link.get("href") == HOSTILE_CANONICAL
    assert [unquote(u) for u in meta_content(root, "twitter:image")] == [HOSTILE_COVER]
    (ld,) = [s for s in root.iter("script") if s.get("type") == "application/ld+json"]
    assert json.loads(ld.text)["url"] == HOSTILE_CANONICAL


def test_admin_seo_preview_is_inert(admin_client, hostile_seo):
    """The change form's SEO previews show the hostile fields as text."""
    response = admin_client.get(reverse("admin:blog_post_change", args=[hostile_seo.pk]))
    root = assert_page_inert(response.content, admin=True)
    inputs = {el.get("name"): el.get("value") for el in root.iter("input")}
    assert inputs["meta_title"] == "Meta " + HOSTILE
    assert inputs["canonical_url"] == HOSTILE_CANONICAL
    assert inputs["social_image"] == HOSTILE_COVER
    (title,) = [el for el in root.iter("p") if el.get("class") == "seo-card-title"]
    assert title.text == "Meta " + HOSTILE
    (image,) = [el for el in root.iter("img") if el.get("class") == "seo-card-image"]
    assert image.get("src") == HOSTILE_COVER


@pytest.mark.parametrize("url", REFUSED_IMAGE_URLS)
def test_admin_refuses_script_urls_in_seo_fields(admin_client, url):
    """The canonical URL and the social image refuse what the cover refuses."""
    post = make_post()
    data = {
        "title": "T",
        "slug": post.slug,
        "publish_date_0": "2024-01-02",
        "publish_date_1": "10:00:00",
        "extra_front_matter": "{}",
        "canonical_url": url,
        "social_image": url,
    }
    response = admin_client.post(reverse("admin:blog_post_change", args=[post.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "canonical_url" in errors and "social_image" in errors
