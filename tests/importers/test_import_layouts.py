"""Q&A extraction over our own fixtures: one file per page layout, answers kept whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from archprep.importers.document import Parsed
from archprep.importers.text import parse_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def parse(name: str) -> Parsed:
    return parse_text((FIXTURES / name).read_text("utf-8"), markdown=name.endswith(".md"))


def test_numbered_list_with_capitalised_sections_and_nested_steps() -> None:
    parsed = parse("numbered-dot.txt")
    assert [i.question for i in parsed.items] == [
        "What is continuous batching and why does it raise GPU utilisation?",
        "How would you size a fleet for an LLM service with a 2 second p95 target?",
        "Explain why quantising weights to INT4 can hurt some tasks more than others.",
        "Which signals tell you that a retrieval system is degrading?",
        "What would you put on the first dashboard for a new model in production?",
    ]
    assert [i.category for i in parsed.items] == ["SERVING"] * 3 + ["MONITORING"] * 2
    sizing = parsed.items[1].answer
    # The answer's own numbered steps stay in the answer; they are not questions.
    assert "1. Find the highest request rate" in sizing
    assert sizing.endswith("multiply by GPUs per replica for the fleet.")
    assert "Typical gains are two to four times" in parsed.items[0].answer
    last = parsed.items[-1].answer
    assert last.endswith("the quality metric the business cares about.")
    assert "Back to top" not in last and "All rights reserved" not in last


def test_numbering_glued_to_the_text_with_counted_sections() -> None:
    parsed = parse("numbered-glued.txt")
    assert len(parsed.items) == 5
    assert (
        parsed.items[0].question
        == "Explain the difference between precision and recall in plain words."
    )
    assert [i.category for i in parsed.items] == ["Foundations"] * 3 + ["Systems"] * 2
    regularisation = parsed.items[1].answer
    assert "```\n# L2 penalty in a loss\nloss = data_loss + lam" in regularisation
    assert regularisation.endswith("The effect is lower variance at the price of a little bias.")
    # The section title and its count line are not left at the end of the previous answer.
    assert "Systems" not in parsed.items[2].answer and "2 questions" not in parsed.items[2].answer
    assert parsed.items[4].answer.count("\n  - ") == 3  # the • bullets become Markdown items


def test_q_and_a_prefixes_in_their_usual_spellings() -> None:
    parsed = parse("q-prefixed.txt")
    assert [i.question for i in parsed.items] == [
        "What is a vector index and when do you need one?",
        "How do you evaluate a retrieval-augmented generation pipeline?",
        "What is the difference between a model registry and an experiment tracker?",
        "When is fine-tuning a better choice than prompting?",
    ]
    assert parsed.items[0].answer.startswith("A vector index organises embeddings")
    assert parsed.items[3].answer.startswith("When the behaviour you need")
    assert "For generation, measure faithfulness" in parsed.items[1].answer


def test_markdown_headings_sections_and_subheadings() -> None:
    parsed = parse("headings.md")
    assert [i.question for i in parsed.items] == [
        "What is hybrid search?",
        "How do you choose a chunk size?",
        "Why do GPU nodes sit idle during training?",
        "Explain blue-green deployment.",
    ]
    assert [i.category for i in parsed.items] == ["Retrieval"] * 2 + ["Operations"] * 2
    chunk = parsed.items[1].answer
    assert "#### A quick experiment" in chunk and "```python\nfor size in" in chunk
    assert chunk.endswith("Keep the size with the best recall at five.")
    assert "**Fix:** profile the step" in parsed.items[2].answer


def test_expandable_questions_with_markers_on_the_line_or_below() -> None:
    parsed = parse("expanders.txt")
    assert [i.question for i in parsed.items] == [
        "What is a model gateway?",
        "How do you prevent prompt injection from leaking data?",
        "Describe a time you had to say no to a stakeholder.",
        "Why would you cache embeddings?",
    ]
    assert parsed.items[1].answer.startswith("Treat all retrieved")
    assert parsed.items[1].answer.endswith("as well as what enters it.")
    assert "Expand" not in parsed.items[1].answer
    last = parsed.items[-1].answer
    assert "newsletter" not in last and "Share" not in last
    assert all("cookies" not in i.answer for i in parsed.items)


def test_two_column_markdown_table() -> None:
    parsed = parse("table.md")
    assert [i.question for i in parsed.items] == [
        "What is perplexity?",
        "What does temperature control?",
        "What is a context window?",
    ]
    assert parsed.items[2].answer == (
        "The maximum number of tokens the model can attend to in one request, prompt and output together."
    )


def test_quoted_questions_with_the_answer_on_the_same_line() -> None:
    parsed = parse("quoted-inline.txt")
    assert [i.question for i in parsed.items] == [
        "What is an embedding?",
        "Why use a reranker?",
        "What is speculative decoding?",
    ]
    assert parsed.items[1].answer.startswith("It reads the query and each candidate together")
    assert parsed.items[2].answer.startswith("A small draft model proposes")


def test_prose_questions_followed_by_bulleted_answers() -> None:
    parsed = parse("prose-bullets.txt")
    assert len(parsed.items) == 3
    assert parsed.items[0].answer.splitlines() == [
        "- Route easy requests to a smaller model.",
        "- Cache answers to repeated questions.",
        "- Trim prompts and cap output length.",
        "- Batch offline workloads at night.",
    ]
    assert parsed.items[2].answer.startswith("Resolution rate without a human")


def test_mojibake_is_repaired() -> None:
    parsed = parse("mojibake.txt")
    assert (
        parsed.items[0].question
        == "What’s the difference between a bi-encoder and a cross-encoder?"
    )
    assert (
        "so it’s fast" in parsed.items[0].answer and "together — slower" in parsed.items[0].answer
    )
    assert all("â€" not in i.question + i.answer for i in parsed.items)


@pytest.mark.parametrize(
    "text", ["", "   \n\n", "Just a paragraph of prose without any question in it."]
)
def test_text_without_questions_yields_nothing(text: str) -> None:
    assert parse_text(text, markdown=False).items == []


def test_question_without_an_answer_is_reported_not_imported() -> None:
    parsed = parse_text(
        "Q: What is drift?\nA: A change in data.\n\nQ: What is skew?\n", markdown=False
    )
    assert [i.question for i in parsed.items] == ["What is drift?"]
    assert parsed.warnings == ["line 4: 'What is skew?' has no answer; skipped"]


def test_question_wrapped_over_two_lines_is_joined() -> None:
    text = "1. What is the difference between dynamic batching and\ncontinuous batching?\nOne waits for a batch to fill; the other admits requests at every step.\n"
    parsed = parse_text(text, markdown=False)
    assert parsed.items[0].question == (
        "What is the difference between dynamic batching and continuous batching?"
    )
    assert parsed.items[0].answer.startswith("One waits")


def test_numbered_items_not_phrased_as_questions_fill_gaps_in_the_numbering() -> None:
    text = (
        "1. A bank wants fraud detection at 100k TPS. Design it.\nUse streaming features.\n"
        "2. A retailer needs forecasts for 50k SKUs. How would you build it?\nHierarchical models.\n"
        "3. Bias and variance\nThe trade-off between them.\n"
        "4. What is dropout?\nSteps:\n1. Pick a rate\n2. Zero activations at random\n\n"
        "5. What is batch norm?\nNormalising activations.\n"
    )
    parsed = parse_text(text, markdown=False)
    assert [i.question for i in parsed.items] == [
        "A bank wants fraud detection at 100k TPS. Design it.",
        "A retailer needs forecasts for 50k SKUs. How would you build it?",
        "Bias and variance",
        "What is dropout?",
        "What is batch norm?",
    ]
    assert parsed.items[3].answer == "Steps:\n1. Pick a rate\n2. Zero activations at random"


def test_tables_inside_heading_answers_stay_in_those_answers() -> None:
    parsed = parse("headings-tables.md")
    questions = [i.question for i in parsed.items]
    assert questions[:2] == [
        "Design a rate limiter for an LLM gateway",
        "How would you tell data drift from concept drift?",
    ]
    # No table cell became a question ("0.5 drop" is not read as item 0 either).
    assert not any(q.startswith(("tokens per", "PSI", "5 drop", "0.5")) for q in questions)
    limiter = parsed.items[0].answer
    assert "| tokens per minute | gateway |" in limiter
    assert limiter.endswith("Keep the counters in Redis so every gateway replica sees them.")
    drift = parsed.items[1].answer
    assert drift.endswith("| 0.5 drop in precision | concept drift |")
    assert "Quick checks" not in drift and "| Question | Answer |" not in drift


def test_question_table_under_its_own_section_joins_the_heading_questions() -> None:
    parsed = parse("headings-tables.md")
    assert [(i.category, i.question) for i in parsed.items[2:]] == [
        ("Quick checks", "What is a token bucket?"),
        ("Quick checks", "Why shard counters?"),
        ("Quick checks", "What is a leaky bucket?"),
    ]
    assert parsed.items[2].answer == (
        "A counter refilled at a fixed rate; each request spends from it."
    )


def test_questions_of_another_layout_kept_inside_an_answer_are_warned_about() -> None:
    parsed = parse("headings-tables.md")
    assert "What is a sliding window log?" in parsed.items[-1].answer
    assert parsed.warnings == []  # nothing was skipped, so the count of skipped stays 0
    assert parsed.notices == [
        "line 33: 'What is a sliding window log?' looks like a question (quoted or bold "
        "questions), but the page's main layout is headings and tables, so it was kept as "
        "answer text; write it in that layout to import it as a question"
    ]


def test_a_data_table_in_an_answer_does_not_outvote_numbered_questions() -> None:
    text = (
        "1. What does PSI measure?\nHow far a feature's distribution moved.\n\n"
        "| PSI | meaning |\n|---|---|\n| < 0.1 | none |\n| 0.1-0.25 | moderate |\n"
        "| > 0.25 | significant |\n\n"
        "2. What does KL divergence measure?\nThe extra bits one distribution costs the other.\n"
    )
    parsed = parse_text(text, markdown=True)
    assert [i.question for i in parsed.items] == [
        "What does PSI measure?",
        "What does KL divergence measure?",
    ]
    assert parsed.items[0].answer.endswith("| > 0.25 | significant |")


def test_a_table_of_terms_alone_is_still_read_as_cards() -> None:
    parsed = parse_text(
        "| Perplexity | The exponential of the mean negative log-likelihood. |\n"
        "| Temperature | How peaked the sampling distribution is. |\n",
        markdown=True,
    )
    assert [i.question for i in parsed.items] == ["Perplexity", "Temperature"]


def test_details_summary_faq_in_markdown() -> None:
    parsed = parse("details-faq.md")
    assert [(i.question, i.answer) for i in parsed.items] == [
        (
            "What does a reranker add to vector search?",
            "It reads the query and each candidate together, so it can order the short list "
            "more precisely.",
        ),
        (
            "Why keep top_k small before reranking?",
            "Each candidate costs one cross-encoder pass, so latency grows with the list.",
        ),
        (
            "How do you test a retrieval change?",
            "Replay a fixed set of queries and compare recall at five before and after.",
        ),
    ]  # the paragraph after the last </details> answers nothing


def test_details_summary_faq_in_plain_text() -> None:
    text = (
        "<details><summary>What is RAG fusion?</summary>\n"
        "Run several rewrites of the query and fuse their rankings.\n</details>\n"
        "<details><summary>What is HyDE?</summary>Embed a drafted answer and search with it."
        "</details>\n"
    )
    parsed = parse_text(text, markdown=False)
    assert [(i.question, i.answer) for i in parsed.items] == [
        ("What is RAG fusion?", "Run several rewrites of the query and fuse their rankings."),
        ("What is HyDE?", "Embed a drafted answer and search with it."),
    ]


def test_a_summary_tag_that_never_closes_is_kept_as_text() -> None:
    text = (
        "Q: How do you fold an answer on GitHub?\nA: Put it in a details block.\n"
        "<summary>left open\nsecond line\nthird line\nfourth line\nfifth line\n"
        "Q: What is next?\nA: More notes.\n"
    )
    parsed = parse_text(text, markdown=True)
    assert [i.question for i in parsed.items] == [
        "How do you fold an answer on GitHub?",
        "What is next?",
    ]
    assert parsed.items[0].answer.endswith("<summary>left open\nsecond line\nthird line"
                                           "\nfourth line\nfifth line")  # fmt: skip


def test_japanese_q_and_a_with_full_width_punctuation() -> None:
    parsed = parse("ja-qa.txt")
    assert [(i.question, i.answer, i.category) for i in parsed.items] == [
        ("埋め込みベクトルとは何ですか?", "文章の意味を数値の並びで表したものです。", None),
        (
            "再ランキングはなぜ使いますか?",
            "検索候補を質問と一緒に読み直し、順位をより正確にするためです。",
            None,
        ),
    ]
    assert parsed.warnings == []


def test_only_letters_that_have_case_make_a_line_in_capitals() -> None:
    # "AI の基礎" is mostly letters without case: it is not a line in capitals, so as the
    # page's only title-like line it stays the end of the answer above it.
    text = (
        "SERVING\n\nQ: What is vLLM?\nA: A serving engine.\n\nAI の基礎\n\n"
        "Q: What is TGI?\nA: Another one.\n"
    )
    parsed = parse_text(text, markdown=False)
    assert [i.category for i in parsed.items] == ["SERVING", "SERVING"]
    assert parsed.items[0].answer.endswith("AI の基礎")


def test_statement_question_wrapped_onto_the_next_line_is_rejoined() -> None:
    text = (
        "1. Explain the architecture of a multi-agent system orchestrating complex\n"
        "workflows.\n"
        "A supervisor splits the task and specialised agents pick the parts up.\n\n"
        "2. Bias and variance\n"
        "the trade-off between them.\n\n"
        "3. What is dropout?\nZeroing activations at random.\n"
    )
    parsed = parse_text(text, markdown=False)
    assert [(i.question, i.answer) for i in parsed.items] == [
        (
            "Explain the architecture of a multi-agent system orchestrating complex workflows.",
            "A supervisor splits the task and specialised agents pick the parts up.",
        ),
        # A lower-case line that is the whole answer is not taken for the question's tail.
        ("Bias and variance", "the trade-off between them."),
        ("What is dropout?", "Zeroing activations at random."),
    ]
