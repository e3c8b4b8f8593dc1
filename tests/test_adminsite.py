"""The admin site: the blog's name, the order of the index, tags under the blog, and the post
list's badges, titles and links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag as TaggitTag

from blog.admin.columns import badge_kind, status_badge, title_cell, view_link
from blog.adminsite import BlogAdminSite
from blog.autosave import Autosave
from blog.media.models import Image
from blog.models import Post, Redirect
from blog.sitesettings.writes import load_or_default, save_site_settings
from blog.tags import Tag
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:blog_post_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw-unused-1"))
    return client


def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("root", "root@example.com", "pw-unused-2")
    return request


def model_names(app: dict) -> list[str]:
    return [model["object_name"] for model in app["models"]]


# The blog's admins in the order the index shows them (those registered so far).
BLOG_ORDER = ["Post", "Page", "MenuItem", "Tag", "Image", "AuthorProfile", "SiteSettings"]


def assert_blog_order(names: list[str]) -> None:
    expected = [name for name in BLOG_ORDER if name in names] + ["Redirect"]
    assert names[: len(expected)] == expected
    assert {"Post", "Tag", "Image", "Redirect"} <= set(names)


# --- the name -----------------------------------------------------------------------------


def test_the_default_admin_site_is_the_blogs():
    """Every @admin.register lands on the blog's site, so it orders all of them."""
    assert isinstance(admin.site, BlogAdminSite)


def test_the_admin_is_named_after_the_site(admin_client):
    """Header, browser title and index heading carry the site settings' title at once."""
    admin_client.get(reverse("admin:index"))  # the old name, read once
    row = load_or_default()
    row.title = "Quiet Notes"
    save_site_settings(row)
    page = admin_client.get(reverse("admin:index"))
    content = page.content.decode()
    assert page.context["site_header"] == "Quiet Notes"
    assert "<title>Manage Quiet Notes | Quiet Notes admin</title>" in content
    assert '<h1 id="site-name"' not in content  # the branding block is ours, not Django's
    assert ">Quiet Notes</a>" in content
    assert "Django administration" not in content


def test_every_admin_page_loads_the_sites_colours(admin_client):
    """The theme stylesheet is on the index, the lists, the forms and the login page."""
    post = make_post()
    for url in (
        reverse("admin:index"),
        CHANGELIST,
        reverse("admin:blog_post_change", args=[post.pk]),
        reverse("admin:blog_tag_changelist"),
    ):
        assert "blog/admin/theme.css" in admin_client.get(url).content.decode(), url
    admin_client.logout()
    assert "blog/admin/theme.css" in admin_client.get(reverse("admin:login")).content.decode()


# --- the order ----------------------------------------------------------------------------


def test_the_blog_comes_first_on_the_index(admin_client):
    """Blog, then users and groups, then login attempts; posts first within the blog."""
    apps = admin_client.get(reverse("admin:index")).context["app_list"]
    assert [app["app_label"] for app in apps] == ["blog", "auth", "axes"]
    assert_blog_order(model_names(apps[0]))
    assert model_names(apps[1]) == ["User", "Group"]


def test_models_the_order_does_not_name_come_after_in_alphabetical_order():
    """A new admin appears after the named ones instead of jumping ahead of posts."""
    site = BlogAdminSite(name="ordering")
    for model in (User, Autosave, Redirect, Image, Tag, Post):
        site.register(model)
    apps = site.get_app_list(superuser_request())
    assert [app["app_label"] for app in apps] == ["blog", "auth"]
    assert model_names(apps[0]) == ["Post", "Tag", "Image", "Redirect", "Autosave"]


def test_the_sidebar_and_the_app_page_use_the_same_order(admin_client):
    """The navigation sidebar and /admin/blog/ list the blog's models in the index's order."""
    page = admin_client.get(reverse("admin:app_list", args=["blog"]))
    assert_blog_order(model_names(page.context["app_list"][0]))
    assert [app["app_label"] for app in page.context["available_apps"]][0] == "blog"


# --- tags under the blog ------------------------------------------------------------------


def test_tags_are_listed_under_the_blog_not_taggit(admin_client):
    """No "Taggit" section: tags are the blog's, at /admin/blog/tag/."""
    make_post(tags=["python"])
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "Taggit" not in content and "TAGGIT" not in content
    assert reverse("admin:blog_tag_changelist") == "/admin/blog/tag/"
    page = admin_client.get(reverse("admin:blog_tag_changelist"))
    assert [tag.name for tag in page.context["cl"].result_list] == ["python"]


def test_old_taggit_addresses_redirect(admin_client):
    """Bookmarks of /admin/taggit/… answer 301 with the same page under /admin/blog/tag/."""
    tag = TaggitTag.objects.create(name="python")
    cases = {
        "/admin/taggit/": "/admin/blog/tag/",
        "/admin/taggit/tag/": "/admin/blog/tag/",
        "/admin/taggit/tag/?q=py": "/admin/blog/tag/?q=py",
        f"/admin/taggit/tag/{tag.pk}/change/": f"/admin/blog/tag/{tag.pk}/change/",
    }
    for old, new in cases.items():
        response = admin_client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
    assert admin_client.get(cases[f"/admin/taggit/tag/{tag.pk}/change/"]).status_code == 200


def test_taggits_permissions_still_open_the_tags(client):
    """Staff given taggit's tag permissions (the Authors group) keep managing tags."""
    editor = make_staff("tagger", can_change_posts=False)
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="taggit", codename="change_tag")
    )
    client.force_login(editor)
    assert client.get(reverse("admin:blog_tag_changelist")).status_code == 200
    assert client.get(reverse("admin:blog_tag_add")).status_code == 403


def test_a_tag_saved_through_the_proxy_without_a_usable_slug_gets_one():
    """The admin's tags get the fallback slug taggit's get, for names slugify drops."""
    assert Tag.objects.create(name="🙂").slug.startswith("tag-")


# --- the post list ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields,kind,words",
    [
        ({"draft": True}, "draft", "Draft"),
        ({"publish_date_in": timedelta(days=3)}, "scheduled", "Scheduled"),
        ({}, "published", "Published"),
        ({"unlisted": True}, "unlisted", "Unlisted"),
        ({"unlisted": True, "draft": True}, "draft", "Draft"),
    ],
)
def test_status_badges_name_the_status_in_words(fields, kind, words):
    """Each badge says its status in text (colour is never the only cue)."""
    later = fields.pop("publish_date_in", None)
    if later:
        fields["publish_date"] = timezone.now() + later
    post = make_post(**fields)
    assert badge_kind(post) == kind
    badge = str(status_badge(post))
    assert badge.startswith(f'<span class="post-status post-status-{kind}"')
    assert f">{words}" in badge
    if kind == "scheduled":
        assert f"({timezone.get_current_timezone_name()})</span>" in badge
    if kind == "unlisted":
        assert 'title="Live, but left out of the home page' in badge


def test_the_post_list_shows_badges_view_links_and_whole_titles(admin_client):
    """Badges, a View link for live posts, a Preview link for the rest, titles on hover."""
    live = make_post(title="Live <one> & more")
    draft = make_post(title="Draft one", draft=True)
    content = admin_client.get(CHANGELIST).content.decode()
    assert str(status_badge(live)) in content
    assert str(status_badge(draft)) in content
    assert str(title_cell(live)) in content
    assert 'title="Live &lt;one&gt; &amp; more"' in content
    assert str(view_link(live)) == (
        f'<a class="post-view-link" href="{live.get_absolute_url()}" '
        'title="View “Live &lt;one&gt; &amp; more” on the site">View</a>'
    )
    assert str(view_link(draft)) == (
        f'<a class="post-view-link" href="{draft.get_absolute_url()}" '
        'title="Preview “Draft one” as readers will see it">Preview</a>'
    )
    assert str(view_link(live)) in content and str(view_link(draft)) in content


def test_the_preview_link_opens_a_draft_for_staff(admin_client):
    """A draft's Preview link shows the draft to its editor; readers get a 404."""
    draft = make_post(title="Secret", draft=True)
    assert admin_client.get(draft.get_absolute_url()).status_code == 200
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_the_status_filter_matches_the_badges(admin_client):
    """Filtering by a badge lists exactly the posts that wear it."""
    make_post(title="Live")
    make_post(title="Hidden", unlisted=True)
    make_post(title="Later", publish_date=timezone.now() + timedelta(days=1))
    make_post(title="Rough", draft=True)
    expected = {
        "published": ["Live"],
        "unlisted": ["Hidden"],
        "scheduled": ["Later"],
        "draft": ["Rough"],
    }
    for status, titles in expected.items():
        page = admin_client.get(CHANGELIST, {"status": status})
        assert [post.title for post in page.context["cl"].result_list] == titles, status


def test_the_post_list_costs_the_same_for_more_posts(admin_client, django_assert_max_num_queries):
    """The new columns add no query per row."""
    for i in range(30):
        make_post(title=f"Post {i}", draft=i % 2 == 0, tags=[f"t{i}"])
    with django_assert_max_num_queries(12):
        assert admin_client.get(CHANGELIST).status_code == 200


def test_a_redirects_tag_field_still_autocompletes(admin_client):
    """The redirect form's tag search works though taggit's admin is off the index."""
    TaggitTag.objects.create(name="python")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "blog", "model_name": "redirect", "field_name": "tag", "term": "py"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["python"]
    index = admin_client.get(reverse("admin:index"))
    assert "taggit" not in [app["app_label"] for app in index.context["app_list"]]
