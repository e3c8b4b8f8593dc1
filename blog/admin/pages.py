"""Pages (About, Now, Contact…) and the navigation menu, in the admin.

Pages are edited with the posts' writing desk (the Markdown editor and the live preview,
``blog.admin.editor``) and keep the posts' edit-conflict check; every write goes through
``blog.pages``. The menu is one list of items, ordered by their position, edited in place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog import pages
from blog.admin.editor import MarkdownEditor
from blog.admin.posts import PostAdmin, version_token
from blog.models import MenuItem, Page
from blog.rendering.render import Rendered, RenderLimitError, render_post

CONFLICT_MESSAGE = (
    "Someone else saved this page at {when} after you opened it, so your changes were NOT "
    "saved. Your text is still in the form below; saving again replaces their version."
)


class PageAdminForm(forms.ModelForm):
    # Optimistic locking, as for posts: the version the editor opened, compared on save.
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    rendered: Rendered | None = None
    user: Any = None

    class Meta:
        model = Page
        fields = ["title", "slug", "body", "description", "draft"]
        widgets = {"body": MarkdownEditor}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version_token(self.instance)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            self.rendered = render_post(body)
        except RenderLimitError as error:
            raise ValidationError(str(error)) from error
        return body

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug:
            try:
                pages.check_slug(slug)
            except ValidationError as error:
                raise ValidationError(error.message_dict["slug"]) from None
        return slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        probe = Page(title=cleaned.get("title", ""), description=cleaned.get("description", ""))
        try:
            pages.check_text(probe)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    self.add_error(field, message)
        was_draft = self.instance.draft if self.instance.pk is not None else True
        try:
            pages.check_publish_permission(
                self.user, was_draft, cleaned.get("draft", self.instance.draft)
            )
        except PermissionDenied as refused:
            raise ValidationError(str(refused), code="publish") from refused
        if self.instance.pk is None or self.add_prefix("version") not in self.data:
            return cleaned
        # The change view runs in one transaction: the lock holds until the save commits.
        stored = Page.objects.select_for_update().only("updated_at").get(pk=self.instance.pk)
        current = version_token(stored)
        if cleaned.get("version") != current:
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = current
            raise ValidationError(
                CONFLICT_MESSAGE.format(
                    when=timezone.localtime(stored.updated_at).strftime("%H:%M:%S")
                ),
                code="conflict",
            )
        return cleaned


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    list_display = ["title", "address", "status", "in_menu", "updated_at"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["rendered_preview", "created_at", "updated_at", "source_path"]
    actions = ["publish_pages", "unpublish_pages"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "description", "version"]}),
        ("Preview", {"fields": ["rendered_preview"]}),
        ("Publication", {"fields": ["draft"]}),
        (
            "Details",
            {"fields": ["created_at", "updated_at", "source_path"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        css = {"all": ["blog/admin/authors.css", "blog/admin/pages.css"]}
        # The live preview, as on the post form.
        js = ["blog/admin/post_form.js"]

    # The same endpoint as the post form's preview: the body as readers will see it.
    preview_view = PostAdmin.preview_view

    def get_queryset(self, request: HttpRequest) -> QuerySet[Page]:
        return super().get_queryset(request).prefetch_related("menu_items")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blog.publish_post")

    def get_form(self, request: HttpRequest, obj: Page | None = None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Page | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields.append("draft")
        return fields

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="blog_page_preview"),
            *super().get_urls(),
        ]

    @admin.display(description="Address", ordering="slug")
    def address(self, page: Page) -> str:
        return format_html('<a href="{0}">{0}</a>', page.get_absolute_url())

    @admin.display(description="Status", ordering="draft")
    def status(self, page: Page) -> str:
        return page.status_label

    @admin.display(description="In the menu", boolean=True)
    def in_menu(self, page: Page) -> bool:
        return bool(page.menu_items.all())

    @admin.display(description="Rendered body")
    def rendered_preview(self, page: Page) -> str:
        stats = f"{page.word_count} words" if page.pk else "0 words"
        # body_html was sanitized by blog.rendering when the page was saved; the preview
        # endpoint's output replaces it, sanitized the same way.
        return format_html(
            '<div class="live-preview" data-preview-url="{url}">'
            '<p><button type="button" class="button preview-button">Preview</button> '
            '<span class="preview-stats" aria-live="polite">{stats}</span> '
            '<span class="preview-note">Updates as you type.</span></p>'
            '<div class="post-body preview-body">{html}</div></div>',
            url=reverse("admin:blog_page_preview"),
            stats=stats,
            html=mark_safe(page.body_html),  # noqa: S308
        )

    def save_model(self, request: HttpRequest, obj: Page, form: PageAdminForm, change: bool):
        if "_publish" in request.POST:
            obj.draft = False
        elif "_unpublish" in request.POST:
            obj.draft = True
        report: list[str] = []
        pages.save_page(obj, user=request.user, rendered=form.rendered, report=report)
        for line in report:
            self.message_user(request, line, messages.WARNING)

    def has_delete_permission(self, request: HttpRequest, obj: Page | None = None) -> bool:
        if obj is not None and not obj.draft and not self.has_publish_permission(request):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Page) -> None:
        pages.delete_pages(Page.objects.filter(pk=obj.pk), user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        pages.delete_pages(queryset, user=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        if "_preview" in request.POST:
            return HttpResponseRedirect(obj.get_absolute_url())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj) -> HttpResponse:
        if "_preview" in request.POST:
            return HttpResponseRedirect(obj.get_absolute_url())
        return super().response_change(request, obj)

    @admin.action(description="Publish selected pages", permissions=["publish"])
    def publish_pages(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        count = pages.set_pages_draft(queryset, draft=False, user=request.user)
        self.message_user(request, f"Published {count} page(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected pages (back to draft)", permissions=["publish"])
    def unpublish_pages(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        count = pages.set_pages_draft(queryset, draft=True, user=request.user)
        self.message_user(request, f"Moved {count} page(s) back to draft.", messages.SUCCESS)


class MenuItemForm(forms.ModelForm):
    class Meta:
        model = MenuItem
        fields = ["label", "position", "page", "tag", "section", "url"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        item = MenuItem(
            label=cleaned.get("label") or "",
            page=cleaned.get("page"),
            tag=cleaned.get("tag"),
            section=cleaned.get("section") or "",
            url=cleaned.get("url") or "",
        )
        pages.check_menu_item(item)
        return cleaned


class MenuPositionForm(forms.ModelForm):
    """A row of the menu's list: its position input named after the item, for screen readers."""

    class Meta:
        model = MenuItem
        fields = ["position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].widget.attrs["aria-label"] = f"Position of {self.instance.label}"


@admin.register(MenuItem)
class MenuItemAdmin(admin.ModelAdmin):
    """The site header's menu: one row per link, reordered by editing the positions."""

    form = MenuItemForm
    list_display = ["label", "position", "leads_to"]
    list_editable = ["position"]
    list_display_links = ["label"]
    list_select_related = ["page", "tag"]
    # Pages are few: a plain select, which screen readers name; tags may be thousands.
    autocomplete_fields = ["tag"]
    fieldsets = [
        (None, {"fields": ["label", "position"]}),
        (
            "Links to (choose one)",
            {"fields": ["page", "tag", "section", "url"]},
        ),
    ]

    class Media:
        css = {"all": ["blog/admin/pages.css"]}

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return MenuPositionForm

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        last = MenuItem.objects.order_by("-position").values_list("position", flat=True).first()
        return {"position": (last or 0) + 10, **super().get_changeform_initial_data(request)}

    @admin.display(description="Leads to")
    def leads_to(self, item: MenuItem) -> str:
        if item.page_id is not None:
            what = f"Page “{item.page.title}”"
            if item.page.draft:
                what += " (a draft: not shown until published)"
        elif item.tag_id is not None:
            what = f"Tag “{item.tag.name}”"
        elif item.section:
            what = item.get_section_display()
        else:
            what = "Link"
        return format_html("{}: <code>{}</code>", what, item.href())

    def save_model(self, request: HttpRequest, obj: MenuItem, form, change: bool) -> None:
        pages.save_menu_item(obj)

    def delete_model(self, request: HttpRequest, obj: MenuItem) -> None:
        pages.delete_menu_items(MenuItem.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MenuItem]) -> None:
        pages.delete_menu_items(queryset)
