"""An export's images (WordPress's ``wp-content/uploads``, Ghost's ``content/images``) brought
into the media library from a folder, and the posts pointed at the library's copies."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile

from blog.importing.files import Refused, read_file
from blog.importing.platforms import Item
from blog.media.images import ImageRejected, store_upload

# Where each platform keeps uploaded files, as URL path prefixes.
PREFIXES = ("/wp-content/uploads/", "/content/images/")
_SOURCE = re.compile(r"""(?P<attr>\bsrc=)(?P<quote>["'])(?P<url>[^"']+)(?P=quote)""", re.I)
# WordPress's resized copies: cat-300x200.jpg is a rendition of cat.jpg.
_SIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")


class Uploads:
    """Images found under ``folder`` (the uploads folder, or one that holds it) are stored in
    the media library once each; a dry run stores nothing and says what it would."""

    def __init__(self, folder: str | Path, *, dry_run: bool) -> None:
        self.folder = Path(folder)
        self.dry_run = dry_run
        self.urls: dict[str, str | None] = {}  # export URL -> library URL (None: not found)

    def localize(self, item: Item) -> None:
        """Point ``item``'s cover and body images at the library, noting what was not found."""
        if item.cover_image:
            item.cover_image = self._url(item.cover_image, item.notes) or item.cover_image

        def replace(match: re.Match[str]) -> str:
            url = self._url(match["url"], item.notes)
            return f"{match['attr']}{match['quote']}{url}{match['quote']}" if url else match[0]

        item.html = _SOURCE.sub(replace, item.html)

    def _url(self, url: str, notes: list[str]) -> str | None:
        relative = _relative(url)
        if relative is None:
            return None
        if url not in self.urls:
            self.urls[url] = self._store(relative, notes)
        return self.urls[url]

    def _store(self, relative: str, notes: list[str]) -> str | None:
        candidates = [relative, _SIZED.sub("", relative)]
        for prefix in ("", "wp-content/uploads/", "content/images/"):
            for name in dict.fromkeys(candidates):
                path = self.folder / prefix / name
                if not path.is_file():
                    continue
                try:
                    data = read_file(self.folder, path, settings.MEDIA_MAX_UPLOAD_BYTES)
                except Refused as refused:
                    notes.append(f"image {relative}: {refused.reason}")
                    return None
                if self.dry_run:
                    notes.append(f"image {relative} would be added to the media library")
                    return None
                try:
                    image, _ = store_upload(ContentFile(data, name=path.name))
                except ImageRejected as error:
                    notes.append(f"image {relative} not added to the media library: {error}")
                    return None
                return image.url
        notes.append(f"image {relative} not found in {self.folder}: its address is kept")
        return None


def _relative(url: str) -> str | None:
    """The path of ``url`` inside its platform's uploads folder, if it is an upload."""
    path = unquote(urlsplit(url.strip()).path)
    for prefix in PREFIXES:
        if prefix in path:
            relative = path.split(prefix, 1)[1]
            if relative and ".." not in Path(relative).parts:
                return relative
    return None
