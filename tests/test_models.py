import re
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from blog.models import Post, attach_tag_lists, validate_image_url
from blog.posts import save_post
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_slug_is_made_from_the_title():
    """A post saved without a slug gets one from its title."""
    assert make_post(title="Starting journey of deep learning - Pytorch vs Tensorflow ?").slug == (
        "starting-journey-of-deep-learning-pytorch-vs-tensorflow"
    )


def test_slug_keeps_non_latin_titles_usable():
    """A Chinese title yields a Unicode slug that resolves to the post."""
    post = make_post(title="深度学习入门")
    assert post.slug == "深度学习入门"
    assert (
        post.get_absolute_url() == "/posts/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0%E5%85%A5%E9%97%A8/"
    )


def test_slug_is_never_empty():
    """A title made only of punctuation still gets a slug, and clashes are numbered."""
    first = make_post(title="?!… ---")
    second = make_post(title="!!!")
    assert (first.slug, second.slug) == ("post", "post-2")


def test_slug_clashes_are_numbered():
    """Two posts with one title get distinct slugs."""
    assert [make_post(title="Same").slug for _ in range(3)] == ["same", "same-2", "same-3"]


def test_slug_is_stable_when_the_title_changes():
    """Editing a title never moves a post to a new URL."""
    post = make_post(title="Original title")
    post.title = "A better title"
    post.save()
    post.refresh_from_db()
    assert post.slug == "original-title"


def test_body_is_kept_verbatim_and_rendered_on_save():
    """The Markdown is stored as written; the HTML is rendered and sanitized on save."""
    body = "## Hi\r\n\r\n<script>x()</script>  \n"
    post = make_post(body=body)
    post.refresh_from_db()
    assert post.body == body
    assert '<h2 id="hi">Hi</h2>' in post.body_html
    assert "<script>" not in post.body_html


def test_render_follows_body_edits():
    """Changing the body re-renders the stored HTML."""
    post = make_post(body="first")
    post.body = "**second**"
    save_post(post)
    assert post.body_html == "<p><strong>second</strong></p>"


def test_published_excludes_drafts_and_future_posts():
    """published() is: not a draft, and the publish date has come."""
    now = timezone.now()
    public = make_post(publish_date=now - timedelta(minutes=1))
    make_post(draft=True, publish_date=now - timedelta(days=1))
    make_post(publish_date=now + timedelta(minutes=1))
    assert list(Post.objects.published(now)) == [public]


def test_scheduled_post_goes_live_by_itself():
    """A future-dated post becomes public when its time comes, with nothing to run."""
    now = timezone.now()
    post = make_post(publish_date=now + timedelta(hours=1))
    assert post.status == Post.Status.SCHEDULED
    assert not Post.objects.published().exists()
    later = now + timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert list(Post.objects.published()) == [post]
        assert post.status == Post.Status.PUBLISHED


def test_status():
    """Status is derived from the draft flag and the date."""
    assert make_post(draft=True).status == "draft"
    assert make_post(publish_date=timezone.now() + timedelta(days=1)).status == "scheduled"
    assert make_post().status == "published"


def test_ordering_is_newest_first():
    """Posts list newest first, ties broken by id."""
    now = timezone.now()
    old = make_post(publish_date=now - timedelta(days=3))
    new = make_post(publish_date=now - timedelta(days=1))
    assert list(Post.objects.all()) == [new, old]
    assert Post.objects.latest() == new


def test_tags_are_case_insensitive():
    """ "PyTorch" and "pytorch" are one tag."""
    make_post(tags=["PyTorch"])
    make_post(tags=["pytorch", "Deep Learning"])
    assert Tag.objects.filter(name__iexact="pytorch").count() == 1
    assert Tag.objects.get(name="Deep Learning").slug == "deep-learning"


def test_listing_posts_carry_their_tags_in_the_order_added(django_assert_num_queries):
    """attach_tag_lists() gives each post ``tag_list``: its own tags, in the order they were
    added, one query for the whole page, one Tag object per tag."""
    first, bare, second = make_post(), make_post(), make_post()
    for name in ["zeta", "Alpha", "mid"]:
        first.tags.add(name)
    second.tags.add("mid")
    with django_assert_num_queries(2):
        listing = Post.objects.for_listing()
        attach_tag_lists(listing)
        posts = {post.pk: post for post in listing}
    assert [tag.name for tag in posts[first.pk].tag_list] == ["zeta", "Alpha", "mid"]
    assert [tag.slug for tag in posts[first.pk].tag_list] == ["zeta", "alpha", "mid"]
    assert posts[bare.pk].tag_list == []
    assert posts[second.pk].tag_list == [Tag.objects.get(name="mid")]
    assert posts[second.pk].tag_list[0] is posts[first.pk].tag_list[2]


def test_rows_read_a_slice_of_the_listing_by_id(django_assert_num_queries):
    """rows() reads a slice of the queryset in one query: its filters, a listing's columns
    (the body is not read) and the model's ordering."""
    now = timezone.now()
    posts = [make_post(title=f"Post {n}", publish_date=now - timedelta(hours=n)) for n in range(5)]
    make_post(title="Draft", draft=True)
    listing = Post.objects.for_listing()
    with django_assert_num_queries(1):
        rows = list(listing.rows(1, 3))
        assert [p.title for p in rows] == ["Post 1", "Post 2"]
        assert {"body", "body_html"} <= rows[0].get_deferred_fields()
    assert [p.title for p in listing.rows(3, 10)] == ["Post 3", "Post 4"]
    assert [p.pk for p in listing.filter(title="Post 4").rows(0, 5)] == [posts[4].pk]


def test_tag_lists_of_many_posts_are_read_in_batches(monkeypatch, django_assert_num_queries):
    """SQLite caps one statement's parameters, so long lists are read a batch at a time."""
    monkeypatch.setattr("blog.models.TAG_LIST_BATCH", 2)
    made = [make_post(tags=[f"tag {n}", "shared"]) for n in range(5)]
    with django_assert_num_queries(1 + 3):
        posts = list(Post.objects.for_listing())
        attach_tag_lists(posts)
    by_id = {post.pk: post for post in posts}
    for n, post in enumerate(made):
        assert sorted(tag.name for tag in by_id[post.pk].tag_list) == ["shared", f"tag {n}"]


def test_dates_are_timezone_aware():
    """Publish dates are stored with a time zone."""
    assert timezone.is_aware(make_post().publish_date)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "data:image/png;base64,AAAA",
        "vbscript:x",
        "jav\tascript:alert(1)",
        "ftp://example.com/a.png",
    ],
)
def test_cover_image_url_refuses_unsafe_schemes(url):
    """Script-bearing or non-web cover URLs are refused."""
    with pytest.raises(ValidationError):
        validate_image_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://source.unsplash.com/gnyA8vd3Otc/1600*900",
        "http://example.com/a.png",
        "/media/cover.jpg",
        "images/cover.png",
    ],
)
def test_cover_image_url_accepts_web_and_relative_urls(url):
    """http(s) and site-relative cover URLs are fine."""
    validate_image_url(url)


def test_full_clean_checks_cover_image():
    """The admin's validation refuses a javascript: cover image."""
    post = Post(title="x", slug="x", cover_image="javascript:alert(1)")
    with pytest.raises(ValidationError) as error:
        post.full_clean()
    assert "cover_image" in error.value.message_dict


def test_migrations_are_complete():
    """The models and the migrations agree."""
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


# Indexes: the public list and tag queries must not read the whole posts table.


@pytest.fixture
def many_posts():
    """4,000 posts of realistic width (some drafts and scheduled), 60 tags, analyzed.

    Small, narrow tables are cheaper to read whole, and the planner rightly does so; what
    is checked is the plan on a table the size of a real blog's.
    """
    import secrets

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from taggit.models import TaggedItem

    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    now = timezone.now()
    tags = Tag.objects.bulk_create([Tag(name=f"t{k}", slug=f"t{k}") for k in range(60)])
    posts = Post.objects.bulk_create(
        Post(
            title=f"Post {i}",
            slug=f"post-{i}",
            body_text=secrets.token_hex(800),  # incompressible, so stored in the row
            draft=i % 37 == 0,
            publish_date=now + timedelta(days=1) if i % 101 == 0 else now - timedelta(hours=i),
        )
        for i in range(4000)
    )
    content_type = ContentType.objects.get_for_model(Post)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=content_type, object_id=post.pk, tag=tags[(i + k * 7) % 60])
        for i, post in enumerate(posts)
        for k in range(3)
    )
    with connection.cursor() as cursor:
        # Outside a transaction (transactional tests), VACUUM also sets the visibility map,
        # as autovacuum does on a real blog, which index-only scans need.
        analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(f"{analyze} blog_post")
        cursor.execute(f"{analyze} taggit_taggeditem")
    return tags


def test_list_and_tag_pages_use_indexes_on_postgresql(many_posts):
    """EXPLAIN of a list page and a tag page, read by id as the paginator reads them: index
    scans, never a scan of blog_post."""
    list_plan = Post.objects.for_listing().rows(490, 500).explain()
    assert "post_public_by_date" in list_plan, list_plan
    assert "blog_post_pkey" in list_plan, list_plan  # only the page's rows are read
    tag_plan = Post.objects.for_listing().tagged_with_all([many_posts[7]]).rows(40, 50).explain()
    assert "Index" in tag_plan, tag_plan
    # Page 1 of a tag: the newest posts walked in date order, each looked up in taggit's
    # (content type, object, tag) index, rather than every published post hashed.
    first_plan = Post.objects.for_listing().tagged_with_all([many_posts[7]]).rows(0, 10).explain()
    assert "post_public_by_date" in first_plan, first_plan
    assert "content_type_id_object_id_tag_id" in first_plan, first_plan
    assert "Hash Join" not in first_plan, first_plan
    for plan in (list_plan, tag_plan):
        assert "Seq Scan on blog_post" not in plan, plan


@pytest.mark.django_db(transaction=True)  # so the fixture VACUUMs: index-only scans
def test_a_tags_public_posts_are_read_from_indexes_on_postgresql(client, many_posts):
    """The tag page's count and narrowing tags start from the tag's assignments and check
    each post in the (id, publish_date) index of public posts (migration 0009), reading no
    table rows, rather than hashing every published post against them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("blog:tag_detail", kwargs={"slug": many_posts[7].slug}))
    assert page.status_code == 200
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(counting) == 2, counting  # the tag's posts, and its narrowing tags
    for sql in counting:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert re.search(r"Index Only Scan (Backward )?using blog_taggeditem_by_tag", plan), plan
        assert re.search(r"Index Only Scan (Backward )?using post_public_by_id", plan), plan
        assert "post_public_by_date" not in plan, plan  # not every published post


@pytest.mark.django_db(transaction=True)
def test_related_posts_use_indexes_on_postgresql(many_posts):
    """The post page's related posts: ranked from the publish-date index, never a scan of
    blog_post (joined with whole rows, it read the table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blog.views import PostDetailView

    post = Post.objects.published().filter(tags__isnull=False).first()
    attach_tag_lists([post])
    with CaptureQueriesContext(connection) as queries:
        related = PostDetailView().related_posts(post)
    assert len(related) == 3
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on blog_post" not in plan, plan


@pytest.mark.django_db
def test_large_columns_are_compressed_with_lz4_on_postgresql():
    """A long post's rendered body is stored lz4-compressed (migration 0008), which costs the
    server less CPU to write and to read than PostgreSQL's default pglz."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    words = " ".join(f"word{n % 300}" for n in range(3000))  # compressible, over 2 kB
    post = make_post(body=f"{words}\n\n{words}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(body), pg_column_compression(body_html),"
            " pg_column_compression(body_text) FROM blog_post WHERE id = %s",
            [post.pk],
        )
        assert cursor.fetchone() == ("lz4", "lz4", "lz4")
    assert Post.objects.get(pk=post.pk).body_html == post.body_html
