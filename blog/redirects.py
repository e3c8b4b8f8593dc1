"""Old addresses that now live elsewhere: renamed slugs, merged tags, imported aliases.

A ``Redirect`` points at an object, never at a path, so chains collapse by themselves: a post
renamed a -> b -> c sends both /posts/a/ and /posts/b/ straight to /posts/c/. Redirects are
looked up only when a page is about to be a 404 (``RedirectFallbackMiddleware``), so pages
that exist never pay a query for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.middleware import common as django_common
from django.urls import Resolver404, resolve, reverse
from taggit.models import Tag

from blog.models import Page, Post, Redirect, tagged_posts
from blog.profiles import AuthorProfile

MAX_PATH_LENGTH = Redirect._meta.get_field("old_path").max_length
# WordPress's address of a post or page by its id, kept with its query as an old path.
_WORDPRESS_ID = re.compile(r"(?:p|page_id)=[0-9]{1,20}")


def normalize_path(path: str) -> str:
    """A site path from whatever front matter holds: a full URL, a path, or a bare name.

    ``https://old.example.com/2019/hello/`` and ``2019/hello/`` both become ``/2019/hello/``;
    the query string and fragment are dropped (a request's path never carries them), except
    WordPress's ``/?p=123``, which names a post by its id.
    """
    parts = urlsplit(path.strip())
    if parts.path in ("", "/") and _WORDPRESS_ID.fullmatch(parts.query):
        return f"/?{parts.query}"
    path = parts.path
    return "/" + path.lstrip("/") if path else ""


def _point(
    old_path: str,
    *,
    post: Post | None = None,
    tag: Tag | None = None,
    page: Page | None = None,
    author: AuthorProfile | None = None,
) -> Redirect:
    redirect, _ = Redirect.objects.update_or_create(
        old_path=old_path, defaults={"post": post, "tag": tag, "page": page, "author": author}
    )
    return redirect


def _holder_at(path: str) -> Post | Page | None:
    """The post or page whose own address is ``path`` or its slash variant, if any."""
    for candidate in (path, path[:-1] if path.endswith("/") else path + "/"):
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if match.view_name == "blog:post_detail":
            return Post.objects.filter(slug=match.kwargs["slug"]).only("pk", "slug").first()
        if match.view_name == "blog:page_detail":
            return Page.objects.filter(slug=match.kwargs["slug"]).only("pk", "slug").first()
    return None


def add_aliases(
    post: Post | Page, paths: Iterable[str], report: list[str] | None = None
) -> list[Redirect]:
    """Make each of ``paths`` a permanent redirect to ``post`` (a post or a page: the write
    path's step for Hugo ``aliases``, Jekyll ``redirect_from`` and imported permalinks).

    Paths are normalized; empty ones, ones too long to store and the post's own address are
    skipped (a redirect to itself would loop). A path that already leads elsewhere, or that
    is another post's or page's address, is refused with its reason appended to ``report``:
    an alias must not take over another post's old address, nor make a draft's or scheduled
    post's address answer 301 to readers. Returns the redirects that now point at ``post``.
    """
    own = post.get_absolute_url()
    target = {"page": post} if isinstance(post, Page) else {"post": post}
    redirects = []
    for raw in paths:
        path = normalize_path(str(raw))
        if not path or path == own or len(path) > MAX_PATH_LENGTH:
            continue
        taken = Redirect.objects.filter(old_path=path).exclude(**target).first()
        holder = _holder_at(path)
        if taken is not None:
            reason = f"it already redirects to {target_url(taken, path)}"
        elif holder is not None and (type(holder), holder.pk) != (type(post), post.pk):
            kind = "page" if isinstance(holder, Page) else "post"
            reason = f"it is the address of another {kind} ({holder.slug})"
        else:
            redirects.append(_point(path, **target))
            continue
        if report is not None:
            report.append(f"alias {path} refused: {reason}")
    return redirects


def slug_changed(post: Post, old_slug: str) -> None:
    """Called by ``Post.save`` when a saved post's slug changes."""
    _point(reverse("blog:post_detail", kwargs={"slug": old_slug}), post=post)
    # Renamed back to an earlier slug: that address is live again, so its redirect would
    # only ever send the post to itself.
    Redirect.objects.filter(old_path=post.get_absolute_url()).delete()


def page_slug_changed(page: Page, old_slug: str) -> None:
    """A saved page's slug changed: its old address leads to the new one."""
    _point(reverse("blog:page_detail", kwargs={"slug": old_slug}), page=page)
    Redirect.objects.filter(old_path=page.get_absolute_url()).delete()


def tag_paths(slug: str) -> list[str]:
    """Every public address that belongs to one tag."""
    return [
        reverse(name, kwargs={"slug": slug})
        for name in ("blog:tag_detail", "blog:tag_feed_atom", "blog:tag_feed_rss")
    ]


def author_paths(slug: str) -> list[str]:
    """Every public address that belongs to one author (pages past the first follow)."""
    return [
        reverse(name, kwargs={"slug": slug})
        for name in ("blog:author_detail", "blog:author_feed_atom", "blog:author_feed_rss")
    ]


def author_moved(old_slug: str, profile: AuthorProfile) -> None:
    """An author's address changed from ``old_slug``: their page and feeds lead on."""
    for path in author_paths(old_slug):
        _point(path, author=profile)
    for path in author_paths(profile.slug):
        Redirect.objects.filter(old_path=path).delete()


def tag_moved(old_slug: str, tag: Tag) -> None:
    """The tag once at ``old_slug`` (renamed, or merged away) now lives at ``tag``."""
    for path in tag_paths(old_slug):
        _point(path, tag=tag)
    for path in tag_paths(tag.slug):
        Redirect.objects.filter(old_path=path).delete()


def target_url(redirect: Redirect, old_path: str) -> str:
    """Where ``redirect`` leads, keeping the feed suffix of a tag's or author's address."""
    if redirect.post_id is not None:
        return redirect.post.get_absolute_url()
    if redirect.page_id is not None:
        return redirect.page.get_absolute_url()
    if redirect.author_id is not None:
        detail, atom, rss = author_paths(redirect.author.slug)
    else:
        detail, atom, rss = tag_paths(redirect.tag.slug)
    if old_path.endswith("feed.atom"):
        return atom
    if old_path.endswith("feed.rss"):
        return rss
    return detail


# A link to a post file, as imported blogs link their posts (``../2019/other.md#part``):
# relative, no scheme, a Markdown file name, then an optional query or fragment.
SOURCE_SUFFIXES = (".md", ".markdown", ".mdx")
_SOURCE_LINK = re.compile(
    r'(<a\b[^>]*?\bhref=")(?![/#])([^":?#]+\.(?:md|markdown|mdx))([?#][^"]*)?"', re.IGNORECASE
)


def source_address(href: str, source_path: str) -> str | None:
    """The site path standing for the post file ``href`` links to from the file at
    ``source_path`` (both relative to the import's folder): ``/2019/other.md``. None when
    the link leads out of that folder."""
    parts = list(PurePosixPath(source_path).parent.parts)
    for segment in unquote(href).split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(segment)
    return "/" + quote("/".join(parts)) if parts else None


def link_post_files(html: str, source_path: str) -> str:
    """Links between imported post files (``../2019/other.md#part``) pointed at the site
    path of the file they name, which answers 301 to its post (``find_redirect``) as soon
    as that file is imported, in this run or a later one."""
    if not source_path or ".m" not in html:
        return html

    def point(match: re.Match) -> str:
        address = source_address(match.group(2), source_path)
        if address is None:
            return match.group(0)
        return f'{match.group(1)}{address}{match.group(3) or ""}"'

    return _SOURCE_LINK.sub(point, html)


def _post_file(request: HttpRequest, path: str) -> str | None:
    """The address of the post imported from the file ``path`` names, if readers may see it."""
    post = (
        Post.objects.visible_to(request.user)
        .filter(source_path=path.lstrip("/"))
        .only("slug")
        .first()
    )
    return post.get_absolute_url() if post is not None else None


def find_redirect(request: HttpRequest, old_path: str | None = None) -> str | None:
    """The address a 404 path (or ``old_path``) should lead to, or None.

    A redirect to a post the requester may not see (a draft, a scheduled post), or to a tag
    that no such post carries, stays a 404, so old addresses never reveal a new slug.
    """
    path = old_path or request.path
    if "\x00" in path:  # never stored (PostgreSQL refuses NUL in text)
        return None
    candidates = [path, path[:-1] if path.endswith("/") else path + "/"]
    found = Redirect.objects.filter(old_path__in=candidates).select_related(
        "post", "tag", "page", "author"
    )
    if not found:
        if path.lower().endswith(SOURCE_SUFFIXES):
            url = _post_file(request, path)
            query = "" if old_path else request.META.get("QUERY_STRING", "")
            return f"{url}?{query}" if url and query else url
        return None
    # The exact path before its slash variant.
    redirect = min(found, key=lambda r: r.old_path != path)
    visible = Post.objects.visible_to(request.user)
    if redirect.post_id is not None:
        if not visible.filter(pk=redirect.post_id).exists():
            return None
    elif redirect.page_id is not None:
        if not Page.objects.visible_to(request.user).filter(pk=redirect.page_id).exists():
            return None
    elif redirect.author_id is not None:
        from blog.views import public_authors  # the views import this module

        public = public_authors().filter(pk=redirect.author_id).first()
        if public is None or not public.name:
            return None  # as the author page itself: no address of a non-author is revealed
    elif not (
        tagged_posts().filter(tag=redirect.tag_id, object_id__in=visible.values("pk")).exists()
    ):
        return None
    url = target_url(redirect, redirect.old_path)
    if url == path:
        return None
    query = "" if old_path else request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


class RedirectFallbackMiddleware:
    """Turns a 404 into a 301 when the path has moved; adds no query to pages that exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if request.path == "/" and request.method in ("GET", "HEAD") and query.startswith("p"):
            # The home page would answer WordPress's /?p=123: an imported post's id wins.
            if _WORDPRESS_ID.fullmatch(query) and (url := find_redirect(request, f"/?{query}")):
                return HttpResponsePermanentRedirect(url)
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        url = find_redirect(request)
        return HttpResponsePermanentRedirect(url) if url else response


class CommonMiddleware(django_common.CommonMiddleware):
    """Django's, but a missing slash is added only where the address with it can answer.

    Pages sit at the root (``/<slug>/``), so every ``/anything`` would otherwise be a 301 to
    ``/anything/`` and then a 404. With a slash added, an address that only the page pattern
    matches leads somewhere when a page (any status: a draft's editor may be asking) or an
    old address (``Redirect``) has it; any other address is a 404 at once.
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if not super().should_redirect_with_slash(request):
            return False
        with_slash = request.path_info + "/"
        try:
            match = resolve(with_slash, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        if match.view_name != "blog:page_detail":
            return True
        return (
            Page.objects.filter(slug=match.kwargs["slug"]).exists()
            or Redirect.objects.filter(old_path=request.path + "/").exists()
        )
