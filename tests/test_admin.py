from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:blog_post_changelist")
ADD = reverse("admin:blog_post_add")


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw-unused-1"))
    return client


def change_url(post: Post) -> str:
    return reverse("admin:blog_post_change", args=[post.pk])


def test_changelist_shows_title_status_date_and_tags(admin_client):
    """Authors see each post's status and tags in the list."""
    make_post(title="Live one", tags=["python", "django"])
    make_post(title="Draft one", draft=True)
    make_post(title="Later one", publish_date=timezone.now() + timedelta(days=3))
    content = admin_client.get(CHANGELIST).content.decode()
    for text in [
        "Live one",
        "Draft one",
        "Later one",
        "Published",
        "Draft",
        "Scheduled",
        "django, python",
    ]:
        assert text in content


def test_changelist_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    """Tags and authors are prefetched, so the list costs the same for 3 or 30 posts."""
    for i in range(30):
        make_post(tags=[f"t{i}", "shared"])
    with django_assert_max_num_queries(12):
        assert admin_client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize(
    "status,expected",
    [("draft", ["Draft one"]), ("scheduled", ["Later one"]), ("published", ["Live one"])],
)
def test_status_filter(admin_client, status, expected):
    """The status filter separates drafts, scheduled and published posts."""
    make_post(title="Live one")
    make_post(title="Draft one", draft=True)
    make_post(title="Later one", publish_date=timezone.now() + timedelta(days=3))
    response = admin_client.get(CHANGELIST, {"status": status})
    assert [p.title for p in response.context["cl"].result_list] == expected


def test_search_covers_title_body_and_tags(admin_client):
    """Search finds posts by words in the title, the body or a tag."""
    make_post(title="About PyTorch")
    make_post(title="Other", body="tensorflow inside")
    make_post(title="Tagged", tags=["keras"])
    for query, title in [
        ("pytorch", "About PyTorch"),
        ("tensorflow", "Other"),
        ("keras", "Tagged"),
    ]:
        response = admin_client.get(CHANGELIST, {"q": query})
        assert [p.title for p in response.context["cl"].result_list] == [title]


def test_date_hierarchy_is_present(admin_client):
    """The list can be drilled down by publish date."""
    make_post()
    response = admin_client.get(CHANGELIST)
    assert response.context["cl"].date_hierarchy == "publish_date"


def test_slug_is_prefilled_from_the_title(admin_client):
    """The add form wires the slug to the title."""
    response = admin_client.get(ADD)
    assert "&quot;dependency_ids&quot;: [&quot;#id_title&quot;]" in response.content.decode()


def test_creating_a_post_in_the_admin(admin_client):
    """A post saved in the admin is rendered, tagged and owned by its author."""
    response = admin_client.post(
        ADD,
        {
            "title": "Hello admin",
            "slug": "",
            "body": "Some **bold** text",
            "description": "",
            "tags": "Python, django",
            "draft": "on",
            "publish_date_0": "2024-01-02",
            "publish_date_1": "10:00:00",
            "author": User.objects.get().pk,
            "cover_image": "",
            "cover_image_alt": "",
            "extra_front_matter": "{}",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get()
    assert post.slug == "hello-admin"
    assert post.body_html == "<p>Some <strong>bold</strong> text</p>"
    assert set(post.tags.names()) == {"django", "Python"}
    assert post.draft


def test_admin_refuses_a_javascript_cover_image(admin_client):
    """The form rejects script URLs for the cover image."""
    post = make_post()
    response = admin_client.post(
        change_url(post),
        {
            "title": post.title,
            "slug": post.slug,
            "body": "",
            "publish_date_0": "2024-01-02",
            "publish_date_1": "10:00:00",
            "cover_image": "javascript:alert(1)",
            "extra_front_matter": "{}",
        },
    )
    assert response.status_code == 200
    assert "cover_image" in response.context["adminform"].form.errors


def test_publish_and_unpublish_actions(admin_client):
    """Bulk actions move a selection between draft and published."""
    drafts = [make_post(draft=True) for _ in range(2)]
    ids = [str(p.pk) for p in drafts]
    admin_client.post(CHANGELIST, {"action": "publish_posts", "_selected_action": ids})
    assert Post.objects.published().count() == 2
    admin_client.post(CHANGELIST, {"action": "unpublish_posts", "_selected_action": ids})
    assert Post.objects.published().count() == 0


def test_change_form_has_view_on_site_and_rendered_preview(admin_client):
    """The change form links to the post on the site and shows the rendered body."""
    post = make_post(body="## Preview heading\n\n<script>alert(1)</script>")
    content = admin_client.get(change_url(post)).content.decode()
    content_type = ContentType.objects.get_for_model(Post)
    assert reverse("admin:view_on_site", args=[content_type.pk, post.pk]) in content
    assert '<h2 id="preview-heading">Preview heading</h2>' in content
    assert "<script>alert(1)</script>" not in content
