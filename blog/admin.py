from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog.models import Post
from blog.rendering import RenderLimitError, render_post
from blog.security import ThrottledAdminAuthenticationForm


class PostAdminForm(forms.ModelForm):
    def clean_body(self) -> str:
        """Refuse a body the renderer would refuse on save, with its reason, not a 500."""
        body = self.cleaned_data["body"]
        try:
            render_post(body)
        except RenderLimitError as error:
            raise ValidationError(str(error)) from error
        return body


class StatusFilter(admin.SimpleListFilter):
    """Draft / scheduled / published, computed from the draft flag and the date."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Post.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Post.Status.DRAFT:
                return queryset.filter(draft=True)
            case Post.Status.SCHEDULED:
                return queryset.filter(draft=False, publish_date__gt=now)
            case Post.Status.PUBLISHED:
                return queryset.published(now)
        return queryset


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "status_label", "publish_date", "tag_list", "author"]
    list_filter = [StatusFilter, "draft", "publish_date", "tags"]
    search_fields = ["title", "description", "body", "tags__name"]
    date_hierarchy = "publish_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    readonly_fields = ["status_label", "rendered_preview", "created_at", "updated_at"]
    actions = ["publish_posts", "unpublish_posts"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "description", "tags"]}),
        ("Publication", {"fields": ["draft", "publish_date", "status_label", "author"]}),
        ("Cover image", {"fields": ["cover_image", "cover_image_alt"]}),
        ("Preview", {"fields": ["rendered_preview"]}),
        (
            "Details",
            {
                "fields": ["revised_date", "extra_front_matter", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).select_related("author").prefetch_related("tags")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description="Status", ordering="draft")
    def status_label(self, post: Post) -> str:
        if post.pk is None:
            return "—"
        return post.status_label

    @admin.display(description="Tags")
    def tag_list(self, post: Post) -> str:
        return ", ".join(sorted(tag.name for tag in post.tags.all()))

    @admin.display(description="Rendered body (as of the last save)")
    def rendered_preview(self, post: Post) -> str:
        if not post.body_html:
            return "Save the post to see it rendered."
        # body_html was sanitized by blog.rendering.render_markdown when it was saved.
        return format_html('<div class="post-body">{}</div>', mark_safe(post.body_html))  # noqa: S308

    @admin.action(description="Publish selected posts", permissions=["change"])
    def publish_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = set_draft(queryset, draft=False)
        self.message_user(request, f"Published {count} post(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected posts (back to draft)", permissions=["change"])
    def unpublish_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = set_draft(queryset, draft=True)
        self.message_user(request, f"Moved {count} post(s) back to draft.", messages.SUCCESS)


def set_draft(queryset: QuerySet[Post], *, draft: bool) -> int:
    """Flip the draft flag on a selection, returning how many posts changed."""
    changed = 0
    # save() per post rather than update(), so every write path (signals, caches) stays one.
    for post in queryset.filter(draft=not draft):
        post.draft = draft
        post.save(update_fields=["draft", "updated_at"])
        changed += 1
    return changed


# Password guessing against the admin login is throttled (blog.security).
admin.site.login_form = ThrottledAdminAuthenticationForm
