"""The static copy stays exact: after each kind of change the worker leaves no stale file, no
missing one and no extra one (blog.staticsite.changes, blog.staticsite.worker)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from taggit.models import Tag

from blog import pages, views
from blog import posts as write
from blog.authors import save_profile
from blog.models import MenuItem, Page, Post, attach_tag_lists
from blog.profiles import AuthorProfile
from blog.sitemaps import PostSitemap
from blog.staticsite.build import build_site
from blog.staticsite.changes import RelatedPosts
from blog.staticsite.models import PublishTask
from blog.staticsite.target import DirectoryTarget
from blog.staticsite.worker import run_once
from tests.factories import make_post
from tests.staticsite_helpers import problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings, tmp_path, monkeypatch):
    """Thirteen posts (two pages), two tags with combinations, an unlisted post, a draft and
    a scheduled post, built; static publishing on. The posts' sitemap has pages of four, so
    a change that moves a post in it shifts the pages after."""
    settings.STATIC_SITE_DIR = str(tmp_path)
    monkeypatch.setattr(PostSitemap, "limit", 4)
    now = timezone.now()
    author = User.objects.create_user("ada", first_name="Ada", last_name="Lovelace")
    posts = {
        n: make_post(
            title=f"Walrus {n}",
            publish_date=now - timedelta(days=15 * n + 1),
            tags=["walrus", "even" if n % 2 == 0 else "odd"],
            author=author,
        )
        for n in range(13)
    }
    posts["unlisted"] = make_post(
        title="Unlisted walrus",
        unlisted=True,
        tags=["walrus"],
        publish_date=now - timedelta(days=40),
    )
    posts["draft"] = make_post(title="Draft walrus", draft=True, tags=["walrus", "odd"])
    posts["scheduled"] = make_post(
        title="Scheduled walrus", publish_date=now + timedelta(days=2), tags=["walrus", "new"]
    )
    colophon = pages.save_page(Page(title="Colophon", body="Made with *care*.", draft=False))
    pages.save_page(Page(title="Colophon 2", body="Not in the menu.", draft=False))
    pages.save_menu_item(MenuItem(label="Colophon", page=colophon, position=100))
    build_site(DirectoryTarget(tmp_path), jobs=1)
    PublishTask.objects.all().delete()
    return posts


def publish(root):
    """Run the worker until the queue is empty; every file it wrote or deleted."""
    touched = []
    while (run := run_once(DirectoryTarget(root))) is not None:
        touched += run.outcome.written + run.outcome.deleted
    return touched


def edit(post: Post, **fields) -> None:
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(post, name, value)
    write.save_post(post, tags=tags)


def reload(post: Post) -> Post:
    return Post.objects.get(pk=post.pk)


CHANGES = {
    "title edited": lambda p: edit(reload(p[7]), title="Walrus seven, revised"),
    "new post": lambda p: make_post(title="Brand new walrus", tags=["walrus", "fresh"]),
    "draft published": lambda p: write.set_draft(
        Post.objects.filter(pk=p["draft"].pk), draft=False
    ),
    "unpublished": lambda p: write.set_draft(Post.objects.filter(pk=p[3].pk), draft=True),
    "deleted": lambda p: write.delete_posts(Post.objects.filter(pk=p[10].pk)),
    "date moved": lambda p: edit(reload(p[11]), publish_date=timezone.now() - timedelta(hours=1)),
    "slug changed": lambda p: edit(reload(p[4]), slug="walrus-four-moved"),
    "tags changed": lambda p: edit(reload(p[5]), tags=["walrus", "even", "extra"]),
    "unlisted": lambda p: edit(reload(p[2]), unlisted=True),
    "listed again": lambda p: edit(reload(p["unlisted"]), unlisted=False),
    "hidden from search engines": lambda p: edit(reload(p[6]), noindex=True),
    "cross-posted": lambda p: edit(
        reload(p[8]), canonical_url="https://first.example/walrus", meta_title="Walrus, SEO"
    ),
    "tag renamed": lambda p: rename_tag("odd", "Uneven", "uneven"),
    "tags merged": lambda p: write.merge_tags(
        Tag.objects.get(slug="even"), [Tag.objects.get(slug="odd")]
    ),
    "tag deleted": lambda p: write.delete_tags(Tag.objects.filter(slug="even")),
    "author renamed": lambda p: rename_author(),
    "page published": lambda p: pages.save_page(Page(title="About", body="Me.", draft=False)),
    "page edited": lambda p: edit_page(title="Colophon, revised"),
    "page renamed": lambda p: edit_page(slug="made-with"),
    "page in the menu unpublished": lambda p: edit_page(draft=True),
    "page deleted": lambda p: pages.delete_pages(Page.objects.filter(slug="colophon-2")),
    "menu item added": lambda p: pages.save_menu_item(
        MenuItem(label="Walruses", tag=Tag.objects.get(slug="walrus"))
    ),
    "author profile edited": lambda p: edit_profile(display_name="Ada King", bio="*New* bio"),
    "author address changed": lambda p: edit_profile(slug="ada"),
    "author's post unpublished": lambda p: write.set_draft(
        Post.objects.filter(pk=p[0].pk), draft=True
    ),
}


def edit_page(**fields) -> None:
    page = Page.objects.get(slug="colophon")
    for name, value in fields.items():
        setattr(page, name, value)
    pages.save_page(page)


def rename_tag(slug: str, name: str, new_slug: str) -> None:
    tag = Tag.objects.get(slug=slug)
    tag.name, tag.slug = name, new_slug
    write.save_tag(tag, old_slug=slug)


def rename_author() -> None:
    author = User.objects.get(username="ada")
    author.first_name = "Augusta"
    author.save()


def edit_profile(**fields) -> None:
    profile = AuthorProfile.objects.get(user__username="ada")
    for name, value in fields.items():
        setattr(profile, name, value)
    save_profile(profile)


@pytest.mark.parametrize("kind", CHANGES)
def test_no_file_is_stale_after_a_change(client, site, tmp_path, kind):
    """After the change and one worker run, the tree is exactly what a fresh crawl of the
    app gives: every page current, every page that went away deleted."""
    CHANGES[kind](site)
    assert PublishTask.objects.exists()
    publish(tmp_path)
    assert not PublishTask.objects.exists()
    assert problems(client, tmp_path) == []


def test_a_scheduled_post_is_published_when_its_time_comes(client, site, tmp_path):
    """The worker writes a scheduled post, and the lists that show it, once its date has
    passed, though nothing was saved then."""
    assert publish(tmp_path) == []
    later = timezone.now() + timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        touched = publish(tmp_path)
        assert f"posts/{site['scheduled'].slug}/index.html" in touched
        assert problems(client, tmp_path) == []


def test_an_edit_rewrites_only_the_pages_showing_the_post(site, tmp_path):
    """A title edit of an old post rewrites its page, its neighbours, the list and tag pages
    it is on, feeds and sitemaps that show it, and nothing else."""
    edit(reload(site[12]), title="The oldest walrus, renamed")
    touched = set(publish(tmp_path))
    assert f"posts/{site[12].slug}/index.html" in touched
    assert "page/2/index.html" in touched and "tags/walrus/page/2/index.html" in touched
    assert f"posts/{site[11].slug}/index.html" in touched  # its newer neighbour
    assert "index.html" not in touched  # page 1 does not show it
    assert f"posts/{site[0].slug}/index.html" not in touched


def test_nothing_is_queued_when_static_publishing_is_off(settings):
    """With no folder or bucket configured, writes queue nothing."""
    settings.STATIC_SITE_DIR = ""
    post = make_post(title="Quiet", tags=["a"])
    write.set_draft(Post.objects.filter(pk=post.pk), draft=True)
    rename_tag("a", "B", "b")
    write.delete_posts(Post.objects.filter(pk=post.pk))
    assert not PublishTask.objects.exists()


def test_a_crash_mid_build_leaves_whole_files_and_the_next_run_repairs(client, site, tmp_path):
    """A build that dies half-way leaves every file whole (old or new bytes, never a part of
    either) and deletes nothing; the next run makes the tree exact."""
    edit(reload(site[0]), title="Walrus zero, revised")
    make_post(title="Another new walrus", tags=["walrus"])
    before = {path: path.read_bytes() for path in tmp_path.rglob("*.html")}
    real_write = DirectoryTarget.write
    calls = []

    def dying_write(self, name, data):
        calls.append(name)
        if len(calls) == 5:
            raise OSError("disk full")
        return real_write(self, name, data)

    with mock.patch.object(DirectoryTarget, "write", dying_write):
        with pytest.raises(OSError):
            run_once(DirectoryTarget(tmp_path))
    assert PublishTask.objects.exists()  # the tasks stay queued
    for path, old in before.items():
        assert path.exists()
        assert path.read_bytes() == old or path.relative_to(tmp_path).as_posix() in calls[:4]
    assert not list(tmp_path.rglob("*.tmp-static"))
    publish(tmp_path)
    assert problems(client, tmp_path) == []


PURGED: list[tuple[list[str], bool]] = []


def record_purge(addresses: list[str], everything: bool = False) -> None:
    PURGED.append((addresses, everything))


def test_the_purge_hook_gets_the_addresses_replaced(site, tmp_path, settings):
    """A CDN purge hook is called with the addresses of the files the worker replaced or
    deleted, once they are in place."""
    settings.STATIC_SITE_PURGE_HOOK = "tests.test_staticsite_changes.record_purge"
    PURGED.clear()
    edit(reload(site[12]), slug="walrus-twelve-moved")
    touched = publish(tmp_path)
    [(addresses, everything)] = PURGED
    assert not everything
    assert "/posts/walrus-twelve-moved/" in addresses and f"/posts/{site[12].slug}/" in addresses
    assert len(addresses) == len(set(touched))


def test_related_posts_worked_out_backwards_match_the_post_pages(settings):
    """changes.RelatedPosts finds which posts list a post as related with its own copy of the
    post page's ranking (most shared tags, newest, highest id): both must pick the same."""
    settings.STATIC_SITE_DIR = ""
    now = timezone.now()
    tags = ["a", "b", "c", "d"]
    for n in range(14):
        # Ties in shared tags, and in dates (posts 0-1 and 6-7 share one), broken by id.
        make_post(
            publish_date=now - timedelta(days=1 + n // 2 * 2 + n % 2 * (n % 3 > 0)),
            tags=[tag for i, tag in enumerate(tags) if (n >> i) & 1 or i == n % 4],
        )
    make_post(unlisted=True, tags=["a", "b", "c"])
    make_post(draft=True, tags=["a", "b"])
    make_post(publish_date=now + timedelta(days=1), tags=["a", "b", "c", "d"])
    view = views.PostDetailView()
    reachable = list(Post.objects.reachable())
    attach_tag_lists(reachable)
    related = RelatedPosts()
    for post in Post.objects.published():
        own = sorted(post.tags.values_list("slug", flat=True))
        listing_it = {
            other.slug
            for other in reachable
            if post.pk in {shown.pk for shown in view.related_posts(other)}
        }
        assert sorted(related.showing(post.pk, own)) == sorted(listing_it), post.title


def test_a_changed_post_is_written_before_the_pages_that_show_it(client, site, tmp_path):
    """The post's own page is the first file the worker replaces, ahead of the lists, feeds
    and related posts that a move in the lists affects."""
    written = []

    class Recording(DirectoryTarget):
        def write(self, name: str, data: bytes) -> bool:
            written.append(name)
            return super().write(name, data)

    post = reload(site[5])
    edit(post, title="Walrus moved", publish_date=timezone.now() - timedelta(hours=1))
    run_once(Recording(tmp_path))
    assert written[0] == f"posts/{post.slug}/index.html"
    assert "index.html" in written[1:]
    assert problems(client, tmp_path) == []
