"""Content-file validation: every problem reported with path, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from archprep.bank.loader import ContentError, load_questions, parse_question

GOOD = """---
id: rag/good-one
question: Why combine BM25 with dense retrieval?
category: rag
kind: rapid-fire
level: basic
tags: [hybrid-search]
topics: [hybrid-search]
key_points:
  - BM25 catches exact terms and rare identifiers
  - text: Dense vectors catch paraphrases
    weight: 2
  - Fusion such as RRF merges both rankings
follow_ups:
  - How would you weight the two lists?
calculators: [throughput]
---
Lexical search finds exact identifiers while dense search finds paraphrases; fusing the two
rankings with RRF gets the strengths of both.
"""

FIVE_MISTAKES = (
    """---
id: rag/five-mistakes
question: What goes wrong here?
category: rag
kind: concept
level: expert
tags: [Hybrid Search]
topics: [hybrid-search]
key_points:
  - only one point
  - and a second
calculators: [gpu-ram]
---
"""
    + "Hybrid retrieval pairs exact term matching with semantic similarity. " * 20
)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_with_weights(tmp_path: Path) -> None:
    write(tmp_path, "rag/good-one.md", GOOD)
    [q] = load_questions([tmp_path])
    assert q.id == "rag/good-one" and q.kind == "rapid-fire"
    assert [k.weight for k in q.key_points] == [1.0, 2.0, 1.0]
    assert q.calculators == ["throughput"] and q.answer.startswith("Lexical")


def test_five_mistakes_give_five_precise_messages(tmp_path: Path) -> None:
    path = write(tmp_path, "rag/five-mistakes.md", FIVE_MISTAKES)
    _, problems = parse_question(path, path.read_text())
    rendered = sorted(str(p) for p in problems)
    assert len(problems) == 5, rendered
    by_field = {p.field: p for p in problems}
    assert (
        by_field["level"].line == 6 and "basic, intermediate, advanced" in by_field["level"].message
    )
    assert by_field["tags"].line == 7
    assert by_field["key_points"].line == 9 and "found 2" in by_field["key_points"].message
    assert by_field["follow_ups"].message == "is required"
    assert by_field["calculators"].line == 12 and "gpu-ram" in by_field["calculators"].message
    assert all(str(p).startswith(f"{path}:") for p in problems)


def test_short_answer_is_reported_at_the_body_line(tmp_path: Path) -> None:
    text = GOOD.replace("kind: rapid-fire", "kind: concept")
    path = write(tmp_path, "rag/good-one.md", text)
    _, problems = parse_question(path, path.read_text())
    assert [(p.line, p.field) for p in problems] == [(18, "answer")]
    assert "120-350 words" in problems[0].message


def test_all_problems_across_files_are_collected(tmp_path: Path) -> None:
    write(tmp_path, "rag/good-one.md", GOOD)
    write(tmp_path, "rag/five-mistakes.md", FIVE_MISTAKES)
    write(tmp_path, "rag/no-front-matter.md", "just text\n")
    write(tmp_path, "agents/good-one.md", GOOD.replace("rag/good-one", "agents/good-one"))
    with pytest.raises(ContentError) as info:
        load_questions([tmp_path])
    fields = sorted({(Path(p.path).name, p.field) for p in info.value.problems})
    assert ("no-front-matter.md", "front matter") in fields
    # the copied file keeps category: rag while living in agents/, and its topics are rag's
    assert ("good-one.md", "category") in fields


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "rag/broken.md", "---\nid: rag/broken\nquestion: [unclosed\n---\nbody\n")
    _, problems = parse_question(path, path.read_text())
    assert len(problems) == 1 and problems[0].field == "front matter"
    assert problems[0].line >= 3


def test_kind_specific_fields_are_required(tmp_path: Path) -> None:
    design = GOOD.replace("kind: rapid-fire", "kind: design").replace("rag/good-one", "rag/d")
    path = write(tmp_path, "rag/d.md", design)
    _, problems = parse_question(path, path.read_text())
    fields = {p.field for p in problems}
    assert {"method", "signals", "answer"} <= fields


def test_imported_category_names_read_as_the_field_writes_them() -> None:
    from archprep.bank.model import category_title

    assert category_title("production-ai-systems") == "Production AI systems"
    assert category_title("vllm") == "vLLM" and category_title("rag") == "RAG"
    assert category_title("interview-notes") == "Interview notes"
