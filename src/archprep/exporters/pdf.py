"""Markdown to PDF with fpdf2: a Unicode TrueType font when the system has one, else Latin-1."""

from __future__ import annotations

import logging
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

# Common places of DejaVu (Linux), and Arial Unicode / Verdana (macOS, Windows). Any family
# with regular, bold, italic and a monospace companion will do.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
    Path("C:/Windows/Fonts"),
)
DEJAVU = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
    "mono": "DejaVuSansMono.ttf",
}
# Without a Unicode font the core PDF fonts only cover Latin-1: these keep formulas readable.
LATIN1 = {
    "→": "->", "←": "<-", "↔": "<->", "⇒": "=>", "≈": "~", "≠": "!=", "≤": "<=", "≥": ">=",
    "≲": "<~", "×": "x", "÷": "/", "−": "-", "–": "-", "—": " - ", "‘": "'", "’": "'",
    "“": '"', "”": '"', "…": "...", "•": "*", "‖": "||", "∑": "sum", "Σ": "sum", "∇": "grad",
    "√": "sqrt", "∞": "inf", "λ": "lambda", "θ": "theta", "α": "alpha", "β": "beta",
    "μ": "mu", "σ": "sigma", "ε": "epsilon", "η": "eta", "π": "pi", "Δ": "delta",
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "ᵢ": "i", "ᵗ": "^t", "⁰": "^0", "⁴": "^4",
    "⁵": "^5", "⁶": "^6", "⁷": "^7", "⁸": "^8", "⁹": "^9", "¹⁰": "^10", "²²": "^22",
}  # fmt: skip
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class FontSet:
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path
    mono: Path


def find_fonts() -> FontSet | None:
    for folder in FONT_DIRS:
        paths = {style: folder / name for style, name in DEJAVU.items()}
        if all(p.is_file() for p in paths.values()):
            return FontSet(paths[""], paths["B"], paths["I"], paths["BI"], paths["mono"])
    return None


def to_latin1(text: str) -> str:
    """Text the core fonts can draw: known symbols spelled out, accents kept, the rest '?'."""
    for src in sorted(LATIN1, key=len, reverse=True):
        text = text.replace(src, LATIN1[src])
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        folded = unicodedata.normalize("NFKD", ch)
        out.append(folded if folded and all(ord(c) < 256 for c in folded) else "?")
    return "".join(out)


def markdown_to_pdf(markdown: str, out: Path, *, fonts: FontSet | None | bool = True) -> None:
    """Render Markdown (headings, lists, tables, quotes, code) to an A4 PDF at ``out``.

    ``fonts=True`` looks for a Unicode font on the system; ``None``/``False`` uses the core
    Helvetica with Latin-1 text.
    """
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    chosen = find_fonts() if fonts is True else fonts or None
    html = _markdown.render(markdown)
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title("Interview prep guide")
    pdf.set_creator("archprep")
    if isinstance(chosen, FontSet):
        pdf.add_font("body", "", str(chosen.regular))
        pdf.add_font("body", "B", str(chosen.bold))
        pdf.add_font("body", "I", str(chosen.italic))
        pdf.add_font("body", "BI", str(chosen.bold_italic))
        pdf.add_font("mono", "", str(chosen.mono))
        family, mono = "body", "mono"
    else:
        html = to_latin1(html)
        family, mono = "helvetica", "courier"
    pdf.add_page()
    pdf.set_font(family, size=10)
    code = FontFace(family=mono, size_pt=9)
    # fpdf2 logs every unsupported tag attribute and missing glyph; the PDF is still complete.
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf.write_html(html, font_family=family, tag_styles={"code": code, "pre": code})
    pdf.output(str(out))
