"""An export's images (WordPress's ``wp-content/uploads``, Ghost's ``content/images``) brought
into the media library from a folder, and the posts pointed at the library's copies.

With ``import_posts --fetch-images`` an image that is not in the folder (or every image, when
no folder is given) is fetched from its URL instead (``blog.media.remote``)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile

from blog.importing.files import Refused, read_file
from blog.importing.platforms import Item
from blog.media.images import ImageRejected, store_upload
from blog.media.remote import FetchFailed, RemoteImages, is_remote

# Where each platform keeps uploaded files, as URL path prefixes.
PREFIXES = ("/wp-content/uploads/", "/content/images/")
_SOURCE = re.compile(r"""(?P<attr>\bsrc=)(?P<quote>["'])(?P<url>[^"']+)(?P=quote)""", re.I)
# WordPress's resized copies: cat-300x200.jpg is a rendition of cat.jpg.
_SIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")


class Uploads:
    """Images found under ``folder`` (the uploads folder, or one that holds it), or fetched
    by ``remote``, are stored in the media library once each; a dry run stores nothing and
    says what it would."""

    def __init__(
        self,
        folder: str | Path | None,
        *,
        dry_run: bool,
        remote: RemoteImages | None = None,
    ) -> None:
        self.folder = Path(folder) if folder else None
        self.dry_run = dry_run
        self.remote = remote
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
        if url not in self.urls:
            relative = _relative(url) if self.folder else None
            in_folder, found = self._store(relative, notes) if relative else (False, None)
            if not in_folder and self.remote is not None and is_remote(url):
                found = self._fetch(url, notes)
            elif not in_folder and relative:
                notes.append(f"image {relative} not found in {self.folder}: its address is kept")
            self.urls[url] = found
        return self.urls[url]

    def _fetch(self, url: str, notes: list[str]) -> str | None:
        if self.dry_run:
            notes.append(f"image {url} would be fetched into the media library")
            return None
        assert self.remote is not None
        try:
            image = self.remote.store(url)
        except FetchFailed as failed:
            notes.append(f"image not fetched: {url}: {failed}: its address is kept")
            return None
        except ImageRejected as error:
            notes.append(f"image {url} not added to the media library: {error}")
            return None
        return image.url

    def _store(self, relative: str, notes: list[str]) -> tuple[bool, str | None]:
        """Whether the upload ``relative`` is in the folder, and its library URL (None, with
        a note, when it was refused or this is a dry run)."""
        assert self.folder is not None
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
                    return True, None
                if self.dry_run:
                    notes.append(f"image {relative} would be added to the media library")
                    return True, None
                try:
                    image, _ = store_upload(ContentFile(data, name=path.name))
                except ImageRejected as error:
                    notes.append(f"image {relative} not added to the media library: {error}")
                    return True, None
                return True, image.url
        return False, None


def _relative(url: str) -> str | None:
    """The path of ``url`` inside its platform's uploads folder, if it is an upload."""
    path = unquote(urlsplit(url.strip()).path)
    for prefix in PREFIXES:
        if prefix in path:
            relative = path.split(prefix, 1)[1]
            if relative and ".." not in Path(relative).parts:
                return relative
    return None
