"""The optional LLM judge against a real local server: success, failures and fallback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from archprep.bank.model import Question
from archprep.grading import Grader
from archprep.grading.llm import LLMJudge, parse_verdict
from archprep.settings import Settings
from tests.grading.llm_server import FakeLLM

ANSWER = (
    "Data drift is a change in the input distribution P(X). Concept drift is a change in "
    "P(Y|X), so the same inputs map to different outcomes."
)


@pytest.fixture
def server() -> Iterator[FakeLLM]:
    s = FakeLLM()
    try:
        yield s
    finally:
        s.close()


def verdict(question: Question, status: str = "covered") -> dict[str, Any]:
    return {
        "score": 90,
        "key_points": [
            {"text": kp.text, "status": status, "evidence": "Concept drift is a change in P(Y|X)."}
            for kp in question.key_points
        ],
        "misconceptions": [
            {"statement": "so the same inputs map to different outcomes", "explanation": "x"},
            {"statement": "P(X) is the labels", "explanation": "never said: dropped"},
        ],
        "feedback": "Solid definitions; add what you would do about each.",
    }


def judged(grader: Grader, server: FakeLLM, timeout: float = 5.0) -> Grader:
    judge = LLMJudge(server.url, "test-model", "sk-test", timeout, sleep=lambda _s: None)
    return Grader(grader.encoder.embedder, judge=judge)


def test_success_uses_the_verdict(grader: Grader, server: FakeLLM, drift: Question) -> None:
    server.script.append({"json": verdict(drift)})
    result = judged(grader, server).grade(drift, ANSWER)
    assert result.grader == "llm:test-model"
    assert all(kp.status == "covered" for kp in result.key_points)
    assert [m.kind for m in result.misconceptions] == ["llm"]
    assert result.feedback.startswith("Solid definitions")
    assert result.score == pytest.approx(100 - 12 - result.structure.penalty)
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions" and request["model"] == "test-model"
    prompt = request["messages"][1]["content"]
    assert drift.key_points[0].text in prompt and ANSWER in prompt
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


def test_fenced_json_and_settings(grader: Grader, server: FakeLLM, drift: Question) -> None:
    import json

    server.script.append({"content": "```json\n" + json.dumps(verdict(drift, "partial")) + "\n```"})
    settings = Settings(llm_base_url=server.url, llm_model="m2", embedding_model="auto")
    result = Grader.from_settings(settings).grade(drift, ANSWER)
    assert result.grader == "llm:m2" and {kp.status for kp in result.key_points} == {"partial"}


@pytest.mark.parametrize(
    ("step", "reason", "timeout", "tries"),
    [
        ({"status": 500}, "HTTP 500", 5.0, 3),
        ({"raw": "<html>not json</html>"}, "not a chat completion", 5.0, 3),
        ({"content": "I think the answer is fine."}, "no JSON object", 5.0, 3),
        ({"json": {"key_points": [], "feedback": "x"}}, "0 key-point verdicts", 5.0, 3),
        # The timeout bounds the whole wait, retries included: a slow judge gets one try.
        ({"sleep": 1.0, "status": 200}, "no reply within 0.3 s after 1 attempt", 0.3, 1),
    ],
)  # fmt: skip
def test_failures_retry_then_fall_back_with_a_notice(
    grader: Grader,
    server: FakeLLM,
    drift: Question,
    step: dict[str, Any],
    reason: str,
    timeout: float,
    tries: int,
) -> None:
    server.default = step
    result = judged(grader, server, timeout=timeout).grade(drift, ANSWER)
    assert result.grader == "offline"
    assert len(server.requests) == tries  # the first try and, while time allows, two retries
    [notice] = [n for n in result.notices if "LLM judge failed" in n]
    assert reason in notice and "offline grade" in notice
    assert result.key_points and result.feedback


def test_a_retry_can_succeed(grader: Grader, server: FakeLLM, drift: Question) -> None:
    server.script.extend([{"status": 502}, {"json": verdict(drift)}])
    slept: list[float] = []
    judge = LLMJudge(server.url, "m", None, 5.0, sleep=slept.append)
    result = Grader(grader.encoder.embedder, judge=judge).grade(drift, ANSWER)
    assert result.grader == "llm:m" and slept == [0.5] and len(server.requests) == 2
    assert "Authorization" not in server.headers[0]


def test_client_errors_are_not_retried(grader: Grader, server: FakeLLM, drift: Question) -> None:
    server.default = {"status": 401}
    result = judged(grader, server).grade(drift, ANSWER)
    assert result.grader == "offline" and len(server.requests) == 1


def test_nothing_is_sent_unless_configured(
    grader: Grader, server: FakeLLM, drift: Question
) -> None:
    offline = Grader.from_settings(Settings(llm_base_url=None))
    assert offline.judge is None
    assert offline.grade(drift, ANSWER).grader == "offline"
    assert server.requests == []
    assert Grader.from_settings(Settings(llm_base_url=server.url), use_llm=False).judge is None


def test_verdict_validation(drift: Question) -> None:
    rubric = Grader(None).rubric(drift)
    with pytest.raises(ValueError, match="schema"):
        parse_verdict('{"key_points": [{"text": "x", "status": "great"}], "feedback": "y"}', rubric)


def test_verdicts_are_matched_to_key_points_by_text(drift: Question) -> None:
    import json

    rubric = Grader(None).rubric(drift)
    reply = verdict(drift)
    reply["key_points"][0]["status"] = "missed"
    reply["key_points"].reverse()  # the judge answered in another order
    parsed = parse_verdict(json.dumps(reply), rubric, ANSWER)
    assert [v.text for v in parsed.key_points] == [kp.text for kp in rubric.key_points]
    assert parsed.key_points[0].status == "missed"
    for v in reply["key_points"]:
        v["text"] = "an unrelated point about kubernetes"
    with pytest.raises(ValueError, match="do not match the rubric"):
        parse_verdict(json.dumps(reply), rubric, ANSWER)


def test_evidence_and_misconceptions_must_be_the_answers_words(drift: Question) -> None:
    import json

    rubric = Grader(None).rubric(drift)
    reply = verdict(drift)
    reply["key_points"][0]["evidence"] = "a sentence the candidate never wrote"
    parsed = parse_verdict(json.dumps(reply), rubric, ANSWER)
    assert parsed.key_points[0].evidence is None
    assert parsed.key_points[1].evidence == "Concept drift is a change in P(Y|X)."
    assert [m.statement for m in parsed.misconceptions] == [
        "so the same inputs map to different outcomes"
    ]


def test_a_reply_that_trickles_in_is_cut_off_at_the_timeout(drift: Question) -> None:
    import httpx

    now = [0.0]

    def slow_stream() -> Iterator[bytes]:
        for _ in range(10):
            now[0] += 3.0  # a byte every three seconds: each read is quick, the reply is not
            yield b" "

    transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=slow_stream()))
    judge = LLMJudge("http://127.0.0.1:9/v1", "m", None, 5.0, transport=transport,
                     sleep=lambda _s: None, clock=lambda: now[0])  # fmt: skip
    with pytest.raises(Exception, match=r"no reply within 5 s after 1 attempt"):
        judge.judge(Grader(None).rubric(drift), ANSWER)
    assert now[0] < 10  # it stopped reading once past the deadline


def test_a_password_in_the_base_url_is_not_echoed(drift: Question) -> None:
    import httpx

    transport = httpx.MockTransport(lambda _request: httpx.Response(503))
    judge = LLMJudge("http://user:sk-secret@127.0.0.1:9/v1", "m", None, 5.0, transport=transport,
                     sleep=lambda _s: None)  # fmt: skip
    with pytest.raises(Exception, match="HTTP 503") as caught:
        judge.judge(Grader(None).rubric(drift), ANSWER)
    assert "sk-secret" not in str(caught.value)


def test_a_judge_failing_answer_after_answer_rests(
    grader: Grader, server: FakeLLM, drift: Question
) -> None:
    server.default = {"status": 500}
    now = [0.0]
    judge = LLMJudge(server.url, "m", None, 5.0, sleep=lambda _s: None, clock=lambda: now[0])
    graded = Grader(grader.encoder.embedder, judge=judge)
    for _ in range(2):
        assert graded.grade(drift, ANSWER).grader == "offline"
    assert len(server.requests) == 6  # two answers, three tries each
    rested = graded.grade(drift, ANSWER)
    assert len(server.requests) == 6 and rested.grader == "offline"  # not asked: resting
    assert any("failed on the last 2 answers in a row" in n for n in rested.notices)
    now[0] += 121
    server.default = {"json": verdict(drift)}
    assert graded.grade(drift, ANSWER).grader == "llm:m"  # asked again after the rest
