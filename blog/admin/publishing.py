"""Publishing as authors mean it, for the post admin: the form's Publish, Schedule and
Unpublish buttons, and the bulk publish action's confirmation page.

The decisions (which date a post going live gets) are ``blog.posts.date_going_live``'s; every
write goes through ``blog.posts``.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import formats, timezone

from blog import posts
from blog.models import Post


def when(moment: datetime) -> str:
    """A date and time in the site's time zone, with the zone named."""
    local = timezone.localtime(moment)
    return (
        f"{formats.date_format(local, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"
    )


def apply_buttons(request: HttpRequest, post: Post, form: forms.ModelForm) -> None:
    """Carry out the change form's Publish/Schedule and Unpublish buttons on ``post``.

    "Publish" takes the post out of draft; a date left in the past becomes now (a draft's date
    is when it was started), unless the author changed the date in this form. "Unpublish"
    puts the post back to draft. The form's other edits are saved with either.
    """
    # Without the publish permission "draft" is read-only, not in the form: it is as stored.
    was_draft = form.initial.get("draft", post.draft) if post.pk else True
    if "_publish" in request.POST:
        post.draft = False
    elif "_unpublish" in request.POST:
        post.draft = True
    posts.date_going_live(
        post, was_draft=was_draft, date_chosen="publish_date" in form.changed_data
    )


def report_buttons(model_admin: admin.ModelAdmin, request: HttpRequest, post: Post) -> None:
    """Say what the button did, with the date readers will see."""
    if "_publish" in request.POST:
        if post.status == Post.Status.SCHEDULED:
            text = f"Scheduled: readers will see “{post.title}” from {when(post.publish_date)}."
        else:
            text = f"Published “{post.title}”, dated {when(post.publish_date)}."
        model_admin.message_user(request, text, messages.SUCCESS)
    elif "_unpublish" in request.POST:
        model_admin.message_user(
            request, f"“{post.title}” is a draft again: readers no longer see it.", messages.SUCCESS
        )


def publish_action(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Post]
) -> TemplateResponse | None:
    """The bulk publish action: a confirmation page listing each post with the date it will
    have, then the publishing itself."""
    drafts = list(queryset.filter(draft=True).order_by("-publish_date"))
    if request.POST.get("post") == "yes":
        redate = request.POST.get("dates", "now") == "now"
        count = posts.set_draft(queryset, draft=False, user=request.user, redate=redate)
        model_admin.message_user(request, f"Published {count} post(s).", messages.SUCCESS)
        return None
    now = timezone.now()
    rows = []
    for post in drafts:
        going = Post(draft=False, publish_date=post.publish_date)
        posts.date_going_live(going, was_draft=True, date_chosen=False, now=now)
        rows.append(
            {
                "post": post,
                "redated": going.publish_date != post.publish_date,
                "kept": when(post.publish_date),
                "new": when(going.publish_date),
                "scheduled": going.status == Post.Status.SCHEDULED,
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Publish these posts?",
        "rows": rows,
        "any_redated": any(row["redated"] for row in rows),
        "skipped": queryset.filter(draft=False).count(),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "action": request.POST.get("action", "publish_posts"),
        "select_across": request.POST.get("select_across", "0"),
        "zone": timezone.get_current_timezone_name(),
    }
    return TemplateResponse(request, "admin/blog/post/publish_confirmation.html", context)
