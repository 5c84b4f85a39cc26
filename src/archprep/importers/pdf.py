"""PDF files: the text layer via pypdf, running headers and footers removed, then Q&A extraction."""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections import Counter

from pypdf import PdfReader

from archprep.errors import UserError
from archprep.importers.document import Parsed
from archprep.importers.text import parse_text

MAX_PAGES = 2000
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)

# pypdf reports recoverable damage through logging; the import reports what matters itself.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def pdf_text(data: bytes, name: str) -> str:
    """The text of every page; a damaged, encrypted or image-only PDF is a ``UserError``."""
    if not data.startswith(b"%PDF-"):
        raise UserError(
            f"{name}: not a PDF (it does not start with %PDF-); check the file or pass --format"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise UserError(
                    f"{name}: the PDF is password-protected; save an unprotected copy and import that"
                )
            if len(reader.pages) > MAX_PAGES:
                raise UserError(
                    f"{name}: the PDF has {len(reader.pages)} pages (limit {MAX_PAGES}); split it"
                )
            pages = [page.extract_text() or "" for page in reader.pages]
    except UserError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; all mean the same here
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"{name}: the PDF is damaged and cannot be read ({reason}); re-export it and import again"
        ) from None
    if not any(p.strip() for p in pages):
        raise UserError(
            f"{name}: the PDF has no text layer (scanned pages?); run OCR on it first or import a text version"
        )
    return "\n".join(reflow(page) for page in _without_running_lines(pages))


def _without_running_lines(pages: list[str]) -> list[str]:
    """Drop page numbers, and lines repeated on most pages (running headers and footers)."""
    page_lines = [[ln for ln in p.splitlines()] for p in pages]
    repeated: set[str] = set()
    if len(pages) >= 3:
        counts = Counter(ln.strip() for lines in page_lines for ln in set(lines) if ln.strip())
        repeated = {
            ln for ln, c in counts.items() if c >= max(3, len(pages) * 0.6) and len(ln) < 100
        }
    out = []
    for lines in page_lines:
        kept = [ln for ln in lines if ln.strip() not in repeated and not PAGE_NUMBER.match(ln)]
        out.append("\n".join(kept))
    return out


LIST_START = re.compile(
    r"^\s*(?:[-•*▪◦]|\d{1,3}[.)]|\d{1,3}[A-Z]|Q\d*[:.]|A[:.]|Answer\b|Question\b)"
)


def _full_width(lines: list[str]) -> int:
    """The length of a line that ran to the right margin: near the longest lines on the page."""
    lengths = sorted(len(ln.rstrip()) for ln in lines if ln.strip())
    if not lengths:
        return 0
    return int(lengths[min(len(lengths) - 1, math.ceil(len(lengths) * 0.9) - 1)] * 0.75)


def reflow(page: str) -> str:
    """Undo the PDF's line wrapping: rejoin lines that ran to the margin, and hyphenated words.

    A line continues the one before when that one filled the width without ending a sentence
    and this one does not start a list item or a numbered question.
    """
    lines = page.split("\n")
    full = _full_width(lines)
    out: list[str] = []
    last = ""  # the previous line as printed: a joined line's length says nothing
    for raw in lines:
        line = raw.rstrip()
        prev = out[-1] if out else ""
        joinable = (
            prev.strip()
            and line.strip()
            and len(last) >= full
            and not re.search(r"[.!?:;]$", prev)
            and not LIST_START.match(line)
        )
        if joinable and prev.endswith("-") and line.lstrip()[:1].islower():
            out[-1] = prev[:-1] + line.lstrip()
        elif joinable:
            out[-1] = f"{prev} {line.lstrip()}"
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def parse_pdf(data: bytes, name: str) -> Parsed:
    return parse_text(pdf_text(data, name), markdown=False)
