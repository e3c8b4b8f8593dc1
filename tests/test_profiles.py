"""Author profiles: pages, feeds, bylines, JSON-LD, the sitemap, the admin and its rights."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from blog.authors import ensure_authors_group, save_profile
from blog.media.images import store_upload
from blog.pagecache.invalidation import database_version
from blog.profiles import AuthorProfile
from tests.factories import make_post, make_staff
from tests.media_helpers import image_bytes, upload

pytestmark = pytest.mark.django_db

LOGIN = "zq-login-7731"
ADMIN_PROFILES = reverse("admin:blog_authorprofile_changelist")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_author(username: str = LOGIN, first: str = "Ada", last: str = "Lovelace", **profile):
    """A staff author with a full name, and their profile (saved through the write path)."""
    user = make_staff(username)
    user.first_name, user.last_name = first, last
    user.save()
    existing = AuthorProfile.objects.filter(user=user).first()
    save_profile(existing or AuthorProfile(user=user, **profile))
    if existing and profile:
        for field, value in profile.items():
            setattr(existing, field, value)
        save_profile(existing)
    return AuthorProfile.objects.get(user=user)


def author_page(profile: AuthorProfile) -> str:
    return reverse("blog:author_detail", args=[profile.slug])


# --- the author page ------------------------------------------------------------------------


def test_author_page_shows_name_bio_links_and_only_published_posts(client):
    """Name, rendered bio, rel=me links, then the author's published posts only."""
    ada = make_author(
        display_name="Ada King",
        bio="I write about **engines**.\n\n<script>alert(1)</script>",
        website="https://ada.example/",
        links="https://mastodon.example/@ada\nhttps://github.com/ada",
    )
    mine = make_post(title="Notes on the engine", author=ada.user)
    make_post(title="Ada's draft", author=ada.user, draft=True)
    make_post(title="Ada's scheduled", author=ada.user, publish_date=timezone.now() + timedelta(1))
    make_post(title="Someone else's")
    response = client.get(author_page(ada))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="page-title">Ada King</h1>' in html
    assert "<strong>engines</strong>" in html
    assert "<script>alert" not in html
    for url in ("https://ada.example/", "https://mastodon.example/@ada", "https://github.com/ada"):
        assert f'<a href="{url}" rel="me">' in html
    assert [post.title for post in response.context["posts"]] == [mine.title]
    assert "1 post ·" in html


def test_author_pages_are_paginated_like_tag_pages(client, settings):
    """Ten posts a page, page 2 holds the rest, past the end is a 404."""
    ada = make_author()
    now = timezone.now()
    for i in range(12):
        make_post(author=ada.user, publish_date=now - timedelta(hours=i + 1))
    first = client.get(author_page(ada))
    second = client.get(author_page(ada) + "page/2/")
    assert len(first.context["posts"]) == settings.POSTS_PER_PAGE
    assert len(second.context["posts"]) == 12 - settings.POSTS_PER_PAGE
    assert "Page 2 of 2" in second.content.decode()
    assert 'href="/authors/ada-lovelace/page/2/" rel="next"' in first.content.decode()
    assert client.get(author_page(ada) + "page/3/").status_code == 404
    assert client.get(author_page(ada) + "?page=2")["Location"] == author_page(ada) + "page/2/"


def test_authors_without_published_posts_or_names_have_no_page(client):
    """No enumeration of staff: no published post, or no public name, is a 404."""
    idle = make_author("idle", "Idle", "Writer")
    make_post(author=idle.user, draft=True)
    nameless_user = make_staff("nameless")
    nameless = AuthorProfile(user=nameless_user)
    save_profile(nameless)
    make_post(author=nameless_user)
    assert client.get(author_page(idle)).status_code == 404
    assert client.get(author_page(nameless)).status_code == 404
    assert client.get(reverse("blog:author_detail", args=["nameless"])).status_code == 404
    for name in ("author_feed_atom", "author_feed_rss"):
        assert client.get(reverse(f"blog:{name}", args=[idle.slug])).status_code == 404


def test_avatar_is_a_responsive_picture(client):
    """The avatar is the library image's <picture> with its renditions and sizes."""
    image, _ = store_upload(upload(image_bytes(800, 800)), alt_text="Ada at her desk")
    ada = make_author(avatar=image)
    make_post(author=ada.user)
    html = client.get(author_page(ada)).content.decode()
    picture = re.search(r'<picture class="avatar">.*?</picture>', html, re.DOTALL).group()
    assert '<source type="image/webp"' in picture
    assert 'sizes="(max-width: 30rem) 6rem, 8rem"' in picture
    assert 'alt="Ada at her desk"' in picture
    assert "srcset=" in picture and 'width="' in picture and 'height="' in picture


def test_author_index_needs_two_authors(client):
    """/authors/ is a 404 on a one-author blog, and lists each public author otherwise."""
    ada = make_author()
    make_post(author=ada.user)
    assert client.get(reverse("blog:author_list")).status_code == 404
    grace = make_author("grace", "Grace", "Hopper")
    make_post(author=grace.user)
    make_post(author=grace.user)
    hidden = make_author("hidden", "Hidden", "Drafter")
    make_post(author=hidden.user, draft=True)
    response = client.get(reverse("blog:author_list"))
    html = response.content.decode()
    assert [a.name for a in response.context["authors"]] == ["Ada Lovelace", "Grace Hopper"]
    assert '<a href="/authors/grace-hopper/">Grace Hopper</a> <span class="count">2 posts' in html
    assert "Hidden" not in html
    assert 'href="/authors/"' in client.get(author_page(ada)).content.decode()


# --- bylines ---------------------------------------------------------------------------------


def test_bylines_link_to_the_author_page_on_posts_and_listings(client):
    """The post page and every listing link the byline to the author page."""
    ada = make_author(display_name="Ada King")
    post = make_post(author=ada.user, tags=["engines"])
    byline = '· by <a href="/authors/ada-king/" rel="author">Ada King</a>'
    for url in (post.get_absolute_url(), "/", "/tags/engines/", "/search/?q=post"):
        assert byline in client.get(url).content.decode(), url


def test_listing_bylines_cost_no_query_per_post(client, django_assert_num_queries):
    """Authors come with the page's posts: the home page runs three queries (posts, their
    tags, the menu) for 1 or 10 posts."""
    from django.contrib.contenttypes.models import ContentType

    from blog.models import Post
    from blog.sitesettings.reading import current

    for n in range(10):
        make_post(author=make_author(f"writer-{n}", "Writer", f"Number {n}").user)
        # As on a running site: the site settings and content types already cached.
        current()
        ContentType.objects.get_for_model(Post)
        with django_assert_num_queries(3):
            client.get("/")


def test_display_name_wins_then_full_name(client):
    """A display name replaces the full name in the byline; empty, the full name shows."""
    ada = make_author()
    post = make_post(author=ada.user)
    assert 'by <a href="/authors/ada-lovelace/" rel="author">Ada Lovelace</a>' in (
        client.get(post.get_absolute_url()).content.decode()
    )
    ada.display_name = "Countess of Lovelace"
    save_profile(ada)
    assert ">Countess of Lovelace</a>" in client.get(post.get_absolute_url()).content.decode()


def test_a_login_name_never_appears_on_any_public_page_or_feed(client):
    """Crawl every public page and feed an author's posts reach: their login name is nowhere,
    with a full name, with a display name, and with no name at all."""
    user = make_staff(LOGIN)
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    post = make_post(author=user, tags=["engines"], title="Analytical engine notes")
    other = make_author("grace", "Grace", "Hopper")
    make_post(author=other.user)
    nameless = make_staff(f"{LOGIN}-nameless")
    make_post(author=nameless, tags=["engines"], title="Anonymous notes")
    when = timezone.localtime(post.publish_date)

    def crawl() -> None:
        profile = AuthorProfile.objects.get(user=user)
        urls = [
            "/",
            post.get_absolute_url(),
            "/tags/engines/",
            "/tags/",
            "/archive/",
            f"/archive/{when.year}/",
            f"/archive/{when.year}/{when.month:02d}/",
            "/search/?q=notes",
            "/feed.atom",
            "/feed.rss",
            "/tags/engines/feed.atom",
            "/tags/engines/feed.rss",
            "/authors/",
            profile.get_absolute_url(),
            profile.get_absolute_url() + "feed.atom",
            profile.get_absolute_url() + "feed.rss",
            "/sitemap.xml",
            "/sitemap-authors.xml",
            "/sitemap-posts.xml",
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert LOGIN.encode() not in response.content, url

    crawl()
    profile = AuthorProfile.objects.get(user=user)
    profile.display_name = "Ada King"
    save_profile(profile)
    crawl()


# --- feeds and JSON-LD -----------------------------------------------------------------------


def test_author_feeds_hold_only_their_published_posts(client):
    """Atom and RSS per author: valid, their published posts only, named by display name."""
    ada = make_author(display_name="Ada King")
    mine = make_post(title="Mine", author=ada.user)
    make_post(title="Draft", author=ada.user, draft=True)
    make_post(title="Not mine")
    for name, version in (("author_feed_atom", "atom10"), ("author_feed_rss", "rss20")):
        parsed = feedparser.parse(client.get(reverse(f"blog:{name}", args=[ada.slug])).content)
        assert parsed.bozo == 0 and parsed.version == version
        assert [entry.title for entry in parsed.entries] == [mine.title]
        assert parsed.entries[0].author == "Ada King"
        assert parsed.feed.title.endswith("posts by Ada King")
    atom = client.get(reverse("blog:author_feed_atom", args=[ada.slug])).content.decode()
    assert "<uri>http://testserver/authors/ada-king/</uri>" in atom


def test_site_feeds_name_authors_by_display_name_with_their_page(client):
    """The site feeds carry the display name and (Atom) the author page's address."""
    ada = make_author(display_name="Ada King")
    make_post(author=ada.user)
    atom = feedparser.parse(client.get("/feed.atom").content)
    rss = feedparser.parse(client.get("/feed.rss").content)
    assert atom.entries[0].author_detail.name == "Ada King"
    assert atom.entries[0].author_detail.href == "http://testserver/authors/ada-king/"
    assert rss.entries[0].author == "Ada King"


def _json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return json.loads(found.group(1))


def test_json_ld_names_the_author_and_their_page(client):
    """A post's BlogPosting names its author as a Person with the author page's URL; the
    author page is a ProfilePage whose Person links their profiles (sameAs)."""
    ada = make_author(display_name="Ada King", website="https://ada.example/")
    post = make_post(author=ada.user)
    data = _json_ld(client.get(post.get_absolute_url()).content.decode())
    assert data["author"] == {
        "@type": "Person",
        "name": "Ada King",
        "url": "http://testserver/authors/ada-king/",
    }
    page = _json_ld(client.get(author_page(ada)).content.decode())
    assert page["@type"] == "ProfilePage"
    assert page["mainEntity"]["name"] == "Ada King"
    assert page["mainEntity"]["sameAs"] == ["https://ada.example/"]


def test_authors_are_in_the_sitemap(client):
    """Only public authors' pages are in the sitemap, each with a lastmod."""
    ada = make_author()
    make_post(author=ada.user)
    idle = make_author("idle", "Idle", "Writer")
    make_post(author=idle.user, draft=True)
    xml = client.get("/sitemap-authors.xml").content.decode()
    assert "<loc>http://testserver/authors/ada-lovelace/</loc>" in xml
    assert "idle" not in xml
    assert xml.count("<lastmod>") == 1


# --- the write path ----------------------------------------------------------------------------


def test_profiles_are_made_for_named_authors_when_they_post():
    """Saving a post by an author with a full name gives them a profile; the address is made
    from the name, never the login; an author without a name gets none."""
    user = make_staff(LOGIN)
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    make_post(author=user)
    assert AuthorProfile.objects.get(user=user).slug == "ada-lovelace"
    nameless = make_staff("nameless")
    make_post(author=nameless)
    assert not AuthorProfile.objects.filter(user=nameless).exists()
    twin = make_staff("twin")
    twin.first_name, twin.last_name = "Ada", "Lovelace"
    twin.save()
    make_post(author=twin)
    assert AuthorProfile.objects.get(user=twin).slug == "ada-lovelace-2"


def test_bad_links_are_refused_with_the_line():
    """A link that is not http(s) is refused, naming its line; nothing is saved."""
    ada = make_author()
    ada.links = "https://ok.example/\njavascript:alert(1)"
    with pytest.raises(ValidationError, match="Line 2 is not an http"):
        save_profile(ada)
    assert AuthorProfile.objects.get(pk=ada.pk).links == ""


def test_a_profile_change_invalidates_cached_pages():
    """Saving a profile replaces the content version every cached page is tagged with."""
    ada = make_author()
    before = database_version()
    ada.bio = "New bio"
    save_profile(ada)
    assert database_version() != before


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def authors_group():
    ensure_authors_group()
    return Group.objects.get(name="Authors")


def in_group(profile: AuthorProfile, group: Group) -> User:
    user = profile.user
    user.user_permissions.clear()
    user.groups.add(group)
    return User.objects.get(pk=user.pk)  # permission caches start empty


def profile_form(profile: AuthorProfile, **changes: str) -> dict[str, str]:
    data = {
        "display_name": profile.display_name,
        "slug": profile.slug,
        "bio": profile.bio,
        "avatar": profile.avatar_id or "",
        "website": profile.website,
        "links": profile.links,
    }
    data.update(changes)
    return data


def test_an_author_edits_their_own_profile_only(client, authors_group):
    """In the Authors group: the changelist leads to their own profile, which they can
    change; anyone else's is out of reach (view, change, delete)."""
    ada = make_author()
    grace = make_author("grace", "Grace", "Hopper")
    client.force_login(in_group(ada, authors_group))
    response = client.get(ADMIN_PROFILES)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:blog_authorprofile_change", args=[ada.pk])
    own = reverse("admin:blog_authorprofile_change", args=[ada.pk])
    assert "user" not in client.get(own).context["adminform"].form.fields
    response = client.post(own, profile_form(ada, display_name="Ada King", bio="*Hello*"))
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.display_name == "Ada King"
    assert ada.bio_html == "<p><em>Hello</em></p>"
    theirs = reverse("admin:blog_authorprofile_change", args=[grace.pk])
    assert client.get(theirs).status_code in (302, 403, 404)
    client.post(theirs, profile_form(grace, display_name="Hacked"))
    grace.refresh_from_db()
    assert grace.display_name == ""
    delete = reverse("admin:blog_authorprofile_delete", args=[grace.pk])
    client.post(delete, {"post": "yes"})
    assert AuthorProfile.objects.filter(pk=grace.pk).exists()


def test_an_author_without_a_profile_makes_their_own(client, authors_group):
    """The add form makes the author's own profile (no choice of user), once."""
    user = make_staff("newbie")
    user.groups.add(authors_group)
    client.force_login(user)
    response = client.get(ADMIN_PROFILES)
    assert response["Location"] == reverse("admin:blog_authorprofile_add")
    add = reverse("admin:blog_authorprofile_add")
    data = {"display_name": "New Writer", "slug": "", "bio": "", "website": "", "links": ""}
    assert client.post(add, data).status_code == 302
    profile = AuthorProfile.objects.get(user=user)
    assert profile.slug == "new-writer"
    assert client.get(add).status_code == 403  # one profile each


def test_an_editor_with_the_right_edits_every_profile(client):
    """``change_any_authorprofile`` lets an editor list and change everyone's profile."""
    from django.contrib.auth.models import Permission

    ada = make_author()
    editor = make_staff("editor-in-chief")
    editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_authorprofile", "change_authorprofile", "change_any_authorprofile"]
        )
    )
    client.force_login(editor)
    assert client.get(ADMIN_PROFILES).status_code == 200
    change = reverse("admin:blog_authorprofile_change", args=[ada.pk])
    assert client.post(change, profile_form(ada, display_name="Edited")).status_code == 302
    ada.refresh_from_db()
    assert ada.display_name == "Edited"


def test_the_admin_refuses_a_bad_link_and_keeps_the_text(client):
    """A bad link is an error on its field; what was typed stays in the form."""
    ada = make_author()
    client.force_login(User.objects.create_superuser("root", password="pw"))
    change = reverse("admin:blog_authorprofile_change", args=[ada.pk])
    response = client.post(change, profile_form(ada, links="ftp://old.example/", bio="Kept"))
    assert response.status_code == 200
    assert "Line 1 is not an http(s) address" in response.content.decode()
    assert response.context["adminform"].form["bio"].value() == "Kept"


def test_an_author_page_reads_by_index_on_postgresql():
    """On a blog of 4,000 posts, most by one author, an author page reads by index, never
    the whole of blog_post: the prolific author's posts by walking the public posts in date
    order, an occasional author's few by the author column's index."""
    from django.db import connection

    from blog.models import Post

    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    users = [User.objects.create_user(f"writer-{n}") for n in range(20)]
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            title=f"Post {i}",
            slug=f"post-{i}",
            body_text="x" * 2000,
            author=users[0] if i % 10 else users[i % 20],
            draft=i % 37 == 0,
            publish_date=now - timedelta(hours=i),
        )
        for i in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE blog_post")
    prolific = Post.objects.for_listing().filter(author_id=users[0].pk)
    for plan in (prolific.rows(0, 10).explain(), prolific.rows(1000, 1010).explain()):
        assert "post_public_by_date" in plan, plan
        assert "Seq Scan on blog_post" not in plan, plan
    occasional = Post.objects.for_listing().filter(author_id=users[3].pk).rows(0, 10).explain()
    assert "blog_post_author_id" in occasional, occasional
    assert "Seq Scan on blog_post" not in occasional, occasional


def test_a_changed_author_address_leads_on_from_the_old_one(client):
    """The old page and feeds answer 301 to the new ones, back and forth; an author who is
    not public (no published post) is a 404 at the old address too."""
    profile = make_author(slug="ada-lovelace")
    make_post(author=profile.user)
    profile.slug = "ada"
    save_profile(profile)
    for old, new in [
        ("/authors/ada-lovelace/", "/authors/ada/"),
        ("/authors/ada-lovelace/feed.atom", "/authors/ada/feed.atom"),
        ("/authors/ada-lovelace/feed.rss", "/authors/ada/feed.rss"),
    ]:
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == new
    assert client.get("/authors/ada/").status_code == 200
    profile.slug = "ada-lovelace"  # back to the first address: it is live again
    save_profile(profile)
    assert client.get("/authors/ada-lovelace/").status_code == 200
    assert client.get("/authors/ada/")["Location"] == "/authors/ada-lovelace/"
    quiet = make_author("grace", "Grace", "Hopper", slug="grace-hopper")
    quiet.slug = "grace"
    save_profile(quiet)
    assert client.get("/authors/grace-hopper/").status_code == 404
