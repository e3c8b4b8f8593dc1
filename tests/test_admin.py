from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from blog import posts
from blog.models import Post
from blog.posts import save_post
from blog.rendering.render import render_post
from tests.admin_forms import form_data
from tests.factories import make_post, make_staff

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
    admin_client.post(
        CHANGELIST, {"action": "publish_posts", "post": "yes", "_selected_action": ids}
    )
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


# --- the authors' admin ---------------------------------------------------------------

PREVIEW = reverse("admin:blog_post_preview")


def test_preview_endpoint_renders_with_the_sites_renderer(admin_client):
    """The preview is blog.rendering.render's sanitized HTML, with word count and reading time."""
    body = "## Hi\n\nSome **bold** words <script>alert(1)</script>"
    response = admin_client.post(PREVIEW, {"body": body})
    data = response.json()
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert '<h2 id="hi">Hi</h2>' in data["html"]
    assert "<strong>bold</strong>" in data["html"]
    assert "<script>" not in data["html"]
    assert data["word_count"] >= 4
    assert data["reading_minutes"] == 1


def test_preview_endpoint_reports_a_body_the_renderer_refuses(admin_client):
    """A body past the render limits gets the limit's reason as a 400, not a 500."""
    response = admin_client.post(PREVIEW, {"body": ">" * 5000 + " deep"})
    assert response.status_code == 400
    assert "nest" in response.json()["error"].lower()
    assert "no-store" in response["Cache-Control"]


def test_preview_endpoint_refuses_get_anonymous_and_unprivileged(client):
    """Only staff who may add or change posts can use the preview endpoint."""
    assert client.post(PREVIEW, {"body": "x"}).status_code == 302  # to the login page
    client.force_login(make_staff(can_change_posts=False))
    assert client.post(PREVIEW, {"body": "x"}).status_code == 403
    client.force_login(make_staff("writer"))
    assert client.get(PREVIEW).status_code == 405
    assert client.post(PREVIEW, {"body": "x"}).status_code == 200


def test_preview_endpoint_needs_the_csrf_token(django_user_model):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff())
    assert client.post(PREVIEW, {"body": "x"}).status_code == 403


def test_form_has_live_preview_stats_status_and_save_and_preview(admin_client):
    post = make_post(body="one two three", publish_date=timezone.now() + timedelta(days=2))
    content = admin_client.get(change_url(post)).content.decode()
    assert f'data-preview-url="{PREVIEW}"' in content
    assert "3 words · 1 min read" in content
    assert "Scheduled for" in content
    assert 'name="_preview"' in content
    assert "blog/admin/post_form.js" in content
    assert reverse("admin:blog_post_versions", args=[post.pk]) in content
    assert reverse("admin:blog_post_share", args=[post.pk]) in content
    # Content-Security-Policy friendly: no inline script of ours.
    assert "<script>" not in content.split("</head>", 1)[1].replace(
        '<script id="django-admin-form-add-constants"', ""
    )


def test_save_and_preview_opens_the_post_on_the_site(admin_client):
    post = make_post(draft=True)
    response = admin_client.post(change_url(post), {**form_data(post), "_preview": "1"})
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert admin_client.get(post.get_absolute_url()).status_code == 200


def test_tags_field_suggests_existing_tags(admin_client):
    make_post(tags=["django", "<b>bold</b>"])
    content = admin_client.get(ADD).content.decode()
    assert 'list="tag-suggestions"' in content
    assert '<option value="django">' in content
    assert '<option value="&lt;b&gt;bold&lt;/b&gt;">' in content


# --- optimistic locking ---


def test_a_stale_save_is_refused_and_the_text_kept(admin_client):
    """Two editors open the same version; the second save is refused, their text stays."""
    post = make_post(title="Original", body="original body")
    opened = form_data(post)  # both open the form now
    first = admin_client.post(change_url(post), {**opened, "body": "first editor's body"})
    assert first.status_code == 302

    second = admin_client.post(change_url(post), {**opened, "body": "second editor's body"})
    assert second.status_code == 200
    content = second.content.decode()
    assert "Someone else saved this post" in content
    assert "second editor&#x27;s body" in content  # their text is still in the form
    assert reverse("admin:blog_post_diff", args=[post.pk]) in content
    post.refresh_from_db()
    assert post.body == "first editor's body"

    # The refused form now carries the current version: saving again is a deliberate choice.
    form = second.context["adminform"].form
    assert form.data["version"] == post.updated_at.isoformat()
    third = admin_client.post(change_url(post), {**form.data.dict()})
    assert third.status_code == 302
    post.refresh_from_db()
    assert post.body == "second editor's body"
    # And nothing was lost: the first editor's text is a revision.
    assert post.revisions.filter(body="first editor's body").exists()


def test_bulk_publish_in_between_also_conflicts(admin_client):
    post = make_post(draft=True)
    opened = form_data(post)
    admin_client.post(
        CHANGELIST, {"action": "publish_posts", "post": "yes", "_selected_action": [post.pk]}
    )
    response = admin_client.post(change_url(post), opened)
    assert response.status_code == 200
    assert "Someone else saved this post" in response.content.decode()


def test_a_save_without_changes_keeps_no_revision(admin_client):
    post = make_post(publish_date=timezone.now().replace(microsecond=0))
    assert admin_client.post(change_url(post), form_data(post)).status_code == 302
    assert not post.revisions.exists()


def test_a_body_the_renderer_refuses_is_a_form_error_not_a_500(admin_client):
    post = make_post(body="Before.")
    response = admin_client.post(change_url(post), form_data(post, body=">" * 5000 + " deep"))
    assert response.status_code == 200
    assert "nest" in str(response.context["adminform"].form.errors["body"]).lower()
    post.refresh_from_db()
    assert post.body == "Before."


def test_a_save_renders_the_body_once(admin_client, monkeypatch):
    """The form renders to check the limits; the save reuses that rendering."""
    import blog.admin.posts
    import blog.posts

    calls = []

    def counting(text, source=None):
        calls.append(text)
        return render_post(text, source)

    monkeypatch.setattr(blog.admin.posts, "render_post", counting)
    monkeypatch.setattr(blog.posts, "render_post", counting)
    post = make_post(body="Before.")
    calls.clear()
    assert admin_client.post(change_url(post), form_data(post, body="*After*.")).status_code == 302
    assert calls == ["*After*."]
    post.refresh_from_db()
    assert post.body_html == "<p><em>After</em>.</p>"


# --- slug changes through the admin ---


def test_changing_the_slug_in_the_admin_redirects_the_old_address(admin_client, client):
    post = make_post(slug="before")
    admin_client.post(change_url(post), form_data(post, slug="after"))
    assert client.get("/posts/before/")["Location"] == "/posts/after/"


# --- tags: counts, merge ---

TAGS = reverse("admin:blog_tag_changelist")


def test_tag_list_shows_post_counts(admin_client):
    make_post(tags=["python", "django"])
    make_post(tags=["python"])
    response = admin_client.get(TAGS)
    counts = {tag.name: tag.posts for tag in response.context["cl"].result_list}
    assert counts == {"django": 1, "python": 2}


def test_merge_tags_moves_posts_and_redirects(admin_client, client):
    from taggit.models import Tag

    both = make_post(tags=["py", "python"])
    only_old = make_post(tags=["py"])
    only_new = make_post(tags=["python"])
    ids = list(Tag.objects.values_list("pk", flat=True))
    survivor = Tag.objects.get(name="python")

    confirm = admin_client.post(TAGS, {"action": "merge_selected", "_selected_action": ids})
    assert confirm.status_code == 200
    assert "Keep which tag?" in confirm.content.decode()
    response = admin_client.post(
        TAGS,
        {"action": "merge_selected", "_selected_action": ids, "apply": "1", "into": survivor.pk},
    )
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["python"]
    for post in (both, only_old, only_new):
        assert list(post.tags.names()) == ["python"]
    assert client.get("/tags/py/")["Location"] == "/tags/python/"
    assert client.get("/tags/py/feed.rss")["Location"] == "/tags/python/feed.rss"


def test_merging_into_a_tag_then_merging_that_collapses_the_chain(client):
    from taggit.models import Tag

    from blog.posts import merge_tags

    make_post(tags=["a", "b", "c"])
    a, b, c = (Tag.objects.get(name=n) for n in "abc")
    merge_tags(b, [a])
    merge_tags(c, [b])
    assert client.get("/tags/a/")["Location"] == "/tags/c/"
    assert client.get("/tags/b/")["Location"] == "/tags/c/"


def test_merge_tags_counts_posts_in_queries_that_do_not_grow(django_assert_max_num_queries):
    from taggit.models import Tag, TaggedItem

    from blog.posts import merge_tags

    make_post(tags=["py", "python"])
    for _ in range(30):
        make_post(tags=["py"])
    py, python = Tag.objects.get(name="py"), Tag.objects.get(name="python")
    # Moving the 30 posts' tags is one UPDATE, not a query or two per post.
    with django_assert_max_num_queries(40):  # 34 today; a query per post would be 90+
        assert merge_tags(python, [py]) == 31
    assert TaggedItem.objects.filter(tag=python).count() == 31


def test_merge_needs_two_tags(admin_client):
    from taggit.models import Tag

    make_post(tags=["solo"])
    ids = list(Tag.objects.values_list("pk", flat=True))
    response = admin_client.post(
        TAGS, {"action": "merge_selected", "_selected_action": ids}, follow=True
    )
    assert "Select two tags or more" in response.content.decode()


# --- provenance ---


def test_provenance_unknown_without_a_recorded_fingerprint(admin_client):
    """A post with a source but no fingerprint (e.g. set by hand) is not guessed about."""
    post = make_post(source_path="posts/hello.md")
    post.imported_at = timezone.now()
    post.save()
    content = admin_client.get(change_url(post)).content.decode()
    assert "posts/hello.md" in content
    assert "Edited since the import?" in content
    assert "unknown" in content


def test_provenance_section_is_hidden_for_posts_written_here(admin_client):
    post = make_post()
    assert "Edited since the import?" not in admin_client.get(change_url(post)).content.decode()


def test_provenance_filter_and_field_with_a_fingerprint(admin_client):
    """Imported posts are compared with the importer's fingerprint of what it wrote."""
    from blog.importing.identity import post_fingerprint

    same = make_post(title="Same", body="b1", source_path="a.md")
    edited = make_post(title="Edited", body="b2", source_path="b.md")
    make_post(title="Written here")
    Post.objects.filter(pk=same.pk).update(imported_fingerprint=post_fingerprint(same))
    Post.objects.filter(pk=edited.pk).update(imported_fingerprint="not-what-it-is-now")

    def titles(value):
        response = admin_client.get(CHANGELIST, {"provenance": value})
        return sorted(p.title for p in response.context["cl"].result_list)

    assert titles("diverged") == ["Edited"]
    assert titles("in_sync") == ["Same"]
    assert titles("imported") == ["Edited", "Same"]
    assert titles("written_here") == ["Written here"]
    assert "Same as the file" in admin_client.get(change_url(same)).content.decode()
    assert "Edited since the import" in admin_client.get(change_url(edited)).content.decode()


# --- permissions ---


def test_authors_group_command_is_idempotent():
    from io import StringIO

    from django.contrib.auth.models import Group
    from django.core.management import call_command

    out = StringIO()
    call_command("create_authors_group", stdout=out)
    call_command("create_authors_group", stdout=out)
    group = Group.objects.get(name="Authors")
    assert "Updated group 'Authors'" in out.getvalue()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_post", "publish_post", "add_sharelink", "change_tag"} <= codenames


def test_an_author_in_the_group_can_write_and_publish(client):
    from django.contrib.auth.models import Group

    from blog.authors import ensure_authors_group

    ensure_authors_group()
    author = make_staff("author", can_change_posts=False)
    author.groups.add(Group.objects.get(name="Authors"))
    client.force_login(author)
    post = make_post(draft=True)
    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.post(PREVIEW, {"body": "x"}).status_code == 200
    client.post(
        CHANGELIST, {"action": "publish_posts", "post": "yes", "_selected_action": [post.pk]}
    )
    post.refresh_from_db()
    assert not post.draft


def test_an_author_in_the_group_can_upload_an_image(client, settings, tmp_path):
    """The editor's drag, paste and Image button work for the Authors group."""
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from blog.authors import ensure_authors_group
    from blog.media.models import Image
    from tests.media_helpers import image_bytes, upload

    settings.MEDIA_ROOT = tmp_path
    ensure_authors_group()
    author = make_staff("author", can_change_posts=False)
    author.groups.add(Group.objects.get(name="Authors"))
    client.force_login(author)
    response = client.post(reverse("admin:blog_image_upload"), {"file": upload(image_bytes())})
    assert response.status_code == 201, response.content
    assert response.json()["url"] == Image.objects.get().url


def test_editor_without_publish_permission_cannot_publish(client):
    """Change permission alone lets an editor write, not publish: no actions, no draft box."""
    client.force_login(make_staff())
    post = make_post(draft=True)
    response = client.get(CHANGELIST)
    assert "publish_posts" not in response.content.decode()
    response = client.post(
        CHANGELIST, {"action": "publish_posts", "post": "yes", "_selected_action": [post.pk]}
    )
    post.refresh_from_db()
    assert post.draft
    # The draft flag is read-only on the form, so posting "draft" off changes nothing.
    data = form_data(post)
    del data["draft"]
    assert client.post(change_url(post), data).status_code == 302
    post.refresh_from_db()
    assert post.draft


def test_staff_without_post_permissions_cannot_see_drafts_or_previews(client):
    client.force_login(make_staff(can_change_posts=False))
    draft = make_post(draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.post(PREVIEW, {"body": "x"}).status_code == 403
    assert client.get(change_url(draft)).status_code == 403
    assert client.get(reverse("admin:blog_post_versions", args=[draft.pk])).status_code == 403
    assert client.get(reverse("admin:blog_post_diff", args=[draft.pk])).status_code == 403


def test_redirect_admin_lists_targets(admin_client):
    post = make_post(slug="first")
    post.slug = "second"
    save_post(post)
    response = admin_client.get(reverse("admin:blog_redirect_changelist"))
    assert "/posts/first/" in response.content.decode()
    assert "/posts/second/" in response.content.decode()
    assert admin_client.get(reverse("admin:blog_redirect_add")).status_code == 200


def test_view_only_staff_can_open_the_form_read_only(client):
    """The hidden version field must not break the read-only form of view-only staff."""
    viewer = make_staff("viewer", can_change_posts=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    post = make_post(title="Look only")
    response = client.get(change_url(post))
    assert response.status_code == 200
    assert "Look only" in response.content.decode()
    assert 'name="_preview"' not in response.content.decode()


def test_a_post_without_any_version_field_is_not_checked(admin_client):
    """Only forms that carry a version are compared: scripts posting fields opt out."""
    post = make_post()
    data = form_data(post, body="scripted")
    del data["version"]
    post.title = "changed meanwhile"
    post.save()
    assert admin_client.post(change_url(post), data).status_code == 302


# --- the publish permission holds on every path ---


def _editor_client(client):
    client.force_login(make_staff())
    return client


def test_restoring_a_published_version_needs_the_publish_permission(client, admin_user):
    """Restoring a version whose draft flag was off would publish: editors without the
    publish permission are refused, and the post stays a draft."""
    post = make_post(draft=False)
    posts.set_draft(Post.objects.filter(pk=post.pk), draft=True, user=admin_user)
    published = post.revisions.get(draft=False)
    url = reverse("admin:blog_post_restore", args=[post.pk, published.pk])
    response = _editor_client(client).post(url, follow=True)
    post.refresh_from_db()
    assert post.draft
    assert "publish" in response.content.decode()


def test_moving_a_scheduled_post_into_the_past_needs_the_publish_permission(client):
    """A scheduled post goes live early only with the publish permission."""
    post = make_post(publish_date=timezone.now() + timedelta(days=3))
    past = timezone.localtime(timezone.now() - timedelta(days=1))
    data = form_data(
        post, publish_date_0=past.strftime("%Y-%m-%d"), publish_date_1=past.strftime("%H:%M:%S")
    )
    response = _editor_client(client).post(change_url(post), data)
    assert response.status_code == 200
    assert "publish" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED


def test_moving_a_live_post_into_the_future_needs_the_publish_permission(client):
    """Taking a live post down by dating it ahead is unpublishing: refused without the right."""
    post = make_post()
    future = timezone.localtime(timezone.now() + timedelta(days=3))
    data = form_data(
        post,
        publish_date_0=future.strftime("%Y-%m-%d"),
        publish_date_1=future.strftime("%H:%M:%S"),
    )
    assert _editor_client(client).post(change_url(post), data).status_code == 200
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_an_editor_may_correct_a_live_post_without_changing_its_status(client):
    """Without the publish permission a live post's text may still be corrected."""
    post = make_post(body="Teh typo.")
    response = _editor_client(client).post(change_url(post), form_data(post, body="The typo."))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "The typo."
    assert post.status == Post.Status.PUBLISHED


def test_an_editor_with_the_publish_permission_may_reschedule(client):
    """The check is the permission, not the move: an editor with it may take a post down."""
    editor = make_staff()
    editor.user_permissions.add(Permission.objects.get(codename="publish_post"))
    client.force_login(editor)
    post = make_post()
    future = timezone.localtime(timezone.now() + timedelta(days=3))
    data = form_data(
        post,
        publish_date_0=future.strftime("%Y-%m-%d"),
        publish_date_1=future.strftime("%H:%M:%S"),
    )
    assert client.post(change_url(post), data).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED


def test_the_write_path_refuses_a_status_change_without_the_permission():
    """save_post itself checks the permission of the user it is given."""
    from django.core.exceptions import PermissionDenied

    editor = make_staff()
    post = make_post(draft=True)
    post.draft = False
    with pytest.raises(PermissionDenied):
        posts.save_post(post, user=editor)
    assert Post.objects.get(pk=post.pk).draft


@pytest.mark.parametrize(
    "names", [['say "hi"'], ['5" floppy', "retro"], ['"quoted"', "plain, with comma"]]
)
def test_saving_unchanged_keeps_tag_names_with_quotes(admin_client, names):
    """The tags field shows what it was given; saving it back unchanged changes no tag."""
    import html
    import re

    from taggit.models import Tag

    post = make_post(tags=names)
    form = admin_client.get(change_url(post)).content.decode()
    shown = html.unescape(re.search(r'<input[^>]*name="tags"[^>]*value="([^"]*)"', form)[1])
    response = admin_client.post(change_url(post), form_data(post, tags=shown))
    assert response.status_code == 302
    assert sorted(post.tags.names()) == sorted(names)
    assert sorted(Tag.objects.values_list("name", flat=True)) == sorted(names)


def test_a_tag_with_quotes_survives_adding_another(admin_client):
    """Adding a tag beside one whose name holds quotes leaves that name as it was."""
    import html
    import re

    post = make_post(tags=['say "hi"'])
    form = admin_client.get(change_url(post)).content.decode()
    shown = html.unescape(re.search(r'<input[^>]*name="tags"[^>]*value="([^"]*)"', form)[1])
    admin_client.post(change_url(post), form_data(post, tags=f"{shown}, extra"))
    assert sorted(post.tags.names()) == ["extra", 'say "hi"']


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="stored search vectors are PostgreSQL's",
)
def test_deleting_a_tag_in_the_admin_drops_it_from_search(admin_client):
    """A post is no longer found by the name of a tag deleted in the admin."""
    from taggit.models import Tag

    from blog.search import search_posts

    post = make_post(title="Plain", tags=["narwhal"])
    assert list(search_posts("narwhal")) == [post]
    tag = Tag.objects.get(name="narwhal")
    url = reverse("admin:blog_tag_delete", args=[tag.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert list(search_posts("narwhal")) == []
    bulk = Tag.objects.create(name="beluga")
    post.tags.add(bulk)
    posts.save_post(post)
    assert list(search_posts("beluga")) == [post]
    changelist = reverse("admin:blog_tag_changelist")
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [bulk.pk], "post": "yes"}
    )
    assert list(search_posts("beluga")) == []


def test_deleting_a_public_post_needs_the_publish_permission(client):
    """Deleting takes a post down: without the publish permission only drafts may go."""
    editor = make_staff()
    editor.user_permissions.add(Permission.objects.get(codename="delete_post"))
    client.force_login(editor)
    live = make_post()
    scheduled = make_post(publish_date=timezone.now() + timedelta(days=2))
    draft = make_post(draft=True)
    for post in (live, scheduled):
        url = reverse("admin:blog_post_delete", args=[post.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
    client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [live.pk, draft.pk], "post": "yes"},
    )
    assert Post.objects.filter(pk=live.pk).exists()
    assert client.post(reverse("admin:blog_post_delete", args=[draft.pk]), {"post": "yes"})
    assert set(Post.objects.values_list("pk", flat=True)) == {live.pk, scheduled.pk}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Bell\x07 title", "control character U+0007"),
        ("description", "Tab is fine\t, vertical tab\x0b is not", "control character U+000B"),
        ("cover_image_alt", "alt\x1b", "control character U+001B"),
        ("tags", "fine, bad\x01tag", "control character U+0001"),
        ("description", "x" * 2001, "At most 2000 characters"),
        ("tags", ", ".join(f"t{n}" for n in range(101)), "At most 100 tags"),
    ],
)
def test_text_feeds_cannot_carry_or_past_limits_is_a_form_error(
    admin_client, field, value, message
):
    """Control characters and values past the post's limits are refused with the field named,
    and the stored post is left as it was."""
    post = make_post(title="Kept", description="Kept too.")
    response = admin_client.post(change_url(post), form_data(post, **{field: value}))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    post.refresh_from_db()
    assert (post.title, post.description) == ("Kept", "Kept too.")


def test_the_write_path_refuses_control_characters_from_any_caller():
    """Code that writes posts without a form gets the same refusal, and nothing is stored."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        save_post(Post(title="Ding\x07", publish_date=timezone.now()), tags=["ok"])
    assert "title" in error.value.message_dict
    assert not Post.objects.exists()
    with pytest.raises(ValidationError) as error:
        save_post(Post(title="Fine", publish_date=timezone.now()), tags=["b\x00d"])
    assert "tags" in error.value.message_dict
    assert not Post.objects.exists()
