"""Format detection, decoding, and the file formats other than page text: CSV/TSV/JSONL, PDF, .apkg."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF

from archprep.errors import UserError
from archprep.importers.anki import parse_apkg
from archprep.importers.detect import (
    decode,
    detect_format,
    looks_binary,
    normalise_format,
    utf16_without_bom,
)
from archprep.importers.pdf import parse_pdf, reflow
from archprep.importers.tabular import parse_delimited, parse_jsonl
from tests.importers.builders import make_apkg, make_pdf, make_pdf_with_bold_questions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.md", b"# Title\n", "markdown"),
        ("a.txt", b"Q: x?\nA: y\n", "text"),
        ("a.txt", b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("saved", b"<html><body><h2>x</h2><p>a</p><p>b</p><div>c</div></body></html>", "html"),
        ("notes", b"## One?\nx\n## Two?\ny\n", "markdown"),
        ("deck", b"question,answer\nq,a\n", "csv"),
        ("deck", b"question\tanswer\nq\ta\n", "tsv"),
        ("deck", b'{"question": "q", "answer": "a"}\n', "jsonl"),
        ("x.bin", b"%PDF-1.7\n...", "pdf"),
        ("x.txt", b"PK\x03\x04rest", "anki"),
        ("x.pdf", b"not really a pdf", "pdf"),
        ("x.json", b"[]", "jsonl"),
    ],
)
def test_detect_format(name: str, data: bytes, expected: str) -> None:
    assert detect_format(Path(name), data) == expected


def test_format_can_be_forced_and_is_validated() -> None:
    assert detect_format(Path("a.html"), b"<html>", "txt") == "text"
    assert normalise_format("MD") == "markdown"
    with pytest.raises(UserError, match=r"--format must be one of text, markdown"):
        normalise_format("docx")


def test_decoding_utf8_bom_utf16_and_windows_1252() -> None:
    assert decode("Q: café?".encode("utf-8-sig"), "a") == "Q: café?"
    assert decode("Q: naïve?\n".encode("utf-16"), "a") == "Q: naïve?\n"
    legacy = "Q: What’s a naïve résumé parser? A: It’s fine — really.".encode("cp1252")
    assert decode(legacy, "a") == "Q: What’s a naïve résumé parser? A: It’s fine — really."


def test_undecodable_bytes_are_a_clear_error() -> None:
    garbled = (
        "Q: caf\xe9".encode("latin-1")
        + "naïve".encode()
        + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 5
    )
    with pytest.raises(
        UserError, match=r"^notes.txt: cannot tell which text encoding .* save it as UTF-8"
    ):
        decode(garbled, "notes.txt")


def test_binary_sniffing() -> None:
    assert looks_binary(b"\x00\x01\x02garbage")
    assert not looks_binary("plain text\n".encode("utf-16"))
    assert not looks_binary(b"Q: fine?\r\nA: yes\t\n")


def test_csv_columns_matched_case_insensitively_with_lists() -> None:
    parsed = parse_delimited((FIXTURES / "deck.csv").read_text("utf-8"), "deck.csv", ",")
    assert len(parsed.items) == 3
    slo, drift, shard = parsed.items
    assert slo.category == "mlops" and slo.level == "basic" and slo.kind == "concept"
    assert slo.tags == ["reliability", "slo"]
    assert slo.key_points == [
        "Names a measurable metric",
        "Sets a target and a window",
        "Is stricter than the SLA",
    ]
    assert slo.follow_ups == ["How do you pick the window?"]
    assert drift.category is None and drift.key_points == [] and drift.line == 3
    assert shard.tags == ["vector-db", "scaling"] and len(shard.key_points) == 3


def test_tsv_and_semicolon_lists() -> None:
    parsed = parse_delimited((FIXTURES / "deck.tsv").read_text("utf-8"), "deck.tsv", "\t")
    assert [i.question for i in parsed.items] == ["What is MLOps?", "What is a canary release?"]
    assert parsed.items[0].tags == ["basics", "process"]


def test_csv_missing_columns_is_one_clear_error() -> None:
    with pytest.raises(UserError) as err:
        parse_delimited(
            (FIXTURES / "missing-columns.csv").read_text("utf-8"), "missing-columns.csv", ","
        )
    message = str(err.value)
    assert message.startswith(
        "missing-columns.csv: missing column(s) answer (found: prompt, notes)"
    )
    assert "\n" not in message


def test_csv_rows_without_an_answer_are_skipped_with_a_warning() -> None:
    parsed = parse_delimited("question,answer\nWhat is X?,\nWhat is Y?,Why.\n", "d.csv", ",")
    assert [i.question for i in parsed.items] == ["What is Y?"]
    assert parsed.warnings == ["line 2: empty answer; row skipped"]


def test_jsonl_keys_lists_and_blank_lines() -> None:
    parsed = parse_jsonl((FIXTURES / "deck.jsonl").read_text("utf-8"), "deck.jsonl")
    assert len(parsed.items) == 3
    lora, dpo, agent = parsed.items
    assert lora.tags == ["peft", "lora"] and lora.key_points[0] == "Freezes the base model"
    assert dpo.question == "When would you choose DPO over PPO?"
    assert dpo.follow_ups == ["What data quality problems hurt DPO?"]
    assert agent.line == 4 and agent.kind == "concept"


def test_jsonl_errors_name_the_line() -> None:
    with pytest.raises(UserError, match=r"^d.jsonl:2: not valid JSON .*; fix or remove that line$"):
        parse_jsonl('{"question": "q", "answer": "a"}\n{"question": \n', "d.jsonl")
    with pytest.raises(
        UserError,
        match=r"^d.jsonl:2: expected a JSON object .* found a list; fix or remove that line$",
    ):
        parse_jsonl('{"question": "q", "answer": "a"}\n["not", "an", "object"]\n', "d.jsonl")
    with pytest.raises(UserError, match=r"^d.jsonl: no object has an answer key; give each one"):
        parse_jsonl('{"question": "q"}\n{"q": "r", "notes": "s"}\n', "d.jsonl")


def test_jsonl_line_without_an_answer_is_skipped_with_a_warning_as_csv_rows_are() -> None:
    text = (
        '{"question": "What is DPO?", "answer": "Preference optimisation on pairs."}\n'
        '{"question": "No answer here?"}\n'
        '{"question": "Empty one?", "answer": "  "}\n'
        '{"q": "What is ORPO?", "a": "Odds-ratio preference optimisation."}\n'
    )
    parsed = parse_jsonl(text, "d.jsonl")
    assert [i.question for i in parsed.items] == ["What is DPO?", "What is ORPO?"]
    assert parsed.warnings == [
        "line 2: empty answer; line skipped",
        "line 3: empty answer; line skipped",
    ]
    array = parse_jsonl('[{"question": "A?", "answer": "B."}, {"question": "C?"}]', "a.json")
    assert [i.question for i in array.items] == ["A?"]
    assert array.warnings == ["item 2: empty answer; item skipped"]


def test_json_array_and_backup_files() -> None:
    parsed = parse_jsonl('[{"question": "What is X?", "answer": "Y."}]', "a.json")
    assert [i.question for i in parsed.items] == ["What is X?"]
    with pytest.raises(UserError, match="archprep backup; load it with `archprep restore"):
        parse_jsonl('{"format": "archprep-backup", "tables": {}}', "b.json")


def test_pdf_questions_across_pages_with_wrapped_lines() -> None:
    data = make_pdf([
        "Serving questions\n"
        "1. What is dynamic batching and when does it help latency as well as throughput in a "
        "busy inference service?\n"
        "Dynamic batching groups requests that arrive within a short window into one forward "
        "pass. It raises throughput on GPUs because one large multiplication is cheaper than "
        "many small ones, and under heavy load it also lowers tail latency.\n"
        "2. Why do you warm up a model server before sending it traffic?\n"
        "The first requests pay for lazy initialisation: loading weights and compiling kernels.",
        "3. How do you roll back a bad model quickly?\n"
        "Keep the previous version deployed and switch the router back in one step.",
    ])  # fmt: skip
    parsed = parse_pdf(data, "serving.pdf")
    assert [i.question for i in parsed.items] == [
        "What is dynamic batching and when does it help latency as well as throughput in a busy "
        "inference service?",
        "Why do you warm up a model server before sending it traffic?",
        "How do you roll back a bad model quickly?",
    ]
    assert parsed.items[0].answer == (
        "Dynamic batching groups requests that arrive within a short window into one forward "
        "pass. It raises throughput on GPUs because one large multiplication is cheaper than "
        "many small ones, and under heavy load it also lowers tail latency."
    )
    assert (
        parsed.items[2].answer
        == "Keep the previous version deployed and switch the router back in one step."
    )


def test_pdf_statement_questions_that_wrap_in_a_bold_font_are_rejoined() -> None:
    answer = (
        "The answer explains the trade-off in a few plain sentences. It runs across the page "
        "more than once, so the page has a clear right margin for the reflow to measure. A "
        "second sentence keeps going for the same reason and ends here."
    )
    questions = [
        "Explain how you would run a gradual rollout of a new ranking model across several "
        "regions with automated rollback.",
        "Design the feature pipeline for a fraud model that scores card payments within fifty "
        "milliseconds at peak load.",
        "What is the difference between offline and online evaluation of a recommender system "
        "in production?",
    ]
    parsed = parse_pdf(make_pdf_with_bold_questions([(q, answer) for q in questions]), "x.pdf")
    assert [i.question for i in parsed.items] == questions
    assert all(i.answer == answer for i in parsed.items)


def test_utf16_without_a_byte_order_mark_is_recognised() -> None:
    text = "Q: What is a café?\nA: A place to sit.\n"
    assert utf16_without_bom(text.encode("utf-16-le"))
    assert utf16_without_bom(text.encode("utf-16-be"))
    assert not utf16_without_bom(text.encode("utf-16"))  # with a BOM it decodes as it is
    assert not utf16_without_bom(text.encode("utf-8"))
    assert not utf16_without_bom(bytes(range(256)) * 4)


def test_reflow_joins_wrapped_lines_and_hyphenation() -> None:
    page = "A long line of text that runs all the way to the right margin of the infra-\nstructure page\nShort.\n- item"
    assert (
        reflow(page)
        == "A long line of text that runs all the way to the right margin of the infrastructure page\nShort.\n- item"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage without xref", "the PDF is damaged"),
        (b"just text", "not a PDF"),
    ],
)
def test_broken_pdfs_are_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(UserError, match=message) as err:
        parse_pdf(data, "broken.pdf")
    assert str(err.value).startswith("broken.pdf: ") and "\n" not in str(err.value)


def test_pdf_without_text_layer() -> None:
    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(UserError, match="no text layer"):
        parse_pdf(bytes(pdf.output()), "scan.pdf")


def test_apkg_notes_fields_tags_and_deck(tmp_path: Path) -> None:
    path = tmp_path / "deck.apkg"
    make_apkg(path, [
        ("What is <b>RRF</b>?", "Reciprocal rank fusion:<br>sum of 1/(k + rank)", ["rag", "fusion"]),
        ("The {{c1::KV cache}} stores keys and values.", "", ["llm"]),
        ("Empty back?", "", []),
    ])  # fmt: skip
    parsed = parse_apkg(path.read_bytes(), "deck.apkg", 10_000_000)
    assert [(i.question, i.answer) for i in parsed.items] == [
        ("What is RRF?", "Reciprocal rank fusion:\nsum of 1/(k + rank)"),
        ("The […] stores keys and values.", "KV cache"),
    ]
    assert parsed.items[0].tags == ["rag", "fusion"] and parsed.items[0].category == "RAG"
    assert len(parsed.warnings) == 1 and "empty answer" in parsed.warnings[0]


def test_apkg_sound_tags_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "audio.apkg"
    make_apkg(path, [("[sound:q.mp3]What is RRF?", "Rank fusion. [sound:a.mp3]", [])])
    parsed = parse_apkg(path.read_bytes(), "audio.apkg", 10_000_000)
    assert [(i.question, i.answer) for i in parsed.items] == [("What is RRF?", "Rank fusion.")]


def test_apkg_that_is_not_a_collection(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("collection.anki2", b"this is not sqlite")
    with pytest.raises(UserError, match=r"^x.apkg: not a valid Anki collection"):
        parse_apkg(buf.getvalue(), "x.apkg", 10_000_000)
    with pytest.raises(UserError, match="damaged"):
        parse_apkg(b"PK\x03\x04 truncated", "x.apkg", 10_000_000)
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("collection.anki21b", b"zstd")
    with pytest.raises(UserError, match="Support older Anki versions"):
        parse_apkg(empty.getvalue(), "new.apkg", 10_000_000)


BANK_FORMAT = """---
id: rag/rerankers
question: When would you add a cross-encoder reranker to vector search?
category: rag
kind: concept
level: advanced
tags: [rerank]
key_points:
- text: It reads query and passage together, so it judges relevance more precisely
  weight: 2
- It is too slow for the whole corpus, so it re-ranks a short candidate list
follow_ups:
- How many candidates would you re-rank?
---
## Why

It is slower than a dot product but far more precise.

## Alternatives

Late interaction.
"""


def test_a_file_in_the_banks_own_format_is_one_question() -> None:
    from archprep.importers.text import parse_text

    parsed = parse_text(BANK_FORMAT, markdown=True)
    assert len(parsed.items) == 1  # not one per section heading
    item = parsed.items[0]
    assert item.question == "When would you add a cross-encoder reranker to vector search?"
    assert (item.category, item.kind, item.level, item.tags) == (
        "rag",
        "concept",
        "advanced",
        ["rerank"],
    )
    assert item.key_points[0].startswith("It reads query and passage together")
    assert item.follow_ups == ["How many candidates would you re-rank?"]
    assert item.answer.startswith("## Why") and "Late interaction." in item.answer


def test_a_notes_apps_front_matter_is_set_aside() -> None:
    from archprep.importers.text import parse_text

    parsed = parse_text("---\ntitle: My notes\ntags: [x]\n---\n\nQ: What is RRF?\nA: Rank fusion.\n",
                        markdown=True)  # fmt: skip
    assert [(i.question, i.answer) for i in parsed.items] == [("What is RRF?", "Rank fusion.")]
