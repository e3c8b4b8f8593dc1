from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog import search
from blog.models import Post
from blog.posts import save_post, save_tag
from tests.factories import make_post

pytestmark = pytest.mark.django_db

SEARCH = reverse("blog:search")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def results(client, query: str, **params) -> list[str]:
    response = client.get(SEARCH, {"q": query, **params})
    assert response.status_code == 200
    return [post.title for post in response.context["posts"]]


def test_search_covers_title_description_body_and_tags(client):
    """A word is found in any of the four fields, and only published posts come back."""
    make_post(title="Kangaroo facts")
    make_post(title="Second", description="All about the kangaroo.")
    make_post(title="Third", body="A long body.\n\nIt mentions a **kangaroo** once.")
    make_post(title="Fourth", tags=["kangaroo"])
    make_post(title="Unrelated", body="Nothing here.")
    assert sorted(results(client, "kangaroo")) == ["Fourth", "Kangaroo facts", "Second", "Third"]


def test_every_word_must_match(client):
    """Several words narrow the results to posts containing all of them."""
    make_post(title="Pytorch and tensorflow")
    make_post(title="Only pytorch")
    assert results(client, "tensorflow pytorch") == ["Pytorch and tensorflow"]


def test_matches_are_highlighted_and_escaped(client):
    """Matches are wrapped in <mark>; the rest of the title and snippet stays escaped text."""
    make_post(
        title="Use <b>bold</b> & pytorch",
        body="Before the word. Then pytorch <script>alert(1)</script> appears.",
    )
    response = client.get(SEARCH, {"q": "pytorch"})
    content = response.content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; <mark>pytorch</mark>" in content
    assert "<mark>pytorch</mark>" in content.split('class="snippet"')[1]
    assert "<script>alert(1)" not in content
    assert "<b>bold" not in content


def test_results_are_paginated_and_keep_the_query(client):
    """Results come ten a page; page links keep the query."""
    now = timezone.now()
    for day in range(12):
        make_post(title=f"Walrus {day}", publish_date=now - timedelta(days=day + 1))
    first = client.get(SEARCH, {"q": "walrus"})
    assert len(first.context["posts"]) == 10
    assert first.context["paginator"].count == 12
    assert 'href="?q=walrus&amp;page=2"' in first.content.decode()
    assert len(results(client, "walrus", page=2)) == 2


def test_search_pages_are_not_indexed(client):
    """Search results carry noindex, in the page and in the response headers."""
    make_post(title="Walrus")
    response = client.get(SEARCH, {"q": "walrus"})
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def test_empty_query_shows_the_form_without_searching(
    client, django_assert_num_queries, warm_site_settings
):
    """No query (or only spaces) is the empty search page, and searches nothing: its one
    query is the site's menu."""
    make_post(title="Walrus")
    for query in ["", "   ", "\x00"]:
        with django_assert_num_queries(1) as queries:
            response = client.get(SEARCH, {"q": query})
        assert "blog_menuitem" in queries.captured_queries[0]["sql"]
        assert response.status_code == 200
        assert list(response.context["posts"]) == []
        assert "No posts found" not in response.content.decode()
    assert client.get(SEARCH).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "'",
        '"',
        '"unclosed phrase',
        "a & b | !c",
        "<script>alert(1)</script>",
        "%",
        "_",
        "\\",
        "nul\x00byte",
        "' OR 1=1 --",
        "walrus:*",
        "(((",
        "-",
        "or",
        "!!!",
        "🦭 walrus",
        "\ue000walrus\ue001",
        "x" * 5000,
        " ".join(["walrus"] * 500),
    ],
)
def test_hostile_and_odd_queries_never_fail(client, query):
    """Operators, quotes, markup, NUL bytes and huge queries give a page, never an error."""
    make_post(title="Walrus", body="The 100% walrus_case \\ & friends.")
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    content = response.content.decode()
    assert "<script>alert(1)" not in content
    assert "\x00" not in content
    assert len(response.context["query"]) <= search.MAX_QUERY_LENGTH


def test_like_wildcards_are_taken_literally(client):
    """% and _ match themselves, not any text."""
    make_post(title="Walrus")
    assert results(client, "%") == []
    assert results(client, "_") == []


def test_normalize_query():
    """Control characters go, spaces collapse, the length is capped."""
    assert search.normalize_query("  a\x00b \n\t c  ") == "a b c"
    assert search.normalize_query("y" * 1000) == "y" * search.MAX_QUERY_LENGTH


def test_highlight_escapes_and_pairs_markers():
    """Only paired markers become <mark>; stray markers vanish; everything else is escaped."""
    m, s = search.MARK_START, search.MARK_STOP
    assert search.highlight(f"<i>{m}a&b{s}</i>") == "&lt;i&gt;<mark>a&amp;b</mark>&lt;/i&gt;"
    assert search.highlight(f"{m}x {s}{s} y {m}") == "<mark>x </mark> y "
    assert search.highlight("") == ""


def test_fallback_marks_matches_in_a_snippet():
    """The fallback's snippet is cut around the first match and marks every match."""
    m, s = search.MARK_START, search.MARK_STOP
    post = Post(title="Seal", description="", body_text=" ".join(["word"] * 60 + ["Seal", "end"]))
    search.mark_matches([post], "seal")
    assert post.title_marked == f"{m}Seal{s}"
    assert post.snippet_marked.startswith("… word")
    assert f"{m}Seal{s} end" in post.snippet_marked


@postgres_only
def test_postgres_ranks_title_matches_first_and_stems_words(client):
    """Title matches outrank body matches; "running" finds "runs" (English stemming)."""
    now = timezone.now()
    make_post(title="Notes", body="He runs every day.", publish_date=now - timedelta(days=1))
    make_post(title="Runs and more", body="Text.", publish_date=now - timedelta(days=2))
    assert results(client, "running") == ["Runs and more", "Notes"]


@postgres_only
def test_postgres_understands_web_search_syntax(client):
    """Quoted phrases and -exclusions work as on a web search engine."""
    make_post(title="Deep learning with pytorch")
    make_post(title="Learning deep dives with tensorflow")
    assert results(client, '"deep learning"') == ["Deep learning with pytorch"]
    assert results(client, "learning -pytorch") == ["Learning deep dives with tensorflow"]


@postgres_only
def test_postgres_vector_follows_tag_and_text_changes(client):
    """The stored vector is refreshed when a post is edited, tagged, untagged or a tag renamed
    through the write path."""
    post = make_post(title="Plain", body="Nothing.")
    assert results(client, "narwhal") == []
    save_post(post, tags=["narwhal"])
    assert results(client, "narwhal") == ["Plain"]
    tag = post.tags.get()
    tag.name = "beluga"
    save_tag(tag)
    assert results(client, "narwhal") == []
    assert results(client, "beluga") == ["Plain"]
    save_post(post, tags=[])
    assert results(client, "beluga") == []
    post.body = "Now about a manatee."
    save_post(post)
    assert results(client, "manatee") == ["Plain"]


@postgres_only
def test_postgres_search_uses_the_gin_index():
    """EXPLAIN shows the GIN index serving a selective search over a few thousand posts."""
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            title=f"Filler {i}",
            slug=f"filler-{i}",
            body_text=f"common words number {i}",
            draft=False,
            publish_date=now - timedelta(hours=i + 1),
        )
        for i in range(3000)
    )
    make_post(title="Walrus")
    search.update_search_vectors(Post.objects.all())
    with connection.cursor() as cursor:
        # Moves the freshly inserted entries out of GIN's pending list, as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('post_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE blog_post")
        sql, params = search.search_posts("walrus").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "post_search_vector_gin" in plan, plan


@postgres_only
def test_update_search_index_command_refreshes_all_vectors(client):
    """The management command rebuilds vectors that were emptied behind the ORM's back."""
    from django.core.management import call_command

    make_post(title="Walrus")
    Post.objects.update(search_vector=None)
    assert results(client, "walrus") == []
    call_command("update_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert results(client, "walrus") == ["Walrus"]


@postgres_only
def test_batched_updates_compute_each_vector_once_at_the_end():
    """Saves and tag changes inside batched_updates() refresh their vectors in one UPDATE."""
    with CaptureQueriesContext(connection) as queries:
        with search.batched_updates():
            posts = [make_post(title=f"Walrus {n}", tags=["tusk", "sea"]) for n in range(3)]
            assert Post.objects.filter(search_vector__isnull=False).count() == 0
    updates = [q["sql"] for q in queries.captured_queries if 'SET "search_vector"' in q["sql"]]
    assert len(updates) == 1
    assert sorted(p.title for p in search.search_posts("tusk")) == [p.title for p in posts]


def test_without_a_batch_a_save_refreshes_its_vector_at_once():
    """Outside a batch, a saved post is searchable straight away (both backends)."""
    make_post(title="Narwhal", tags=["horn"])
    assert [p.title for p in search.search_posts("horn")] == ["Narwhal"]


@postgres_only
def test_a_vector_made_from_values_equals_the_stored_one():
    """search_vector_of (the importer's INSERT) makes the vector an UPDATE would."""
    post = make_post(title="Walrus tusks", description="Ivory, mostly.", tags=["arctic"])
    stored = Post.objects.filter(pk=post.pk).values_list("search_vector", flat=True).get()
    Post.objects.filter(pk=post.pk).update(search_vector=search.search_vector_of(post, ["arctic"]))
    assert Post.objects.filter(pk=post.pk).values_list("search_vector", flat=True).get() == stored
    assert stored
