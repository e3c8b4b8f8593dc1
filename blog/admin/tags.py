"""Tags: post counts, rename (the old address redirects) and merge.

Listed under the blog through the proxy model ``blog.tags.Tag``; taggit's own model stays
registered, hidden, only for the autocomplete of fields that point at it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from taggit.models import Tag as TaggitTag

from blog.models import Post
from blog.posts import delete_tags, merge_tags, save_tag
from blog.tags import Tag

admin.site.unregister(TaggitTag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge_selected"]

    # The proxy has permissions of its own; taggit's, which existing groups and users hold
    # (the Authors group among them), grant the same.
    def _allowed(self, request: HttpRequest, action: str) -> bool:
        user = request.user
        return user.has_perm(f"blog.{action}_tag") or user.has_perm(f"taggit.{action}_tag")

    def has_view_permission(self, request: HttpRequest, obj: Tag | None = None) -> bool:
        return self._allowed(request, "view") or self._allowed(request, "change")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Tag | None = None) -> bool:
        return self._allowed(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Tag | None = None) -> bool:
        return self._allowed(request, "delete")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        items = "taggit_taggeditem_items"
        is_post = Q(
            **{
                f"{items}__content_type__app_label": Post._meta.app_label,
                f"{items}__content_type__model": Post._meta.model_name,
            }
        )
        return super().get_queryset(request).annotate(posts=Count(items, filter=is_post))

    @admin.display(description="Posts", ordering="posts")
    def post_count(self, tag: Tag) -> int:
        return tag.posts

    def save_model(self, request: HttpRequest, obj: Tag, form, change: bool) -> None:
        save_tag(obj, old_slug=form.initial.get("slug") if change else None)

    def delete_model(self, request: HttpRequest, obj: Tag) -> None:
        delete_tags(Tag.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> None:
        delete_tags(queryset)

    @admin.action(description="Merge selected tags…", permissions=["change", "delete"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Tag]):
        tags = list(queryset.order_by("-posts", "name"))
        if len(tags) < 2:
            self.message_user(request, "Select two tags or more to merge.", messages.WARNING)
            return None
        into = request.POST.get("into")
        if "apply" in request.POST and into:
            survivor = next((t for t in tags if str(t.pk) == into), None)
            if survivor is not None:
                others = [t for t in tags if t.pk != survivor.pk]
                count = merge_tags(survivor, others)
                names = ", ".join(t.name for t in others)
                self.message_user(
                    request,
                    f"Merged {names} into {survivor.name}: {count} post(s) moved; "
                    "the old tag addresses redirect to it.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Merge tags",
            "tags": tags,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/blog/tag/merge.html", context)


@admin.register(TaggitTag)
class TaggitTagAdmin(TagAdmin):
    """Taggit's own Tag, kept registered for the autocomplete of fields that point at it (a
    redirect's tag). It is hidden from the index, and its pages redirect to the blog's tags
    (blog/adminsite.py)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False
