"""Every admin save keeps the version it replaces; versions can be compared and restored."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from blog import posts, revisions
from blog.models import Post, Revision
from tests.admin_forms import change_url, form_data
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("admin", "admin@example.com", "pw-unused-1")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_record_previous_keeps_the_stored_version(admin_user):
    """The revision holds the fields as stored before the save, tags included."""
    post = make_post(title="First", body="one", tags=["b", "A"])
    post.title = "Second"  # changed in memory only: the revision must not see it
    revision = revisions.record_previous(post, admin_user)
    assert revision.title == "First"
    assert revision.body == "one"
    assert revision.tags == ["A", "b"]
    assert revision.saved_by == admin_user
    assert revision.draft is False


def test_identical_versions_are_not_stored_twice():
    """Saving an unchanged post twice keeps one revision, not two copies."""
    post = make_post()
    assert revisions.record_previous(post) is not None
    assert revisions.record_previous(post) is None
    assert post.revisions.count() == 1


def test_unsaved_post_has_no_previous_version():
    assert revisions.record_previous(Post(title="x")) is None


def test_admin_save_keeps_the_previous_version(admin_client):
    """Editing in the admin stores the text it replaced."""
    post = make_post(title="Old title", body="old body", tags=["python"])
    response = admin_client.post(
        change_url(post), form_data(post, title="New title", body="new body", tags="django")
    )
    assert response.status_code == 302
    revision = Revision.objects.get()
    assert (revision.title, revision.body, revision.tags) == ("Old title", "old body", ["python"])
    post.refresh_from_db()
    assert post.title == "New title"


def test_bulk_publish_keeps_the_previous_version(admin_client):
    post = make_post(draft=True)
    admin_client.post(
        reverse("admin:blog_post_changelist"),
        {"action": "publish_posts", "post": "yes", "_selected_action": [post.pk]},
    )
    assert post.revisions.get().draft is True


def test_restore_brings_back_the_old_version_and_keeps_the_current_one(admin_user):
    """Restoring is itself a save: the version it replaces becomes a revision."""
    post = make_post(title="v1", body="first", tags=["one"])
    old = revisions.record_previous(post, admin_user)
    post.title, post.body = "v2", "second"
    post.save()
    post.tags.set(["two"])

    restored = posts.restore(old, admin_user)

    assert (restored.title, restored.body) == ("v1", "first")
    assert list(restored.tags.names()) == ["one"]
    assert restored.body_html == "<p>first</p>"
    newest = post.revisions.first()
    assert (newest.title, newest.tags) == ("v2", ["two"])


def test_restore_keeps_the_slug_if_another_post_took_it(admin_user):
    post = make_post(title="Mine", slug="mine")
    old = revisions.record_previous(post, admin_user)
    post.slug = "renamed"
    post.save()
    make_post(title="Squatter", slug="mine")
    assert posts.restore(old, admin_user).slug == "renamed"


def test_diff_shows_changed_lines_only():
    old = {
        "title": "T",
        "slug": "t",
        "description": "",
        "publish_date": timezone.now(),
        "revised_date": None,
        "draft": True,
        "tags": ["a"],
        "body": "same\nold line\nsame again",
    }
    new = {**old, "draft": False, "body": "same\nnew line\nsame again"}
    lines = revisions.diff(old, new)
    kinds = {(line.kind, line.text) for line in lines}
    assert ("remove", "-Draft: yes") in kinds
    assert ("add", "+Draft: no") in kinds
    assert ("remove", "-old line") in kinds
    assert ("add", "+new line") in kinds
    assert revisions.diff(old, old) == []


def test_diff_page_escapes_markup(admin_client):
    """A <script> in a post's body is shown as text in the diff, never run."""
    post = make_post(body="plain")
    revisions.record_previous(post)
    post.body = "<script>alert('x')</script>"
    post.save()
    response = admin_client.get(reverse("admin:blog_post_diff", args=[post.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    assert "<script>alert" not in content
    assert 'class="diff-line diff-add"' in content


def test_diff_between_two_revisions_and_bad_ids(admin_client):
    post = make_post(title="one")
    first = revisions.record_previous(post)
    post.title = "two"
    post.save()
    second = revisions.record_previous(post)
    url = reverse("admin:blog_post_diff", args=[post.pk])
    response = admin_client.get(url, {"a": first.pk, "b": second.pk})
    assert "-Title: one" in response.content.decode()
    assert "+Title: two" in response.content.decode()
    assert admin_client.get(url, {"a": "999999"}).status_code == 404


def test_versions_page_lists_and_restores(admin_client):
    post = make_post(title="Before")
    admin_client.post(change_url(post), form_data(post, title="After"))
    revision = post.revisions.get()
    page = admin_client.get(reverse("admin:blog_post_versions", args=[post.pk]))
    assert "Before" in page.content.decode()
    restore = reverse("admin:blog_post_restore", args=[post.pk, revision.pk])
    assert admin_client.get(restore).status_code == 302  # GET never restores
    post.refresh_from_db()
    assert post.title == "After"
    response = admin_client.post(restore)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Before"
    assert post.revisions.count() == 2


def test_restore_needs_change_permission(client):
    """A user who may only view posts can see versions but not restore one."""
    viewer = User.objects.create_user("viewer", password="pw-unused-2", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    post = make_post(title="Keep", publish_date=timezone.now() - timedelta(days=2))
    revision = revisions.record_previous(post)
    post.title = "Changed"
    post.save()
    assert client.get(reverse("admin:blog_post_versions", args=[post.pk])).status_code == 200
    response = client.post(reverse("admin:blog_post_restore", args=[post.pk, revision.pk]))
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.title == "Changed"
