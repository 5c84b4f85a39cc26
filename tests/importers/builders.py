"""Builders for import tests: small PDFs (fpdf2) and Anki packages (genanki) made on the fly."""

from __future__ import annotations

from pathlib import Path

import genanki
from fpdf import FPDF

from archprep.exporters.anki import write_package


def make_pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_apkg(
    path: Path, notes: list[tuple[str, str, list[str]]], deck: str = "Interview::RAG"
) -> None:
    model = genanki.Model(
        1_111_111_111, "Basic", fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )  # fmt: skip
    d = genanki.Deck(2_222_222_222, deck)
    for front, back, tags in notes:
        d.add_note(genanki.Note(model=model, fields=[front, back], tags=tags))
    write_package(genanki.Package(d), path)  # genanki's own writer leaks a temp file


def make_pdf_with_bold_questions(items: list[tuple[str, str]]) -> bytes:
    """A PDF of numbered questions in a larger bold font, each followed by its answer.

    The bold lines wrap before the answer text's margin does, as in pages printed from a site.
    """
    pdf = FPDF()
    pdf.add_page()
    for n, (question, answer) in enumerate(items, start=1):
        pdf.set_font("helvetica", "B", 12)
        pdf.multi_cell(0, 6, f"{n}. {question}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
        pdf.multi_cell(0, 5, answer, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())
