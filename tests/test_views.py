import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog.models import Post
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db

HOME = reverse("blog:post_list")
TAGS = reverse("blog:tag_list")


def tag_url(slug: str) -> str:
    return reverse("blog:tag_detail", kwargs={"slug": slug})


@pytest.fixture
def hidden_posts():
    """A draft and a scheduled post, each with a tag nothing public carries."""
    draft = make_post(title="Secret draft", draft=True, tags=["draft-only", "shared"])
    future = make_post(
        title="Future post",
        publish_date=timezone.now() + timedelta(days=2),
        tags=["future-only", "shared"],
    )
    return draft, future


def test_home_lists_published_posts_newest_first(client, hidden_posts):
    """The home page shows published posts, newest first, and nothing else."""
    now = timezone.now()
    older = make_post(title="Older", publish_date=now - timedelta(days=5), description="Desc")
    newer = make_post(title="Newer", publish_date=now - timedelta(days=1), tags=["shared"])
    response = client.get(HOME)
    assert response.status_code == 200
    assert list(response.context["posts"]) == [newer, older]
    content = response.content.decode()
    assert content.index("Newer") < content.index("Older")
    assert "Desc" in content
    assert "Secret draft" not in content and "Future post" not in content
    assert f'href="{tag_url("shared")}"' in content


def test_home_shows_an_excerpt_when_there_is_no_description(client):
    """Listings fall back to a plain-text excerpt of the body."""
    make_post(body="First **bold** words[^1].\n\n[^1]: footnote text")
    content = client.get(HOME).content.decode()
    assert "First bold words." in content
    assert "footnote text" not in content


def test_home_is_paginated(client, settings):
    """Ten posts a page, with links between pages; a page past the end is 404."""
    now = timezone.now()
    for day in range(12):
        make_post(title=f"Day {day}", publish_date=now - timedelta(days=day + 1))
    first = client.get(HOME)
    assert len(first.context["posts"]) == 10
    assert 'href="/page/2/"' in first.content.decode()
    second = client.get("/page/2/")
    assert [p.title for p in second.context["posts"]] == ["Day 10", "Day 11"]
    assert client.get("/page/3/").status_code == 404
    for page in ("0", "x", "02"):
        assert client.get(f"/page/{page}/").status_code == 404
        assert client.get(HOME, {"page": page}).status_code == 404


def test_page_numbers_in_the_query_string_move_to_the_path(client):
    """?page=N answers 301 to the page's path address, /page/1/ to the listing itself: each
    page has one address, which a static copy of the site can hold as a file."""
    now = timezone.now()
    for day in range(12):
        make_post(title=f"Day {day}", tags=["t"], publish_date=now - timedelta(days=day + 1))
    when = timezone.localtime(now - timedelta(days=1))
    year = reverse("blog:archive_year", kwargs={"year": when.year})
    for listing in (HOME, tag_url("t"), year):
        response = client.get(listing, {"page": 2, "utm_source": "x"})
        assert response.status_code == 301
        assert response["Location"] == f"{listing}page/2/"
        assert client.get(f"{listing}page/2/").status_code == 200
        one = client.get(f"{listing}page/1/")
        assert (one.status_code, one["Location"]) == (301, listing)
        assert client.get(listing, {"page": 1})["Location"] == listing


def test_home_pages_link_both_ways_without_counting(
    client, django_assert_num_queries, warm_site_settings
):
    """The home page runs no COUNT: it reads one post more to know a next page exists, and
    says "Page 2", not "Page 2 of N"."""
    now = timezone.now()
    for day in range(20):
        make_post(title=f"Day {day}", publish_date=now - timedelta(days=day + 1))
    with django_assert_num_queries(3) as queries:  # posts, their tags, the menu
        second = client.get("/page/2/").content.decode()
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert 'rel="prev"' in second and "<span>Page 2</span>" in second
    assert 'rel="next"' not in second  # exactly 20 posts: page 2 is the last
    first = client.get(HOME).content.decode()
    assert 'href="/page/2/" rel="next"' in first and 'rel="prev"' not in first


def test_deep_pages_are_read_by_id_and_match_plain_slicing(client):
    """rows() (the deferred join behind every listing) gives the rows slicing would."""
    now = timezone.now()
    for n in range(30):
        # Ties on the publish date are broken by id, as the ordering says.
        make_post(title=f"Post {n}", publish_date=now - timedelta(days=n // 3 + 1))
    posts = Post.objects.for_listing()
    assert [p.pk for p in posts.rows(10, 20)] == [p.pk for p in posts[10:20]]
    assert [p.pk for p in posts.rows(25, 40)] == [p.pk for p in posts[25:40]]
    tagged = posts.filter(title__endswith="1")
    assert [p.pk for p in tagged.rows(1, 3)] == [p.pk for p in tagged[1:3]]


def test_post_page_shows_body_cover_tags_and_neighbours(client):
    """A post shows its rendered body, cover image, linked tags and previous/next links."""
    now = timezone.now()
    before = make_post(title="Before", publish_date=now - timedelta(days=3))
    post = make_post(
        title="Middle",
        body="## Heading\n\nText",
        cover_image="https://example.com/c.jpg",
        cover_image_alt="A cover",
        publish_date=now - timedelta(days=2),
        tags=["deep learning"],
    )
    after = make_post(title="After", publish_date=now - timedelta(days=1))
    make_post(title="Hidden draft", draft=True, publish_date=now - timedelta(days=2, hours=1))
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert '<h2 id="heading">Heading</h2>' in content
    assert '<img src="https://example.com/c.jpg" alt="A cover"' in content
    assert f'href="{tag_url("deep-learning")}"' in content
    assert response.context["previous_post"] == before
    assert response.context["next_post"] == after
    assert f'href="{before.get_absolute_url()}" rel="prev"' in content
    assert "Hidden draft" not in content
    assert "noindex" not in content


def test_neighbours_with_the_same_date_are_not_skipped(client):
    """Posts published at the same instant still link to each other."""
    when = timezone.now() - timedelta(days=1)
    first, second = make_post(publish_date=when), make_post(publish_date=when)
    assert client.get(first.get_absolute_url()).context["next_post"] == second
    assert client.get(second.get_absolute_url()).context["previous_post"] == first


def test_drafts_and_future_posts_are_404_for_the_public(client, hidden_posts):
    """Hidden posts are 404 for anonymous readers, exactly like a missing post."""
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404
    missing = client.get(reverse("blog:post_detail", kwargs={"slug": "no-such-post"}))
    hidden = client.get(hidden_posts[0].get_absolute_url())
    assert hidden.content == missing.content


def test_staff_without_permission_cannot_preview(client, hidden_posts):
    """Being staff is not enough: previewing needs the change permission."""
    client.force_login(make_staff(can_change_posts=False))
    assert client.get(hidden_posts[0].get_absolute_url()).status_code == 404


def test_editor_previews_a_draft_marked_and_uncached(client, hidden_posts):
    """An editor sees a draft at its URL with a banner, noindex, and no caching."""
    client.force_login(make_staff())
    response = client.get(hidden_posts[0].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "this is a preview" in content
    assert '<meta name="robots" content="noindex, nofollow">' in content
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "private"):
        assert directive in cache_control
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_editor_previews_a_scheduled_post(client, hidden_posts):
    """A scheduled post's preview says when it goes live."""
    client.force_login(make_staff())
    content = client.get(hidden_posts[1].get_absolute_url()).content.decode()
    assert "Scheduled" in content and "until" in content


def test_scheduled_post_appears_when_its_time_comes(client):
    """No cron job: the post is 404 before its time and listed after."""
    post = make_post(title="Soon", publish_date=timezone.now() + timedelta(hours=1))
    assert client.get(post.get_absolute_url()).status_code == 404
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=2)):
        assert client.get(post.get_absolute_url()).status_code == 200
        assert "Soon" in client.get(HOME).content.decode()


def test_tag_page_lists_only_published_posts(client, hidden_posts):
    """A tag page lists that tag's published posts and nothing hidden."""
    public = make_post(title="Public shared", tags=["shared"])
    make_post(title="Other tag", tags=["other"])
    response = client.get(tag_url("shared"))
    assert response.status_code == 200
    assert list(response.context["posts"]) == [public]
    assert response.context["tag"].name == "shared"


def test_tag_pages_of_hidden_posts_are_404(client, hidden_posts):
    """A tag carried only by drafts or scheduled posts does not exist for readers."""
    assert client.get(tag_url("draft-only")).status_code == 404
    assert client.get(tag_url("future-only")).status_code == 404
    assert client.get(tag_url("never-existed")).status_code == 404


def test_tag_index_counts_only_published_posts(client, hidden_posts):
    """Counts on the tag index ignore drafts and scheduled posts."""
    make_post(tags=["shared", "python"])
    make_post(tags=["python"])
    response = client.get(TAGS)
    counts = {row["tag__name"]: row["count"] for row in response.context["tags"]}
    assert counts == {"python": 2, "shared": 1}
    content = response.content.decode()
    assert "draft-only" not in content and "future-only" not in content
    assert "2 posts" in content and "1 post<" in content


def test_tag_index_lists_tags_in_name_order_with_their_counts(client):
    """Counts are grouped by tag id and the tags read after them, in name order; a tag only
    drafts carry is left out."""
    make_post(tags=["Zebra", "apple", "Mango"])
    make_post(tags=["apple", "unused-elsewhere"], draft=True)
    make_post(tags=["apple"])
    rows = client.get(TAGS).context["tags"]
    counts = {"apple": 2, "Mango": 1, "Zebra": 1}
    # The database's collation decides where capitals go, as it did before.
    names = Tag.objects.filter(name__in=counts).order_by("name").values_list("name", flat=True)
    assert [(row["tag__name"], row["count"]) for row in rows] == [(n, counts[n]) for n in names]


def test_favicon(client):
    """/favicon.ico points at the static icon, not permanently: the site settings may choose
    another."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.ico")


# Query counts are pinned, and checked not to grow with the number of posts or tags.


def _populate(n_posts: int, n_tags: int) -> None:
    """Posts by two authors (bylines on every listing) sharing tags."""
    now = timezone.now()
    authors = [make_staff("writer-a"), make_staff("writer-b")]
    for author, name in zip(authors, ["Ada", "Grace"], strict=True):
        author.first_name, author.last_name = name, "Writer"
        author.save()
    for i in range(n_posts):
        make_post(
            publish_date=now - timedelta(hours=i + 1),
            tags=["shared"] + [f"tag-{(i + k) % n_tags}" for k in range(3)],
            author=authors[i % 2],
        )


@pytest.mark.parametrize("n_posts,n_tags", [(3, 3), (25, 12)])
def test_query_counts_are_constant(
    client, django_assert_num_queries, warm_site_settings, n_posts, n_tags
):
    """Every public page runs the same few queries however many posts and tags exist."""
    _populate(n_posts, n_tags)
    some_post = make_post(tags=["shared", "tag-0"])
    when = timezone.localtime(some_post.publish_date)
    archive_year = reverse("blog:archive_year", kwargs={"year": when.year})
    archive_month = reverse("blog:archive_month", kwargs={"year": when.year, "month": when.month})
    # Every HTML page also reads the navigation menu (one query, blog.pages.header_menu).
    pages = {
        HOME: 3,  # page of posts (one more: is there a next page?), tags of those posts, menu
        HOME + "page/2/": 3,
        HOME + "page/3/": 3,  # the same on any page: no query grows with the page number
        some_post.get_absolute_url(): 6,  # post, its tags, previous, next, related, menu
        tag_url("shared"): 6,  # tag, count, page, tags, narrowing tags, menu
        tag_url("shared+tag-0"): 6,  # the same for two tags (fetched in one query)
        TAGS: 3,  # published posts per tag id, then those tags, menu
        reverse("blog:archive_index"): 2,  # posts per month, menu
        archive_year: 5,  # count, page, tags, months, menu
        archive_month: 4,  # count, page, tags, menu
        reverse("blog:search") + "?q=shared": 4,  # count, page of results, tags, menu
        reverse("blog:search") + "?q=shared&page=2": 4,
        reverse("blog:search") + "?q=": 1,  # the menu
        reverse("blog:feed_atom"): 2,  # posts with authors, their tags
        reverse("blog:feed_rss"): 2,
        reverse("blog:tag_feed_atom", kwargs={"slug": "shared"}): 4,  # tag, exists, posts, tags
        reverse("blog:tag_feed_rss", kwargs={"slug": "shared+tag-0"}): 4,
        reverse("blog:author_list"): 3,  # posts per author, the authors, menu
        # author, others?, count, page, tags, menu
        reverse("blog:author_detail", args=["ada-writer"]): 6,
        reverse("blog:author_feed_atom", args=["ada-writer"]): 3,  # author, posts, tags
        reverse("blog:author_feed_rss", args=["grace-writer"]): 3,
        # latest change of listings and of posts, published pages, post count, tags, authors
        reverse("blog:sitemap"): 6,
        reverse("blog:sitemap_section", args=["authors"]): 1,
        reverse("blog:sitemap_section", args=["posts"]): 2,  # count and page of posts
        reverse("blog:sitemap_section", args=["tags"]): 1,
        reverse("blog:sitemap_section", args=["pages"]): 2,  # latest change, published pages
        reverse("blog:robots_txt"): 0,
    }
    for url, expected in pages.items():
        number = re.search(r"page[=/]([0-9]+)", url)
        if number and n_posts < 10 * int(number[1]) - 9:
            continue
        with django_assert_num_queries(expected, info=url):
            assert client.get(url).status_code == 200, url


def test_a_post_with_an_author_costs_no_extra_query(
    client, django_assert_num_queries, warm_site_settings
):
    """The author comes with the post (JSON-LD names them), not in a query of its own."""
    author = make_staff("writer")
    author.first_name, author.last_name = "Grace", "Hopper"
    author.save()
    post = make_post(author=author, tags=["x"])
    with django_assert_num_queries(6):  # post and author, tags, previous, next, related, menu
        content = client.get(post.get_absolute_url()).content.decode()
    assert '"author": {"@type": "Person", "name": "Grace Hopper", "url": "' in content
    assert '/authors/grace-hopper/"}' in content


# Archives, multi-tag filtering and reading aids.


def test_archive_index_counts_posts_by_year_and_month(client, settings):
    """The archive lists years and months with their counts, newest first."""
    settings.TIME_ZONE = "UTC"
    for when in ["2024-05-03", "2024-05-20", "2024-02-01", "2023-12-31"]:
        make_post(publish_date=timezone.datetime.fromisoformat(f"{when}T12:00:00+00:00"))
    response = client.get(reverse("blog:archive_index"))
    years = [
        (y["year"], y["count"], [(m["month"].month, m["count"]) for m in y["months"]])
        for y in response.context["years"]
    ]
    assert years == [(2024, 3, [(5, 2), (2, 1)]), (2023, 1, [(12, 1)])]
    content = response.content.decode()
    assert 'href="/archive/2024/05/">May</a> <span class="count">2 posts</span>' in content
    assert 'href="/archive/2023/">2023</a> <span class="count">1 post</span>' in content


def test_year_and_month_archives_list_their_posts(client, settings):
    """Year and month pages list the posts of that period, in the site's time zone."""
    settings.TIME_ZONE = "Europe/Paris"
    # 23:30 UTC on 30 April is already May in Paris.
    may = make_post(
        title="May", publish_date=timezone.datetime.fromisoformat("2024-04-30T23:30:00+00:00")
    )
    april = make_post(
        title="April", publish_date=timezone.datetime.fromisoformat("2024-04-30T21:00:00+00:00")
    )
    month = client.get(reverse("blog:archive_month", kwargs={"year": 2024, "month": 5}))
    assert list(month.context["posts"]) == [may]
    year = client.get(reverse("blog:archive_year", kwargs={"year": 2024}))
    assert list(year.context["posts"]) == [may, april]
    assert [(m["month"].month, m["count"]) for m in year.context["months"]] == [(5, 1), (4, 1)]


def test_empty_or_impossible_archives_are_404(client):
    """Periods without posts, and months that do not exist, are 404."""
    make_post(publish_date=timezone.datetime.fromisoformat("2024-05-03T12:00:00+00:00"))
    assert client.get("/archive/2019/").status_code == 404
    assert client.get("/archive/2024/06/").status_code == 404
    assert client.get("/archive/2024/13/").status_code == 404
    assert client.get("/archive/2024/5/").status_code == 404
    assert client.get("/archive/0000/").status_code == 404


def test_posts_carrying_all_of_several_tags(client):
    """/tags/a+b/ lists the posts that carry both tags, with a page title naming them."""
    both = make_post(title="Both", tags=["python", "django"])
    make_post(title="Python only", tags=["python"])
    make_post(title="Django only", tags=["django"])
    response = client.get(tag_url("django+python"))
    assert response.status_code == 200
    assert list(response.context["posts"]) == [both]
    content = response.content.decode()
    assert "Posts tagged “django” and “python”" in content
    assert f'href="{tag_url("python")}"' in content  # remove "django"


def test_tag_combinations_have_one_address(client):
    """Any order or repetition redirects to the sorted address, keeping the query string."""
    make_post(tags=["python", "django"])
    response = client.get("/tags/python+django+python/?ref=feed")
    assert response.status_code == 302
    assert response["Location"] == "/tags/django+python/?ref=feed"
    response = client.get("/tags/python+django/page/2/")
    assert response["Location"] == "/tags/django+python/page/2/"


def test_bad_tag_combinations_are_404(client):
    """Unknown tags, empty parts, too many tags and empty intersections are 404."""
    make_post(tags=["a", "b", "c", "d", "e", "f"])
    make_post(tags=["g"])
    for slug in ["a+nope", "a+", "a+b+c+d+e+f", "a+g"]:
        assert client.get(tag_url(slug)).status_code == 404, slug
    assert client.get(tag_url("a+b+c+d+e")).status_code == 200


def test_tag_page_offers_narrowing_tags_with_counts(client):
    """A tag page links to the combinations that still have posts, with their counts."""
    make_post(tags=["python", "django"])
    make_post(tags=["python", "django", "orm"])
    make_post(tags=["python"])
    response = client.get(tag_url("python"))
    narrowing = [(r["tag__name"], r["count"], r["url"]) for r in response.context["narrowing"]]
    assert narrowing == [("django", 2, "/tags/django+python/"), ("orm", 1, "/tags/orm+python/")]


def test_tag_index_form_leads_to_the_combination(client):
    """Ticking tags on the tag index and submitting leads to the combined tag page."""
    make_post(tags=["python", "django"])
    content = client.get(TAGS).content.decode()
    assert 'name="tag" value="python"' in content
    response = client.get(TAGS, {"tag": ["python", "django"]})
    assert response.status_code == 302
    assert response["Location"] == "/tags/django+python/"


def test_related_posts_share_the_most_tags(client):
    """Related posts are ranked by the number of shared tags, then by date."""
    now = timezone.now()
    post = make_post(title="Main", tags=["a", "b", "c"])
    one = make_post(title="One shared", tags=["a"], publish_date=now - timedelta(hours=1))
    two = make_post(title="Two shared", tags=["a", "b"], publish_date=now - timedelta(days=9))
    make_post(title="Unrelated", tags=["z"])
    response = client.get(post.get_absolute_url())
    assert response.context["related_posts"] == [two, one]
    assert "Related posts" in response.content.decode()
    untagged = make_post(title="Untagged")
    assert client.get(untagged.get_absolute_url()).context["related_posts"] == []


def test_related_posts_are_the_top_three_published_newest_first_on_ties(client):
    """Only published posts; the three with the most shared tags, ties newest first."""
    now = timezone.now()
    post = make_post(title="Main", tags=["a", "b", "c"])
    day = timedelta(days=1)
    old_two = make_post(title="Old, two", tags=["a", "b"], publish_date=now - 30 * day)
    new_one = make_post(title="New, one", tags=["c"], publish_date=now - 2 * day)
    mid_one = make_post(title="Mid, one", tags=["b"], publish_date=now - 5 * day)
    make_post(title="Oldest, one", tags=["a"], publish_date=now - 60 * day)
    make_post(title="Draft, three", tags=["a", "b", "c"], draft=True)
    make_post(title="Scheduled, three", tags=["a", "b", "c"], publish_date=now + day)
    related = client.get(post.get_absolute_url()).context["related_posts"]
    assert related == [old_two, new_one, mid_one]
    assert [item.shared_tags for item in related] == [2, 1, 1]


def test_long_posts_get_a_table_of_contents(client):
    """A post with several sections shows a linked table of contents; a short one does not."""
    long = make_post(body="## One\n\ntext\n\n## Two\n\n### Two and a half\n\n## Three")
    content = client.get(long.get_absolute_url()).content.decode()
    assert '<nav class="post-toc" aria-labelledby="page--toc">' in content
    assert '<a href="#two-and-a-half">Two and a half</a>' in content
    short = make_post(body="## Only\n\ntext")
    assert 'class="toc"' not in client.get(short.get_absolute_url()).content.decode()


def test_every_page_has_a_search_form_and_archive_link(client):
    """The header carries a plain GET search form, usable without JavaScript."""
    content = client.get(HOME).content.decode()
    assert 'role="search" aria-label="Site search" action="/search/" method="get">' in content
    assert 'href="/archive/"' in content


def test_not_found_page_is_in_the_site_design(client):
    """The 404 page uses the site's layout, offers a search and is not indexed."""
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert 'class="site-header"' in content and "Page not found" in content
    assert 'role="search"' in content
    assert '<meta name="robots" content="noindex">' in content


def test_server_error_page_is_in_the_site_design(client):
    """The 500 page renders without a database or context, with the site's stylesheet."""
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert '<link rel="stylesheet" href="/static/css/site.css">' in content
    assert 'class="site-header"' in content and "Something went wrong" in content


@pytest.mark.parametrize(
    "path",
    ["/posts/a%00b/", "/nope%00/", "/tags/a%00/", "/tags/a%00/feed.atom", "/share/a%00/"],
)
def test_addresses_holding_nul_are_404(client, path):
    """NUL in a path is a 404, not a 500 from a database that refuses it in text."""
    make_post(title="A post", tags=["a"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999999", "-1"])
def test_page_numbers_past_any_offset_are_404(client, page):
    """A page number no database could offset to is a 404, not a 500."""
    make_post(title="A post", tags=["a"])
    for url in (HOME, tag_url("a"), reverse("blog:search") + "?q=post"):
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}page={page}", follow=True)
        assert response.status_code == 404, url
        if "?" not in url:
            assert client.get(f"{url}page/{page}/").status_code == 404, url


def test_tag_index_form_with_a_slash_or_nothing_answers_cheaply(client, django_assert_num_queries):
    """?tag= values that name no tag page never render the whole index: a slash is a 400, an
    empty choice leads back to the index's own address; neither reads the database."""
    make_post(tags=["python"])
    with django_assert_num_queries(0):
        assert client.get(TAGS, {"tag": "a/b"}).status_code == 400
        assert client.get(TAGS, {"tag": ["python", "../x"]}).status_code == 400
        empty = client.get(TAGS, {"tag": ""})
    assert empty.status_code == 302
    assert empty["Location"] == TAGS


def test_login_names_never_reach_readers(client):
    """An author without a full name gets no byline, feed author or JSON-LD author: their
    login name appears nowhere a reader looks."""
    author = make_staff("login-name-4821")
    post = make_post(author=author, tags=["x"])
    for url in (
        post.get_absolute_url(),
        reverse("blog:feed_atom"),
        reverse("blog:feed_rss"),
        reverse("blog:tag_feed_atom", kwargs={"slug": "x"}),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"login-name-4821" not in response.content, url
    author.first_name = "Grace"
    author.save()
    assert "· by Grace" in client.get(post.get_absolute_url()).content.decode()
