"""The post body's writing desk: a Markdown editor (CodeMirror) over the form's textarea.

The textarea stays the form field and is submitted as before; ``static/blog/admin/editor.js``
(built by ``scripts/build_editor``) mounts the editor over it, copies every change back into
it, and places the live preview beside it, styled by the site's own stylesheet
(``static/blog/admin/preview.css``). Without JavaScript the textarea is the editor.

``autosave_view`` is the editor's autosave endpoint (``blog.autosave``), driven by
``static/blog/admin/autosave.js``.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils import formats, timezone

from blog import autosave
from blog.admin.images import ImageDropTextarea
from blog.models import Post


class MarkdownEditor(ImageDropTextarea):
    """A textarea that the admin's editor script turns into the Markdown editor.

    It is the media library's drop-and-paste textarea too: images dropped or pasted into the
    editor are uploaded by ``media_drop.js``, which the editor hands them to.
    """

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"rows": 20, "data-markdown-editor": "", **(attrs or {})})

    @property
    def media(self) -> forms.Media:
        return super().media + forms.Media(
            # The script is loaded by the change form's template, with the request's
            # Content-Security-Policy nonce for the editor's styles.
            css={"all": ["blog/admin/editor.css", "blog/admin/preview.css"]},
            js=["blog/admin/autosave.js", "blog/admin/publishing.js"],
        )


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with an accessible name.

    Django's template writes "Date:" and "Time:" as bare text beside the inputs, which screen
    readers do not announce as their labels.
    """

    label = "Date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        date, time = self.widgets
        date.attrs["aria-label"] = f"{self.label}: date"
        time.attrs["aria-label"] = f"{self.label}: time"


class PublishDateWidget(LabelledSplitDateTime):
    label = "Publish date"


class RevisedDateWidget(LabelledSplitDateTime):
    label = "Revised date"


def autosave_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> JsonResponse:
    """The editor's autosave slot for one post, as JSON (the admin's CSRF check applies).

    GET ``?post=<id>``: the author's pending autosave, if any, for the form to offer back.
    POST ``post``, ``title``, ``body``, ``version``: keep the text in the author's slot.
    POST ``post``, ``discard``: empty the slot. The post itself is never written here.
    An empty ``post`` is the new post the author is writing in the add form.
    """
    if request.method not in ("GET", "POST"):
        return JsonResponse({"error": "GET or POST only."}, status=405)
    data = request.GET if request.method == "GET" else request.POST
    post = None
    if data.get("post", ""):
        try:
            post = Post.objects.get(pk=int(data["post"]))
        except (ValueError, Post.DoesNotExist):
            return _no_store(JsonResponse({"error": "No such post."}, status=404))
        if not model_admin.has_change_permission(request, post):
            raise PermissionDenied
    elif not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method == "GET":
        if post is None:
            slot = autosave.pending_new(request.user)
        else:
            slot = autosave.pending(post, request.user)
        if slot is None:
            return _no_store(JsonResponse({"autosave": None}))
        return _no_store(
            JsonResponse(
                {
                    "autosave": {
                        "title": slot.title,
                        "body": slot.body,
                        "version": slot.base_version,
                        "saved_at": slot.saved_at.isoformat(),
                        "saved_at_display": _when(slot.saved_at),
                    }
                }
            )
        )
    if "discard" in data:
        autosave.discard(post, request.user)
        return _no_store(JsonResponse({"discarded": True}))
    slot = autosave.store(
        post,
        request.user,
        title=data.get("title", ""),
        body=data.get("body", ""),
        base_version=data.get("version", ""),
    )
    return _no_store(JsonResponse({"saved_at_display": _when(slot.saved_at)}))


def after_save(request: HttpRequest, post: Post, change: bool) -> None:
    """A new post saved from the add form retires the author's new-post autosave."""
    if not change:
        autosave.discard(None, request.user)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "private, no-store"
    return response
