from __future__ import annotations

import re
import sys
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import InterfaceError, OperationalError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import cached_property
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, RedirectView, TemplateView, dates
from taggit.models import Tag

from blog import search, seo, snapshot
from blog.health import run_checks
from blog.links import url_for
from blog.models import MAX_FILTER_TAGS, TAG_SEPARATOR, Post, attach_tag_lists, tagged_posts
from blog.models import Page as SitePage  # Django's paginator has a Page too
from blog.profiles import BYLINE_RELATION, AuthorProfile
from blog.sharing import active_link
from blog.sitesettings.reading import current

RELATED_POSTS = 3
# The largest OFFSET SQL databases take (a signed 64-bit integer): a page past it is a 404.
LARGEST_OFFSET = 2**63 - 1
NARROWING_TAGS = 12


class PostPaginator(Paginator):
    """Django's paginator for post listings, reading each page by id (``PostQuerySet.rows``,
    so page 500 costs what page 1 does).

    With ``counted = False`` it runs no COUNT either: whether there is a next page is told
    by reading one post more, and a page past the end is a 404. The home page uses it: the
    count of every published post was a third of its database time, for "of 964".
    """

    counted = True
    # Which listing this is (set by the view), so a static build counts it once for all of
    # its pages (blog.snapshot); None counts every time.
    count_key: tuple | None = None

    @cached_property
    def count(self) -> int:
        if self.count_key is None:
            return self.object_list.count()
        return snapshot.shared(("listing count", self.count_key), self.object_list.count)

    def validate_number(self, number: Any) -> int:
        if self.counted:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number * self.per_page > LARGEST_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        return number  # the last page is not known: see page()

    def rows(self, start: int, stop: int) -> Any:
        """Posts ``start:stop`` of the listing. A static build reads the listing's ids once
        for all of its pages, and each page's posts by id."""
        building = snapshot.current()
        if building is None or self.count_key is None:
            return self.object_list.rows(start, stop)
        ids = building.get(
            ("listing ids", self.count_key),
            lambda: list(self.object_list.values_list("pk", flat=True)),
        )
        return self.object_list.rows_by_id(ids[start:stop])

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        if self.counted:
            return Page(self.rows(start, start + self.per_page), number, self)
        posts = list(self.rows(start, start + self.per_page + 1))
        if not posts and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return UncountedPage(posts[: self.per_page], number, self, more=len(posts) > self.per_page)


class UncountedPostPaginator(PostPaginator):
    counted = False


class UncountedPage(Page):
    """A page that knows whether another follows, not how many do."""

    def __init__(self, object_list: list, number: int, paginator: Paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class PublishedPostsMixin:
    """The queryset and pagination every public listing shares.

    Listings with ``url_name`` set have their pages at path addresses (``/page/2/``,
    ``/tags/x/page/2/``): a static copy of the site (blog.staticsite) can only hold pages a
    file name tells apart. ``?page=N`` answers 301 to that address, and ``/page/1/`` to the
    listing itself. Search (no ``url_name``) keeps ``?q=...&page=N``.
    """

    paginator_class = PostPaginator
    context_object_name = "posts"
    # A listing with no posts is a 404 (tag and archive pages). The paginator's count finds
    # out; ListView's allow_empty = False would run an extra query first to ask.
    empty_is_404 = False
    # The listing's URL name; its pages past the first are at "<url_name>_page".
    url_name = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.url_name:
            in_query = request.GET.get("page")
            if in_query is not None:
                if not PAGE_NUMBER.fullmatch(in_query):
                    raise Http404("No such page.")
                address = page_address(self.url_name, kwargs, int(in_query))
                return HttpResponsePermanentRedirect(address)
            if kwargs.get("page") == 1:
                return HttpResponsePermanentRedirect(page_address(self.url_name, kwargs, 1))
        return super().dispatch(request, *args, **kwargs)

    def page_url(self, number: int) -> str:
        """The address of page ``number`` of this listing."""
        if self.url_name:
            return page_address(self.url_name, self.kwargs, number)
        query = self.request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    def get_queryset(self):
        return Post.objects.for_listing()

    def get_paginate_by(self, queryset: Any) -> int:
        return current(self.request).posts_per_page

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kw):
        paginator = super().get_paginator(
            queryset, per_page, orphans, allow_empty_first_page=not self.empty_is_404, **kw
        )
        if self.url_name:
            arguments = sorted((key, value) for key, value in self.kwargs.items() if key != "page")
            paginator.count_key = (self.url_name, tuple(arguments))
        return paginator

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        attach_tag_lists(context["object_list"])
        page = context.get("page_obj")
        if page is not None:
            if page.has_previous():
                context["previous_page_url"] = self.page_url(page.previous_page_number())
            if page.has_next():
                context["next_page_url"] = self.page_url(page.next_page_number())
        return context


# A page number as a path (blog.urls.PageConverter) or query string may give it: 1 or more,
# no sign, no leading zero, no more digits than an OFFSET SQL takes.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,17}")


def page_address(url_name: str, kwargs: dict[str, Any], number: int) -> str:
    """The address of page ``number`` of the listing ``url_name`` with these arguments."""
    kwargs = {key: value for key, value in kwargs.items() if key != "page"}
    if number > 1:
        return url_for(f"{url_name}_page", **kwargs, page=number)
    return url_for(url_name, **kwargs)


class PostListView(PublishedPostsMixin, ListView):
    model = Post
    paginator_class = UncountedPostPaginator
    url_name = "blog:post_list"


def tag_path(slugs: list[str] | tuple[str, ...]) -> str:
    """The one URL of a set of tags: slugs sorted, so every order shares one address."""
    return url_for("blog:tag_detail", slug=TAG_SEPARATOR.join(sorted(set(slugs))))


class TagDetailView(PublishedPostsMixin, ListView):
    """Published posts carrying one tag, or all of several (``a+b``). 404 when none do."""

    template_name = "blog/tag_detail.html"
    empty_is_404 = True
    url_name = "blog:tag_detail"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        slugs = self.kwargs["slug"].split(TAG_SEPARATOR)
        if len(slugs) > MAX_FILTER_TAGS or "" in slugs:
            raise Http404("Too many tags, or an empty one.")
        if slugs != sorted(set(slugs)):
            # One address per set of tags: /tags/b+a/ and /tags/a+a+b/ lead to /tags/a+b/.
            query = f"?{request.GET.urlencode()}" if request.GET else ""
            slug = TAG_SEPARATOR.join(sorted(set(slugs)))
            address = page_address(self.url_name, {"slug": slug}, self.kwargs.get("page", 1))
            return HttpResponseRedirect(address + query)
        self.tags = snapshot.shared(
            ("tags", tuple(slugs)),
            lambda: list(Tag.objects.filter(slug__in=slugs).order_by("name")),
        )
        if len(self.tags) != len(slugs):
            raise Http404("No such tag.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().tagged_with_all(self.tags)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        slugs = [tag.slug for tag in self.tags]
        matching = Post.objects.published().tagged_with_all(self.tags)
        # Tags that narrow this listing further, with how many posts would remain. Grouped by
        # name here, unlike the tag index (TagListView): for a tag's few hundred posts a second
        # query for the names cost more than it saved.
        narrowing = (
            tagged_posts()
            .filter(object_id__in=matching.values("id"))
            .exclude(tag__in=self.tags)
            .values("tag__name", "tag__slug")
            .annotate(count=Count("id"))
            .order_by("-count", "tag__name")[:NARROWING_TAGS]
        )
        if len(slugs) >= MAX_FILTER_TAGS:
            narrowing = []
        else:
            # The same for every page of the listing: a static build asks once.
            narrowing = snapshot.shared(("tag narrowing", tuple(slugs)), lambda: list(narrowing))
        return super().get_context_data(
            tags=self.tags,
            tag=self.tags[0] if len(self.tags) == 1 else None,
            tag_slugs=TAG_SEPARATOR.join(slugs),
            narrowing=[{**row, "url": tag_path([*slugs, row["tag__slug"]])} for row in narrowing],
            removing=[
                {"tag": tag, "url": tag_path([s for s in slugs if s != tag.slug])}
                for tag in self.tags
                if len(self.tags) > 1
            ],
            **kwargs,
        )


class TagListView(ListView):
    """Every tag with at least one published post, with its count of published posts.

    The page is also a form: ``?tag=a&tag=b`` leads to the posts carrying all those tags.
    """

    template_name = "blog/tag_list.html"
    context_object_name = "tags"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "tag" in request.GET:
            # Answered before the index is counted: the form's query strings are endless, and
            # each would otherwise render the whole index past the page cache.
            chosen = [slug for slug in request.GET.getlist("tag") if slug]
            if any("/" in slug for slug in chosen):
                return HttpResponseBadRequest("A tag's slug never holds '/'.")
            if not chosen:
                return redirect("blog:tag_list")
            return redirect(tag_path([slug.replace(TAG_SEPARATOR, "") for slug in chosen]))
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> list[dict[str, Any]]:
        # Two queries whatever the number of posts and tags: published posts per tag id, then
        # the tags in name order. Joined to the tags first and grouped by name and slug, the
        # database hashed the text of every tagging it counted, a third slower on both
        # databases (docs/performance.md).
        counts = dict(
            tagged_posts()
            .filter(object_id__in=Post.objects.published().values("id"))
            .values_list("tag_id")
            .annotate(count=Count("*"))
            .order_by()
        )
        return [
            {"tag__name": name, "tag__slug": slug, "count": counts[pk]}
            for pk, name, slug in Tag.objects.order_by("name").values_list("pk", "name", "slug")
            if pk in counts
        ]


def named_authors() -> QuerySet[AuthorProfile]:
    """Profiles with a public name (a display name, or a full name)."""
    named = ~Q(display_name="") | ~Q(user__first_name="") | ~Q(user__last_name="")
    return AuthorProfile.objects.filter(named)


def public_authors() -> QuerySet[AuthorProfile]:
    """Profiles readers may see: a public name and a published post. No other staff
    account is ever listed or given a page."""
    return (
        named_authors()
        .filter(user__in=Post.objects.published().values("author_id"))
        .select_related("user", "avatar")
    )


def author_or_404(slug: str) -> AuthorProfile:
    """The public author at ``slug``; 404 for anyone else (no enumeration of accounts)."""
    profile = public_authors().filter(slug=slug).first()
    if profile is None or not profile.name:
        raise Http404("No such author.")
    return profile


class AuthorDetailView(PublishedPostsMixin, ListView):
    """An author's name, avatar, bio and links, then their published posts, paginated."""

    template_name = "blog/author_detail.html"
    empty_is_404 = True
    url_name = "blog:author_detail"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.author = author_or_404(self.kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().filter(author_id=self.author.user_id)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            author=self.author, several_authors=public_authors()[1:2].exists(), **kwargs
        )


class AuthorListView(ListView):
    """Every public author, with their count of published posts. A 404 while the blog has only
    one: a list of one name tells a reader nothing the byline does not."""

    template_name = "blog/author_list.html"
    context_object_name = "authors"

    def get_queryset(self) -> list[AuthorProfile]:
        counts = dict(
            Post.objects.published()
            .exclude(author=None)
            .values_list("author_id")
            .annotate(count=Count("id"))
            .order_by()
        )
        authors = [profile for profile in public_authors() if profile.name]
        if len(authors) < 2:
            raise Http404("This blog has one author.")
        for profile in authors:
            profile.post_count = counts.get(profile.user_id, 0)
        return sorted(authors, key=lambda profile: profile.name.casefold())


def month_counts(posts: Any) -> list[dict[str, Any]]:
    """Published posts per month, newest first: [{"month": datetime, "count": n}], one query."""
    return list(
        posts.annotate(month=TruncMonth("publish_date"))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )


class PublishedDatesMixin:
    """What the archives add to Django's date-based views."""

    date_field = "publish_date"
    # Django's date views order by the date alone: posts of the same moment could then move
    # between pages from one query to the next.
    ordering = ["-publish_date", "-id"]
    # published() already leaves scheduled posts out, with the same "now" as every page.
    allow_future = True
    # An empty year or month is a 404 through the paginator's count (empty_is_404), without
    # the extra query that allow_empty = False runs first.
    allow_empty = True

    def get_date_list(self, queryset, date_type=None, ordering="ASC") -> list[dict[str, Any]]:
        """The months with published posts, newest first, with their counts: the pages show
        counts, which Django's list of dates does not have (one query either way)."""
        return month_counts(queryset)


class ArchiveIndexView(PublishedDatesMixin, dates.ArchiveIndexView):
    """Every year and month with published posts, with their counts."""

    template_name = "blog/archive_index.html"

    def get_queryset(self):
        return Post.objects.published()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        years: list[dict[str, Any]] = []
        for row in self.date_list:
            if not years or years[-1]["year"] != row["month"].year:
                years.append({"year": row["month"].year, "count": 0, "months": []})
            years[-1]["count"] += row["count"]
            years[-1]["months"].append(row)
        return super().get_context_data(years=years, **kwargs)


class ArchiveYearView(PublishedDatesMixin, PublishedPostsMixin, dates.YearArchiveView):
    """The published posts of one year, with the year's months and their counts."""

    template_name = "blog/archive_year.html"
    empty_is_404 = True
    url_name = "blog:archive_year"
    make_object_list = True

    def get_date_list(self, queryset, date_type=None, ordering="ASC") -> list[dict[str, Any]]:
        # The same for every page of the year: a static build counts once.
        key = ("archive months", self.get_year())
        return snapshot.shared(key, lambda: super(ArchiveYearView, self).get_date_list(queryset))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(months=self.date_list, **kwargs)


class ArchiveMonthView(PublishedDatesMixin, PublishedPostsMixin, dates.MonthArchiveView):
    """The published posts of one month."""

    template_name = "blog/archive_month.html"
    empty_is_404 = True
    url_name = "blog:archive_month"
    month_format = "%m"

    def get_date_list(self, queryset, date_type=None, ordering="ASC") -> list:
        return []  # the month page lists no days: no query for them


class SearchView(PublishedPostsMixin, ListView):
    """Search results, paginated; never indexed by search engines (see the template)."""

    template_name = "blog/search.html"
    # Ordered by rank, which PostPaginator's reading by id cannot repeat.
    paginator_class = Paginator

    def get_queryset(self):
        self.query = search.normalize_query(self.request.GET.get("q", ""))
        return search.search_posts(self.query)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(query=self.query, **kwargs)
        search.mark_matches(context["posts"], self.query)
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response


def neighbour(post: Post, *, older: bool) -> Post | None:
    """The published post just before (older) or after ``post`` in reading order."""
    order = snapshot.reading_order()
    if order is not None:
        found = order.neighbour(post.publish_date, post.pk, older=older)
        return None if found is None else post_of(found)
    if older:
        after = Q(publish_date__lt=post.publish_date) | Q(
            publish_date=post.publish_date, id__lt=post.id
        )
        order = ["-publish_date", "-id"]
    else:
        after = Q(publish_date__gt=post.publish_date) | Q(
            publish_date=post.publish_date, id__gt=post.id
        )
        order = ["publish_date", "id"]
    return (
        Post.objects.published()
        .filter(after)
        .only("title", "slug", "publish_date")
        .order_by(*order)
        .first()
    )


def post_of(entry: snapshot.Entry) -> Post:
    """A post as a neighbour or related-posts link shows it, from the reading order."""
    return Post(
        id=entry.id,
        title=entry.title,
        slug=entry.slug,
        publish_date=entry.publish_date,
        word_count=entry.word_count,
    )


class PostDetailView(DetailView):
    """One post. Drafts and scheduled posts are 404 unless the reader may edit posts."""

    model = Post
    context_object_name = "post"

    def get_queryset(self):
        # Its author and images in the same query; the Markdown source, the search text and
        # vector, and the front matter as written are never shown here.
        return (
            Post.objects.visible_to(self.request.user)
            .select_related(BYLINE_RELATION, "cover_library_image", "social_library_image")
            .defer("body", "body_text", "search_vector", "front_matter_raw", "extra_front_matter")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        post: Post = self.object
        attach_tag_lists([post])
        context = super().get_context_data(**kwargs)
        context["related_posts"] = self.related_posts(post)
        context["previous_post"] = neighbour(post, older=True)
        context["next_post"] = neighbour(post, older=False)
        context["is_preview"] = not post.is_public
        context["seo"] = seo.for_post(post, preview=context["is_preview"])
        return context

    def related_posts(self, post: Post) -> list[Post]:
        """Published posts sharing the most tags with ``post`` (newest first on ties).

        During a static build the ranking is done in memory (blog.snapshot.ReadingOrder,
        which the static copy's worker also uses backwards): change both."""
        tag_ids = [tag.id for tag in post.tag_list]
        if not tag_ids:
            return []
        order = snapshot.reading_order()
        if order is not None:
            return [post_of(entry) for entry in order.related(post.pk, tag_ids, RELATED_POSTS)]
        ranking = ("-shared_tags", "-publish_date", "-id")
        # Counted after the filter, so only the shared tags count. The winners are picked
        # by id first, from the publish-date index alone: joined with whole rows, PostgreSQL
        # read every post of the table. Grouped by id alone: grouped by the model's every
        # column (annotate before values), SQLite sorted the candidates' bodies.
        winners = (
            Post.objects.published()
            .filter(tags__in=tag_ids)
            .exclude(pk=post.pk)
            .values("pk")
            .annotate(shared_tags=Count("tags"))
            .order_by(*ranking)
            .values("pk")[:RELATED_POSTS]
        )
        return list(
            Post.objects.filter(pk__in=winners, tags__in=tag_ids)
            .annotate(shared_tags=Count("tags"))
            .only("title", "slug", "publish_date", "word_count")
            .order_by(*ranking)
        )

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            # A draft preview must never land in a shared or browser cache.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class PageDetailView(DetailView):
    """One page at ``/<slug>/``. Drafts are 404 unless the reader may edit pages; their
    previews are never cached. A 404 here still answers an old address (redirects)."""

    model = SitePage
    context_object_name = "page"
    template_name = "blog/page_detail.html"

    def get_queryset(self):
        return SitePage.objects.visible_to(self.request.user).defer("body")

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if not self.object.is_public:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class RobotsView(TemplateView):
    """robots.txt: everything but the admin may be crawled; the sitemap is named in full."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"


class FaviconView(RedirectView):
    """Browsers and audit tools ask for /favicon.ico whatever the page's <link> says."""

    # Not permanent: the favicon can be changed in the site settings.
    permanent = False

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        # The favicon chosen in the site settings, if any. Resolved per request: with hashed
        # static names the manifest exists only after collectstatic.
        favicon = current(self.request).favicon
        return favicon.url if favicon else static("favicon.ico")


class SharedPostView(PostDetailView):
    """One post as its share link shows it: marked as a preview, never indexed or cached."""

    def get_object(self, queryset: Any = None) -> Post:
        link = active_link(self.kwargs["signed"])
        if link is None:
            raise Http404("This preview link is not valid (any more).")
        return link.post

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_preview"] = True
        context["is_shared_preview"] = True
        context["seo"] = seo.for_post(self.object, preview=True)
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # Links in the post must not hand the token to other sites in the Referer header.
        response["Referrer-Policy"] = "no-referrer"
        return response


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", ...}`` or 503 ``{"status": "error", "failed": [...], ...}``."""
    results = run_checks()
    failed = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "error" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=503 if failed else 200)
    add_never_cache_headers(response)
    return response


# Seconds a client (or a CDN serving stale pages on error) is asked to wait when the database
# is unreachable: about how long PostgreSQL takes to restart (scripts/prod/fault_pg.py).
RETRY_AFTER_SECONDS = 5


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the usual error page, but 503 with Retry-After when the database is down.

    A lost database connection is temporary (a restart, a failover): 503 tells a load balancer
    or CDN to retry or serve a stale copy, where 500 says the page itself is broken.
    """
    response = defaults.server_error(request, template_name)
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
    return response
