"""Pages (About, Now…) at the site's root, and the navigation menu in every header."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from taggit.models import Tag

from blog import pages
from blog.models import MenuItem, Page, Redirect
from blog.posts import merge_tags
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db


def make_page(**fields) -> Page:
    fields.setdefault("title", "About")
    fields.setdefault("body", "# About\n\nI write about **birds**.")
    fields.setdefault("draft", False)
    return pages.save_page(Page(**fields))


def page_editor(username: str = "pages-editor", *, publish: bool = True):
    user = make_staff(username)
    codenames = ["view_page", "change_page", "add_page", "delete_page", "view_menuitem"]
    codenames += ["change_menuitem", "add_menuitem", "delete_menuitem"]
    if publish:
        codenames.append("publish_post")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="blog", codename__in=codenames)
    )
    return user


# --- the page and its address ------------------------------------------------------------


def test_a_page_lives_at_the_root_and_is_rendered_on_save(client):
    """/about/ shows the page's Markdown as sanitized HTML, stored when it was saved."""
    page = make_page(body="Hello <script>alert(1)</script> *there*.")
    assert page.slug == "about"
    assert page.get_absolute_url() == "/about/"
    assert "<em>there</em>" in page.body_html and "<script" not in page.body_html
    html = client.get("/about/").content.decode()
    assert "<em>there</em>" in html and "<h1>About</h1>" in html


@pytest.mark.parametrize(
    "slug", ["tags", "archive", "search", "admin", "media", "static", "posts", "share", "health"]
)
def test_addresses_the_site_uses_are_refused_with_a_reason(slug):
    """A page cannot take /tags/, /admin/…: the error names the address and offers another."""
    with pytest.raises(ValidationError) as refused:
        make_page(title="X", slug=slug)
    message = refused.value.message_dict["slug"][0]
    assert f"/{slug}/" in message and f"{slug}-page" in message
    assert not Page.objects.exists()


def test_every_first_segment_of_the_urlconf_is_reserved():
    """Reserved addresses come from the URLconf itself, so new sections are covered too."""
    reserved = pages.reserved_slugs()
    assert {"tags", "archive", "search", "admin", "health", "share", "posts", "feed"} <= reserved
    assert "about" not in reserved


def test_a_title_that_would_take_a_reserved_address_gets_another():
    """A page titled "Archive" is made at /archive-page/, not refused, when no slug is given."""
    assert make_page(title="Archive").slug == "archive-page"


def test_two_pages_cannot_share_an_address():
    make_page(slug="now", title="Now")
    with pytest.raises(ValidationError):
        pages.save_page(Page(title="Now again", slug="now", draft=False))


def test_a_renamed_page_leaves_its_old_address_behind(client):
    page = make_page(slug="about-me")
    page.slug = "about"
    pages.save_page(page)
    response = client.get("/about-me/")
    assert response.status_code == 301 and response["Location"] == "/about/"


def test_a_live_page_wins_over_an_old_address_and_the_redirect_is_kept(client):
    """An old post address at /colophon/ is shadowed while the page is live, and answers again
    once the page is a draft: nothing is lost."""
    post = make_post(slug="colophon-post")
    Redirect.objects.create(old_path="/colophon/", post=post)
    report: list[str] = []
    page = pages.save_page(
        Page(title="Colophon", body="Made with care.", draft=False), report=report
    )
    assert any("/colophon/" in line for line in report)
    assert client.get("/colophon/").status_code == 200
    page.draft = True
    pages.save_page(page)
    assert client.get("/colophon/")["Location"] == "/posts/colophon-post/"


def test_control_characters_in_the_title_are_refused():
    with pytest.raises(ValidationError) as refused:
        make_page(title="About\x07")
    assert "title" in refused.value.message_dict


# --- drafts and previews -------------------------------------------------------------------


def test_draft_pages_are_404_to_readers_and_a_private_preview_to_editors(client):
    make_page(title="Now", draft=True, body="Secret plans.")
    assert client.get("/now/").status_code == 404
    client.force_login(page_editor())
    response = client.get("/now/")
    assert response.status_code == 200
    assert "Secret plans." in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_only_publishers_change_whether_readers_see_a_page():
    """Without the publish right a page stays as it is: no publishing, no unpublishing."""
    writer = page_editor("writer", publish=False)
    page = make_page(draft=True)
    page.draft = False
    with pytest.raises(PermissionDenied):
        pages.save_page(page, user=writer)
    assert Page.objects.get(pk=page.pk).draft


def test_pages_are_in_the_sitemap_but_not_in_feeds_or_search(client):
    make_page(title="About", body="Walrus facts.")
    make_page(title="Hidden", slug="hidden", draft=True)
    make_post(title="A post")
    sitemap = client.get(reverse("blog:sitemap_section", args=["pages"])).content.decode()
    assert "http://testserver/about/" in sitemap and "/hidden/" not in sitemap
    assert "/about/" not in client.get(reverse("blog:feed_atom")).content.decode()
    assert "Walrus" not in client.get(reverse("blog:search"), {"q": "walrus"}).content.decode()


def test_deleting_a_page_in_the_menu_is_refused():
    page = make_page()
    pages.save_menu_item(MenuItem(label="About", page=page))
    with pytest.raises(ProtectedError):
        pages.delete_pages(Page.objects.filter(pk=page.pk))


# --- the menu -----------------------------------------------------------------------------


def test_the_default_menu_keeps_the_site_s_sections(client):
    """Posts, Tags and Archive are menu items from the start, in that order."""
    labels = list(MenuItem.objects.values_list("label", flat=True))
    assert labels == ["Posts", "Tags", "Archive"]
    html = client.get("/").content.decode()
    assert '<nav aria-label="Site">' in html
    assert '<a href="/" aria-current="page">Posts</a>' in html


def test_menu_items_link_to_pages_tags_and_urls_in_their_order(client):
    page = make_page()
    make_post(tags=["Birds"])
    pages.save_menu_item(MenuItem(label="Birds", tag=Tag.objects.get(name="Birds"), position=5))
    pages.save_menu_item(MenuItem(label="About me", page=page, position=100))
    pages.save_menu_item(MenuItem(label="Code", url="https://example.org/code", position=200))
    html = client.get("/about/").content.decode()
    nav = html[html.index('<nav aria-label="Site">') : html.index("</nav>")]
    assert nav.index("Birds") < nav.index("Posts") < nav.index("About me") < nav.index("Code")
    assert '<a href="/about/" aria-current="page">About me</a>' in nav
    assert '<a href="/tags/birds/">Birds</a>' in nav
    assert 'href="https://example.org/code"' in nav


def test_a_draft_page_s_menu_item_is_hidden_until_it_is_published(client):
    page = make_page(draft=True)
    pages.save_menu_item(MenuItem(label="About me", page=page))
    assert "About me" not in client.get("/").content.decode()
    page.draft = False
    pages.save_page(page)
    assert "About me" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "javascript:alert(1)"},
        {"url": "//evil.example/"},
        {"url": "ftp://example.org/"},
        {},
        {"url": "/x/", "section": MenuItem.Section.TAGS},
    ],
)
def test_bad_menu_items_are_refused(fields):
    """One target, and only http(s) or site paths: no script links in the header."""
    with pytest.raises(ValidationError):
        pages.save_menu_item(MenuItem(label="Bad", **fields))


def test_merging_tags_keeps_their_menu_items(client):
    make_post(tags=["birds"])
    make_post(tags=["Bird"])
    birds, bird = Tag.objects.get(name="birds"), Tag.objects.get(name="Bird")
    pages.save_menu_item(MenuItem(label="Birds", tag=bird))
    merge_tags(birds, [bird])
    assert MenuItem.objects.get(label="Birds").tag == birds


def test_a_menu_change_reaches_cached_pages(client, settings):
    """Every page shows the menu: a change invalidates the page cache."""
    settings.PAGE_CACHE_TIMEOUT = 60
    make_post()
    assert "Now" not in client.get("/").content.decode()
    client.get("/")
    page = make_page(title="Now", slug="now")
    pages.save_menu_item(MenuItem(label="Now", page=page))
    assert ">Now</a>" in client.get("/").content.decode()


# --- the admin ----------------------------------------------------------------------------


def test_a_page_is_written_in_the_admin_with_the_markdown_editor(client):
    client.force_login(page_editor())
    form = client.get(reverse("admin:blog_page_add")).content.decode()
    assert "data-markdown-editor" in form and "blog/admin/editor.js" in form
    response = client.post(
        reverse("admin:blog_page_add"),
        {"title": "Contact", "slug": "contact", "body": "Write to *me*.", "_publish": "1"},
    )
    assert response.status_code == 302
    page = Page.objects.get(slug="contact")
    assert not page.draft and "<em>me</em>" in page.body_html


def test_the_admin_explains_a_reserved_address(client):
    client.force_login(page_editor())
    response = client.post(
        reverse("admin:blog_page_add"), {"title": "Tags", "slug": "tags", "body": "x"}
    )
    assert response.status_code == 200
    assert "/tags/ is an address the site already uses" in response.content.decode()
    assert not Page.objects.exists()


def test_two_editors_saving_the_same_page_do_not_lose_an_edit(client):
    """The second save, opened on an older version, is refused with the editor's text kept."""
    page = make_page()
    client.force_login(page_editor())
    url = reverse("admin:blog_page_change", args=[page.pk])
    opened = client.get(url).context["adminform"].form["version"].value()
    page.body = "Someone else's edit."
    pages.save_page(page)
    response = client.post(
        url, {"title": "About", "slug": "about", "body": "Mine.", "draft": "", "version": opened}
    )
    assert response.status_code == 200
    assert "Someone else saved this page" in response.content.decode()
    assert Page.objects.get(pk=page.pk).body == "Someone else's edit."


def test_the_page_preview_renders_like_the_site(client):
    client.force_login(page_editor())
    response = client.post(reverse("admin:blog_page_preview"), {"body": "**bold**"})
    assert "<strong>bold</strong>" in response.json()["html"]


def test_the_menu_is_reordered_in_the_admin_list(client):
    client.force_login(page_editor())
    items = list(MenuItem.objects.all())
    data = {
        "form-TOTAL_FORMS": str(len(items)),
        "form-INITIAL_FORMS": str(len(items)),
        "_save": "Save",
    }
    for n, (item, position) in enumerate(zip(items, [30, 20, 10], strict=True)):
        data[f"form-{n}-id"] = str(item.pk)
        data[f"form-{n}-position"] = str(position)
    response = client.post(reverse("admin:blog_menuitem_changelist"), data)
    assert response.status_code == 302
    assert list(MenuItem.objects.values_list("label", flat=True)) == ["Archive", "Tags", "Posts"]


def test_a_menu_item_without_a_target_is_explained_in_the_admin(client):
    client.force_login(page_editor())
    response = client.post(
        reverse("admin:blog_menuitem_add"), {"label": "Nothing", "position": "5"}
    )
    assert response.status_code == 200
    assert "Choose exactly one thing to link to" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/about", "/about/"),  # a page
        ("/about-me", "/about/"),  # a page's old address, straight to where it went
        ("/tags", "/tags/"),  # one of the site's own addresses
        ("/no-such-thing", None),  # only the page pattern matches it: a 404 at once
        ("/posts/x/feed", None),  # nothing matches it with a slash either
    ],
)
def test_a_missing_slash_is_added_only_where_the_address_can_answer(client, path, answer):
    page = make_page(slug="about-me")
    page.slug = "about"
    pages.save_page(page)
    response = client.get(path)
    if answer is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 301 and response["Location"] == answer
