"""Links to other posts of the blog, written as generators write them ({% post_url %},
{% link %}, Hugo's ref and relref).

The Markdown process has no Django apps loaded, so a link is written as ``post-link:<path>``,
the post file it names; ``resolve`` turns it into that post's address in the process that has
the URL configuration, before the sanitizer reads the HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, unquote

SCHEME = "post-link:"
_TARGET = re.compile(r'href="post-link:([^"#]*)(#[^"]*)?"')


def target(reference: str) -> str | None:
    """The ``post-link:`` URL for a reference to a post file or path, or None."""
    path, _, anchor = reference.strip().partition("#")
    path = path.strip().strip("/")
    if not path:
        return None
    if "." not in path.rsplit("/", 1)[-1]:
        path += ".md"  # post_url names a post without its extension, ref a section path
    return f"{SCHEME}{quote(path)}" + (f"#{quote(anchor)}" if anchor else "")


def resolve(html: str, url_of: Callable[[str], str]) -> str:
    """``html`` with each ``post-link:`` href replaced by ``url_of(slug)``, the slug the
    importer gives the file it names; a path that gives no slug loses its link target."""
    if SCHEME not in html:
        return html
    # Imported here: the importer's module needs Django's apps, which a body without links
    # to posts (and so every render outside a Django process) does without.
    from blog.importing.frontmatter import post_slug_from_path

    def link(match: re.Match) -> str:
        slug = post_slug_from_path(unquote(match.group(1)))
        return f'href="{url_of(slug)}{match.group(2) or ""}"' if slug else ""

    return _TARGET.sub(link, html)
