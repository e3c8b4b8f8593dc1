"""Per-post SEO (blog.seo): what each field changes on the page, in the sitemap, in versions,
exports and imports, and in the change form."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from blog import posts, revisions, seo
from blog.importing import frontmatter
from blog.importing.export import export_text
from blog.importing.frontmatter import FrontMatterError, split
from blog.importing.importer import import_posts
from blog.media.images import store_upload
from blog.media.markup import SHARE_MIN_WIDTH, share_rendition
from blog.models import Post
from tests.admin_forms import change_url, form_data
from tests.factories import make_post, write_file
from tests.media_helpers import image_bytes, upload

pytestmark = pytest.mark.django_db
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def meta(content: str, key: str) -> list[str]:
    return re.findall(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', content)


def canonical(content: str) -> list[str]:
    return re.findall(r'<link rel="canonical" href="([^"]*)">', content)


def json_ld(content: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return json.loads(block)


def page(client, post: Post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def sitemap_posts(client) -> str:
    return client.get(reverse("blog:sitemap_section", args=["posts"])).content.decode()


# --- the page's tags -------------------------------------------------------------------------


def test_without_seo_fields_the_post_speaks_for_itself(client):
    """Empty SEO fields fall back: title with the site's, description, own address, cover."""
    post = make_post(title="Plain", description="About it.", cover_image="https://i.example/c.jpg")
    content = page(client, post)
    own = SITE + post.get_absolute_url()
    assert "<title>Plain · Field Notes</title>" in content
    assert meta(content, "description") == meta(content, "og:description") == ["About it."]
    assert canonical(content) == [own] and meta(content, "og:url") == [own]
    assert (
        meta(content, "og:image") == meta(content, "twitter:image") == ["https://i.example/c.jpg"]
    )
    assert meta(content, "robots") == []


def test_seo_title_and_description_override_on_the_page_only(client):
    """The SEO title is the whole <title> and the cards' title; the SEO description is every
    meta description; listings and feeds keep the post's own description."""
    post = make_post(
        title="A long post title",
        description="The listing's sentence.",
        meta_title="Short SEO title",
        meta_description="What search results say.",
    )
    content = page(client, post)
    assert "<title>Short SEO title</title>" in content
    assert meta(content, "og:title") == meta(content, "twitter:title") == ["Short SEO title"]
    for key in ("description", "og:description", "twitter:description"):
        assert meta(content, key) == ["What search results say."], key
    data = json_ld(content)
    assert data["headline"] == "A long post title"
    assert data["description"] == "What search results say."
    assert "<h1>A long post title</h1>" in content
    listing = client.get(reverse("blog:post_list")).content.decode()
    assert "The listing&#x27;s sentence." in listing or "The listing's sentence." in listing
    feed = client.get(reverse("blog:feed_atom")).content.decode()
    assert "The listing" in feed and "What search results say." not in feed


def test_canonical_url_names_the_original_everywhere_and_leaves_the_sitemap(client):
    """A cross-posted article: canonical link, og:url and JSON-LD name the original, and the
    sitemap lists canonical addresses only."""
    original = "https://dev.example/alice/the-article-3f2a"
    post = make_post(title="Cross-posted", canonical_url=original)
    other = make_post(title="Our own")
    content = page(client, post)
    assert canonical(content) == [original]
    assert meta(content, "og:url") == [original]
    assert json_ld(content)["url"] == original
    assert json_ld(content)["mainEntityOfPage"]["@id"] == original
    sitemap = sitemap_posts(client)
    assert post.get_absolute_url() not in sitemap
    assert other.get_absolute_url() in sitemap
    # Still a post of this blog for its readers.
    assert post.get_absolute_url() in client.get(reverse("blog:post_list")).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/posts/elsewhere/",
        "dev.example/article",
        "javascript:alert(1)",
        "ftp://files.example/a",
        "https://",
        "https://exa mple.com/a",
        "https://example.com/\u200ba",
    ],
)
def test_canonical_url_must_be_an_absolute_http_url(url):
    """Only a full http(s) address is a canonical URL; the error says what to write."""
    post = Post(title="T", slug="t", canonical_url=url)
    with pytest.raises(ValidationError) as error:
        post.full_clean(exclude=["social_library_image", "cover_library_image"])
    assert "canonical_url" in error.value.message_dict


def test_noindex_asks_search_engines_away_and_leaves_the_sitemap(client):
    """noindex: a robots meta tag, out of the sitemap, still listed and in feeds."""
    post = make_post(title="Private-ish", noindex=True)
    content = page(client, post)
    assert meta(content, "robots") == ["noindex"]
    assert post.get_absolute_url() not in sitemap_posts(client)
    assert post.get_absolute_url() in client.get(reverse("blog:post_list")).content.decode()
    assert "Private-ish" in client.get(reverse("blog:feed_atom")).content.decode()


def test_unlisted_posts_are_noindex_too(client):
    """An unlisted post is not in lists; search engines are asked not to list it either."""
    post = make_post(title="Unlisted", unlisted=True)
    assert meta(page(client, post), "robots") == ["noindex"]


def test_draft_preview_keeps_noindex_nofollow(admin_client):
    post = make_post(title="Draft", draft=True, noindex=True)
    assert meta(page(admin_client, post), "robots") == ["noindex, nofollow"]


def test_social_image_url_wins_over_the_cover(client):
    post = make_post(
        title="Social",
        cover_image="/static/cover.jpg",
        cover_image_alt="The cover",
        social_image="/static/card.png",
    )
    content = page(client, post)
    card = [SITE + "/static/card.png"]
    assert meta(content, "og:image") == meta(content, "twitter:image") == card
    assert meta(content, "og:image:alt") == []  # the cover's alt text describes the cover
    assert meta(content, "twitter:card") == ["summary_large_image"]
    assert json_ld(content)["image"] == SITE + "/static/card.png"
    # The cover itself is still the cover.
    assert 'src="/static/cover.jpg"' in content


def test_library_social_image_is_a_wide_rendition_with_its_size(client):
    """A library image is shared as its smallest JPEG at least 1200 px wide, with its size
    and alt text, ahead of the social image URL and the cover."""
    image, _ = store_upload(upload(image_bytes(2000, 1000), "card.jpg"))
    image.alt_text = "A wide card"
    image.save()
    post = make_post(
        title="Library social",
        social_library_image=image,
        social_image="/static/ignored.png",
        cover_image="/static/cover.jpg",
    )
    content = page(client, post)
    rendition = share_rendition(image)
    assert rendition.width >= SHARE_MIN_WIDTH
    assert meta(content, "og:image") == [SITE + rendition.url]
    assert meta(content, "og:image:width") == [str(rendition.width)]
    assert meta(content, "og:image:height") == [str(rendition.height)]
    assert meta(content, "og:image:alt") == ["A wide card"]


def test_share_rendition_prefers_the_smallest_wide_enough():
    image, _ = store_upload(upload(image_bytes(2000, 1000), "wide.jpg"))
    jpegs = sorted(r["width"] for r in image.renditions if r["format"] == "jpeg")
    assert share_rendition(image).width == min(w for w in jpegs if w >= SHARE_MIN_WIDTH)
    small, _ = store_upload(upload(image_bytes(800, 400), "small.jpg"))
    assert share_rendition(small).width == 800  # none is wide enough: the widest


def test_library_image_used_as_social_image_cannot_be_deleted(admin_client):
    """The media library names the post that shares an image, and keeps the image."""
    image, _ = store_upload(upload(image_bytes(600, 300), "kept.jpg"))
    post = make_post(title="Sharer", social_library_image=image)
    change = admin_client.get(reverse("admin:blog_image_change", args=[image.pk]))
    assert "social image" in change.content.decode()
    admin_client.post(reverse("admin:blog_image_delete", args=[image.pk]), {"post": "yes"})
    post.refresh_from_db()
    assert post.social_library_image_id == image.pk


# --- the search result's shortening ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short enough", 60, "Short enough"),
        ("  spaced   out\ntext ", 60, "spaced out text"),
        ("one two three four", 12, "one two …"),
        ("one two, three four", 9, "one two …"),
        ("Supercalifragilisticexpialidocious words", 10, "Supercalif …"),
    ],
)
def test_shorten_cuts_at_a_word_with_an_ellipsis(text, limit, expected):
    assert seo.shorten(text, limit) == expected


def test_search_result_shows_what_google_would():
    post = make_post(
        title="T" * 10,
        slug="a-post",
        meta_title="A very long SEO title that goes on and on past what a result shows",
        description="word " * 60,
    )
    result = seo.search_result(post, "Field Notes")
    assert result.title == "A very long SEO title that goes on and on past what a result …"
    assert result.url == "testserver › posts › a-post"
    assert len(result.description) <= seo.SEARCH_DESCRIPTION_CHARS + 2
    assert result.description.endswith("…")


# --- versions ------------------------------------------------------------------------------


def test_versions_keep_and_restore_the_seo_fields(admin_user):
    post = make_post(title="Versioned", meta_title="First", noindex=True, canonical_url="")
    post.meta_title = "Second"
    post.noindex = False
    post.canonical_url = "https://elsewhere.example/a"
    posts.save_post(post, user=admin_user)
    old = post.revisions.get()
    assert (old.meta_title, old.noindex, old.canonical_url) == ("First", True, "")
    lines = revisions.diff(revisions.version_of(old), revisions.version_of(post))
    texts = {line.text for line in lines}
    assert (
        "-Title for search engines: First" in texts and "+Title for search engines: Second" in texts
    )
    assert "+Canonical URL: https://elsewhere.example/a" in texts
    posts.restore(old, admin_user)
    post.refresh_from_db()
    assert (post.meta_title, post.noindex, post.canonical_url) == ("First", True, "")


# --- export and import ---------------------------------------------------------------------


def test_export_writes_the_seo_keys_and_import_reads_them_back(tmp_path):
    image, _ = store_upload(upload(image_bytes(1600, 900), "share.jpg"))
    post = make_post(
        title="Exported",
        meta_title="SEO title",
        meta_description="SEO description",
        canonical_url="https://elsewhere.example/post",
        noindex=True,
        social_library_image=image,
    )
    text = export_text(post, [])
    data = split(text).data
    assert data["meta_title"] == "SEO title"
    assert data["meta_description"] == "SEO description"
    assert data["canonical_url"] == "https://elsewhere.example/post"
    assert data["noindex"] is True
    assert data["social_image"] == SITE + share_rendition(image).url
    # Importing the export gives the same fields (the library image as its URL).
    write_file(tmp_path, "exported.md", text)
    Post.objects.all().delete()
    assert import_posts([tmp_path]).ok
    back = Post.objects.get(slug=post.slug)
    assert (back.meta_title, back.meta_description) == ("SEO title", "SEO description")
    assert (back.canonical_url, back.noindex) == ("https://elsewhere.example/post", True)
    assert back.social_image == SITE + share_rendition(image).url
    assert "meta_title" not in back.extra_front_matter


def test_export_of_a_post_without_seo_fields_has_no_seo_keys():
    text = export_text(make_post(title="Plain"), [])
    assert not {"meta_title", "canonical_url", "noindex", "social_image"} & set(split(text).data)


def mapped(text: str) -> frontmatter.PostData:
    return frontmatter.map_front_matter(split(text), "post.md")


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("canonicalURL: https://a.example/x", {"canonical_url": "https://a.example/x"}),
        ("canonical_url: https://a.example/x", {"canonical_url": "https://a.example/x"}),
        ("robots: noindex, follow", {"noindex": True}),
        ("robots: index, follow", {}),
        ("noindex: true", {"noindex": True}),
        ("sitemap: false", {"noindex": True}),
        ("sitemap:\n  disable: true", {"noindex": True}),
        ("og_image: /img/card.png", {"social_image": "/img/card.png"}),
        ("images:\n  - /img/first.png\n  - /img/second.png", {"social_image": "/img/first.png"}),
        ("seo_title: Short", {"meta_title": "Short"}),
        ("meta_description: Said", {"meta_description": "Said"}),
    ],
)
def test_import_reads_the_generators_seo_keys(front, expected):
    """Hugo, Jekyll (jekyll-seo-tag, jekyll-sitemap), Astro and Ghost spellings."""
    data = mapped(f"---\ntitle: T\n{front}\n---\nBody\n")
    assert data.seo == expected
    assert not set(data.extra) & {"canonicalURL", "robots", "noindex", "og_image", "images"}


def test_image_key_stays_the_cover():
    data = mapped("---\ntitle: T\nimage: /img/cover.png\n---\nBody\n")
    assert data.cover_image == "/img/cover.png" and data.seo == {}


def test_sitemap_settings_other_than_disable_stay_extra_keys():
    data = mapped("---\ntitle: T\nsitemap:\n  priority: 0.8\n---\nBody\n")
    assert data.seo == {} and data.extra == {"sitemap": {"priority": 0.8}}


@pytest.mark.parametrize(
    ("front", "line", "reason"),
    [
        ("canonical_url: /relative/path", 3, "canonical URL"),
        ("canonicalURL: javascript:alert(1)", 3, "canonical URL"),
        ("og_image: javascript:alert(1)", 3, "social image URL"),
        ("meta_title: " + "x" * 400, 3, "meta title is longer than 300"),
    ],
)
def test_import_refuses_bad_seo_values_with_their_line(front, line, reason):
    with pytest.raises(FrontMatterError) as error:
        mapped(f"---\ntitle: T\n{front}\n---\nBody\n")
    assert error.value.line == line
    assert reason in str(error.value)


def test_export_import_of_an_admin_edited_seo_post_changes_nothing(tmp_path):
    """An imported post given SEO fields in the admin exports them; importing the export
    into the same database finds nothing to change."""
    write_file(tmp_path / "src", "post.md", "---\ntitle: Imported\n---\nBody\n")
    assert import_posts([tmp_path / "src"]).ok
    post = Post.objects.get()
    post.meta_title = "Edited SEO title"
    post.noindex = True
    post.social_library_image, _ = store_upload(upload(image_bytes(1300, 700), "own.jpg"))
    posts.save_post(post)
    admin_written = make_post(title="Admin SEO", canonical_url="https://first.example/a")
    out = tmp_path / "out"
    write_file(out, "post.md", export_text(post, []))
    write_file(out, "admin-seo.md", export_text(admin_written, []))
    before = list(Post.objects.values_list("pk", "updated_at"))
    result = import_posts([out])
    assert result.counts["unchanged"] == 2, [str(item) for item in result.outcomes]
    assert list(Post.objects.values_list("pk", "updated_at")) == before


def test_imported_files_without_seo_keys_keep_their_fingerprint():
    """Adding the SEO columns changed no imported post's digest (no false "edited")."""
    from blog.importing.identity import post_fingerprint

    post = make_post(title="Old import")
    digest = post_fingerprint(post, [])
    post.noindex = False
    post.meta_title = ""
    assert post_fingerprint(post, []) == digest
    post.meta_title = "Now set"
    assert post_fingerprint(post, []) != digest


# --- the change form -----------------------------------------------------------------------


def test_change_form_has_a_collapsed_seo_fieldset_with_previews(admin_client):
    post = make_post(title="Form post", slug="form-post", description="The description.")
    content = admin_client.get(change_url(post)).content.decode()
    assert re.search(r"<details[^>]*>\s*<summary>.*SEO", content, re.S) or "collapse" in content
    for name in ("meta_title", "meta_description", "canonical_url", "noindex", "social_image"):
        assert f'name="{name}"' in content, name
    assert 'class="seo-result-title">Form post · Field Notes</p>' in content
    assert "testserver › posts › form-post" in content
    assert 'class="seo-card-description">The description.</p>' in content
    assert "blog/admin/seo_preview.js" in content


def test_change_form_saves_and_validates_the_seo_fields(admin_client):
    post = make_post(title="To edit")
    data = form_data(
        post,
        meta_title="New SEO title",
        meta_description="New SEO description",
        canonical_url="https://elsewhere.example/x",
        noindex="on",
        social_image="https://img.example/card.png",
    )
    response = admin_client.post(change_url(post), data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.meta_title == "New SEO title" and post.noindex
    assert post.canonical_url == "https://elsewhere.example/x"
    refused = form_data(post, canonical_url="/posts/relative/", meta_title="x\x00y")
    response = admin_client.post(change_url(post), refused)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "canonical_url" in errors and "meta_title" in errors
    assert "starting with https://" in str(errors["canonical_url"])


def test_seo_image_endpoint_gives_the_shared_rendition(admin_client, client):
    image, _ = store_upload(upload(image_bytes(1600, 800), "endpoint.jpg"))
    url = reverse("admin:blog_post_seo_image", args=[image.pk])
    data = admin_client.get(url).json()
    assert data["url"] == share_rendition(image).url and data["width"] == 1600
    assert admin_client.get(reverse("admin:blog_post_seo_image", args=[999999])).status_code == 404
    assert client.get(url).status_code == 302  # to the login page


def test_seo_fields_in_check_text_refuse_control_characters():
    post = Post(title="T", meta_description="a\x07b", publish_date=timezone.now())
    with pytest.raises(ValidationError) as error:
        posts.check_text(post, [])
    assert "meta_description" in error.value.message_dict


def test_sitemap_still_lists_ordinary_posts_and_lastmod(client):
    post = make_post(title="Ordinary", publish_date=timezone.now() - timedelta(days=2))
    make_post(title="Hidden", noindex=True)
    sitemap = sitemap_posts(client)
    assert sitemap.count("<url>") == 1 and post.get_absolute_url() in sitemap


def test_ghost_export_brings_its_seo_settings(tmp_path):
    """Ghost's meta title and description, canonical URL and OpenGraph image come in; a bad
    canonical URL is left out with a note."""
    posts_data = [
        {
            "id": "1",
            "uuid": "u-1",
            "title": "Ghostly",
            "slug": "ghostly",
            "html": "<p>Body</p>",
            "type": "post",
            "status": "published",
            "published_at": "2023-01-02T10:00:00.000Z",
            "custom_excerpt": "The excerpt.",
            "canonical_url": "https://first.example/ghostly",
        },
        {
            "id": "2",
            "uuid": "u-2",
            "title": "Bad canonical",
            "slug": "bad-canonical",
            "html": "<p>Body</p>",
            "type": "post",
            "status": "published",
            "published_at": "2023-01-02T10:00:00.000Z",
            "canonical_url": "javascript:alert(1)",
        },
    ]
    meta_rows = [
        {
            "post_id": "1",
            "meta_title": "Ghostly, for search",
            "meta_description": "Said to search engines.",
            "og_image": "https://img.example/og.png",
        }
    ]
    document = {
        "db": [
            {
                "meta": {"exported_on": 1700000000000, "version": "5.75.0"},
                "data": {"posts": posts_data, "posts_meta": meta_rows},
            }
        ]
    }
    write_file(tmp_path, "ghost.json", json.dumps(document))
    result = import_posts([tmp_path], workers=1)
    post = Post.objects.get(slug="ghostly")
    assert (post.meta_title, post.meta_description) == (
        "Ghostly, for search",
        "Said to search engines.",
    )
    assert post.canonical_url == "https://first.example/ghostly"
    assert post.social_image == "https://img.example/og.png"
    assert "canonical_url" not in post.extra_front_matter
    assert Post.objects.get(slug="bad-canonical").canonical_url == ""
    notes = [note for item in result.outcomes for note in item.notes]
    refused = "canonical_url 'javascript:alert(1)' not imported"
    assert any(note.startswith(refused) for note in notes)


WXR_ITEM = """<item><title>{title}</title><guid isPermaLink="false">https://old.example/?p={id}</guid>
<content:encoded><![CDATA[<p>Body</p>]]></content:encoded><wp:post_id>{id}</wp:post_id>
<wp:post_date_gmt>2020-01-05 09:30:00</wp:post_date_gmt><wp:post_name>{slug}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>{meta}</item>"""


def wp_meta(key: str, value: str) -> str:
    return (
        f"<wp:postmeta><wp:meta_key><![CDATA[{key}]]></wp:meta_key>"
        f"<wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>"
    )


def test_wordpress_export_brings_yoast_and_rank_math_settings(tmp_path):
    """Yoast SEO's and Rank Math's title, description, canonical, noindex and image; a title
    made of the plugin's variables is left out with a note."""
    yoast = "".join(
        [
            wp_meta("_yoast_wpseo_title", "Yoast title"),
            wp_meta("_yoast_wpseo_metadesc", "Yoast description"),
            wp_meta("_yoast_wpseo_canonical", "https://first.example/yoast"),
            wp_meta("_yoast_wpseo_meta-robots-noindex", "1"),
            wp_meta("_yoast_wpseo_opengraph-image", "https://img.example/yoast.png"),
        ]
    )
    rank_math = "".join(
        [
            wp_meta("rank_math_title", "%title% %sep% %sitename%"),
            wp_meta("rank_math_robots", 'a:1:{i:0;s:7:"noindex";}'),
        ]
    )
    items = WXR_ITEM.format(title="Yoasted", id=1, slug="yoasted", meta=yoast)
    items += WXR_ITEM.format(title="Ranked", id=2, slug="ranked", meta=rank_math)
    wxr = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Old</title>'
        f"<wp:wxr_version>1.2</wp:wxr_version>{items}</channel></rss>"
    )
    write_file(tmp_path, "export.xml", wxr)
    result = import_posts([tmp_path], workers=1)
    assert result.ok, [str(item) for item in result.outcomes]
    yoasted = Post.objects.get(slug="yoasted")
    assert (yoasted.meta_title, yoasted.meta_description) == ("Yoast title", "Yoast description")
    assert yoasted.canonical_url == "https://first.example/yoast" and yoasted.noindex
    assert yoasted.social_image == "https://img.example/yoast.png"
    ranked = Post.objects.get(slug="ranked")
    assert ranked.meta_title == "" and ranked.noindex
    notes = [note for item in result.outcomes for note in item.notes]
    assert any("uses the SEO plugin's variables" in note for note in notes)
