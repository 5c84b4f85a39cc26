"""Imported text as classified lines: mojibake repair, page-chrome removal, code and bullets."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import ftfy

LineKind = Literal["text", "blank", "heading", "code", "bullet", "question"]


@dataclass
class Line:
    """One line of an imported document.

    ``text`` is how the line appears in a stored answer (Markdown); ``plain`` is the same words
    without Markdown decoration, which is what the layout detectors look at. ``question`` lines
    come from page structure that marks a question unambiguously (``<summary>``, Q/A tables).
    """

    text: str
    kind: LineKind = "text"
    level: int = 0
    number: int = 0
    plain: str = ""
    closes: bool = False  # a blank line where ``</details>`` closed a question's answer

    def __post_init__(self) -> None:
        if not self.plain:
            self.plain = strip_markdown(self.text) if self.kind != "code" else self.text


@dataclass
class RawItem:
    """A question and answer as found in a file, before ids, categories and key points."""

    question: str
    answer: str
    line: int | None = None
    category: str | None = None
    kind: str | None = None
    level: str | None = None
    tags: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    """Found items; ``warnings`` each name one skipped item, ``notices`` skip nothing."""

    items: list[RawItem]
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    unanswered: int = 0  # questions found without an answer (each also has a warning)


FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=False)
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
BULLET = re.compile(r"^(?P<indent>\s*)(?:[•·▪◦‣⁃●○■□▸►–]|[-*+](?=\s))\s*(?P<text>\S.*)$")
MD_HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_].*?)(?:\*\*|__)\s*:?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# GitHub-style FAQs in Markdown and text: <details><summary>Question</summary> answer </details>.
# Only tags at the start or end of a line count, so prose that names the tags stays as it is.
DETAILS_OPEN = re.compile(r"^\s*<details(?:\s[^>]*)?>\s*", re.IGNORECASE)
DETAILS_CLOSE = re.compile(r"\s*</details\s*>\s*$", re.IGNORECASE)
SUMMARY_OPEN = re.compile(r"^\s*<summary(?:\s[^>]*)?>(?P<q>.*)$", re.IGNORECASE)
SUMMARY_CLOSE = re.compile(r"^(?P<q>.*?)</summary\s*>\s*(?P<rest>.*)$", re.IGNORECASE)
MAX_SUMMARY_LINES = 4  # a <summary> still open after this many lines is not one
INLINE_CODE_TAG = re.compile(r"<(code|kbd|samp|tt)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE)
INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|cite|em|i|mark|q|s|small|span|strong|sub|sup|u|del|ins|br)\b[^>]*>",
    re.IGNORECASE,
)

# Short lines that are page furniture rather than content: navigation, newsletter and cookie
# prompts, share buttons, footers and search widgets. Matched against the whole line.
CHROME = re.compile(
    r"""^(?:
      (?:↑\s*)?(?:scroll|back|go|return)\s+to\s+(?:the\s+)?top(?:\s+of\s+(?:the\s+)?page)?
    | skip\s+to\s+(?:main\s+)?content
    | (?:subscribe|sign\s+up|join)(?:\s+(?:now|today|free))?
    | (?:subscribe|sign\s+up)\s+(?:to|for)\s+(?:our|the|my)\s+(?:free\s+|weekly\s+)?newsletter.*
    | join\s+(?:our|the)\s+(?:free\s+)?(?:newsletter|mailing\s+list|community).*
    | (?:get|receive)\s+(?:the\s+)?(?:latest|weekly|new)\b.*\b(?:inbox|newsletter|email).*
    | enter\s+your\s+e-?mail(?:\s+address)?.*
    | (?:your\s+)?e-?mail\s+address\s*\*?
    | .*\bwe\s+use\s+cookies\b.*
    | .*\b(?:accept|reject|allow)\s+(?:all\s+)?cookies\b.*
    | (?:cookie\s+(?:policy|settings|preferences)|manage\s+(?:cookie\s+)?preferences)
    | (?:accept|reject|decline|got\s+it|ok|i\s+agree)(?:\s+all)?
    | share(?:\s+(?:this|on|via)\b.*)?
    | (?:tweet|pin\s+it|copy\s+link|link\s+copied|email\s+this|print\s+this(?:\s+page)?)
    | (?:facebook|twitter|linkedin|reddit|whatsapp|telegram|pinterest)
      (?:\s*[|·•/,]\s*(?:facebook|twitter|linkedin|reddit|whatsapp|telegram|pinterest|x|email))*
    | (?:©|\(c\)|copyright\b).*
    | .*\ball\s+rights\s+reserved\b.*
    | (?:privacy\s+policy|terms\s+(?:of\s+(?:use|service)|and\s+conditions)|cookie\s+policy|sitemap)
      (?:\s*[|·•/]\s*(?:privacy\s+policy|terms(?:\s+of\s+(?:use|service))?|contact(?:\s+us)?|about(?:\s+us)?|sitemap|cookie\s+policy))*
    | no\s+(?:questions|results)\s+match(?:es)?\s+your\s+search.*
    | (?:search(?:\s+questions)?|filter|clear\s+filters?|loading)(?:\s*(?:…|\.\.\.))?
    | (?:advertisement|sponsored|related\s+(?:posts|articles|questions)|read\s+more|load\s+more)
    | (?:previous|next)\s+(?:post|article|page|question)\s*.{0,60}
    | (?:expand|collapse)\s+all
    | was\s+this\s+(?:helpful|useful)\??.*
    | (?:home|blog)(?:\s*[>/›»|]\s*[\w\s&-]{1,40}){1,5}
    )[.!:]?$""",
    re.IGNORECASE | re.VERBOSE,
)
CHROME_MAX = 140

YAML_KEY = re.compile(r"^[a-z_][\w.-]*:(?:\s+\S.*)?$")
QUESTIONISH = re.compile(r"^\s*(?:Q\w*\s*\d*\s*[:.)]|\d{1,3}\s*[.):]?\s*[A-Z]|.*\?\s*$)")
CODE_START = re.compile(
    r"""^\s*(?:
      \#+\s+\S
    | (?:from\s+[\w.]+\s+import\b|import\s+[\w.]+|def\s+\w+\s*\(|class\s+\w+\s*[(:]
      |return\b|async\s+def\b|await\s|elif\b|else\s*:|try\s*:|except\b|finally\s*:|raise\s|print\(
      |for\s+\S.*\s+in\s+.+:\s*$|while\s+.+:\s*$|if\s+.+:\s*$|with\s+.+:\s*$|@\w+)
    | [A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\s*,\s*[A-Za-z_][\w.]*)*\s*(?:[-+*/%|&^]|//|\*\*)?=(?!=)\s*\S
    | [A-Za-z_][\w.]*\(.*\)\s*(?:\#.*)?$
    | [)\]}]
    | --?[a-z][\w-]*(?:[\s=]\S+)?\s*\\?$
    | .*[(\[{]\s*(?:\#.*)?$
    | (?:\$|>>>)\s+\S
    | (?:pip|pip3|python|python3|docker|kubectl|vllm|curl|git|npm|conda|helm|aws|gcloud|uv)\s+[-\w]
    | .*\S\s+\\$
    )""",
    re.VERBOSE,
)


def repair(text: str) -> str:
    """Fix mojibake (``â€™`` → ``’``) and invisible characters; keep typographic quotes."""
    text = ftfy.fix_text(text, config=FTFY_CONFIG)
    text = INVISIBLE.sub("", text).replace("\u00a0", " ").replace("\t", "    ")
    return unicodedata.normalize("NFC", text)


def strip_markdown(text: str) -> str:
    """The words of a Markdown line without emphasis, links, list or heading markers."""
    t = re.sub(r"^\s*(?:#{1,6}\s+|>\s*)", "", text)
    t = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+(?=\S)", "", t) if BULLET.match(t) else t
    t = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", t)
    t = re.sub(r"(\*\*|__)(.+?)\1", r"\2", t)
    t = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", t)
    t = re.sub(r"`([^`]*)`", r"\1", t)
    return t.strip()


def is_chrome(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) <= CHROME_MAX and CHROME.match(t) is not None


def _bullet(raw: str, markdown: bool) -> Line | None:
    m = BULLET.match(raw)
    if m is None:
        return None
    if raw.lstrip()[:1] in "-*+":
        return Line(raw.rstrip(), "bullet")  # already Markdown
    depth = len(m.group("indent")) // 2
    return Line(f"{'  ' * min(depth, 3)}- {m.group('text').strip()}", "bullet")


def summary_text(fragment: str) -> str:
    """A ``<summary>``'s content as text: inline code kept as code, other inline tags dropped."""
    t = INLINE_CODE_TAG.sub(lambda m: code_span(html.unescape(m.group(2))), fragment)
    return re.sub(r"\s+", " ", html.unescape(INLINE_TAG.sub("", t))).strip()


def code_span(text: str) -> str:
    """``text`` as Markdown inline code, fenced with more backticks than it holds itself."""
    text = re.sub(r"\s+", " ", text)
    if not text.strip():
        return text
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


@dataclass
class _OpenSummary:
    """A ``<summary>`` whose closing tag is on a later line: its line and the text so far."""

    number: int
    raw: str
    parts: list[str]

    def as_text(self) -> list[Line]:
        """Its lines as they were, for a ``<summary>`` that was never closed."""
        texts = [self.raw, *self.parts[1:]]
        return [
            Line(t, "text" if t.strip() else "blank", number=self.number + k)
            for k, t in enumerate(texts)
        ]


def lines_from_text(text: str, *, markdown: bool) -> list[Line]:
    """Classify each line of plain text or Markdown; chrome lines are dropped here."""
    out: list[Line] = []
    in_fence = False
    summary: _OpenSummary | None = None
    for number, raw in enumerate(repair(text).split("\n"), start=1):
        raw = raw.rstrip()
        if FENCE.match(raw):
            in_fence = not in_fence
            out.append(Line(raw, "code", number=number))
            continue
        if in_fence:
            out.append(Line(raw, "code", number=number))
            continue
        if summary is not None:
            if (end := SUMMARY_CLOSE.match(raw)) is None:
                summary.parts.append(raw)
                if len(summary.parts) <= MAX_SUMMARY_LINES:
                    continue
                out.extend(summary.as_text())  # never closed: not a summary after all
                summary = None
                continue
            question = summary_text(" ".join([*summary.parts, end.group("q")]))
            if question:
                out.append(Line(question, "question", number=summary.number))
            summary, raw = None, end.group("rest")
        elif "<" in raw:
            raw = DETAILS_OPEN.sub("", raw, count=1)
            if (opened := SUMMARY_OPEN.match(raw)) is not None:
                if (end := SUMMARY_CLOSE.match(opened.group("q"))) is None:
                    summary = _OpenSummary(number, raw, [opened.group("q")])
                    continue
                if question := summary_text(end.group("q")):
                    out.append(Line(question, "question", number=number))
                raw = end.group("rest")
        if (closed := DETAILS_CLOSE.search(raw)) is not None:
            if raw[: closed.start()].strip():
                out.append(Line(raw[: closed.start()], "text", number=number))
            out.append(Line("", "blank", number=number, closes=True))
            continue
        if not raw.strip():
            out.append(Line("", "blank", number=number))
            continue
        if is_chrome(raw):
            continue
        if markdown and (h := MD_HEADING.match(raw)):
            line = Line(raw.strip(), "heading", level=len(h.group("hashes")))
        elif markdown and (b := BOLD_LINE.match(raw)) and len(b.group("text")) < 300:
            line = Line(raw.strip(), "heading", level=7)
        else:
            line = _bullet(raw, markdown) or Line(raw, "text")
        line.number = number
        out.append(line)
    if summary is not None:
        out.extend(summary.as_text())
    if in_fence:
        out.append(Line("```", "code", number=len(out) + 1))
    if not markdown:
        mark_code(out)
    return out


def mark_code(lines: list[Line]) -> None:
    """Plain text pasted from a page loses its code blocks' fences: find code lines again.

    A line is code when it looks like code, when it continues a code line (indented, after a
    trailing backslash, comma or bracket, or a ``key:`` line of YAML), or when it sits inside a
    paragraph between two code lines (an equation in the middle of a snippet).
    """
    prev: Line | None = None
    blanks = 0
    for line in lines:
        if line.kind == "blank":
            blanks += 1
            continue
        codeish = line.kind == "text" or (line.kind == "bullet" and line.text.lstrip()[:1] in "-*+")
        if line.kind == "text" and CODE_START.match(line.text) and not _prose(line.text):
            line.kind = "code"
        elif (
            codeish
            and prev is not None
            and prev.kind == "code"
            and blanks <= 1
            and not QUESTIONISH.match(line.text)
            and (
                line.text[:2] == "  "
                or YAML_KEY.match(line.text) is not None
                or (blanks == 0 and prev.text.rstrip().endswith(("\\", ",", "(", "[", "{", "+")))
            )
        ):
            line.kind = "code"
        prev, blanks = line, 0
    for i in range(1, len(lines) - 1):
        line = lines[i]
        if (
            line.kind == "text"
            and lines[i - 1].kind == "code"
            and lines[i + 1].kind == "code"
            and not QUESTIONISH.match(line.text)
        ):
            line.kind = "code"


def _prose(text: str) -> bool:
    """A sentence that happens to start like code: several words and a full stop at the end."""
    t = text.strip()
    if t.startswith("#"):
        return False
    return len(t.split()) >= 8 and t.endswith(".") and "(" not in t.split()[0]


def render_answer(lines: list[Line]) -> str:
    """Lines back to Markdown: code runs without fences of their own get them."""
    out: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line.text) and line.kind == "code":
            in_fence = not in_fence
        elif line.kind == "code" and not in_fence:
            j = i
            block: list[str] = []
            while j < len(lines) and (
                (lines[j].kind == "code" and not FENCE.match(lines[j].text))
                or (lines[j].kind == "blank" and _code_follows(lines, j))
            ):
                block.append(lines[j].text)
                j += 1
            out.extend(["```", *block, "```"])
            i = j
            continue
        out.append(line.text)
        i += 1
    if in_fence:
        out.append("```")
    text = "\n".join(out).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)


def _code_follows(lines: list[Line], i: int) -> bool:
    j = i
    while j < len(lines) and lines[j].kind == "blank":
        j += 1
    return j < len(lines) and lines[j].kind == "code" and not FENCE.match(lines[j].text)
