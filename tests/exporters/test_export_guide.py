"""The prep guide: every section in order, weakest first, the user's own stories and misses."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader

from archprep.exporters.guide import SECTIONS, build_guide, write_guide
from archprep.exporters.pdf import markdown_to_pdf, to_latin1
from archprep.store import Store
from tests.exporters.progress import NOW


def section(text: str, title: str) -> str:
    n = SECTIONS.index(title) + 1
    match = re.search(rf"^## {n}\. {re.escape(title)}\n(.*?)(?=^## \d+\. |\Z)", text, re.S | re.M)
    assert match, title
    return match.group(1)


def test_sections_in_the_prep_doc_order(progress_store: tuple[Store, int]) -> None:
    store, user = progress_store
    guide = build_guide(store, user, NOW)
    headings = re.findall(r"^## \d+\. (.+)$", guide, re.M)
    assert headings == list(SECTIONS)
    assert "## Contents\n\n1. Elevator pitch\n2. Core concepts\n" in guide
    assert "_For local, made by archprep on 2026-05-04: 8 questions, 6 graded attempts._" in guide
    assert "60–90 seconds" in section(guide, "Elevator pitch")


def test_core_concepts_weakest_category_and_question_first(
    progress_store: tuple[Store, int],
) -> None:
    store, user = progress_store
    core = section(build_guide(store, user, NOW), "Core concepts")
    cats = re.findall(r"^### (.+?)(?: — |$)", core, re.M)
    # rag: latest scores 35.5 and 72.25; mlops: 90; serving-infra: never attempted.
    # Headings use the display names the web UI shows, not the slugs.
    assert cats == ["RAG", "MLOps", "Serving & infrastructure"]
    assert "### RAG — average 54/100 over 2 attempted" in core
    rag = core.split("### RAG")[1].split("### MLOps")[0]
    assert rag.index("Why rerank with a cross-encoder?") < rag.index("What is hybrid search?")
    assert "_(your last score: 36)_" in rag and "  - first point" in rag


def test_design_method_tools_strategy_and_questions_to_ask(
    progress_store: tuple[Store, int],
) -> None:
    store, user = progress_store
    guide = build_guide(store, user, NOW)
    design = section(guide, "System design practice")
    assert "### The whiteboard method" in design
    assert "- **Clarify:** Share of repeated questions" in design
    assert "- **Numbers:** 2M × $0.0135 = $27k/day" in design
    assert "When would you choose vLLM over Triton?" in section(guide, "Tools deep-dive")
    strategy = section(guide, "Strategy and leadership")
    assert "How do you measure platform ROI?" in strategy and "Count costs honestly" in strategy
    ask = section(guide, "Questions to ask the interviewer")
    assert (
        "_Reveals:_ How the team sees its debt" in ask and "_Follow up:_ Would it be my job?" in ask
    )


def test_star_bank_uses_the_newest_attempt(progress_store: tuple[Store, int]) -> None:
    store, user = progress_store
    stories = section(build_guide(store, user, NOW), "STAR story bank")
    assert "- **Situation:** The broken process in numbers" in stories
    assert "Your story (2026-05-03, score 81):" in stories
    assert (
        "> Situation: 25 pages a week.\n> Action: rota and runbooks.\n> Result: 6 pages." in stories
    )
    assert "I rebuilt the rota" not in stories  # an older attempt


def test_weak_areas_lowest_scores_and_most_missed_points(progress_store: tuple[Store, int]) -> None:
    store, user = progress_store
    weak = section(build_guide(store, user, NOW), "Weak areas")
    rows = re.findall(r"^\| (.+?) \| (\d+) \|", weak, re.M)
    assert rows[0] == ("Why rerank with a cross-encoder?", "36")
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), key=int)
    missed = weak.split("### Key points you miss most")[1].strip().splitlines()
    assert missed[0] == "- second point — missed 2× _(What is hybrid search?)_"
    assert "- third — missed 1× _(What is hybrid search?)_" in missed
    assert len(missed) == 4


def test_cheat_sheet_formulas(progress_store: tuple[Store, int]) -> None:
    store, user = progress_store
    sheet = section(build_guide(store, user, NOW), "Cheat sheet").replace("**", "")
    for formula in ("2N FLOPs per generated token", "6ND", "L = λ × W", "A = A₁ × A₂", "1 − (1 − A₁)(1 − A₂)",
                    "99.99% 52.6 min", "PSI", "< 0.1", "> 0.25", "KL(P‖Q)", "JS = ½ KL(P‖M)",
                    "2 (K and V) × layers × KV heads × head dim", "$ per million tokens"):  # fmt: skip
        assert formula in sheet, formula


def test_markdown_and_pdf_files(progress_store: tuple[Store, int], tmp_path: Path) -> None:
    store, user = progress_store
    written = write_guide(store, user, tmp_path / "guide.md", NOW, pdf=True)
    assert written == [tmp_path / "guide.md", tmp_path / "guide.pdf"]
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "guide.pdf").pages)
    assert "Interview prep guide" in text and "STAR story bank" in text and "Cheat sheet" in text
    only_pdf = write_guide(store, user, tmp_path / "g.pdf", NOW)
    assert only_pdf == [tmp_path / "g.pdf"] and (tmp_path / "g.pdf").read_bytes().startswith(
        b"%PDF-"
    )


def test_pdf_without_a_unicode_font_falls_back_to_latin1(tmp_path: Path) -> None:
    markdown_to_pdf(
        "# Sheet\n\n- KV ≈ 2 × layers → θ ∇ “ok” 日本\n", tmp_path / "core.pdf", fonts=None
    )
    text = PdfReader(tmp_path / "core.pdf").pages[0].extract_text()
    assert 'KV ~ 2 x layers -> theta grad "ok" ??' in text
    assert to_latin1("café ² ≤") == "café ² <="


def test_a_question_in_two_decks_appears_once(progress_store: tuple[Store, int]) -> None:
    from datetime import timedelta

    from archprep.store.questions import get_or_create_deck, upsert_questions
    from archprep.store.schema import AttemptRow
    from tests.exporters.progress import bank

    store, user = progress_store
    originals = {q.id: q for q in bank()}
    story, design = originals["behavioral/process"], originals["system-design/cache"]
    with store.session.begin() as s:
        for slug in ("notes", "more-notes"):
            deck = get_or_create_deck(s, slug, owner_id=user, now=NOW)
            copies = [
                replace(story, id=f"import/{slug}/story", question=story.question.upper()),
                replace(design, id=f"import/{slug}/cache", question=design.question + "  "),
            ]
            upsert_questions(s, deck, copies, NOW)
        s.add(AttemptRow(user_id=user, question_id="import/notes/story", answer="My newest story.",
                         score=88.0, grade={}, mode="practice", duration_s=30.0,
                         created_at=NOW - timedelta(hours=1)))  # fmt: skip
    guide = build_guide(store, user, NOW)
    stories = section(guide, "STAR story bank")
    assert stories.lower().count("### tell me about a time you fixed a team process.") == 1
    assert "> My newest story." in stories  # the copy with the newest attempt is the one kept
    design_part = section(guide, "System design practice")
    assert design_part.count("### Design a semantic cache.") == 1
