"""Misconceptions: swapped paired terms, flipped negation, inverted comparisons and relations."""

from __future__ import annotations

import pytest

from archprep.bank.model import Question
from archprep.grading import Grader
from archprep.grading.misconceptions import (
    Target,
    evidence_contradiction,
    find_misconceptions,
    inverted_comparison,
    negation_flip,
    reversed_relation,
    swapped_in_evidence,
    swapped_terms,
)
from archprep.grading.pairs import CURATED, rubric_pairs

KPS = [
    Target(
        "Data (covariate) drift is a change in the input distribution P(X) while the "
        "input-to-label relationship may hold",
        0,
    ),
    Target(
        "Concept drift is a change in P(Y|X), so the same inputs now map to different outcomes", 1
    ),
    Target(
        "Data drift is detectable immediately from inputs; concept drift usually needs labels", 2
    ),
    Target("Data drift does not necessarily reduce accuracy, so it is a signal to investigate", 3),
]


def test_swapped_drift_terms_are_caught() -> None:
    hit = swapped_terms(
        "Data drift is a change in P(Y|X): the same inputs map to new outcomes.", KPS
    )
    assert hit is not None and hit[0].key_point == 1 and "concept drift" in hit[1]
    hit = swapped_terms("Concept drift is a change in the input distribution P(X).", KPS)
    assert hit is not None and hit[0].key_point == 0
    hit = swapped_terms(
        "Concept drift shows up immediately from inputs, while data drift needs labels.", KPS
    )
    assert hit is not None and hit[0].key_point == 2


def test_correct_statements_are_not_flagged() -> None:
    for sentence in (
        "Data drift is a change in P(X) while concept drift is a change in P(Y|X).",
        "Concept drift means the same inputs now lead to different outcomes.",
        "Data drift doesn't necessarily hurt accuracy, so investigate before retraining.",
        "It is not the same as concept drift, which changes P(Y|X).",
    ):
        assert find_misconceptions([sentence], KPS) == [], sentence


def test_negation_flip() -> None:
    hit = negation_flip(
        "Data drift always reduces accuracy, so it signals failure to investigate.", KPS
    )
    assert hit is not None and hit.key_point == 3


def test_inverted_comparisons() -> None:
    targets = [Target("Larger chunks improve recall but lower precision", 0)]
    assert inverted_comparison("Larger chunks reduce recall and raise precision.", targets)
    assert inverted_comparison("Larger chunks improve recall but hurt precision.", targets) is None
    faster = [Target("A bi-encoder is faster than a cross-encoder but less accurate", 0)]
    assert inverted_comparison("A cross-encoder is faster than a bi-encoder.", faster)
    # "slower TPOT" means a higher TPOT: speed words are not compared with quantity words
    tpot = [Target("Larger decode batches raise total tokens per second but increase TPOT", 0)]
    assert (
        inverted_comparison(
            "Bigger batches raise tokens per second but each user sees slower TPOT.", tpot
        )
        is None
    )


def test_reversed_relation() -> None:
    targets = [Target("Data drift usually causes a drop in accuracy", 0)]
    assert reversed_relation("A drop in accuracy usually causes data drift.", targets)
    assert reversed_relation("Data drift often causes an accuracy drop.", targets) is None


def test_rubric_pairs_from_the_question_and_key_points() -> None:
    pairs = rubric_pairs(
        "Explain dynamic batching versus continuous batching.",
        [
            "Top-k samples from k tokens; top-p samples from a nucleus",
            "Feast is open source, while Tecton is managed",
        ],
    )
    labels = {p[2] for p in pairs}
    assert {"dynamic batching / continuous batching", "top-k / top-p", "feast / tecton"} <= labels
    kps = [
        Target("Dynamic batching groups requests arriving within a short wait window", 0),
        Target(
            "Continuous batching schedules at every decode step, adding and removing sequences", 1
        ),
    ]
    found = find_misconceptions(
        ["Continuous batching groups requests that arrive within a short wait window."],
        kps,
        question="Explain dynamic batching versus continuous batching.",
    )
    assert [(m.kind, m.key_point) for _i, m in found] == [("swapped-terms", 0)]


def test_rubric_pairs_after_instead_of_may_skip_a_modifier() -> None:
    kps = [
        "Prefer a fixed pipeline when the steps are known in advance",
        "An orchestrator earns its cost only when the path cannot be known up front",
        "Central training keeps raw data in one place",
    ]
    question = "When do you build a fixed pipeline instead of an adaptive orchestrator?"
    assert "pipeline / orchestrator" in {p[2] for p in rubric_pairs(question, kps)}
    # A gerund starts a verb phrase, and "A or B" may join two modifiers of one noun.
    other = "Why use central training instead of shipping models to phones, or federated training?"
    labels = {p[2] for p in rubric_pairs(other, kps)}
    assert not any(label.startswith("training /") for label in labels)
    found = find_misconceptions(
        ["My default is an orchestrator even when the steps are known in advance."],
        [Target(k, i) for i, k in enumerate(kps)],
        question=question,
    )
    assert [(m.kind, m.key_point) for _i, m in found] == [("swapped-terms", 0)]


def test_evidence_contradictions() -> None:
    kp = "Rank 16 on all linear layers of Llama-3-8B adds about 41.9M parameters"
    assert evidence_contradiction(
        kp, "For Llama-3-8B that is roughly 4 billion trainable parameters."
    )
    assert evidence_contradiction(kp, "It adds about 42M trainable parameters at rank 16.") is None
    rerank = (
        "Retrieve 50–100 candidates from each retriever, fuse them, then re-rank the fused list"
    )
    hit = evidence_contradiction(
        rerank, "Re-ranking after fusion is pointless because RRF already orders them."
    )
    assert hit is not None and hit[0] == "negation"


def test_a_term_opening_the_sentence_is_its_subject() -> None:
    """Model answers often state each term's definition in its own sentence (as derived key
    points do); a sentence that opens with the wrong term is checked against them."""
    refs = [
        Target("Batch norm computes statistics per channel across the batch.", 0),
        Target("Layer norm computes statistics per sample across the feature dimension.", 1),
    ]
    pairs = rubric_pairs("Batch norm versus layer norm: what does each normalise over?", [])
    hit = swapped_terms("Batch norm normalises each sample across its features.", refs, pairs)
    assert hit is not None and hit[0].key_point == 1
    right = "Layer norm normalises each sample across its features, per token."
    assert swapped_terms(right, refs, pairs) is None
    # A bare list of terms states nothing that could be swapped.
    assert swapped_terms("batch norm, layer norm, features, samples, batches", refs, pairs) is None


def test_bandwidth_bound_is_the_partner_of_compute_bound() -> None:
    hit = evidence_contradiction(
        "Decoding is memory-bandwidth bound, so verifying k tokens costs about one step",
        "It works because decoding is compute bound, so a draft saves FLOPs.",
    )
    assert hit is not None and hit[0] == "swapped-terms" and "compute bound" in hit[1]


def test_no_negates_its_own_noun_phrase_only() -> None:
    point = (
        "Nothing alerted, because every system metric looked healthy: no errors and normal latency."
    )
    said = (
        "Every search technically succeeded at normal latency and error rates, so nothing alerted."
    )
    assert evidence_contradiction(point, said) is None
    assert negation_flip(said, [Target(point, 0)]) is None


def test_recommending_the_other_term_of_a_pair_is_a_swap() -> None:
    """Both metrics are named either way; what the answer gets wrong is which one it
    recommends."""
    point = "Under heavy class imbalance prefer PR-AUC, whose random baseline equals prevalence"
    wrong = (
        "Under heavy imbalance ROC-AUC is the better choice, while PR-AUC's baseline is 0.5, "
        "so I prefer ROC-AUC for fraud."
    )
    hit = evidence_contradiction(point, wrong)
    assert hit is not None and hit[0] == "swapped-terms"
    assert "recommends roc-auc" in hit[1].lower() and "pr-auc" in hit[1]
    right = (
        "With rare positives PR-AUC is the better choice: ROC-AUC stays high even when most "
        "flags are false, so I go with PR-AUC for fraud."
    )
    assert evidence_contradiction(point, right) is None
    # Naming both without recommending either is no swap.
    assert evidence_contradiction(point, "ROC-AUC and PR-AUC both summarise a ranking.") is None
    assert evidence_contradiction(point, "ROC-AUC's the better choice here.") is not None
    # "X over Y" recommends X only when Y is its partner term.
    costly = "When misses are costly, prefer recall over precision"
    assert evidence_contradiction(costly, "Go with precision over recall then.") is not None
    measured = "We track precision over the top 10 results; recall matters when misses cost."
    assert evidence_contradiction(costly, measured) is None


def test_a_recommendation_swap_costs_the_point_in_a_grade(
    grader: Grader, bank: dict[str, Question]
) -> None:
    question = bank["ml-fundamentals/classification-metrics"]
    answer = (
        "Precision is TP over TP plus FP and recall is TP over TP plus FN. Under heavy "
        "imbalance ROC-AUC is the better choice, so I prefer ROC-AUC for fraud problems."
    )
    result = grader.grade(question, answer)
    swaps = [m for m in result.misconceptions if m.kind == "swapped-terms"]
    assert swaps and "ROC-AUC is the better choice" in swaps[0].statement
    assert not any(k.status == "covered" and "PR-AUC" in k.text for k in result.key_points)


def test_agreeing_denials_and_other_subjects_are_no_flip() -> None:
    """A flip needs the same thing denied in one text and stated plainly, of the same
    subject, in the other."""
    # Both deny it; the warehouse is the subject of its own statement afterwards.
    store = [Target("A feature store does not replace the data warehouse", 0)]
    said = "No, a feature store does not replace the warehouse; the data warehouse stays the truth."
    assert negation_flip(said, store) is None
    assert evidence_contradiction(store[0].text, said) is None
    # What a comparison is set against is not what the negation denies.
    domain = [Target("Replicas B and C share the same failure domain", 0)]
    assert negation_flip("Replica A is not in the same failure domain as B and C.", domain) is None
    # A supposition asserts nothing.
    cache = "A cache hit does not call the model"
    assert (
        evidence_contradiction(
            cache, "A hit does not call the model; if it called the model we would pay every time."
        )
        is None
    )
    # "Black absorbs heat and white does not": the plain half stays plain.
    assert (
        evidence_contradiction(
            "Quantised weights cut memory use", "Quantised weights cut memory and fp32 ones do not."
        )
        is None
    )
    # Still a flip, with the subject named or standing as a pronoun.
    temp = "Temperature 0 does not guarantee identical outputs across runs"
    assert negation_flip("At temperature 0 it guarantees identical outputs across runs.",
                         [Target(temp, 0)])  # fmt: skip
    assert evidence_contradiction(temp, "Temperature 0 guarantees identical outputs across runs.")


def test_contrast_phrases_deny_what_they_set_aside() -> None:
    """ "X rather than Y" denies Y of X's subject; "instead of Y, it ..." leaves the subject to a
    clause this reading cannot resolve, so it is not checked."""
    threshold = "Set the decision threshold from the business cost of each error type"
    said = "I keep the default threshold of 0.5 rather than setting it from the business cost of each error type."
    assert evidence_contradiction(threshold, said)
    assert negation_flip(said, [Target(threshold, 0)])
    baseline = [Target("Compare the model against the current human baseline before launch", 0)]
    # A contracted "we'd" is as personal as "we".
    assert negation_flip(
        "We'd compare the model against perfection rather than the current human baseline.",
        baseline,
    )
    assert (
        negation_flip(
            "We'd compare the model against the current human baseline rather than against perfection.",
            baseline,
        )
        is None
    )
    # What is set aside belongs to another subject here: the next clause's, or L2's own.
    paged = "PagedAttention stores the KV cache in fixed-size blocks"
    assert (
        evidence_contradiction(
            paged,
            "Instead of storing the KV cache in one contiguous buffer, PagedAttention stores it in fixed-size blocks.",
        )
        is None
    )
    l2 = "Classic L2 regularisation adds the penalty to the gradient"
    assert (
        evidence_contradiction(
            l2,
            "AdamW applies decay directly to the weights rather than adding an L2 penalty to the gradient.",
        )
        is None
    )


def test_correlatives_compare_how_two_things_move_together() -> None:
    batch = [Target("The larger the batch, the higher the throughput per GPU", 0)]
    # The same relation, told from the other end.
    assert inverted_comparison("The smaller the batch, the lower the throughput.", batch) is None
    assert inverted_comparison("The larger the batch the lower the throughput.", batch)
    # "The closer ..., the more ...": neither half is a one-way claim on its own.
    effort = [Target("If replicas sit farther from users, more latency is added", 0)]
    said = "The farther the replica the more latency, and the closer the replica the less latency."
    assert inverted_comparison(said, effort) is None
    # "Drops" counted is a noun, not a fall.
    retries = [Target("Jittered retries give a higher success rate", 0)]
    said = "The number of drops tells you the success rate."
    assert inverted_comparison(said, retries) is None


def test_an_otherwise_clause_asserts_nothing_on_its_own() -> None:
    """ "otherwise call the model" says what happens on a miss; an answer that skips the call
    on a hit agrees with it."""
    reference = "If the best match clears the threshold, return the cached reply; otherwise call the model and store its reply."
    said = "On a close enough match I return the stored reply without calling the model at all."
    assert evidence_contradiction(reference, said) is None
    assert negation_flip(said, [Target(reference)]) is None
    # Without the "otherwise" the same clause is a plain statement the answer denies.
    plain = "Call the model and store its reply for every incoming question."
    assert evidence_contradiction(plain, "I never call the model and never store its reply.")


def test_not_x_alone_adds_rather_than_denies() -> None:
    point = "Compare the three-year cost of ownership, people and upkeep included, not licence fees alone"
    assert (
        evidence_contradiction(point, "I look at cost over three years, not just the licence fees.")
        is None
    )
    assert evidence_contradiction(
        point, "I only compare licence fees, not the three-year cost of ownership."
    )


def test_a_curated_pair_reads_a_rubric_pair_with_its_synonyms() -> None:
    question = "How do the online store and the offline store of a feature store differ?"
    pairs = rubric_pairs(question, ["The online store serves the latest values at low latency"])
    assert not any(
        p[2] in ("online store / offline store", "offline store / online store") for p in pairs
    )
    reference = [
        Target(
            "Sync jobs write computed features to the offline store and push the newest values online."
        )
    ]
    said = "A sync job pushes computed values from the offline side into the online store."
    assert swapped_terms(said, reference, [*CURATED, *pairs]) is None


def test_a_sentence_about_the_partner_term_is_not_a_swap(grader: Grader) -> None:
    """ "For concept drift, relabel and retrain" matches the concept-drift point better than the
    data-drift one it shares words with, so it is not reported as a swap there."""
    points = [
        "Respond to real data drift by retraining or reweighting only if accuracy on the shifted inputs suffers",
        "Respond to concept drift with fresh labels and a retrain on a recency-weighted window",
    ]
    question = "How should you respond to data drift and to concept drift?"
    said = (
        "When concept drift hits, the fix is fresh labels and a retrain, weighting recent "
        "examples more heavily."
    )
    result = grader.grade(question, said, key_points=points)
    assert result.misconceptions == [], result.misconceptions
    wrong = "When data drift hits, the fix is fresh labels and a retrain, weighting recent examples more heavily."
    result = grader.grade(question, wrong, key_points=points[1:])
    assert [m.kind for m in result.misconceptions] == ["swapped-terms"]


def test_claiming_an_absolute_the_point_rules_out() -> None:
    point = "Guardrail classifiers cut the rate of successful jailbreaks but never reach zero"
    assert evidence_contradiction(
        point, "With good guardrail classifiers the jailbreak success rate goes to zero."
    ) == ("negation", "Claims the absolute the model answer rules out.")
    said = "Guardrail classifiers cut the rate of successful jailbreaks to zero."
    assert negation_flip(said, [Target(point)]) is not None
    assert (
        evidence_contradiction(
            point, "Guardrail classifiers cut the jailbreak success rate, though never to zero."
        )
        is None
    )


def test_wording_that_agrees_is_not_read_as_denial() -> None:
    # "prefer X over Y" sets Y aside as "X instead of Y" does.
    assert (
        evidence_contradiction(
            "Prefer a low-rank adapter over full fine-tuning for a small dataset",
            "For a small dataset, a low-rank adapter instead of full fine-tuning.",
        )
        is None
    )
    # "forbids", "removing", "a poor choice" deny without a "not".
    assert (
        evidence_contradiction(
            "Recourse forbids changes to immutable or protected features",
            "Never suggest changes to immutable or protected features.",
        )
        is None
    )
    assert (
        evidence_contradiction(
            "The new protocol version is stateless, removing the session handshake entirely",
            "There is no session handshake in the new protocol version.",
        )
        is None
    )
    # A sentence that states the target's own relation does not reverse it.
    same = "Run the moderation check alongside generation and cancel generation if the check fails."
    assert reversed_relation(same, [Target(same)]) is None


def test_or_after_an_instruction_supposes() -> None:
    point = "Scale the inputs before clustering so that large-unit columns do not dominate the distances"
    said = "Scale the inputs first, or large-unit columns dominate the distances."
    assert evidence_contradiction(point, said) is None
    assert evidence_contradiction(point, "Large-unit columns dominate the distances after scaling.")


def test_an_optional_step_in_brackets_dismisses_nothing() -> None:
    point = "Only store answers that passed the safety filters, and evict them on a thumbs-down"
    said = (
        "Store an answer only after the safety filters pass it, wait for a second similar "
        "question before storing (optional), and evict on a thumbs-down."
    )
    assert evidence_contradiction(point, said) is None
    hit = evidence_contradiction(point, "Evicting on a thumbs-down is optional, store answers.")
    assert hit is not None and hit[0] == "negation"


def _agrees(point: str, said: str) -> bool:
    """Neither the rubric-wide negation check nor the evidence checks object to ``said``."""
    return (
        negation_flip(said, [Target(point)]) is None and evidence_contradiction(point, said) is None
    )


def test_a_figure_set_aside_is_no_flipped_word() -> None:
    # The point sets the unsharded figure aside ("instead of 16·n·p"); an answer that quotes
    # that figure as the baseline, in other units, contradicts nothing.
    point = "Sharding the optimiser state cuts it to about 16·p/n bytes per GPU instead of 16·n·p"
    said = "Without sharding each of the n GPUs holds 16 bytes per parameter, so 16·p bytes each."
    assert _agrees(point, said)
    # A one-letter symbol is still a word: "cannot merge ... into W" flips "merged into W".
    merged = "The low-rank update can be merged into W after training, so serving adds no latency"
    wrong = "After training the low-rank update cannot be merged into W, so serving adds latency."
    assert evidence_contradiction(merged, wrong) is not None


def test_a_purpose_clause_states_no_fact() -> None:
    # "so X cannot Y" after a step says what the step is for: an answer stating that X can
    # happen without the step agrees with it.
    point = "Report per-segment metrics so a gain on average cannot hide a loss in one segment"
    said = "A gain on average can hide a loss in one segment, so report per-segment metrics."
    assert _agrees(point, said)
    # A consequence is a claim: ", so" or "so" with a plain verb still gets compared.
    claim = "The adapter folds into the weights, so serving has no extra latency"
    wrong = "The adapter never folds into the weights and serving has extra latency."
    assert evidence_contradiction(claim, wrong) is not None
    plain = "The adapter folds into the weights so serving has no extra latency"
    assert evidence_contradiction(plain, wrong) is not None


def test_ruling_out_a_way_under_a_condition_dismisses_nothing() -> None:
    point = "Fetch the user's features once per request and share them across all candidates"
    said = "Scoring 300 candidates in 20 ms is impossible if each candidate fetches the user's features again."
    assert evidence_contradiction(point, said) is None
    dismissal = (
        "Sharing the user's features across candidates is pointless; fetch them per candidate."
    )
    assert evidence_contradiction(point, dismissal) == (
        "negation",
        "Dismisses what the model answer recommends.",
    )


def test_a_participle_after_a_preposition_is_no_relation() -> None:
    point = "Recompute the score on triggering events, with a debounce per customer"
    said = "First decide which events trigger a recomputed score and how fast it must land."
    assert reversed_relation(said, [Target(point)]) is None
    # The verb itself still reads both ways.
    assert (
        reversed_relation(
            "A backfill triggers schema changes.", [Target("Schema changes trigger a backfill")]
        )
        is not None
    )


def test_a_term_in_a_bracketed_aside_is_no_swap() -> None:
    point = "L2 shrinks every weight smoothly and corresponds to a Gaussian prior on the weights"
    said = "It corresponds to a Gaussian prior on the weights (L1 to a Laplace prior) and shrinks them."
    assert evidence_contradiction(point, said) is None
    swapped = "L1 corresponds to a Gaussian prior on the weights and shrinks them smoothly."
    assert swapped_in_evidence(point, swapped) == ("l2", "l1")


def test_a_clause_naming_no_subject_goes_on_about_its_statement() -> None:
    # ", not as a measured accuracy" is said of the estimate the statement is about, not of
    # the drift the point denies; ", not the mean time per output token" is what to record.
    point = (
        "Estimating accuracy from calibrated confidence works under covariate shift only, "
        "not under concept drift"
    )
    said = (
        "Under concept drift the confidence itself is miscalibrated, so use the estimate as a "
        "hint, not as a measured accuracy."
    )
    assert evidence_contradiction(point, said) is None
    point = (
        "Track the gaps between tokens per request, because the mean time per output token "
        "hides single long stalls"
    )
    said = "Record each request's gaps between tokens, not the mean time per output token."
    assert evidence_contradiction(point, said) is None


# Session 21's readings: each (point, a sentence that agrees with it, the sentence that does
# contradict it, which is still caught).
AGREES_BUT_FLIP_CAUGHT = [
    pytest.param(
        # "no way out or no secrets" holds if either is missing: neither is denied alone.
        "The risky mix is one assistant that holds customer secrets, reads outside documents "
        "and can send messages out.",
        "An assistant that reads outside documents gets no way to send messages out or no "
        "customer secrets.",
        "One assistant that holds customer secrets and reads outside documents can never send "
        "messages out.",
        id="either-of-two-denials-denies-neither-alone",
    ),
    pytest.param(
        # The point denies prefix lookups; equality lookups are another kind.
        "Hash indexes cannot serve prefix lookups over string keys in sorted order.",
        "Hash indexes serve equality lookups over string keys in constant time, in no sorted "
        "order.",
        "Hash indexes serve prefix lookups over string keys in sorted order.",
        id="a-denial-about-another-kind-of-thing-is-no-flip",
    ),
    pytest.param(
        # "not reserved ... as a contiguous cache is": the contiguous cache is reserved up front.
        "Paging allocates KV blocks on demand, so memory is not reserved up front for the "
        "longest sequence as a contiguous cache is.",
        "A contiguous cache is sized for the worst case, so inside a contiguous cache the memory "
        "is also reserved up front for the longest sequence.",
        "Paging allocates KV blocks on demand, so memory is reserved up front for the longest "
        "sequence.",
        id="what-a-denial-is-compared-against-has-the-property",
    ),
    pytest.param(
        # "Snapshots fold this ..., with no durable record" is about snapshots, not about the
        # write-ahead log the point describes.
        "Write-ahead logs add a durable append-only record before each page write, while "
        "snapshots copy the whole state.",
        "Snapshots fold this into one periodic copy, with no durable append-only record before "
        "each page write.",
        "Write-ahead logs fold this into one periodic copy, with no durable append-only record "
        "before each page write.",
        id="a-statement-is-about-its-opening-words-up-to-a-pronoun",
    ),
    # Session 24's: a statement that opens with a pronoun goes on about the one before it.
    pytest.param(
        "An LSTM needs a separate cell state to carry long-range memory",
        "A GRU merges the gates, so it needs no separate cell state.",
        "An LSTM merges the gates, so it needs no separate cell state.",
        id="it-after-so-stands-for-the-subject-before",
    ),
    pytest.param(
        # "needs" alone before the cue is a verb, not a subject of its own.
        "An LSTM needs a separate cell state to carry long-range memory",
        "A GRU has two gates, needs no separate cell state and trains faster.",
        "An LSTM has two gates, needs no separate cell state and trains faster.",
        id="a-clause-opening-with-its-verb-goes-on-about-its-statement",
    ),
    pytest.param(
        # The plain side too: "so you ..." is about the fusion named before it.
        "RRF uses ranks only, so it needs no normalisation of the raw scores",
        "Score fusion multiplies the raw scores, so you first have to apply normalisation of "
        "the raw scores.",
        "Rank fusion multiplies the raw scores, so you first have to apply normalisation of "
        "the raw scores.",
        id="a-statement-opening-with-you-is-about-the-subject-before",
    ),
]


@pytest.mark.parametrize(("point", "agreeing", "contradicting"), AGREES_BUT_FLIP_CAUGHT)
def test_readings_that_agree_while_the_flip_is_still_caught(
    point: str, agreeing: str, contradicting: str
) -> None:
    assert _agrees(point, agreeing)
    assert not _agrees(point, contradicting)


def test_optional_before_a_noun_marks_only_that_noun() -> None:
    point = (
        "Each job record carries its owner, budget code and region, so spend is attributed "
        "when it happens."
    )
    said = (
        "Every job is submitted with a record naming owner, budget code and region, plus "
        "optional cost labels in the job metadata."
    )
    assert _agrees(point, said)
    point = "Attach cost labels to every job record so spend can be split by product."
    assert not _agrees(point, "Cost labels are optional in the job record.")


def test_a_bracketed_list_names_items_and_claims_nothing() -> None:
    point = (
        "A release must clear its checks (unit tests, latency budget, regression against the "
        "last release) before rollout."
    )
    said = (
        "Checks: a release rolls out only when unit tests pass, it does not regress against the "
        "last release, and latency stays in budget."
    )
    assert _agrees(point, said)


def test_a_term_named_in_a_list_takes_no_other_terms_place() -> None:
    # Throughput is one more signal beside those the point names, not latency renamed.
    point = "Page the on-call engineer on error rate and latency, measured per region every minute."
    said = "Alert the on-call engineer per region on error rate, queue depth and throughput, measured every minute."
    assert _agrees(point, said)
    assert swapped_terms(said, [Target(point, 0)]) is None
    said = "Page the on-call engineer on throughput, measured per region every minute."
    assert swapped_in_evidence(point, said) == ("latency", "throughput")
