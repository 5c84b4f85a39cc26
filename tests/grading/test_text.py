"""Sentence splitting, stemming, shapes (explanations vs term lists), negation and numbers."""

from __future__ import annotations

from archprep.grading.misconceptions import polarity
from archprep.grading.numbers import extract_numbers, has_arithmetic, numbers_disagree, quantities
from archprep.grading.text import head, sentence_shape, split_sentences, stem, tokens


def test_sentences_respect_markdown_and_abbreviations() -> None:
    text = (
        "### Definitions\n\n- **Data drift** is a change in P(X), e.g. a new region.\n"
        "- Concept drift is a change in P(Y|X). It needs labels.\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert split_sentences(text) == [
        "Definitions",
        "Data drift is a change in P(X), e.g. a new region.",
        "Concept drift is a change in P(Y|X).",
        "It needs labels.",
    ]


def test_stems_match_inflections() -> None:
    assert stem("evaporated") == stem("evaporation") == stem("evaporate")
    assert stem("retries") == stem("retry")
    assert stem("re-ranking") == stem("re-rank")
    assert tokens("P(Y|X) is 0.1% of the user's 100k TPS") == [
        "p(y|x)", "is", "0.1%", "of", "the", "user", "100k", "tps",
    ]  # fmt: skip


def test_a_term_list_is_not_an_explanation() -> None:
    listed = sentence_shape(
        "Data drift, covariate shift, P(X), concept drift, P(Y|X), PSI, labels."
    )
    assert listed.list_like and not listed.explanatory
    said = sentence_shape("Data drift is a change in the input distribution, so check PSI first.")
    assert said.explanatory and not said.list_like
    enumeration = sentence_shape(
        "BM25 is great when the query contains exact strings, like product codes, error numbers, "
        "names or rare terms, while dense embeddings handle paraphrases."
    )
    assert enumeration.explanatory


def test_a_terse_note_with_a_verb_or_an_equation_is_a_statement() -> None:
    note = sentence_shape(
        "Transformers: tiny per-GPU batches, padding and variable lengths make batch statistics "
        "noisy."
    )
    assert note.explanatory and not note.list_like
    assert sentence_shape(
        "Failover time = detection + DNS propagation ≈ 90 s worst case."
    ).explanatory
    # Many short items stay a list, verbs or not.
    listed = sentence_shape(
        "Frozen base, trained adapters, rank r, alpha, merged weights, no latency."
    )
    assert listed.list_like


def test_negation_scope_covers_the_next_few_words() -> None:
    p = polarity("Data drift does not necessarily reduce accuracy, so investigate it")
    assert {"necessari", "reduc", "accuraci"} <= p.negated and "investigat" in p.clean
    assert not polarity("Retrain not only on new data but on old data").negated
    assert "cach" in polarity("Caching is pointless here").dismissed


def test_numbers_and_arithmetic() -> None:
    found = extract_numbers("100k TPS × 3 entities = 300k reads/s at 50 ms p99 and 0.1% fraud")
    assert found == ["100k", "3", "300k", "50 ms", "0.1%"]
    assert has_arithmetic("7B params x 2 bytes = 14 GB")
    assert not has_arithmetic("we run 3 shards and 5 replicas")
    assert quantities("about 41.9M parameters, 256–512 tokens, k ≈ 60") == [
        (41.9e6, "parameter"), (256.0, "token"), (512.0, "token"), (60.0, "k"),
    ]  # fmt: skip
    assert numbers_disagree("adds about 41.9M parameters", "roughly 4 billion parameters")
    assert not numbers_disagree("chunks of 256–512 tokens", "I use 400-token chunks")


def test_shares_of_different_things_are_not_compared() -> None:
    example = "A model at 90% recall and 1% false-positive rate looks excellent on a ROC curve"
    assert not numbers_disagree(example, "at 0.1 percent positives ROC-AUC can still be 0.95", 4)
    assert numbers_disagree("send 5% of traffic to the canary", "send 50% of traffic first", 2)


def test_a_rate_is_not_compared_with_a_total() -> None:
    answer = "5 million documents at roughly 20 chunks each is 100 million vectors, 3 GPUs/node"
    assert quantities(answer) == [(5e6, "docu"), (20, "chunk/each"), (3, "gpus/each")]
    assert not numbers_disagree("100M chunks × 1024 dims × 1 byte ≈ 102 GB", answer, 2)
    assert numbers_disagree("about 500 tokens per chunk", "I split at 20 tokens per chunk", 2)
    assert numbers_disagree("constants cost about 0.127 bits per parameter", "down to 2 bits", 2)


def test_a_range_lends_its_unit_to_a_bare_number_either_way() -> None:
    point = "the constants shrink from about 0.5 to about 0.127 bits per parameter"
    said = "their overhead drops from roughly 0.5 bits per parameter to about 0.127"
    assert quantities(point) == quantities(said) == [(0.5, "bit/each"), (0.127, "bit/each")]
    assert quantities("we went from 3 replicas to 12") == [(3, "replicas"), (12, "replicas")]
    assert not numbers_disagree(point, said, 2)


def test_coordinated_figures_share_the_last_unit() -> None:
    said = (
        "one call is 150 input and 5 output tokens, another 120,000 input and 2,000 output tokens"
    )
    assert [u for _v, u in quantities(said)] == ["token"] * 4
    assert not numbers_disagree(said, "a call may carry a 100k-token document", 4)


def test_results_bits_and_daily_rates() -> None:
    # What follows "=" is the result of the sum, a stated figure.
    assert (45, "ms") in quantities("10 ms queue + 15 ms model + 20 ms rerank = 45 ms")
    assert not numbers_disagree("a budget that sums to 45 ms", "10 ms + 15 ms + 20 ms = 45 ms", 2)
    # Gigabits are not gigabytes.
    assert quantities("a 1,120 Gb transfer") == [] and quantities("140 GB of weights") == [
        (140, "gb")
    ]
    said = "50k documents × 45 s = 2.25M s = 625 hours/day, about 78 people on 8-hour shifts"
    assert not numbers_disagree("about 625 hours of review a day", said, 2)


def test_a_figure_that_ends_the_sentence_is_read() -> None:
    assert quantities("Fifty random trials find it with probability 92%.") == [(92.0, "%")]
    assert quantities("It runs 3x.") == [(3.0, "x")]
    assert quantities("The ratio is 1.5 GB.") == [(1.5, "gb")]
    # A decimal point is still part of its number.
    assert quantities("It takes 2.75 GB") == [(2.75, "gb")]
    point = "Fifty random trials hit the top 5% with probability 1 − 0.95^50 ≈ 92%"
    said = "If the best 5% counts as good, fifty random trials hit it with probability ≈ 92%."
    assert not numbers_disagree(point, said)


def test_a_figure_from_the_points_own_sum_or_parts_that_add_up_agree() -> None:
    point = "Plan for 500 requests/s × 3,000 prompt tokens = 1.5M prompt tokens/s of prefill"
    assert not numbers_disagree(point, "Each request brings about 3,000 prompt tokens.", 2)
    assert numbers_disagree(point, "Each request brings about 300 prompt tokens.", 2)
    budget = "Split an end-to-end budget of 200 ms p99 across the stages"
    parts = "Budget: 20 ms network, 60 ms retrieval, 90 ms generation and 30 ms slack."
    assert not numbers_disagree(budget, parts, 2)
    assert numbers_disagree(budget, "Budget: 20 ms network and 30 ms retrieval.", 2)
    # A term of a sum in a unit the point states no figure in is compared with nothing.
    assert not numbers_disagree("About 2 × 32 layers × 4 KiB = 256 KiB", "It has 80 layers.", 2)


def test_head_cuts_after_a_word() -> None:
    assert head("short enough", 20) == "short enough"
    assert head("the quick brown fox jumps", 18) == "the quick brown"
    assert head("one\nlongwordwithoutspaces", 20) == "one\nlongwordwithouts"  # no late word end
