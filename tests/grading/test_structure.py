"""Structure checks: STAR, whiteboard steps, hiring signals, numbers, filler and hedging."""

from __future__ import annotations

from archprep.grading import Grader
from archprep.grading.structure import check_structure, story_quality
from archprep.grading.text import split_sentences

STORY = (
    "Situation: two years ago our fraud model lost 30% of its recall after a data migration. "
    "I was responsible for the platform, so the fix was my call. "
    "I built a backfill job, I added schema checks to the pipeline and I ran a shadow comparison. "
    "As a result we recovered recall within 3 weeks and cut incidents by half since then."
)


def _structure(grader: Grader, kind: str, answer: str, **kw: object):  # type: ignore[no-untyped-def]
    sentences = grader.encoder.encode(split_sentences(answer))
    return check_structure(kind, answer, sentences, encode=grader.encoder.encode, **kw)  # type: ignore[arg-type]


def test_star_parts_are_found_in_a_story(grader: Grader) -> None:
    s = _structure(grader, "behavioral", STORY)
    assert {c.name: c.passed for c in s.checks if c.group == "star"} == {
        "situation": True, "task": True, "action": True, "result": True,
    }  # fmt: skip
    assert s.story is not None and s.story > 0.8
    values = _structure(grader, "behavioral", "I always try to learn from my mistakes.")
    assert sum(c.passed for c in values.checks) <= 1
    assert story_quality("I always try to learn from my mistakes.", 0) < 0.3


def test_whiteboard_steps_and_numbers_for_design(grader: Grader) -> None:
    answer = (
        "First I would clarify the requirements: peak traffic, the latency budget and the SLO. "
        "The architecture has an API gateway, a feature store and a model server behind a queue. "
        "In the deep dive, the trade-off is batching for throughput against tail latency. "
        "If the feature store times out we fall back to rules and alert on-call. "
        "At 10k requests/s × 3 lookups = 30k reads/s, two shards at 20k ops/s each suffice."
    )
    s = _structure(grader, "design", answer)
    steps = {c.name: c.passed for c in s.checks if c.group == "whiteboard"}
    assert steps == {"clarify": True, "high_level": True, "deep_dive": True, "failure_modes": True}
    numbers = next(c for c in s.checks if c.group == "numbers")
    assert numbers.passed and "arithmetic" in numbers.detail
    bare = _structure(grader, "design", "I would build a scalable system with a good model.")
    assert not next(c for c in bare.checks if c.group == "numbers").passed
    assert bare.penalty > s.penalty


def test_numbers_checked_when_the_question_asks_for_an_estimate(grader: Grader) -> None:
    ask = "How much GPU memory does the KV cache need at 32k context?"
    s = _structure(grader, "concept", "It grows with the context.", question=ask)
    assert [c.name for c in s.checks] == ["numbers"] and not s.checks[0].passed
    worked = "2 x 32 layers x 8 heads x 128 x 2 bytes = 128 KB a token, so 32k tokens take 4 GB."
    assert _structure(grader, "concept", worked, question=ask).checks[0].passed
    # A definition question linked to a calculator does not ask for figures.
    define = "What is the difference between data drift and concept drift?"
    assert not _structure(grader, "concept", "Drift is a change in data.", question=define).checks
    assert not _structure(
        grader, "ask-them", "", question="How much authority does the role have?"
    ).checks


def test_filler_and_hedging_are_counted(grader: Grader) -> None:
    answer = (
        "Um, so basically, you know, I think it's kind of like caching. Maybe it depends, "
        "honestly. Basically it stores stuff."
    )
    s = _structure(grader, "concept", answer)
    assert s.filler_count >= 6 and s.filler["basically"] == 2
    assert s.hedge_count >= 3 and "i think" in s.hedges
    assert s.penalty > 0


NARRATIVE = (
    "Last year I was the platform lead when our support assistant started giving irrelevant "
    "answers one morning. My first call was to restore service before finding the cause. "
    "I declared an incident and we pointed retrieval back at the previous index snapshot. "
    "Escalations returned to normal within half an hour, and two months later the new canary "
    "check blocked a bad index before it went live."
)


def test_star_parts_are_found_in_a_plain_narrative(grader: Grader) -> None:
    """No "Situation:" labels: the parts are recognised from how stories are told."""
    s = _structure(grader, "behavioral", NARRATIVE)
    assert all(c.passed for c in s.checks if c.group == "star")
    assert [c.name for c in s.checks if c.group == "red_flags"] == ["none"]


def test_red_flags_are_named_and_cost_the_story(grader: Grader) -> None:
    flagged = (
        NARRATIVE + " It turned out to be human error, so I made clear who was responsible. "
        "I didn't want to distract people with status updates, and we didn't measure anything "
        "afterwards because the fix was obviously right."
    )
    s = _structure(grader, "behavioral", flagged)
    flags = {c.name: c.evidence for c in s.failed("red_flags")}
    assert set(flags) == {"blame", "withheld", "no_evidence"}
    assert flags["withheld"] is not None and "status updates" in flags["withheld"]
    clean = _structure(grader, "behavioral", NARRATIVE)
    assert s.story is not None and clean.story is not None and s.story < clean.story - 0.5
    # Owning a mistake is not a red flag, even when the story says "I overruled him".
    owned = "I overruled him, and it was the wrong call; I said so in the review and we reverted."
    assert not _structure(grader, "behavioral", owned).failed("red_flags")


def test_feedback_names_red_flags(grader: Grader) -> None:
    from archprep.bank.model import KeyPoint, Question

    q = Question(
        id="behavioral/t", question="Tell me about a time you were wrong.", answer="",
        category="behavioral", kind="behavioral", level="mid",
        key_points=[KeyPoint("Owns the mistake"), KeyPoint("Says what changed afterwards")],
    )  # fmt: skip
    result = grader.grade(q, "Honestly, I can't think of a time I was wrong; I research carefully.")
    assert "Red flags an interviewer would note" in result.feedback
    assert "missing none" not in result.feedback and "missing no failure" not in result.feedback
