"""Searching published posts over title, tags, description and body.

On PostgreSQL this is ranked full-text search: ``Post.search_vector`` holds a weighted
``tsvector`` (title and tags A, description B, body C) behind a GIN index, and
``websearch_to_tsquery`` parses what the reader typed, so quotes, ``or`` and ``-word`` work and
no input can make the query fail. Elsewhere (SQLite in development) every word must appear,
case-insensitively, in one of the same fields; results are newest first.

Both backends mark matches with two private-use characters, never with HTML, so the
highlighted text is escaped like any other text before ``<mark>`` is put around the matches.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connections
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blog.models import Post, tagged_posts

# The text-search configuration for both the stored vectors and the queries (they must agree).
# Changing it needs `manage.py update_search_index`.
SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
SNIPPET_WORDS = 30
MARK_START = "\ue000"
MARK_STOP = "\ue001"

_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.DOTALL)
# Control characters (NUL above all, which PostgreSQL refuses in text) and our own markers.
_UNWANTED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{MARK_START}{MARK_STOP}]")


def normalize_query(raw: str) -> str:
    """The query as searched: no control characters, spaces collapsed, at most 200 characters."""
    return " ".join(_UNWANTED.sub(" ", raw or "").split())[:MAX_QUERY_LENGTH].strip()


def uses_full_text_search() -> bool:
    """True when posts live in PostgreSQL, whose full-text search this module uses."""
    return connections[Post.objects.db].vendor == "postgresql"


def search_posts(query: str) -> QuerySet[Post]:
    """Published posts matching ``query``, best first, as list pages show them.

    Each result carries ``title_marked`` and ``snippet_marked`` on PostgreSQL; call
    ``mark_matches`` on the page's posts to fill them on other databases.
    """
    query = normalize_query(query)
    if not query:
        return Post.objects.none()
    if uses_full_text_search():
        return _full_text_search(query)
    return _fallback_search(query)


def _full_text_search(query: str) -> QuerySet[Post]:
    tsquery = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    marks = {"config": SEARCH_CONFIG, "start_sel": MARK_START, "stop_sel": MARK_STOP}
    return (
        Post.objects.for_listing()
        .filter(search_vector=tsquery)
        .annotate(
            rank=SearchRank(F("search_vector"), tsquery),
            title_marked=SearchHeadline("title", tsquery, highlight_all=True, **marks),
            snippet_marked=SearchHeadline(
                Concat("description", Value(" "), "body_text", output_field=TextField()),
                tsquery,
                max_fragments=2,
                max_words=SNIPPET_WORDS // 2,
                min_words=8,
                fragment_delimiter=" … ",
                **marks,
            ),
        )
        .order_by("-rank", "-publish_date", "-id")
    )


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, lower-cased, as the fallback search matches them."""
    terms = dict.fromkeys(word.lower() for word in re.findall(r"\w+", normalize_query(query)))
    return list(terms)[:MAX_TERMS]


def _fallback_search(query: str) -> QuerySet[Post]:
    terms = query_terms(query)
    if not terms:
        return Post.objects.none()
    # The listing query, but with body_text loaded: snippets are cut from it in Python.
    posts = Post.objects.for_listing().defer(None).defer("body", "body_html", "toc_html")
    for term in terms:
        # icontains escapes % and _, so a term is always taken literally.
        tagged = tagged_posts().filter(tag__name__icontains=term).values("object_id")
        posts = posts.filter(
            Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(body_text__icontains=term)
            | Q(id__in=tagged)
        )
    return posts


def mark_matches(posts: Iterable[Post], query: str) -> None:
    """Give posts from the fallback search their marked title and snippet (no queries)."""
    terms = query_terms(query)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    for post in posts:
        if hasattr(post, "title_marked"):
            continue
        post.title_marked = _mark(post.title, pattern)
        post.snippet_marked = _mark(
            _snippet(f"{post.description} {post.body_text}", pattern), pattern
        )


def _mark(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", _UNWANTED.sub("", text))


def _snippet(text: str, pattern: re.Pattern) -> str:
    """About SNIPPET_WORDS words of ``text`` around its first match."""
    words = text.split()
    first = next((i for i, word in enumerate(words) if pattern.search(word)), 0)
    start = max(0, first - SNIPPET_WORDS // 3)
    chosen = words[start : start + SNIPPET_WORDS]
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return f"{prefix}{' '.join(chosen)}{suffix}"


def highlight(marked: str) -> SafeString:
    """Escape ``marked`` text and wrap each marked match in ``<mark>``.

    Pairs are matched by a regular expression, so a stray marker (say, one typed into a post)
    is dropped rather than leaving an unclosed element.
    """
    parts = _MARKED.split(marked or "")
    html = []
    for index, part in enumerate(parts):
        text = escape(part.replace(MARK_START, "").replace(MARK_STOP, ""))
        # split() with one group puts the matches at the odd indexes.
        html.append(f"<mark>{text}</mark>" if index % 2 else text)
    # Every piece of text was escaped just above; only our own <mark> tags are added.
    return mark_safe("".join(html))  # noqa: S308


def search_vector() -> SearchVector:
    """The weighted vector stored in ``Post.search_vector``: an SQL expression for update()."""
    tag_names = (
        tagged_posts()
        .filter(object_id=OuterRef("pk"))
        .values("object_id")
        .annotate(names=StringAgg("tag__name", delimiter=" "))
        .values("names")
    )
    return _weighted(
        F("title"),
        Coalesce(Subquery(tag_names), Value(""), output_field=TextField()),
        F("description"),
        F("body_text"),
    )


# The weights of title, tags, description and body text, as _weighted() gives them.
_WEIGHTS = ("A", "A", "B", "C")
_WEIGHTED_VALUE = "setweight(to_tsvector(%s::regconfig, %s), %s)"


def search_vector_of(post: Post, tag_names: Iterable[str]) -> RawSQL:
    """The same vector made from values, for a post that is not saved yet: the importer
    inserts posts with their vectors instead of updating every row it just wrote.

    Written out by hand rather than built from ``_weighted()`` with ``Value``s: compiling
    that expression for every post more than doubled the cost of the importer's INSERTs.
    A test checks that both give the same vector.
    """
    values = (post.title, " ".join(tag_names), post.description, post.body_text)
    params = [
        param
        for value, weight in zip(values, _WEIGHTS, strict=True)
        for param in (SEARCH_CONFIG, value, weight)
    ]
    sql = " || ".join([_WEIGHTED_VALUE] * len(values))
    return RawSQL(sql, params, output_field=SearchVectorField())  # noqa: S611 - values are parameters


def _weighted(title, tags, description, text) -> SearchVector:
    return (
        SearchVector(title, weight="A", config=SEARCH_CONFIG)
        + SearchVector(tags, weight="A", config=SEARCH_CONFIG)
        + SearchVector(description, weight="B", config=SEARCH_CONFIG)
        + SearchVector(text, weight="C", config=SEARCH_CONFIG)
    )


def update_search_vectors(posts: QuerySet[Post]) -> int:
    """Recompute the stored vectors of ``posts`` in one UPDATE; a no-op without PostgreSQL."""
    if not uses_full_text_search():
        return 0
    return posts.update(search_vector=search_vector())


class _Batch(threading.local):
    pks: set[int] | None = None


_batch = _Batch()


def refresh_search_vector(pk: int) -> None:
    """Recompute one post's vector now, or at the end of the ``batched_updates()`` block."""
    if _batch.pks is not None:
        _batch.pks.add(pk)
    else:
        update_search_vectors(Post.objects.filter(pk=pk))


@contextmanager
def batched_updates() -> Iterator[None]:
    """Saves and tag changes in the block refresh their posts' vectors in one UPDATE at its
    end (the importer writes a hundred posts in a transaction: one statement, not 200)."""
    if _batch.pks is not None:  # already in a batch: the outer one updates
        yield
        return
    _batch.pks = set()
    try:
        yield
        pks = sorted(_batch.pks)
    finally:
        _batch.pks = None
    if pks:
        update_search_vectors(Post.objects.filter(pk__in=pks))
