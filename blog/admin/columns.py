"""The post list's columns: the title on one line, a status badge, a link to the page."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from blog.models import Post

# Badge kind -> its words. A kind is a post's status, or "unlisted" for a published post that
# indexes, feeds and the home page leave out.
BADGE_LABELS = {
    Post.Status.DRAFT: "Draft",
    Post.Status.SCHEDULED: "Scheduled",
    Post.Status.PUBLISHED: "Published",
    "unlisted": "Unlisted",
}


def badge_kind(post: Post) -> str:
    """Draft, scheduled, published, or unlisted (published, reachable only by its address)."""
    status = post.status
    if status == Post.Status.PUBLISHED and post.unlisted:
        return "unlisted"
    return str(status)


def status_badge(post: Post) -> SafeString:
    """The post's status in words inside a coloured badge, so colour is never the only cue.

    A scheduled post's badge says when it goes live, in the site's time zone, named.
    """
    kind = badge_kind(post)
    words = BADGE_LABELS[kind]
    hint = ""
    if kind == Post.Status.SCHEDULED:
        when = timezone.localtime(post.publish_date).strftime("%Y-%m-%d %H:%M")
        words = f"{words} for {when} ({timezone.get_current_timezone_name()})"
        if post.unlisted:
            hint = "Goes live unlisted: only its address will find it."
    elif kind == "unlisted":
        hint = "Live, but left out of the home page, tags, feeds, search and the sitemap."
    if hint:
        return format_html(
            '<span class="post-status post-status-{}" title="{}">{}</span>', kind, hint, words
        )
    return format_html('<span class="post-status post-status-{}">{}</span>', kind, words)


def title_cell(post: Post) -> SafeString:
    """The title on one line, cut with an ellipsis by CSS; the whole title shows on hover."""
    return format_html('<span class="post-title" title="{}">{}</span>', post.title, post.title)


def view_link(post: Post) -> SafeString:
    """A link to the post's page: what readers see, or the staff preview of a post not live.

    The tooltip, which screen readers read as the link's description, names the post; the
    link's name stays one word, so the title alone names the row's link to the form.
    """
    if post.status == Post.Status.PUBLISHED:
        word, hint = "View", "View “{}” on the site"
    else:
        word, hint = "Preview", "Preview “{}” as readers will see it"
    return format_html(
        '<a class="post-view-link" href="{}" title="{}">{}</a>',
        post.get_absolute_url(),
        hint.format(post.title),
        word,
    )
