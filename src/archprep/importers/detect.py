"""Which format a file is in (extension, then content sniffing) and decoding its text safely."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import charset_normalizer

from archprep.errors import UsageError, UserError

FORMATS = ("text", "markdown", "html", "pdf", "csv", "tsv", "jsonl", "anki")
ALIASES = {
    "txt": "text", "plain": "text", "md": "markdown", "htm": "html", "json": "jsonl",
    "ndjson": "jsonl", "tab": "tsv", "apkg": "anki",
}  # fmt: skip
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".mdown": "markdown", ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "jsonl", ".apkg": "anki", ".colpkg": "anki",
}  # fmt: skip
TEXT_FORMATS = frozenset({"text", "markdown", "html", "csv", "tsv", "jsonl"})
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# How much worse (charset-normalizer's "chaos") a Windows-1252 reading may be than the best
# guess and still win: saved pages and Office exports are far more often cp1252 than cp1250.
CP1252_SLACK = 0.05
MAX_CHAOS = 0.25


def normalise_format(fmt: str) -> str:
    key = fmt.strip().lower().lstrip(".")
    key = ALIASES.get(key, key)
    if key not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    return key


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB (text with a UTF-16/32 BOM is fine)."""
    head = data[:8192]
    if any(head.startswith(bom) for bom, enc in BOMS if enc != "utf-8-sig"):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.05


def utf16_without_bom(data: bytes) -> bool:
    """Text saved as UTF-16 with no byte-order mark: every other byte of the start is zero.

    Western text in UTF-16 puts a NUL beside each letter; other binary files do not do that so
    regularly, with printable characters in between.
    """
    head = data[:4096]
    if len(head) < 16 or any(head.startswith(bom) for bom, _ in BOMS):
        return False
    for zeros, letters in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            printable = sum(1 for b in letters if b >= 32 or b in (9, 10, 13))
            return printable >= 0.9 * len(letters)
    return False


def decode(data: bytes, name: str) -> str:
    """Bytes to text: a BOM wins, then UTF-8, then charset-normalizer's best guess."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        raise UserError(
            f"{name}: cannot tell which text encoding this file uses; save it as UTF-8 and import again"
        )
    best = matches[0]
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + CP1252_SLACK:
            return data.decode("cp1252", errors="replace")
    if best.chaos > MAX_CHAOS:
        raise UserError(
            f"{name}: the text does not decode cleanly in any encoding (best guess {best.encoding}); "
            "save it as UTF-8 and import again"
        )
    return str(best)


def _sniff_text(head: str) -> str | None:
    stripped = head.lstrip().lower()
    if stripped.startswith(("<!doctype html", "<html", "<?xml")) and "<html" in stripped[:2000]:
        return "html"
    if len(re.findall(r"</?(?:p|div|h[1-6]|li|ul|ol|table|tr|td|body|span|br)\b", stripped)) >= 5:
        return "html"
    first = next((ln.strip() for ln in head.splitlines() if ln.strip()), "")
    if first.startswith("{"):
        try:
            json.loads(first)
            return "jsonl"
        except json.JSONDecodeError:
            pass
    if first.startswith("["):
        return "jsonl"
    header = first.lower()
    if "question" in header and "answer" in header:
        if "\t" in first:
            return "tsv"
        if "," in first or ";" in first:
            return "csv"
    if len(re.findall(r"(?m)^#{1,6} \S", head)) >= 2 or re.search(r"(?m)^```", head):
        return "markdown"
    return None


def detect_format(path: Path, data: bytes, forced: str | None = None) -> str:
    """``--format`` if given; PDF and zip magic; then the extension; then the content."""
    if forced:
        return normalise_format(forced)
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "anki"
    by_ext = EXTENSIONS.get(path.suffix.lower())
    if by_ext in ("pdf", "anki"):
        return by_ext
    if looks_binary(data):
        return by_ext or "text"
    sniffed = _sniff_text(data[:65536].decode("utf-8", errors="ignore"))
    if by_ext in (None, "text") and sniffed == "html":
        return "html"
    return by_ext or sniffed or "text"
