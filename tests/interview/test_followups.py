"""Follow-ups come from what the answer missed, probe numbers in design rounds, and may come
from an LLM endpoint (a real local HTTP server here), falling back to the rubric."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tests.helpers import make_question

from archprep.bank.model import KeyPoint
from archprep.interview.followups import (
    NUMBERS_PROMPT,
    choose_followups,
    lacks_numbers,
    rubric_followups,
)

Q = make_question(
    "llm-platform/fallback",
    key_points=[
        KeyPoint("Detect provider failure fast with timeouts and a circuit breaker", 1),
        KeyPoint("Keep costs bounded while the fallback provider carries all traffic", 2),
        KeyPoint("Degrade gracefully with cached answers", 1),
    ],
    follow_ups=[
        "How would you keep costs bounded while the fallback carries all traffic?",
        "How do you test each fallback path?",
    ],
)


def grade(**status: str) -> dict[str, Any]:
    texts = [k.text for k in Q.key_points]
    return {
        "score": 50,
        "key_points": [
            {"text": t, "status": status.get(f"k{i}", "covered")} for i, t in enumerate(texts)
        ],
        "structure": {"checks": [], "numbers": []},
    }


def test_missed_points_drive_follow_ups_heaviest_first() -> None:
    got = rubric_followups(
        Q, "answer", grade(k0="missed", k1="missed"), limit=2, design_round=False
    )
    assert [f.key_point for f in got] == [Q.key_points[1].text, Q.key_points[0].text]
    # the question's own follow-up about the same thing is asked instead of a template
    assert got[0].prompt == Q.follow_ups[0] and got[0].source == "missed"
    assert "Detect provider failure" in got[1].prompt


def test_partial_points_after_missed_then_rubric() -> None:
    got = rubric_followups(Q, "answer", grade(k2="partial"), limit=2, design_round=False)
    assert got[0].source == "partial" and got[0].key_point == Q.key_points[2].text
    assert got[1].source == "rubric" and got[1].key_point is None


def test_a_full_answer_still_gets_a_rubric_follow_up_and_limit_zero_none() -> None:
    got = rubric_followups(Q, "answer", grade(), limit=1, design_round=False)
    assert [f.prompt for f in got] == [Q.follow_ups[0]]
    assert rubric_followups(Q, "a", grade(k0="missed"), limit=0, design_round=False) == []


def test_design_rounds_probe_for_numbers() -> None:
    got = rubric_followups(Q, "no figures here", grade(k0="missed"), limit=2, design_round=True)
    assert got[0].prompt == NUMBERS_PROMPT and got[0].source == "numbers"
    assert got[1].key_point == Q.key_points[0].text
    with_numbers = rubric_followups(Q, "about 400 QPS", grade(), limit=1, design_round=True)
    assert with_numbers[0].source != "numbers"


def test_lacks_numbers_trusts_the_graders_check() -> None:
    failed = {"structure": {"checks": [{"group": "design", "name": "numbers", "passed": False}]}}
    assert lacks_numbers(failed, "we have 3 replicas")
    assert not lacks_numbers({"structure": {"numbers": ["3"]}}, "three replicas")
    assert lacks_numbers({}, "three replicas")


class _Judge(BaseHTTPRequestHandler):
    reply: str = ""
    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).requests.append({"path": self.path, "body": body})
        if type(self).reply == "500":
            self.send_response(500)
            self.end_headers()
            return
        out = json.dumps({"choices": [{"message": {"content": type(self).reply}}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def judge() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Judge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Judge.requests = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def test_llm_follow_ups_when_configured(judge: str) -> None:
    _Judge.reply = json.dumps(
        {"follow_ups": [{"question": "What trips the breaker?", "probes": Q.key_points[0].text},
                        {"question": "And cost?", "probes": "not a key point"}]}
    )  # fmt: skip
    llm = {"base_url": judge, "model": "m", "timeout": 5}
    got = choose_followups(Q, "answer", grade(k0="missed"), limit=2, design_round=False, llm=llm)
    assert [(f.prompt, f.source, f.key_point) for f in got] == [
        ("What trips the breaker?", "llm", Q.key_points[0].text),
        ("And cost?", "llm", None),
    ]
    sent = _Judge.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["body"]["model"] == "m"
    assert "answer" in sent["body"]["messages"][1]["content"]


@pytest.mark.parametrize("reply", ["500", "not json at all", '{"follow_ups": []}'])
def test_llm_failure_falls_back_to_the_rubric(judge: str, reply: str) -> None:
    _Judge.reply = reply
    llm = {"base_url": judge, "model": "m", "timeout": 5}
    got = choose_followups(Q, "answer", grade(k0="missed"), limit=1, design_round=False, llm=llm)
    assert got[0].source == "missed" and got[0].key_point == Q.key_points[0].text


def test_unreachable_llm_falls_back() -> None:
    llm = {"base_url": "http://127.0.0.1:9/v1", "model": "m", "timeout": 1}
    got = choose_followups(Q, "answer", grade(k0="missed"), limit=1, design_round=False, llm=llm)
    assert got[0].source == "missed"
