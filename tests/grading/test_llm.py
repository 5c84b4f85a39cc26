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
        "misconceptions": [{"statement": "P(X) is labels", "explanation": "it is the inputs"}],
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
    ("step", "reason"),
    [
        ({"status": 500}, "HTTP 500"),
        ({"raw": "<html>not json</html>"}, "not a chat completion"),
        ({"content": "I think the answer is fine."}, "no JSON object"),
        ({"json": {"key_points": [], "feedback": "x"}}, "0 key-point verdicts"),
        ({"sleep": 1.0, "status": 200}, "no reply within"),
    ],
)
def test_failures_retry_then_fall_back_with_a_notice(
    grader: Grader, server: FakeLLM, drift: Question, step: dict[str, Any], reason: str
) -> None:
    server.default = step
    result = judged(grader, server, timeout=0.3).grade(drift, ANSWER)
    assert result.grader == "offline"
    assert len(server.requests) == 3  # the first try and two retries
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
