"""The two pages users saved from real sites (read from /work/shared at run time, never copied).

Counts were taken by reading the files: the expander page has 54 questions, each a line ending
in "▾" followed by a one-line answer; the numbered page has ten sections whose "N questions"
lines add up to 85, and 85 lines whose numbering (glued to the text, restarting at 1 in each
section) matches those counts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archprep.importers.document import Parsed
from archprep.importers.text import parse_text

SAMPLES = Path("/work/shared/samples")
EXPANDERS = SAMPLES / "architect-questions-expanders.txt"
NUMBERED = SAMPLES / "ml-engineer-questions-numbered.txt"
SECTIONS = {
    "ML Fundamentals": 12, "Deep Learning": 10, "Transformers & LLMs": 12, "RAG & Embeddings": 10,
    "Fine-tuning": 8, "Agents & Tool Use": 8, "Vector Databases": 6, "MLOps": 8,
    "Production AI Systems": 6, "Responsible AI": 5,
}  # fmt: skip

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="/work/shared/samples is absent")


def _parse(path: Path) -> Parsed:
    return parse_text(path.read_text("utf-8"), markdown=False)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _assert_every_source_line_kept(
    path: Path, parsed: Parsed, question_line: re.Pattern[str]
) -> None:
    """Independently of the importer: the lines between two questions all reach that answer."""
    lines = path.read_text("utf-8").splitlines()
    starts = [n for n, ln in enumerate(lines) if question_line.match(ln)]
    assert len(starts) == len(parsed.items)
    skip = set(SECTIONS) | {f"{n} questions" for n in SECTIONS.values()}
    for k, (start, item) in enumerate(zip(starts, parsed.items, strict=True)):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body = [
            ln.strip() for ln in lines[start + 1 : end] if ln.strip() and ln.strip() not in skip
        ]
        answer_words = _words(item.answer)
        assert answer_words == _words(" ".join(body)), (
            f"answer {k + 1} ({item.question[:40]}) differs"
        )


@pytest.mark.skipif(not EXPANDERS.is_file(), reason="sample absent")
def test_expander_page_imports_all_54_questions_with_whole_answers() -> None:
    parsed = _parse(EXPANDERS)
    assert len(parsed.items) == 54
    assert parsed.warnings == []
    first, last = parsed.items[0], parsed.items[-1]
    assert first.question == (
        "What is the difference between supervised and unsupervised learning in an enterprise "
        "architecture context?"
    )
    assert first.answer.startswith("In an enterprise architecture context, supervised learning")
    assert first.answer.endswith("to ensure cost-efficiency and performance.")
    assert last.question == "What is the purpose of a system prompt?"
    assert last.answer.endswith("dictating how it must behave throughout a user session.")
    # Scenario questions that end in a full stop, not a question mark, are still found.
    assert any(i.question.endswith("Design the architecture.") for i in parsed.items)
    assert all("▾" not in i.question and "▾" not in i.answer for i in parsed.items)
    _assert_every_source_line_kept(EXPANDERS, parsed, re.compile(r".*▾\s*$"))


@pytest.mark.skipif(not NUMBERED.is_file(), reason="sample absent")
def test_numbered_page_imports_all_85_questions_with_sections() -> None:
    parsed = _parse(NUMBERED)
    assert len(parsed.items) == 85
    counts: dict[str, int] = {}
    for item in parsed.items:
        assert item.category is not None
        counts[item.category] = counts.get(item.category, 0) + 1
    assert counts == SECTIONS
    first, last = parsed.items[0], parsed.items[-1]
    assert first.question == (
        "Explain bias-variance tradeoff. How does it guide model selection and regularization?"
    )
    assert first.answer.startswith("Total model error = Bias² + Variance + Irreducible Noise.")
    assert "Practical guidance: Start with a simple model" in first.answer
    assert first.answer.endswith('(the "double descent" phenomenon).')
    assert last.question.startswith("What are the key regulations and compliance considerations")
    assert "GDPR implications for ML:" in last.answer
    assert last.answer.endswith("legal review for each deployment context.")
    _assert_every_source_line_kept(NUMBERED, parsed, re.compile(r"^\d{1,2}[A-Z]"))


@pytest.mark.skipif(not NUMBERED.is_file(), reason="sample absent")
def test_numbered_page_multi_part_answers_stay_together() -> None:
    by_question = {i.question: i for i in _parse(NUMBERED).items}
    pipeline = next(
        i for q, i in by_question.items() if q.startswith("Explain the RAG pipeline in detail")
    )
    # Its own "1." to "5." steps, code and comments are part of the answer, not new questions.
    for part in ("1. Document Loading & Chunking:", "3. Indexing:", "5. Generation:",
                 "splitter = RecursiveCharacterTextSplitter(", "response = llm.generate(prompt)"):  # fmt: skip
        assert part in pipeline.answer
    tools = next(
        i for q, i in by_question.items() if q.startswith("How does tool/function calling work")
    )
    assert '"required": ["query"]' in tools.answer
    assert "Limit tool count:" in tools.answer
    # A code comment asking a question inside an answer does not start a new question.
    assert not any(q.startswith("Roger has 5 tennis balls") for q in by_question)
