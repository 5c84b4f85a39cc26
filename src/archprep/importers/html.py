"""HTML pages to classified text lines: scripts and page chrome removed, no markup kept."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from archprep.importers.document import (
    Line,
    Parsed,
    code_span,
    is_chrome,
    render_answer,
    repair,
)
from archprep.importers.layouts import is_question_like
from archprep.importers.text import extract

DROP_TAGS = [
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "form", "input", "select", "textarea", "nav", "footer", "aside", "dialog", "link",
    "meta", "head", "img", "picture", "video", "audio", "map",
]  # fmt: skip
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
CHROME_TOKENS = frozenset(
    """nav navbar navigation menu breadcrumb breadcrumbs cookie cookies consent gdpr newsletter
    subscribe subscription signup share sharing social footer sidebar advert advertisement ads ad
    promo popup related comments toc banner skip pagination pager backtotop totop toolbar
    masthead sitenav topbar search""".split()
)
INLINE_TAGS = frozenset(
    """a abbr b bdi bdo cite code data dfn em font i kbd mark q s samp small span strong sub sup
    time tt u var wbr label del ins""".split()
)
HEADINGS = {f"h{n}": n for n in range(1, 7)}
CODE_TAGS = frozenset({"code", "kbd", "samp", "tt"})


def parse_html(html: str) -> Parsed:
    """Questions and answers from an HTML page; text only, whatever the page's markup was."""
    return extract(html_lines(html))


def _tokens(tag: Tag) -> set[str]:
    values: list[str] = []
    for attr in ("class", "id"):
        value = tag.get(attr)
        if isinstance(value, list):
            values.extend(value)
        elif isinstance(value, str):
            values.append(value)
    return {t for v in values for t in re.split(r"[-_\s]+", v.lower()) if t}


def _strip_chrome(root: Tag) -> None:
    for tag in root.find_all(DROP_TAGS):
        tag.decompose()
    for node in root.find_all(
        string=lambda s: isinstance(s, Comment | Doctype | Declaration | ProcessingInstruction)
    ):
        node.extract()
    total = len(root.get_text(" ", strip=True)) or 1
    for tag in list(root.find_all(True)):
        if tag.decomposed or tag.name in ("body", "main", "article", "html"):
            continue
        role = str(tag.get("role") or "").lower()
        chrome = role in CHROME_ROLES or bool(_tokens(tag) & CHROME_TOKENS)
        if (
            tag.name == "header"
            and tag.find_parent(["article", "main", "section", "details"]) is None
        ):
            chrome = True
        # Never let a class name take most of the page with it.
        if chrome and len(tag.get_text(" ", strip=True)) < total / 2:
            tag.decompose()


def _inline_text(node: Tag | NavigableString) -> str:
    """Inline content as text: source line breaks are spaces in HTML; only ``<br>`` breaks.

    Inline code stays code (Markdown backticks), so what the page showed as code, such as an
    escaped ``&lt;img …&gt;``, is stored as code and never read as markup.
    """
    if isinstance(node, NavigableString):
        return re.sub(r"\s+", " ", str(node))
    if node.name == "br":
        return "\n"
    if node.name in CODE_TAGS:
        return code_span(node.get_text())
    return "".join(_inline_text(c) for c in node.children if isinstance(c, Tag | NavigableString))


class _Writer:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.inline: list[str] = []

    def flush(self, kind: str = "text", prefix: str = "") -> None:
        text = "".join(self.inline)
        self.inline = []
        parts = [re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in text.split("\n")]
        for part in (p for p in parts if p):
            if is_chrome(part):
                continue
            self.lines.append(Line(prefix + part, "bullet" if kind == "bullet" else "text"))
            prefix = "  " if kind == "bullet" else prefix

    def add(self, line: Line) -> None:
        self.flush()
        self.lines.append(line)

    def blank(self) -> None:
        self.flush()
        if self.lines and self.lines[-1].kind != "blank":
            self.lines.append(Line("", "blank"))


def _table(tag: Tag, out: _Writer) -> None:
    rows = [[_clean(_inline_text(c)) for c in tr.find_all(["td", "th"], recursive=False)]
            for tr in tag.find_all("tr")]  # fmt: skip
    rows = [r for r in rows if any(r)]
    two = [r for r in rows if len(r) == 2]
    if rows and len(two) == len(rows):
        header = {c.lower().strip(":") for c in rows[0]}
        body = rows[1:] if header & {"question", "q", "answer", "a"} else rows
        if body and (
            sum(is_question_like(r[0]) for r in body) * 2 >= len(body) or body is not rows
        ):
            for q, a in body:
                out.add(Line(q, "question"))
                for part in a.split("\n"):
                    if part.strip():
                        out.add(Line(part.strip()))
                out.blank()
            return
    out.blank()
    for n, row in enumerate(rows):
        out.add(Line("| " + " | ".join(c.replace("\n", " ") for c in row) + " |"))
        if n == 0:
            out.add(Line("|" + " --- |" * len(row)))
    out.blank()


def _clean(text: str) -> str:
    return "\n".join(re.sub(r"\s+", " ", p).strip() for p in text.split("\n")).strip()


def _walk(node: Tag, out: _Writer, depth: int = 0) -> None:
    _walk_nodes(list(node.children), out, depth)


def _one_line(tag: Tag) -> str:
    return _clean(_inline_text(tag)).replace("\n", " ")


def _walk_nodes(nodes: list[object], out: _Writer, depth: int) -> None:
    for child in nodes:
        if isinstance(child, NavigableString):
            out.inline.append(_inline_text(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in INLINE_TAGS or name == "br":
            out.inline.append(_inline_text(child))
        elif name in HEADINGS:
            level = HEADINGS[name]
            out.blank()
            out.add(Line("#" * level + " " + _one_line(child), "heading", level=level))
            out.blank()
        elif name == "pre":
            out.blank()
            out.add(Line("```", "code"))
            for part in child.get_text().strip("\n").split("\n"):
                out.add(Line(part.rstrip(), "code"))
            out.add(Line("```", "code"))
            out.blank()
        elif name == "details":
            summary = child.find("summary")
            out.blank()
            if summary is not None:
                out.add(Line(_one_line(summary), "question"))
                summary.decompose()
            _walk(child, out, depth)
            out.blank()
        elif _toggle(child):
            # An accordion's toggle: a question when it reads as one, else a UI control.
            text = _one_line(child)
            if is_question_like(text) and not is_chrome(text):
                out.blank()
                out.add(Line(text, "question"))
        elif name == "table":
            _table(child, out)
        elif name in ("ul", "ol"):
            out.blank()
            for n, li in enumerate(child.find_all("li", recursive=False), start=1):
                marker = f"{n}. " if name == "ol" and depth == 0 else "- "
                _list_item(li, out, "  " * depth + marker, depth)
            out.blank()
        elif name == "dt":
            text = _one_line(child)
            out.blank()
            question = is_question_like(text)
            out.add(Line(text, "question") if question else Line(f"**{text}**", "heading", level=7))
        elif name == "hr":
            out.blank()
        elif _bold_only(child):
            out.blank()
            out.add(Line(f"**{_one_line(child)}**", "heading", level=7))
            out.blank()
        else:
            out.blank()
            _walk(child, out, depth)
            out.blank()


def _list_item(li: Tag, out: _Writer, prefix: str, depth: int) -> None:
    children = list(li.children)
    blocks = [c for c in children if isinstance(c, Tag) and c.name not in INLINE_TAGS | {"br"}]
    head = [c for c in children if not any(c is b for b in blocks)]
    if not "".join(_inline_text(c) for c in head if isinstance(c, Tag | NavigableString)).strip():
        if blocks and isinstance(blocks[0], Tag) and blocks[0].name in ("p", "div", "span"):
            head, blocks = [blocks[0]], blocks[1:]
    out.flush()
    out.inline = [_inline_text(c) for c in head if isinstance(c, Tag | NavigableString)]
    out.flush("text" if prefix.strip()[:1].isdigit() else "bullet", prefix)
    _walk_nodes(list(blocks), out, depth + 1)


def _toggle(tag: Tag) -> bool:
    """A button, or an element that expands something (``aria-expanded``/``aria-controls``)."""
    return tag.name == "button" or tag.has_attr("aria-expanded") or tag.has_attr("aria-controls")


def _bold_only(tag: Tag) -> bool:
    """A paragraph holding nothing but bold text reads as a heading (``<p><b>Q?</b></p>``)."""
    if tag.name not in ("p", "div"):
        return False
    kids = [c for c in tag.children if not (isinstance(c, NavigableString) and not c.strip())]
    return len(kids) == 1 and isinstance(kids[0], Tag) and kids[0].name in ("strong", "b")


def html_lines(html: str) -> list[Line]:
    soup = BeautifulSoup(html, "lxml")
    mains, articles = soup.find_all("main"), soup.find_all("article")
    root = mains[0] if len(mains) == 1 else articles[0] if len(articles) == 1 else soup.body or soup
    assert isinstance(root, Tag)
    _strip_chrome(root)
    out = _Writer()
    _walk(root, out)
    out.flush()
    lines = []
    for line in out.lines:
        line.text = repair(line.text)
        line.plain = repair(line.plain)
        lines.append(line)
    return lines


def html_to_text(fragment: str) -> str:
    """An HTML fragment (an Anki field, a table cell) as Markdown-ish text, markup dropped."""
    if not re.search(r"<[A-Za-z/!]|&#?\w+;", fragment):
        return repair(fragment).strip()
    return render_answer(html_lines(fragment)).strip()
