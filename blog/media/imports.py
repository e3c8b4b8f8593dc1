"""The images an imported post shows, brought into the library with it.

A post's ``<img>`` (from Markdown ``![..](path)`` or raw HTML) and its cover may name a file
relative to the post (a page bundle's ``cover.png``, ``../images/x.png``) or a path from the
old site's root (``/images/x.png``), which is looked for in its static folders (Jekyll's
root, Hugo's ``static/``, Astro's and Next's ``public/``). Each file is read like a post file
(a regular file inside the folders given, links resolved) and goes through the library's
upload checks, so it is stored once, re-encoded without metadata. The post keeps the path as
written; ``ImageSource`` rows tell rendering which library image each path is.

With ``remote`` (``import_posts --fetch-images``) images given by http(s) URLs are fetched
into the library the same way (``blog.media.remote``), so the blog stops depending on its old
host; a URL an earlier import fetched is not fetched again.
"""

from __future__ import annotations

import html as html_entities
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.core.files.base import ContentFile

from blog.importing.files import Refused, read_file, within
from blog.media.images import ImageRejected, store_upload
from blog.media.markup import ATTRIBUTE, IMG_TAG, is_path, library_hash
from blog.media.models import Image, ImageSource
from blog.media.remote import FetchFailed, RemoteImages, is_remote

# Files with these endings are images to the importer: never posts, read only when a post
# shows them.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")


@dataclass
class PostImages:
    """What one post's image paths were resolved to."""

    sources: dict[str, Image] = field(default_factory=dict)  # path as written -> image
    cover: Image | None = None
    problems: list[str] = field(default_factory=list)  # "path:line: image not found: …"


def image_paths(html: str, *, remote: bool = False) -> list[tuple[str, str]]:
    """(src, alt) of the ``<img>`` in rendered ``html`` that name a file path (and, with
    ``remote``, an http(s) URL), in order."""
    found = []
    for match in IMG_TAG.finditer(html):
        attributes = dict(ATTRIBUTE.findall(" " + match.group(1)))
        src = html_entities.unescape(attributes.get("src", ""))
        if _wanted(src, remote):
            found.append((src, html_entities.unescape(attributes.get("alt", ""))))
    return found


def _wanted(src: str, remote: bool) -> bool:
    return not library_hash(src) and (is_path(src) or (remote and is_remote(src)))


class ImageImporter:
    """Resolves and stores the images of one import run's posts.

    A file shown by several posts is read and stored once per run; across runs the
    library's content hash makes a re-import find the image it already has.
    """

    def __init__(
        self,
        static_dirs: Sequence[str | os.PathLike] = (),
        *,
        dry_run: bool = False,
        remote: RemoteImages | None = None,
    ):
        self.static_dirs = [Path(folder) for folder in static_dirs]
        self.dry_run = dry_run
        self.remote = remote
        # Real path or URL -> image, or why it was not read.
        self.known: dict[str, Image | str] = {}

    def resolve(
        self,
        root: Path,
        path: Path,
        html: str,
        body: str,
        front_matter: str,
        cover: str = "",
        cover_alt: str = "",
    ) -> PostImages:
        """The library images of the post file ``path`` (under ``root``): its body's rendered
        ``html`` and its ``cover``. ``body`` and ``front_matter`` (as written) give lines."""
        result = PostImages()
        body_start = front_matter.count("\n")
        remote = self.remote is not None
        wanted = [
            (src, alt, _line(body, src, body_start))
            for src, alt in image_paths(html, remote=remote)
        ]
        if cover and _wanted(cover, remote):
            wanted.append((cover, cover_alt, _line(front_matter, cover, 0)))
        for src, alt, line in wanted:
            if src in result.sources:
                continue
            image = self._image(root, path, src, alt, line, result.problems)
            if image is not None:
                result.sources[src] = image
        if cover:
            result.cover = result.sources.get(cover)
        return result

    def _image(
        self, root: Path, path: Path, src: str, alt: str, line: int | None, problems: list[str]
    ) -> Image | None:
        where = f"{path}:{line}" if line else str(path)
        if is_remote(src):
            return self._fetched(src, alt, where, problems)
        found = self._find(root, path, src)
        if found is None:
            problems.append(f"{where}: image not found: {src}")
            return None
        folder, file = found
        key = os.path.realpath(file)
        if key not in self.known:
            self.known[key] = self._store(folder, file, alt)
        known = self.known[key]
        if isinstance(known, str):
            problems.append(f"{where}: image not imported: {src}: {known}")
            return None
        return known

    def _fetched(self, url: str, alt: str, where: str, problems: list[str]) -> Image | None:
        """The library copy of the image at ``url``, fetched unless an import already did."""
        if url not in self.known:
            self.known[url] = self._fetch(url, alt)
        known = self.known[url]
        if isinstance(known, str):
            problems.append(f"{where}: image not fetched: {url}: {known}")
            return None
        return known

    def _fetch(self, url: str, alt: str) -> Image | str:
        earlier = ImageSource.objects.filter(src=url).select_related("image").first()
        if earlier is not None:
            return earlier.image
        if self.dry_run:
            # A dry run fetches nothing: an Image that is never saved stands for the URL.
            return Image(content_hash="", width=0, height=0)
        assert self.remote is not None
        try:
            return self.remote.store(url, alt_text=alt)
        except (FetchFailed, ImageRejected) as failed:
            return str(failed)

    def _find(self, root: Path, path: Path, src: str) -> tuple[Path, Path] | None:
        """(the folder it must be inside, the file) for ``src``, or None if there is none."""
        relative = unquote(src.split("#", 1)[0].split("?", 1)[0])
        if not relative or "\x00" in relative:
            return None
        if relative.startswith("/"):
            candidates = [(folder, folder / relative.lstrip("/")) for folder in self.static_dirs]
        else:
            file = path.parent / relative
            candidates = [(folder, file) for folder in (root, *self.static_dirs)]
        for folder, file in candidates:
            # "/../../etc/x.png" or "../../x.png" leading out of the folder is not there.
            found = within(folder, file)
            if found is not None and os.path.lexists(found):
                return folder, found
        return None

    def _store(self, folder: Path, file: Path, alt: str) -> Image | str:
        try:
            data = read_file(folder, file, max_bytes=settings.MEDIA_MAX_UPLOAD_BYTES)
        except Refused as refused:
            return refused.reason
        if self.dry_run:
            # Nothing is written; an Image that is never saved stands for the file.
            return Image(content_hash="", width=0, height=0)
        try:
            image, _ = store_upload(ContentFile(data, name=file.name), alt_text=alt)
        except ImageRejected as rejected:
            return str(rejected).removeprefix(f"{file.name}: ")
        return image


def _line(text: str, src: str, offset: int) -> int | None:
    """The line of ``text`` (after ``offset`` lines) where ``src`` is first written."""
    for needle in (src, html_entities.escape(src, quote=False), unquote(src)):
        index = text.find(needle)
        if index >= 0:
            return offset + text.count("\n", 0, index) + 1
    return None


def save_sources(posts_images: Sequence[tuple[int, PostImages]]) -> None:
    """Record which library image each post's paths are, replacing what an earlier import of
    the same posts recorded."""
    ImageSource.objects.filter(post_id__in=[post_id for post_id, _ in posts_images]).delete()
    ImageSource.objects.bulk_create(
        ImageSource(post_id=post_id, src=src, image=image)
        for post_id, found in posts_images
        for src, image in found.sources.items()
        if image.pk
    )


# Where export_posts writes images that a post names by a path from the site's root; an
# import of the export reads them back with ``--static-dir DIR/static``.
EXPORT_STATIC = "static"


def export_images(post, post_file: Path, target: Path, written: dict[str, int]) -> list[str]:
    """Write the library files of ``post``'s imported image paths where those paths lead from
    ``post_file`` (inside ``target``), or under ``target/static`` for site paths.

    The file written is the library's full-size image, which an import recognises as the same
    image. ``written`` (file -> image id) is shared by one export's posts: a file is written
    once, and two images wanting one file are reported. Returns what could not be written.
    """
    failures = []
    base = os.path.abspath(target)
    for source in post.image_sources.all():
        if is_remote(source.src):
            continue  # the body keeps the URL; an import with --fetch-images fetches it again
        if library_hash(source.src):
            continue  # shown by its library address (a notebook's output): no file of the post
        relative = unquote(source.src.split("#", 1)[0].split("?", 1)[0])
        if relative.startswith("/"):
            file = os.path.join(base, EXPORT_STATIC, relative.lstrip("/"))
        else:
            file = os.path.join(os.path.dirname(os.path.abspath(post_file)), relative)
        file = os.path.normpath(file)
        if not file.startswith(base + os.sep):
            failures.append(
                f"post {post.pk} ({post.slug}): image {source.src} leads outside {target}"
            )
            continue
        if file in written:
            if written[file] != source.image_id:
                failures.append(
                    f"post {post.pk} ({post.slug}): image {source.src}: {file} is another "
                    "post's image"
                )
            continue
        try:
            with source.image.file.open("rb") as stored:
                data = stored.read()
            os.makedirs(os.path.dirname(file), exist_ok=True)
            Path(file).write_bytes(data)
        except OSError as error:
            failures.append(f"post {post.pk} ({post.slug}): image {source.src}: {error}")
            continue
        written[file] = source.image_id
    return failures
