"""The post body's writing desk: a Markdown editor (CodeMirror) over the form's textarea.

The textarea stays the form field and is submitted as before; ``static/blog/admin/editor.js``
(built by ``scripts/build_editor``) mounts the editor over it, copies every change back into
it, and places the live preview beside it, styled by the site's own stylesheet
(``static/blog/admin/preview.css``). Without JavaScript the textarea is the editor.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime

from blog.admin.images import ImageDropTextarea


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
        )


class PublishDateWidget(AdminSplitDateTime):
    """The admin's date and time inputs, each with an accessible name.

    Django's template writes "Date:" and "Time:" as bare text beside the inputs, which screen
    readers do not announce as their labels.
    """

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        date, time = self.widgets
        date.attrs["aria-label"] = "Publish date: date"
        time.attrs["aria-label"] = "Publish date: time"
