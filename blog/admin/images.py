"""The media library: upload images (one or many), browse them as a grid, see where each is
used, and never delete one a post still shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from blog.media.images import ACCEPTED_NAMES, ImageRejected, store_upload
from blog.media.markup import picture
from blog.media.models import Image
from blog.media.usage import posts_using

ACCEPT = "image/jpeg,image/png,image/gif,image/webp,image/avif"
THUMBNAIL_SIZES = "160px"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Images",
        help_text=f"One or several {ACCEPTED_NAMES} files. SVG is not accepted.",
    )
    alt_text = forms.CharField(
        label="Alt text",
        max_length=300,
        required=False,
        help_text="What the image shows, for readers who cannot see it. With several files, "
        "each gets this text: correct each one in the library afterwards.",
    )
    caption = forms.CharField(max_length=500, required=False)
    credit = forms.CharField(max_length=300, required=False, help_text="Who made it; licence.")


# How many images the editor's library chooser lists at once (newest first; search for more).
CHOOSER_IMAGES = 24


class ImageDropTextarea(AdminTextareaWidget):
    """A Markdown textarea that takes dropped and pasted images (``media_drop.js``): each is
    uploaded to the library and its Markdown inserted at the cursor."""

    class Media:
        css = {"all": ["blog/admin/media.css"]}
        js = ["blog/admin/media_drop.js", "blog/admin/media_picker.js"]

    def __init__(self, attrs: dict | None = None) -> None:
        upload_url = reverse_lazy("admin:blog_image_upload")
        choose_url = reverse_lazy("admin:blog_image_choose")
        super().__init__(
            {
                "data-image-upload-url": upload_url,
                "data-image-choose-url": choose_url,
                **(attrs or {}),
            }
        )


class AltTextFilter(admin.SimpleListFilter):
    title = "alt text"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("present", "Present")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(alt_text="")
        if self.value() == "present":
            return queryset.exclude(alt_text="")
        return queryset


def role(post, image: Image) -> str:
    """How ``post`` shows ``image``, for the image's "Used by" list."""
    if post.cover_library_image_id == image.pk:
        return "cover"
    if post.social_library_image_id == image.pk:
        return "social image"
    return "in the body"


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "label", "dimensions", "alt_status", "uploaded_at"]
    list_display_links = ["thumbnail", "label"]
    list_filter = [AltTextFilter, "uploaded_at"]
    search_fields = ["alt_text", "caption", "credit", "original_name", "content_hash"]
    list_per_page = 48
    readonly_fields = [
        "preview",
        "markdown",
        "usage",
        "dimensions",
        "original_name",
        "content_hash",
        "uploaded_by",
        "uploaded_at",
        "files",
    ]
    fieldsets = [
        (None, {"fields": ["preview", "alt_text", "caption", "credit", "markdown", "usage"]}),
        (
            "Details",
            {
                "fields": [
                    *["dimensions", "original_name", "content_hash"],
                    *["uploaded_by", "uploaded_at", "files"],
                ]
            },
        ),
    ]

    class Media:
        css = {"all": ["blog/admin/media.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Image]:
        return super().get_queryset(request).select_related("uploaded_by")

    # --- columns and read-only fields ---------------------------------------------------------

    @admin.display(description="Image")
    def thumbnail(self, image: Image) -> str:
        return picture(image, sizes=THUMBNAIL_SIZES, css_class="media-thumb")

    @admin.display(description="Name", ordering="alt_text")
    def label(self, image: Image) -> str:
        return image.alt_text or image.original_name

    @admin.display(description="Size")
    def dimensions(self, image: Image) -> str:
        return f"{image.width} × {image.height}"

    @admin.display(description="Alt text", ordering="alt_text")
    def alt_status(self, image: Image) -> str:
        if image.alt_text:
            return mark_safe('<span class="media-alt-ok">✓ present</span>')
        return mark_safe('<strong class="media-alt-missing">Missing alt text</strong>')

    @admin.display(description="Preview")
    def preview(self, image: Image) -> str:
        return picture(image, sizes="(max-width: 60rem) 100vw, 40rem", css_class="media-preview")

    @admin.display(description="Markdown")
    def markdown(self, image: Image) -> str:
        return format_html(
            '<code class="media-markdown">{}</code><div class="help">Paste this into a post '
            "body: the page shows the image in sizes for every screen.</div>",
            image.markdown,
        )

    @admin.display(description="Used by")
    def usage(self, image: Image) -> str:
        posts = posts_using([image])[image.pk]
        if not posts:
            return "No post shows this image."
        return format_html(
            '<ul class="media-usage">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:blog_post_change", args=[post.pk]),
                        post.title,
                        role(post, image),
                    )
                    for post in posts
                ),
            ),
        )

    @admin.display(description="Stored files")
    def files(self, image: Image) -> str:
        return format_html(
            '<ul class="media-files"><li><a href="{}">full size</a></li>{}</ul>',
            image.url,
            format_html_join(
                "",
                '<li><a href="{}">{} × {} {}</a></li>',
                (
                    (image.file.storage.url(r["name"]), r["width"], r["height"], r["format"])
                    for r in image.renditions
                ),
            ),
        )

    # --- upload -------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_json_view), name="blog_image_upload"),
            path("choose/", view(self.choose_json_view), name="blog_image_choose"),
            *super().get_urls(),
        ]

    def upload_json_view(self, request: HttpRequest) -> JsonResponse:
        """One file dropped or pasted into a post body: JSON with its URL and alt text."""
        if request.method != "POST":
            return JsonResponse({"error": "POST an image as 'file'."}, status=405)
        if not self.has_add_permission(request):
            return JsonResponse({"error": "You are not allowed to upload images."}, status=403)
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"error": "No file was sent."}, status=400)
        try:
            image, created = store_upload(upload, user=request.user)
        except ImageRejected as error:
            return JsonResponse({"error": str(error)}, status=400)
        if created:
            self.log_addition(request, image, [{"added": {}}])
        return JsonResponse(
            {"id": image.pk, "url": image.url, "alt": image.alt_text, "created": created},
            status=201 if created else 200,
        )

    def choose_json_view(self, request: HttpRequest) -> JsonResponse:
        """The library for the editor's Image button: the newest images matching ``q``, each
        with a thumbnail and the Markdown that shows it."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": "You are not allowed to see the library."}, status=403)
        queryset = self.get_queryset(request)
        queryset, _ = self.get_search_results(request, queryset, request.GET.get("q", ""))
        images = [
            {
                "id": image.pk,
                "thumbnail": picture(image, sizes=THUMBNAIL_SIZES, css_class="media-thumb"),
                "label": self.label(image),
                "alt": image.alt_text,
                "markdown": image.markdown,
            }
            for image in queryset[:CHOOSER_IMAGES]
        ]
        return JsonResponse({"images": images})

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Upload one or many images instead of the model form (the file is not a field)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            response = self._store(request, form)
            if response is not None:
                return response
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "opts": self.opts,
            "title": "Upload images",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/blog/image/upload.html", context)

    def _store(self, request: HttpRequest, form: UploadForm) -> HttpResponse | None:
        created: list[Image] = []
        known: list[Image] = []
        for upload in form.cleaned_data["files"]:
            try:
                image, new = store_upload(
                    upload,
                    alt_text=form.cleaned_data["alt_text"],
                    caption=form.cleaned_data["caption"],
                    credit=form.cleaned_data["credit"],
                    user=request.user,
                )
            except ImageRejected as error:
                form.add_error("files", str(error))
                continue
            (created if new else known).append(image)
            if new:
                self.log_addition(request, image, [{"added": {}}])
        if created:
            self.message_user(request, f"Uploaded {len(created)} image(s).", messages.SUCCESS)
        if known:
            names = ", ".join(str(image) for image in known)
            self.message_user(
                request, f"Already in the library, not stored again: {names}.", messages.INFO
            )
        if form.errors:
            return None  # the form again, with what was refused and why
        images = created + known
        missing = sum(1 for image in images if not image.alt_text)
        if missing:
            self.message_user(
                request,
                f"{missing} image(s) have no alt text: add it so every reader knows what "
                "they show.",
                messages.WARNING,
            )
        if len(images) == 1:
            return HttpResponseRedirect(reverse("admin:blog_image_change", args=[images[0].pk]))
        return HttpResponseRedirect(reverse("admin:blog_image_changelist"))

    # --- deleting -----------------------------------------------------------------------------

    def get_deleted_objects(self, objs, request: HttpRequest):
        """Images a post shows, as cover or in its body, are protected from deletion.

        Covers are protected by the foreign key already (Django lists those posts); posts
        that show an image in their body are added to the same list.
        """
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        images = list(objs)
        usage = posts_using(images)
        listed = set(map(str, protected))
        for image in images:
            for post in usage[image.pk]:
                if image.pk in (post.cover_library_image_id, post.social_library_image_id):
                    continue  # Django lists these: the foreign keys protect the image
                entry = format_html(
                    'Post: <a href="{}">{}</a> shows image “{}” in its body',
                    reverse("admin:blog_post_change", args=[post.pk]),
                    post.title,
                    image,
                )
                if entry not in listed:
                    protected.append(entry)
                    listed.add(entry)
        if protected:
            # Refused either way; Django would name the missing right to delete posts (a
            # protected post's own check) instead of the posts that use the image.
            perms_needed = set()
        return deleted, counts, perms_needed, protected
