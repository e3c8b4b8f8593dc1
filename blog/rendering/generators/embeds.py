"""Videos, tweets, gists and pens as link cards: nothing from a third party loads on the page.

A card is a link to the original with a short label; it needs no ``frame-src`` or script in
the Content-Security-Policy, and the reader's visit is not announced to the video host until
they follow the link (docs/decisions.md).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import parse_qs, urlsplit

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NUMBER = re.compile(r"[0-9]{1,25}")
_USER = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def card(kind: str, url: str, label: str) -> str:
    """The HTML of one card: a block with a link. ``url`` and ``label`` are plain text."""
    return f'<div class="embed embed-{kind}"><a href="{escape(url)}">{escape(label)}</a></div>'


def youtube(video: str, title: str = "") -> str | None:
    if not _ID.fullmatch(video):
        return None
    return card("youtube", f"https://www.youtube.com/watch?v={video}", title or "Video on YouTube")


def vimeo(video: str, title: str = "") -> str | None:
    if not _NUMBER.fullmatch(video):
        return None
    return card("vimeo", f"https://vimeo.com/{video}", title or "Video on Vimeo")


def gist(user: str, gist_id: str, file: str = "") -> str | None:
    if not (_USER.fullmatch(user) and _ID.fullmatch(gist_id)):
        return None
    label = f"Gist by {user}" + (f": {file}" if file else "")
    return card("gist", f"https://gist.github.com/{user}/{gist_id}", label)


def tweet(user: str, status: str) -> str | None:
    if not _NUMBER.fullmatch(status) or (user and not _USER.fullmatch(user)):
        return None
    url = f"https://x.com/{user or 'i'}/status/{status}"
    return card("tweet", url, f"Post by @{user} on X" if user else "Post on X")


def codepen(user: str, pen: str) -> str | None:
    if not (_USER.fullmatch(user) and _ID.fullmatch(pen)):
        return None
    return card("codepen", f"https://codepen.io/{user}/pen/{pen}", f"Pen by {user} on CodePen")


def from_url(url: str, title: str = "") -> str | None:
    """The card for an embed or page URL of a known host (an iframe's src), else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = [part for part in parts.path.split("/") if part]
    if host in {"youtube.com", "youtube-nocookie.com"}:
        if len(path) == 2 and path[0] in {"embed", "shorts", "live", "v"}:
            return youtube(path[1], title)
        if path == ["watch"]:
            return youtube(parse_qs(parts.query).get("v", [""])[0], title)
    if host == "youtu.be" and len(path) == 1:
        return youtube(path[0], title)
    if host in {"player.vimeo.com", "vimeo.com"} and path:
        return vimeo(path[-1], title)
    if host == "gist.github.com" and len(path) == 2:
        return gist(path[0], path[1].removesuffix(".js"))
    if host in {"twitter.com", "x.com"} and len(path) >= 3 and path[1] == "status":
        return tweet(path[0], path[2])
    if host == "codepen.io":  # /user/pen/id, /team/user/embed/id
        for index in range(1, len(path) - 1):
            if path[index] in {"pen", "embed"}:
                return codepen(path[index - 1], path[index + 1])
    return None
