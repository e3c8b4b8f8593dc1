"""Old addresses 301 to where things moved: renamed slugs, merged tags, imported aliases."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Redirect
from blog.posts import save_post
from blog.redirects import add_aliases, normalize_path
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db


def rename(post, slug):
    post.slug = slug
    save_post(post)


def test_changing_a_slug_leaves_a_permanent_redirect(client):
    post = make_post(slug="old-name")
    rename(post, "new-name")
    response = client.get("/posts/old-name/")
    assert response.status_code == 301
    assert response["Location"] == "/posts/new-name/"
    assert client.get("/posts/new-name/").status_code == 200


def test_query_string_is_kept(client):
    post = make_post(slug="old-q")
    rename(post, "new-q")
    assert client.get("/posts/old-q/?utm_source=x")["Location"] == "/posts/new-q/?utm_source=x"


def test_chains_collapse_to_the_current_address(client):
    """a -> b -> c: both old addresses lead straight to c, in one hop."""
    post = make_post(slug="a")
    rename(post, "b")
    rename(post, "c")
    assert client.get("/posts/a/")["Location"] == "/posts/c/"
    assert client.get("/posts/b/")["Location"] == "/posts/c/"


def test_renaming_back_does_not_loop(client):
    """a -> b -> a: /posts/a/ is live again and /posts/b/ leads to it."""
    post = make_post(slug="a")
    rename(post, "b")
    rename(post, "a")
    assert not Redirect.objects.filter(old_path="/posts/a/").exists()
    assert client.get("/posts/a/").status_code == 200
    assert client.get("/posts/b/")["Location"] == "/posts/a/"


def test_a_redirect_never_reveals_a_draft(client):
    """An old address of a post that went back to draft stays a 404 for readers."""
    post = make_post(slug="public")
    post.slug, post.draft = "secret-new-slug", True
    save_post(post)
    response = client.get("/posts/public/")
    assert response.status_code == 404
    assert "secret-new-slug" not in response.content.decode()


def test_a_redirect_to_a_draft_works_for_editors(client):
    post = make_post(slug="was", draft=True)
    rename(post, "is")
    client.force_login(make_staff())
    assert client.get("/posts/was/")["Location"] == "/posts/is/"


def test_scheduled_post_redirect_is_hidden_until_it_goes_live(client):
    post = make_post(slug="early", publish_date=timezone.now() + timedelta(days=1))
    rename(post, "later")
    assert client.get("/posts/early/").status_code == 404


def test_existing_pages_cost_no_redirect_query(
    client, django_assert_num_queries, warm_site_settings
):
    """The middleware runs only on a 404: the post page's pinned count is unchanged."""
    post = make_post(slug="fine", tags=["x"])
    rename(post, "fine-2")
    with django_assert_num_queries(6):
        assert client.get("/posts/fine-2/").status_code == 200


def test_unknown_404_costs_one_query(client, django_assert_num_queries, warm_site_settings):
    """One query for the redirect lookup, one for the 404 page's menu."""
    with django_assert_num_queries(2):
        assert client.get("/no/such/page/").status_code == 404


def test_post_requests_are_not_redirected(client):
    post = make_post(slug="p1")
    rename(post, "p2")
    assert client.post("/posts/p1/").status_code in (404, 405)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("/2019/01/hello/", "/2019/01/hello/"),
        ("2019/01/hello/", "/2019/01/hello/"),
        ("https://old.example.com/blog/hello.html?x=1#top", "/blog/hello.html"),
        ("  /spaced/  ", "/spaced/"),
        ("", ""),
    ],
)
def test_normalize_path(raw, expected):
    assert normalize_path(raw) == expected


def test_add_aliases_for_imported_front_matter(client):
    """Hugo `aliases` and Jekyll `redirect_from` become 301s to the post."""
    post = make_post(slug="imported")
    made = add_aliases(
        post, ["/2019/01/imported/", "old/imported.html", "", post.get_absolute_url()]
    )
    assert [r.old_path for r in made] == ["/2019/01/imported/", "/old/imported.html"]
    assert client.get("/2019/01/imported/")["Location"] == "/posts/imported/"
    assert client.get("/old/imported.html")["Location"] == "/posts/imported/"
    # The trailing-slash variant of an alias is matched too.
    assert client.get("/2019/01/imported")["Location"] == "/posts/imported/"


def test_add_aliases_is_idempotent_and_never_takes_over_another_posts_redirect():
    """An alias already leading to another post stays there; the refusal is reported."""
    first, second = make_post(slug="first"), make_post(slug="second")
    add_aliases(first, ["/shared/"])
    add_aliases(first, ["/shared/"])
    report = []
    assert add_aliases(second, ["/shared/"], report) == []
    assert Redirect.objects.get(old_path="/shared/").post == first
    assert report == ["alias /shared/ refused: it already redirects to /posts/first/"]


@pytest.mark.parametrize(
    "hidden", [{"draft": True}, {"publish_date": timezone.now() + timedelta(days=2)}]
)
def test_an_alias_never_answers_301_at_a_hidden_posts_address(client, hidden):
    """An alias equal to a draft's or scheduled post's address (with or without its slash)
    is refused: readers would get a 301 where that post will appear."""
    make_post(slug="coming-soon", **hidden)
    other = make_post(slug="other")
    report = []
    assert add_aliases(other, ["/posts/coming-soon/", "/posts/coming-soon"], report) == []
    assert client.get("/posts/coming-soon/").status_code == 404
    assert len(report) == 2
    assert "another post (coming-soon)" in report[0]


def test_add_aliases_skips_paths_too_long_to_store():
    assert add_aliases(make_post(), ["/" + "x" * 600]) == []


def test_alias_to_a_live_page_never_shadows_it(client):
    """Redirects are a 404 fallback: an alias equal to a real page changes nothing."""
    live, other = make_post(slug="live"), make_post(slug="other")
    add_aliases(other, [live.get_absolute_url()])
    assert client.get("/posts/live/").status_code == 200


def test_tag_rename_in_the_admin_redirects_the_old_tag_pages(client):
    from django.contrib.auth.models import User
    from taggit.models import Tag

    make_post(tags=["Py"])
    tag = Tag.objects.get(name="Py")
    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw-unused-1"))
    response = client.post(
        reverse("admin:blog_tag_change", args=[tag.pk]), {"name": "Python", "slug": "python"}
    )
    assert response.status_code == 302
    client.logout()
    assert client.get("/tags/py/")["Location"] == "/tags/python/"
    assert client.get("/tags/py/feed.atom")["Location"] == "/tags/python/feed.atom"
    assert client.get("/tags/py/feed.rss")["Location"] == "/tags/python/feed.rss"
    assert client.get("/tags/python/").status_code == 200


@pytest.mark.parametrize(
    "hidden", [{"draft": True}, {"publish_date": timezone.now() + timedelta(days=2)}]
)
def test_renaming_a_tag_only_hidden_posts_carry_never_redirects_readers(client, hidden):
    """The old address of a tag no reader can see stays a 404: a 301 would name its new slug."""
    from taggit.models import Tag

    from blog.posts import save_tag

    make_post(tags=["Embargoed"], **hidden)
    tag = Tag.objects.get(name="Embargoed")
    old_slug = tag.slug
    tag.name, tag.slug = "Launch codename", "launch-codename"
    save_tag(tag, old_slug=old_slug)
    for path in ("/tags/embargoed/", "/tags/embargoed/feed.atom", "/tags/embargoed/feed.rss"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "launch-codename" not in response.content.decode()
    # Once a post carrying it is public, the old address leads to the new one.
    make_post(tags=["Launch codename"])
    assert client.get("/tags/embargoed/")["Location"] == "/tags/launch-codename/"
