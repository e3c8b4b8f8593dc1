from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from taggit.forms import TagWidget
from taggit.models import Tag
from taggit.utils import edit_string_for_tags, parse_tags

from blog import posts, revisions, sharing
from blog.admin import columns, editor, publishing
from blog.admin import seo as seo_admin
from blog.admin.editor import MarkdownEditor, PublishDateWidget, RevisedDateWidget
from blog.importing.identity import post_fingerprint
from blog.models import (
    MAX_DESCRIPTION_CHARS,
    MAX_META_DESCRIPTION_CHARS,
    MAX_TAGS,
    SHARE_LINK_DAYS,
    Post,
    Revision,
    ShareLink,
    validate_plain_text,
)
from blog.rendering.render import Rendered, RenderLimitError, Source, render_post

# Largest Markdown body the preview endpoint renders; a real post is far smaller.
PREVIEW_MAX_CHARS = 500_000
TAG_SUGGESTIONS = 1000
CONFLICT_MESSAGE = (
    "Someone else saved this post at {when}{who} after you opened it, so your changes were "
    "NOT saved. Your text is still in the form below. "
    '<a href="{diff_url}">Compare their version with the one you started from</a>; '
    "saving again replaces their version with yours (theirs stays in the post's versions)."
)


def divergence(post: Post) -> str:
    """Whether an imported post has been edited since its last import."""
    if not post.source_path:
        return "Not imported"
    if not post.imported_fingerprint:
        return "unknown"
    if post_fingerprint(post) == post.imported_fingerprint:
        return "Same as the file"
    return "Edited since the import"


def version_token(post: Post) -> str:
    """What a form remembers of the version it was opened on (optimistic locking)."""
    return post.updated_at.isoformat() if post.pk and post.updated_at else ""


class StatusFilter(admin.SimpleListFilter):
    """The list's badges as a filter: computed from the draft and unlisted flags and the date."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(columns.BADGE_LABELS.items())

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Post.Status.DRAFT:
                return queryset.filter(draft=True)
            case Post.Status.SCHEDULED:
                return queryset.filter(draft=False, publish_date__gt=now)
            case Post.Status.PUBLISHED:
                return queryset.published(now)
            case "unlisted":
                return queryset.reachable(now).filter(unlisted=True)
        return queryset


class AttentionFilter(admin.SimpleListFilter):
    """Posts whose body holds generator syntax the render could not convert: a worklist."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Unconverted syntax"), ("no", "Nothing to check")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(unconverted=[])
        if self.value() == "no":
            return queryset.filter(unconverted=[])
        return queryset


class ProvenanceFilter(admin.SimpleListFilter):
    """Imported posts that were edited since their import, or not; posts written here."""

    title = "provenance"
    parameter_name = "provenance"

    def lookups(self, request, model_admin):
        return [
            ("diverged", "Edited since the import"),
            ("in_sync", "Same as the file"),
            ("imported", "Imported (any)"),
            ("written_here", "Written in the admin"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "written_here":
            return queryset.filter(source_path="")
        if value not in {"diverged", "in_sync", "imported"}:
            return queryset
        imported = queryset.exclude(source_path="")
        if value == "imported":
            return imported
        # The fingerprint is computed in Python, so this scans the imported posts; it runs
        # only when an author picks the filter.
        want_diverged = value == "diverged"
        ids = [
            post.pk
            for post in imported.exclude(imported_fingerprint="").prefetch_related("tags")
            if (
                post_fingerprint(post, [tag.name for tag in post.tags.all()])
                != post.imported_fingerprint
            )
            == want_diverged
        ]
        return queryset.filter(pk__in=ids)


class TagSuggestionsWidget(TagWidget):
    """Taggit's comma-separated input plus a <datalist> of existing tags (no framework)."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"list": "tag-suggestions", "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        names = Tag.objects.order_by("name").values_list("name", flat=True)[:TAG_SUGGESTIONS]
        options = format_html(
            '<datalist id="tag-suggestions">{}</datalist>',
            mark_safe("".join(format_html('<option value="{}">', n) for n in names)),  # noqa: S308
        )
        return super().render(name, value, attrs, renderer) + options


def _plain(value: str) -> str:
    validate_plain_text(value)
    return value


class PostAdminForm(forms.ModelForm):
    # Optimistic locking: the version the author opened, compared on save.
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The body as clean_body() rendered it.
    rendered: Rendered | None = None
    # Who edits (set by PostAdmin.get_form), for the publish permission.
    user: Any = None

    class Meta:
        model = Post
        fields = [
            *["title", "slug", "body", "description", "tags", "draft", "unlisted"],
            *["publish_date", "author"],
            *["cover_image", "cover_library_image", "cover_image_alt"],
            *["revised_date", "extra_front_matter"],
            *[name for name in seo_admin.FIELDS if name != "seo_preview"],
        ]
        widgets = {
            "tags": TagSuggestionsWidget,
            "body": MarkdownEditor,
            "publish_date": PublishDateWidget,
            "revised_date": RevisedDateWidget,
            **seo_admin.WIDGETS,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version_token(self.instance)

    def clean_body(self) -> str:
        """Refuse a body the renderer would refuse on save, with its reason, not a 500.

        The rendering is kept in ``rendered`` for the save, so the body is rendered once.
        """
        body = self.cleaned_data["body"]
        try:
            # An imported post renders as its file does (MDX, Pelican's links and notebooks).
            self.rendered = render_post(body, Source.of(self.instance))
        except RenderLimitError as error:
            raise ValidationError(str(error)) from error
        return body

    def clean_title(self) -> str:
        return _plain(self.cleaned_data["title"])

    def clean_description(self) -> str:
        description = _plain(self.cleaned_data["description"])
        if len(description) > MAX_DESCRIPTION_CHARS:
            raise ValidationError(
                f"At most {MAX_DESCRIPTION_CHARS} characters (this has {len(description)})."
            )
        return description

    def clean_cover_image_alt(self) -> str:
        return _plain(self.cleaned_data["cover_image_alt"])

    def clean_meta_description(self) -> str:
        value = self.cleaned_data["meta_description"]
        if len(value) > MAX_META_DESCRIPTION_CHARS:
            raise ValidationError(
                f"At most {MAX_META_DESCRIPTION_CHARS} characters (this has {len(value)})."
            )
        return value

    def clean_tags(self) -> list[str]:
        names = self._tag_names()
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags (this has {len(names)}).")
        for name in names:
            _plain(name)
        return names

    def _tag_names(self) -> list[str]:
        """The tags as typed, keeping each stored tag whose text was left as shown.

        Taggit's text format cannot hold every name: a name with a double quote (``say "hi"``)
        is shown as is, and parsed back as other tags. So each stored tag still shown as the
        field showed it keeps its name, and only the rest of the text is parsed.
        """
        names = self.cleaned_data["tags"]
        text = self.data.get(self.add_prefix("tags"), "")
        kept: list[str] = []
        for tag in self.initial.get("tags") or []:
            shown = re.escape(edit_string_for_tags([tag]))
            element = rf"(?:^|,)\s*{shown}\s*(?=,|$)"
            if re.search(element, text):
                kept.append(tag.name)
                text = re.sub(element, "", text, count=1)
        if not kept:
            return names
        return list(dict.fromkeys([*kept, *parse_tags(text)]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_status_change(cleaned)
        if self.instance.pk is None or self.add_prefix("version") not in self.data:
            # The rendered form always sends the field; a client that never saw the form
            # (a script posting fields directly) has no version to compare.
            return cleaned
        # The admin runs the whole change view in one transaction, so this row lock holds
        # until the save commits: two saves arriving together cannot both pass the check.
        stored = Post.objects.select_for_update().only("updated_at").get(pk=self.instance.pk)
        current = version_token(stored)
        if cleaned.get("version") != current:
            latest = self.instance.revisions.select_related("saved_by").first()
            who = f" ({latest.saved_by.get_username()})" if latest and latest.saved_by else ""
            diff_url = reverse("admin:blog_post_diff", args=[self.instance.pk])
            # The next submit carries the new version: saving again is a deliberate overwrite.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = current
            raise ValidationError(
                format_html(
                    CONFLICT_MESSAGE,
                    when=timezone.localtime(stored.updated_at).strftime("%H:%M:%S"),
                    who=who,
                    diff_url=diff_url,
                ),
                code="conflict",
            )
        return cleaned

    def _check_status_change(self, cleaned: dict[str, Any]) -> None:
        """The write path's publish check, as a form error instead of a 403."""
        if "publish_date" not in cleaned:
            return  # already reported as invalid
        draft = cleaned.get("draft", self.instance.draft)
        # clean() runs before the form's values reach the instance: it is still as stored.
        before = self.instance.status if self.instance.pk is not None else Post.Status.DRAFT
        try:
            posts.check_publish_permission(
                self.user, before, posts.status_of(draft, cleaned["publish_date"])
            )
        except PermissionDenied as refused:
            raise ValidationError(str(refused), code="publish") from refused


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        min_value=1,
        max_value=sharing.MAX_AGE.days,
        initial=SHARE_LINK_DAYS,
        label="Valid for (days)",
    )


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title_column", "status_badge", "view", "publish_date", "tag_list", "author"]
    list_filter = [StatusFilter, "draft", "publish_date", ProvenanceFilter, AttentionFilter, "tags"]
    search_fields = ["title", "description", "body", "tags__name"]
    date_hierarchy = "publish_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author", "cover_library_image", "social_library_image"]
    readonly_fields = [
        "status_label",
        "rendered_preview",
        "created_at",
        "updated_at",
        "source_path",
        "imported_at",
        "divergence_label",
        "unconverted_label",
        "seo_preview",
    ]
    actions = ["publish_posts", "unpublish_posts"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "description", "tags", "version"]}),
        ("Preview", {"fields": ["rendered_preview"]}),
        (
            "Publication",
            {"fields": ["status_label", "draft", "unlisted", "publish_date", "author"]},
        ),
        ("Cover image", {"fields": ["cover_image", "cover_library_image", "cover_image_alt"]}),
        seo_admin.FIELDSET,
        (
            "Details",
            {
                "fields": ["revised_date", "extra_front_matter", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
        ("Import", {"fields": ["source_path", "imported_at", "divergence_label"]}),
    ]

    class Media:
        css = {"all": ["blog/admin/authors.css", "blog/admin/seo.css"]}
        js = ["blog/admin/post_form.js", "blog/admin/seo_preview.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).select_related("author").prefetch_related("tags")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("blog.publish_post")

    def get_form(self, request: HttpRequest, obj: Post | None = None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Post | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            # Writers without the publish right keep their posts as drafts.
            fields.append("draft")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Post | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.source_path:
            fieldsets = [fs for fs in fieldsets if fs[0] != "Import"]
        if obj is not None and obj.unconverted:
            attention = {
                "fields": ["unconverted_label"],
                "description": "Template syntax in the body that the page does not show. "
                "Rewrite it in Markdown, or remove it.",
            }
            fieldsets = [("Needs attention", attention), *fieldsets]
        return fieldsets

    # --- list and form columns -------------------------------------------------------------

    @admin.display(description="Status", ordering="draft")
    def status_label(self, post: Post) -> str:
        if post.pk is None:
            return "Draft (new)"
        css = f"post-status post-status-{post.status}"
        if post.status == Post.Status.SCHEDULED:
            when = timezone.localtime(post.publish_date).strftime("%Y-%m-%d %H:%M")
            zone = timezone.get_current_timezone_name()
            return format_html('<span class="{}">Scheduled for {} ({})</span>', css, when, zone)
        return format_html('<span class="{}">{}</span>', css, post.status_label)

    @admin.display(description="Title", ordering="title")
    def title_column(self, post: Post) -> str:
        return columns.title_cell(post)

    @admin.display(description="Status", ordering="draft")
    def status_badge(self, post: Post) -> str:
        return columns.status_badge(post)

    @admin.display(description="On the site")
    def view(self, post: Post) -> str:
        return columns.view_link(post)

    @admin.display(description="Tags")
    def tag_list(self, post: Post) -> str:
        return ", ".join(sorted(tag.name for tag in post.tags.all()))

    @admin.display(description="Edited since the import?")
    def divergence_label(self, post: Post) -> str:
        return divergence(post)

    @admin.display(description="Not converted")
    def unconverted_label(self, post: Post) -> str:
        items = format_html_join(
            "", "<li>Line {}: {}</li>", ((line, what) for line, what in post.unconverted)
        )
        return format_html("<ul>{}</ul>", items)

    @admin.display(description="Preview")
    def seo_preview(self, post: Post) -> str:
        return seo_admin.preview(post)

    @admin.display(description="Rendered body")
    def rendered_preview(self, post: Post) -> str:
        stats = (
            f"{post.word_count} words · {post.reading_minutes} min read" if post.pk else "0 words"
        )
        # body_html was sanitized by blog.rendering.render_post when it was saved; the
        # preview button replaces it with the endpoint's output, sanitized the same way.
        return format_html(
            '<div class="live-preview" data-preview-url="{url}">'
            '<p><button type="button" class="button preview-button">Preview</button> '
            '<span class="preview-stats" aria-live="polite">{stats}</span> '
            '<span class="preview-note">{note}</span></p>'
            '<div class="post-body preview-body">{html}</div></div>',
            url=reverse("admin:blog_post_preview"),
            stats=stats,
            note="Updates as you type.",
            html=mark_safe(post.body_html),  # noqa: S308
        )

    # --- saving -------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Post, form: forms.ModelForm, change: bool):
        publishing.apply_buttons(request, obj, form)
        posts.save_post(
            obj, user=request.user, tags=form.cleaned_data.get("tags"), rendered=form.rendered
        )
        publishing.report_buttons(self, request, obj)
        editor.after_save(request, obj, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The tags, the form's only many-to-many field, were saved with the post.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        # Deleting a live or scheduled post takes it down: that is the publisher's call.
        if obj is not None and not obj.draft and not self.has_publish_permission(request):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Post) -> None:
        posts.delete_posts(Post.objects.filter(pk=obj.pk), user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        posts.delete_posts(queryset, user=request.user)

    def _preview_redirect(self, request: HttpRequest, obj: Post) -> HttpResponse | None:
        if "_preview" in request.POST:
            return HttpResponseRedirect(obj.get_absolute_url())
        return None

    def response_add(self, request, obj, post_url_continue=None):
        return self._preview_redirect(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._preview_redirect(request, obj) or super().response_change(request, obj)

    # --- actions ------------------------------------------------------------------------------

    @admin.action(description="Publish selected posts", permissions=["publish"])
    def publish_posts(self, request: HttpRequest, queryset: QuerySet[Post]):
        # Asks first, showing the date each post will have.
        return publishing.publish_action(self, request, queryset)

    @admin.action(description="Unpublish selected posts (back to draft)", permissions=["publish"])
    def unpublish_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = posts.set_draft(queryset, draft=True, user=request.user)
        self.message_user(request, f"Moved {count} post(s) back to draft.", messages.SUCCESS)

    # --- extra pages: live preview, versions, diff, restore -----------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="blog_post_preview"),
            path(
                "autosave/",
                view(lambda request: editor.autosave_view(self, request)),
                name="blog_post_autosave",
            ),
            path(
                "seo-image/<int:image_id>/",
                view(lambda request, image_id: seo_admin.image_view(self, request, image_id)),
                name="blog_post_seo_image",
            ),
            path("<int:object_id>/versions/", view(self.versions_view), name="blog_post_versions"),
            path("<int:object_id>/versions/diff/", view(self.diff_view), name="blog_post_diff"),
            path("<int:object_id>/share/", view(self.share_view), name="blog_post_share"),
            path(
                "<int:object_id>/versions/<int:revision_id>/restore/",
                view(self.restore_view),
                name="blog_post_restore",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        """The body as the site will render it: JSON for the form's preview button."""
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        body = request.POST.get("body", "")[:PREVIEW_MAX_CHARS]
        try:
            rendered = render_post(body)
        except RenderLimitError as error:
            # The same reason the form gives on save, shown in the preview instead of a 500.
            response = JsonResponse({"error": str(error)}, status=400)
            response["Cache-Control"] = "private, no-store"
            return response
        response = JsonResponse(
            {
                "html": rendered.html,
                "word_count": rendered.word_count,
                "reading_minutes": rendered.reading_minutes,
            }
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def _post_for(self, request: HttpRequest, object_id: int, *, change: bool = False) -> Post:
        post = get_object_or_404(Post, pk=object_id)
        allowed = (
            self.has_change_permission(request, post)
            if change
            else self.has_view_or_change_permission(request, post)
        )
        if not allowed:
            raise PermissionDenied
        return post

    def _context(self, request: HttpRequest, post: Post, title: str, **extra: Any) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "title": title,
            "has_change_permission": self.has_change_permission(request, post),
            **extra,
        }

    def versions_view(self, request: HttpRequest, object_id: int) -> TemplateResponse:
        post = self._post_for(request, object_id)
        context = self._context(
            request,
            post,
            f"Versions of “{post.title}”",
            revisions=post.revisions.select_related("saved_by"),
        )
        return TemplateResponse(request, "admin/blog/post/versions.html", context)

    def diff_view(self, request: HttpRequest, object_id: int) -> TemplateResponse:
        """Two versions side by side as a unified diff: ?a=<revision id>&b=<id or current>."""
        post = self._post_for(request, object_id)
        all_revisions = list(post.revisions.select_related("saved_by"))

        def pick(key: str, default: str) -> tuple[str, Any]:
            choice = request.GET.get(key) or default
            if choice == "current":
                return "current", post
            found = next((r for r in all_revisions if str(r.pk) == choice), None)
            if found is None:
                raise Http404("No such version.")
            return choice, found

        default_a = str(all_revisions[0].pk) if all_revisions else "current"
        a_key, a = pick("a", default_a)
        b_key, b = pick("b", "current")
        context = self._context(
            request,
            post,
            f"Changes to “{post.title}”",
            revisions=all_revisions,
            a_key=a_key,
            b_key=b_key,
            a=a,
            b=b,
            lines=revisions.diff(revisions.version_of(a), revisions.version_of(b)),
        )
        return TemplateResponse(request, "admin/blog/post/diff.html", context)

    def share_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Create and revoke share links: read-only previews for people without an account.

        Each URL opens the post to whoever holds it, so the page needs the share links' own
        view permission; viewing or changing the post does not grant it.
        """
        post = self._post_for(request, object_id)
        user = request.user
        if not user.has_perm("blog.view_sharelink"):
            raise PermissionDenied
        if request.method == "POST":
            if "revoke" in request.POST:
                if not user.has_perm("blog.change_sharelink"):
                    raise PermissionDenied
                link = get_object_or_404(ShareLink, pk=request.POST["revoke"], post=post)
                sharing.revoke(link)
                self.message_user(request, "The link was revoked.", messages.SUCCESS)
            else:
                if not user.has_perm("blog.add_sharelink"):
                    raise PermissionDenied
                form = ShareLinkForm(request.POST)
                if form.is_valid():
                    sharing.create_share_link(post, user, days=form.cleaned_data["days"])
                    self.message_user(request, "New share link created.", messages.SUCCESS)
            return redirect("admin:blog_post_share", object_id)
        links = [
            {"link": link, "url": request.build_absolute_uri(sharing.share_path(link))}
            for link in post.share_links.select_related("created_by")
        ]
        context = self._context(
            request,
            post,
            f"Share “{post.title}”",
            links=links,
            form=ShareLinkForm(),
            can_add=user.has_perm("blog.add_sharelink"),
            can_revoke=user.has_perm("blog.change_sharelink"),
        )
        return TemplateResponse(request, "admin/blog/post/share.html", context)

    def restore_view(self, request: HttpRequest, object_id: int, revision_id: int):
        if request.method != "POST":
            return redirect("admin:blog_post_versions", object_id)
        post = self._post_for(request, object_id, change=True)
        revision = get_object_or_404(Revision, pk=revision_id, post=post)
        try:
            posts.restore(revision, request.user)
        except PermissionDenied as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return redirect("admin:blog_post_versions", object_id)
        when = timezone.localtime(revision.created_at).strftime("%Y-%m-%d %H:%M")
        self.message_user(
            request,
            f"Restored the version replaced at {when}. The version it replaced is kept.",
            messages.SUCCESS,
        )
        return redirect("admin:blog_post_change", object_id)
