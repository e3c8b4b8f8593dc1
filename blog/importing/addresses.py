"""The address an imported post had on its old site, so that it can answer 301 to the post.

The address is, in this order: the file's own ``permalink`` / ``url`` / ``path`` front matter
(a Jekyll pattern such as ``/:year/:title/`` is expanded); a pattern given to the import
(``--permalink``, with Jekyll's placeholders or its named styles ``date``, ``pretty``,
``ordinal`` and ``none``); or the default address of the generator the file's folders
reveal: Jekyll (``_posts/``), Hugo or Zola (``content/``), Astro (``src/content/``,
``src/pages/``), Eleventy (an ``eleventy.config.js`` above the file) and Pelican (its
``Key: value`` header or a ``pelicanconf.py``). A file of no recognisable generator and
no pattern has no old address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.text import slugify

from blog.importing.frontmatter import MARKDOWN_SUFFIXES, PELICAN, SLUG_PATH_KEYS, PostData
from blog.redirects import normalize_path

# Jekyll's named permalink styles (https://jekyllrb.com/docs/permalinks/#built-in-formats).
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[-_]")
ELEVENTY_CONFIGS = (
    ".eleventy.js",
    ".eleventy.cjs",
    "eleventy.config.js",
    "eleventy.config.cjs",
    "eleventy.config.mjs",
)


def old_address(
    post_data: PostData, path: Path, publish_date: datetime, pattern: str | None = None
) -> str:
    """The site path ``post_data`` (read from the file at ``path``) was published at, or ""."""
    data = {str(key).lower(): value for key, value in post_data.front_matter.data.items()}
    own = next((data[key] for key in SLUG_PATH_KEYS if data.get(key) not in (None, "")), None)
    if own is not None:
        # Eleventy's `permalink: false` (never written out) and template expressions have no
        # address of their own.
        if not isinstance(own, str) or "{" in own:
            return ""
        return (
            normalize_path(expand(own, post_data, path, publish_date))
            if ":" in own
            else (normalize_path(own))
        )
    if pattern:
        return normalize_path(expand(pattern, post_data, path, publish_date))
    return default_address(post_data, path, publish_date)


def expand(pattern: str, post_data: PostData, path: Path, publish_date: datetime) -> str:
    """A Jekyll permalink pattern filled in for one post; unknown placeholders stay as written."""
    pattern = JEKYLL_STYLES.get(pattern.strip(), pattern.strip())
    stem = _stem(path)
    data = {str(key).lower(): value for key, value in post_data.front_matter.data.items()}
    slug = data.get("slug") if isinstance(data.get("slug"), str) else None
    categories = "/".join(_categories(data, path))
    values = {
        "year": f"{publish_date.year:04d}",
        "short_year": f"{publish_date.year % 100:02d}",
        "month": f"{publish_date.month:02d}",
        "i_month": str(publish_date.month),
        "short_month": publish_date.strftime("%b"),
        "long_month": publish_date.strftime("%B"),
        "day": f"{publish_date.day:02d}",
        "i_day": str(publish_date.day),
        "y_day": f"{publish_date.timetuple().tm_yday:03d}",
        "week": f"{publish_date.isocalendar().week:02d}",
        "short_day": publish_date.strftime("%a"),
        "long_day": publish_date.strftime("%A"),
        "hour": f"{publish_date.hour:02d}",
        "minute": f"{publish_date.minute:02d}",
        "second": f"{publish_date.second:02d}",
        # Jekyll: the file name's slug unless front matter gives one, case kept.
        "title": _pretty(slug or _DATE_PREFIX.sub("", stem)),
        "slug": _pretty(slug) if slug else post_data.slug,
        "name": _pretty(_DATE_PREFIX.sub("", stem)),
        "filename": stem,
        "categories": categories,
        "output_ext": ".html",
    }
    expanded = _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), pattern)
    # An empty :categories leaves a double slash, which Jekyll collapses too.
    return re.sub(r"/{2,}", "/", expanded)


def default_address(post_data: PostData, path: Path, publish_date: datetime) -> str:
    """The address the generator that wrote ``path`` gives a post by default, or ""."""
    path = _resolved(path.parent) / path.name
    parts = path.parts
    folders = parts[:-1]
    if "_posts" in folders:
        return normalize_path(expand("date", post_data, path, publish_date))
    if post_data.front_matter.format == PELICAN or _above(path, ("pelicanconf.py",)):
        data = {str(key).lower(): value for key, value in post_data.front_matter.data.items()}
        slug = data.get("slug") if isinstance(data.get("slug"), str) else ""
        return normalize_path(f"{slugify(slug or post_data.title) or post_data.slug}.html")
    for at in range(len(folders) - 2, -1, -1):
        if folders[at] == "src" and folders[at + 1] in ("content", "pages"):
            inside = list(parts[at + 2 :])
            if folders[at + 1] == "content" and len(inside) > 1:
                # A collection's posts are usually served under the collection's name.
                return _page_path(inside, strip_date=False)
            if folders[at + 1] == "pages":
                return _page_path(inside, strip_date=False)
    if "content" in folders:
        at = len(folders) - 1 - folders[::-1].index("content")
        site = Path(*parts[:at])
        zola = _is_zola(site)
        inside = list(parts[at + 1 :])
        data = {str(key).lower(): value for key, value in post_data.front_matter.data.items()}
        slug = data.get("slug") if isinstance(data.get("slug"), str) else None
        if slug:
            # The slug replaces the last segment: the file's name, or a bundle's folder.
            bundle = _stem_of(inside[-1]) == "index" and len(inside) > 1
            inside = [*inside[: -2 if bundle else -1], f"{slug}.md"]
        address = _page_path(inside, strip_date=zola)
        # Hugo lowercases its paths unless told not to; Zola slugifies them.
        return address if zola else address.lower()
    eleventy = _above(path, ELEVENTY_CONFIGS)
    if eleventy is not None:
        return _page_path(list(path.relative_to(eleventy).parts), strip_date=False)
    return ""


def _page_path(parts: list[str], *, strip_date: bool) -> str:
    """``posts/slug.md`` and ``posts/slug/index.md`` as ``/posts/slug/``."""
    parts = [*parts[:-1], _stem_of(parts[-1])]
    if parts[-1] in ("index", "_index"):
        parts = parts[:-1]
    if strip_date and parts:
        parts[-1] = _DATE_PREFIX.sub("", parts[-1])
    return normalize_path("/".join(parts) + "/") if parts else ""


def _stem(path: Path) -> str:
    stem = _stem_of(path.name)
    return path.parent.name if stem == "index" else stem


def _stem_of(name: str) -> str:
    for suffix in (*MARKDOWN_SUFFIXES, PurePosixPath(name).suffix):
        if suffix and name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _pretty(text: str) -> str:
    """Jekyll's "pretty" slug: case kept, spaces and unsafe characters as hyphens."""
    return re.sub(r"[^\w.~!$&'()+,;=@-]+", "-", text).strip("-")


def _categories(data: dict[str, Any], path: Path) -> list[str]:
    """Jekyll's categories for a post: folders above ``_posts``, then front matter."""
    found: list[str] = []
    parts = path.parts
    if "_posts" in parts[:-1]:
        at = parts.index("_posts")
        site = _above(path, ("_config.yml", "_config.toml"))
        start = len(site.parts) if site is not None and len(site.parts) <= at else at
        found += parts[start:at]
    for key in ("category", "categories"):
        value = data.get(key)
        items: Iterable[Any] = value.split() if isinstance(value, str) else value or []
        if not isinstance(items, list | tuple) and not isinstance(value, str):
            continue
        found += [str(item) for item in items if isinstance(item, str | int)]
    seen: dict[str, None] = {}
    for category in found:
        seen.setdefault(category.lower(), None)
    return list(seen)


def _above(path: Path, names: tuple[str, ...]) -> Path | None:
    """The nearest folder above ``path`` holding one of ``names``."""
    return _nearest(path.parent, names)


# Cached by folder: every file of a folder asks the same questions, and an import writes
# its posts in one process.
@lru_cache(maxsize=1024)
def _nearest(folder: Path, names: tuple[str, ...]) -> Path | None:
    for candidate in (folder, *folder.parents):
        if any((candidate / name).is_file() for name in names):
            return candidate
    return None


@lru_cache(maxsize=1024)
def _resolved(folder: Path) -> Path:
    return folder.resolve()


@lru_cache(maxsize=64)
def _is_zola(site: Path) -> bool:
    """Zola's configuration says ``base_url`` (Hugo's says ``baseURL``)."""
    if (site / "zola.toml").is_file():
        return True
    try:
        with (site / "config.toml").open(encoding="utf-8", errors="replace") as config:
            return "base_url" in config.read(65536)
    except OSError:
        return False
