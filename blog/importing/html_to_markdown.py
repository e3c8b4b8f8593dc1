"""HTML from blogging platforms (WordPress, Ghost) turned into the Markdown posts are written in.

markdownify does the conversion; this module adds what the platforms put around the HTML:
WordPress's block comments, its shortcodes and its classic editor's bare paragraphs, and the
elements Markdown has no syntax for (video, audio, iframes, Ghost's cards), which are kept as
inline HTML for the renderer's sanitizer to judge, and reported, rather than dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdownify import MarkdownConverter

# Gutenberg stores each block between <!-- wp:name {...} --> and <!-- /wp:name --> comments.
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
_SHORTCODE_ATTRS = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_BLOCK_START = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|pre|blockquote|table|figure|hr|dl|section|article|"
    r"aside|details|video|audio|iframe|form|address|!--)\b",
    re.IGNORECASE,
)


@dataclass
class Conversion:
    markdown: str
    notes: list[str] = field(default_factory=list)


def attributes(text: str) -> dict[str, str]:
    """A shortcode's ``name="value"`` attributes."""
    return {
        match[1].lower(): next(v for v in match.groups()[1:] if v is not None)
        for match in _SHORTCODE_ATTRS.finditer(text)
    }


def _shortcode(name: str, enclosing: bool) -> re.Pattern[str]:
    if enclosing:
        return re.compile(
            rf"\[{name}(?P<attrs>(?:\s[^\]]*)?)\](?P<content>.*?)\[/{name}\]",
            re.DOTALL | re.IGNORECASE,
        )
    return re.compile(rf"\[{name}(?P<attrs>(?:\s[^\]]*)?)\]", re.IGNORECASE)


_CODE = _shortcode("(?:code|sourcecode)", enclosing=True)
_CAPTION = _shortcode("(?:caption|wp_caption)", enclosing=True)
_EMBED = _shortcode("embed", enclosing=True)
_GALLERY = _shortcode("gallery", enclosing=False)
_AUDIO = _shortcode("audio", enclosing=False)
_VIDEO = _shortcode("video", enclosing=False)
_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL | re.IGNORECASE)
_CLOSING_MEDIA = re.compile(r"\[/(?:audio|video)\]", re.IGNORECASE)


def _link(url: str) -> str:
    url = html.escape(url.strip(), quote=True)
    return f'<p><a href="{url}">{url}</a></p>'


def _media_source(attrs: dict[str, str], kinds: tuple[str, ...]) -> str:
    return attrs.get("src") or next((attrs[k] for k in kinds if k in attrs), "")


def expand_shortcodes(text: str, attachments: Callable[[str], str | None] | None = None) -> str:
    """WordPress's common shortcodes as the HTML they stand for.

    ``attachments`` gives an attachment id's URL (for ``[gallery ids="…"]``).
    """

    def code(match: re.Match[str]) -> str:
        attrs = attributes(match["attrs"])
        language = attrs.get("language") or attrs.get("lang") or ""
        css = f' class="language-{html.escape(language)}"' if language else ""
        source = html.escape(html.unescape(match["content"].strip("\n")))
        return f"<pre><code{css}>{source}</code></pre>"

    def caption(match: re.Match[str]) -> str:
        content = match["content"]
        image = re.search(r"(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", content, re.IGNORECASE)
        text = attributes(match["attrs"]).get("caption", "")
        if image:
            text = (content[: image.start()] + content[image.end() :]).strip() or text
            return f"<figure>{image[0]}<figcaption>{text}</figcaption></figure>"
        return f"<p>{content}</p>"

    def gallery(match: re.Match[str]) -> str:
        ids = [i.strip() for i in attributes(match["attrs"]).get("ids", "").split(",")]
        urls = [attachments(i) for i in ids if i] if attachments else []
        images = "".join(f'<p><img src="{html.escape(u)}" alt=""></p>' for u in urls if u)
        return images or "<p>(gallery)</p>"

    def media(kinds: tuple[str, ...], tag: str) -> Callable[[re.Match[str]], str]:
        def convert(match: re.Match[str]) -> str:
            source = _media_source(attributes(match["attrs"]), kinds)
            if not source:
                return ""
            return f'<{tag} controls src="{html.escape(source, quote=True)}"></{tag}>'

        return convert

    text = _CODE.sub(code, text)
    text = _CAPTION.sub(caption, text)
    text = _EMBED.sub(lambda match: _link(html.unescape(match["content"])), text)
    text = _GALLERY.sub(gallery, text)
    text = _AUDIO.sub(media(("mp3", "ogg", "m4a", "wav"), "audio"), text)
    text = _VIDEO.sub(media(("mp4", "webm", "ogv", "m4v"), "video"), text)
    return _CLOSING_MEDIA.sub("", text)


def autop(text: str) -> str:
    """Bare paragraphs (separated by blank lines, as WordPress's classic editor stores them)
    wrapped in ``<p>``; single line breaks inside them become ``<br>``."""
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    out = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)


# Text that Markdown would read as a tag or an entity ("use <div> here", "&copy;" typed as
# such): escaped, so the page shows what the author's page showed.
_TAG_LIKE = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")


class _Converter(MarkdownConverter):
    def __init__(self, notes: list[str], **options) -> None:
        super().__init__(**options)
        self.notes = notes

    def escape(self, text: str, parent_tags) -> str:  # noqa: ANN001 (markdownify's signature)
        text = _ENTITY_LIKE.sub("&amp;", text)
        return super().escape(_TAG_LIKE.sub("&lt;", text), parent_tags)

    def _keep(self, el, text, parent_tags) -> str:  # noqa: ANN001 (markdownify's signature)
        # Markdown has no syntax for it: kept as HTML for the sanitizer to judge.
        name = el.name
        note = f"<{name}> kept as HTML"
        if note not in self.notes:
            self.notes.append(note)
        return f"\n\n{el}\n\n"

    def convert_figure(self, el, text, parent_tags) -> str:  # noqa: ANN001
        return f"\n\n{text.strip()}\n\n"

    def convert_figcaption(self, el, text, parent_tags) -> str:  # noqa: ANN001
        text = text.strip()
        return f"\n\n*{text}*\n\n" if text else ""

    convert_video = _keep
    convert_audio = _keep

    def convert_iframe(self, el, text, parent_tags) -> str:  # noqa: ANN001
        # The sanitizer shows an iframe as text: its address is kept as a link instead.
        source = el.get("src", "")
        if not source:
            return ""
        self.notes.append(f"embedded frame {source} kept as a link")
        return f"\n\n<{source}>\n\n"

    convert_details = _keep
    convert_object = _keep
    convert_embed = _keep
    convert_form = _keep


def _code_language(el) -> str:  # noqa: ANN001
    for node in (el, el.find("code")):
        if node is None:
            continue
        for css in node.get("class") or []:
            for prefix in ("language-", "lang-"):
                if css.startswith(prefix):
                    return css[len(prefix) :]
        if node.get("data-language"):
            return node["data-language"]
    return ""


def to_markdown(source: str) -> Conversion:
    """Markdown for ``source``, HTML as a platform exports it (block comments, shortcodes
    already expanded by the caller where it has them)."""
    notes: list[str] = []
    source = _BLOCK_COMMENT.sub("", source)
    converter = _Converter(
        notes,
        heading_style="ATX",
        bullets="-",
        code_language_callback=_code_language,
        escape_underscores=False,
        escape_misc=False,
    )
    markdown = converter.convert(source)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    return Conversion(markdown=markdown if markdown.strip() else "", notes=notes)


def has_blocks(content: str) -> bool:
    """Whether ``content`` was written in WordPress's block editor (Gutenberg)."""
    return bool(_BLOCK_COMMENT.search(content))


def protect_pre(content: str, change: Callable[[str], str]) -> str:
    """``change(content)`` with every ``<pre>`` block left exactly as it was."""
    stash: list[str] = []

    def keep(match: re.Match[str]) -> str:
        stash.append(match[0])
        return f"\n\n<!--stash {len(stash) - 1}-->\n\n"

    changed = change(_PRE.sub(keep, content))
    return re.sub(r"<!--stash (\d+)-->", lambda match: stash[int(match[1])], changed)
