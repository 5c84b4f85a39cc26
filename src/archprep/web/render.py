"""The sanitising Markdown renderer every question, answer and user text goes through."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the text is shown as text, not parsed: questions about tokenizers and code quote
# "<s>", "</s>", "<div>" and "List<String>", which as tags would vanish or strike the words
# after them through. Only a line break written as <br> (common in notes' table cells) becomes
# one again. The rendered HTML is then cut down by nh3 to an allow-list anyway: event-handler
# attributes and javascript: URLs are dropped, and only http(s)/mailto/relative links survive.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ESCAPED_BR = re.compile(r"&lt;br\s*/?&gt;", re.IGNORECASE)
_md.enable(["table", "strikethrough"])
# Every link becomes an <a> here and nh3 then drops the URL of any scheme it does not allow, so
# [text](javascript:...) leaves just "text" instead of its raw Markdown.
_md.validateLink = lambda url: True  # type: ignore[method-assign]
# markdown-it already refuses javascript:/vbscript:/data: links; keep its check and add ours.
_SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|/(?!/)|\.{0,2}/|[^:/?#]+(?:[/?#]|$))", re.I)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_CODE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "code" and attr == "class":
        return value if _CODE_CLASS.match(value) else None
    if tag == "a" and attr == "href":
        return value if _SAFE_URL.match(value.strip()) else None
    return value


def clean(fragment: str) -> str:
    """Allow-list sanitising of an HTML fragment (tags, attributes and URL schemes)."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def _render_cached(text: str) -> str:
    # Pure function of the text, so the cache serves built-in and imported questions alike;
    # the bank's answers stay rendered for the life of the process.
    return clean(_ESCAPED_BR.sub("<br>", _md.render(text)))


def markdown(text: str | None) -> Markup:
    """Markdown (CommonMark + tables) as sanitised HTML, safe to place in a template."""
    if not text:
        return Markup("")
    return Markup(_render_cached(text))


@lru_cache(maxsize=4096)
def _inline_cached(text: str) -> str:
    return clean(_ESCAPED_BR.sub("<br>", _md.renderInline(text)))


def inline(text: str | None) -> Markup:
    """One line of Markdown (a key point, a follow-up): emphasis, code and links only, so an
    imported point that starts with "#" or "1." stays text and never becomes a heading or list."""
    if not text:
        return Markup("")
    return Markup(_inline_cached(text.strip()))


def highlight(text: str, words: Iterable[str]) -> Markup:
    """Escape ``text`` and wrap each occurrence of ``words`` (whole words, any case) in <mark>."""
    escaped = html.escape(text, quote=False)
    terms = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not terms:
        return Markup(escaped)
    pattern = re.compile(
        r"(?<![\w])("
        + "|".join(re.escape(html.escape(t, quote=False)) for t in terms)
        + r")(?![\w])",
        re.IGNORECASE,
    )
    return Markup(pattern.sub(r"<mark>\1</mark>", escaped))


def highlight_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> Markup:
    """Escape ``text`` and mark character ranges ``(start, end, css class)``; overlaps are merged."""
    ordered = sorted((s, e, c) for s, e, c in spans if 0 <= s < e <= len(text))
    out: list[str] = []
    pos = 0
    for start, end, css in ordered:
        if start < pos:
            start = pos
        if start >= end:
            continue
        out.append(html.escape(text[pos:start], quote=False))
        out.append(f'<mark class="{html.escape(css)}">')
        out.append(html.escape(text[start:end], quote=False))
        out.append("</mark>")
        pos = end
    out.append(html.escape(text[pos:], quote=False))
    return Markup("".join(out))


def find_span(text: str, fragment: str | None) -> tuple[int, int] | None:
    """Where ``fragment`` (an evidence sentence) sits in ``text``, ignoring whitespace changes."""
    if not fragment or not fragment.strip():
        return None
    at = text.find(fragment)
    if at >= 0:
        return at, at + len(fragment)
    parts = [re.escape(w) for w in fragment.split()]
    found = re.search(r"\s+".join(parts), text)
    return (found.start(), found.end()) if found else None


def plain(text: str | None, limit: int = 200) -> str:
    """Markdown reduced to one line of plain text (titles, meta descriptions)."""
    if not text:
        return ""
    flat = re.sub(r"[`*_#|~]+", "", text)
    flat = re.sub(r"(?m)^\s*>\s?", "", flat)  # quote markers, not the ">" of "a > b" or "</s>"
    flat = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", flat)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
