"""The interviewer's follow-ups: from what the answer missed, the rubric, or an optional LLM."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from archprep.bank.model import Question
from archprep.grading.text import content_stems
from archprep.settings import Settings

NUMBER = re.compile(r"\d")
MIN_OVERLAP = 2  # shared content stems before a rubric follow-up counts as probing a missed point
NUMBERS_PROMPT = (
    "Let's put numbers on this design. Estimate what drives it: requests per second, latency "
    "budget, memory per GPU, storage or monthly cost. Show the arithmetic."
)


@dataclass(frozen=True)
class FollowUp:
    """One question the interviewer asks after a main answer, and the point it probes."""

    prompt: str
    source: str  # "missed", "partial", "numbers", "rubric" or "llm"
    key_point: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "source": self.source, "key_point": self.key_point}


def _points(grade: dict[str, Any], status: str) -> list[str]:
    return [str(kp["text"]) for kp in grade.get("key_points", []) if kp.get("status") == status]


def _weight(question: Question, text: str) -> float:
    return next((k.weight for k in question.key_points if k.text == text), 1.0)


def _overlap(a: str, b: str) -> int:
    return len(set(content_stems(a)) & set(content_stems(b)))


def lacks_numbers(grade: dict[str, Any], answer: str) -> bool:
    """True when the grader found no figures (its numbers check failed), or none are typed."""
    structure = grade.get("structure") or {}
    for check in structure.get("checks", []):
        if "number" in str(check.get("name", "")) or check.get("group") == "numbers":
            if not check.get("passed", False):
                return True
    if structure.get("numbers"):
        return False
    return NUMBER.search(answer) is None


def rubric_followups(
    question: Question,
    answer: str,
    grade: dict[str, Any],
    *,
    limit: int,
    design_round: bool,
) -> list[FollowUp]:
    """Up to ``limit`` follow-ups, most useful first.

    Design rounds probe for numbers when the answer has none. Then missed key points (heaviest
    first, asked through the question's own follow-up when one is about the same thing), then
    partly covered points, then the question's remaining follow-ups.
    """
    if limit <= 0:
        return []
    out: list[FollowUp] = []
    if design_round and lacks_numbers(grade, answer):
        out.append(FollowUp(NUMBERS_PROMPT, "numbers", None))
    unused = list(question.follow_ups)
    for status in ("missed", "partial"):
        for point in sorted(_points(grade, status), key=lambda t: -_weight(question, t)):
            if len(out) >= limit:
                return out
            scored = sorted(((_overlap(point, f), f) for f in unused), key=lambda t: -t[0])
            if scored and scored[0][0] >= MIN_OVERLAP:
                unused.remove(scored[0][1])
                out.append(FollowUp(scored[0][1], status, point))
            elif status == "missed":
                out.append(
                    FollowUp(
                        f"You didn't get to this: “{point}”. How would you handle it here, "
                        "and why does it matter?",
                        status,
                        point,
                    )
                )
            else:
                out.append(
                    FollowUp(
                        f"You touched on this: “{point}”. Be specific: how exactly, and "
                        "what are the trade-offs?",
                        status,
                        point,
                    )
                )
    for text in unused:
        if len(out) >= limit:
            break
        out.append(FollowUp(text, "rubric", None))
    return out[:limit]


def _llm_messages(question: Question, answer: str, grade: dict[str, Any], limit: int) -> Any:
    missed = _points(grade, "missed") + _points(grade, "partial")
    system = (
        "You are a senior AI/ML architect interviewing a candidate. Ask at most "
        f"{limit} short follow-up questions that probe what the answer missed. Reply with JSON "
        'only: {"follow_ups": [{"question": "...", "probes": "<missed point or null>"}]}'
    )
    user = json.dumps(
        {
            "question": question.question,
            "key_points": [k.text for k in question.key_points],
            "missed_points": missed,
            "answer": answer[:6000],
        },
        ensure_ascii=False,
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def llm_followups(
    base_url: str,
    model: str,
    question: Question,
    answer: str,
    grade: dict[str, Any],
    *,
    limit: int,
    api_key: str | None = None,
    timeout: float = 20.0,
    transport: httpx.BaseTransport | None = None,
) -> list[FollowUp] | None:
    """Follow-ups written by an OpenAI-compatible endpoint; None on any failure (use the rubric).

    Only the question, its key points and this answer are sent.
    """
    if limit <= 0:
        return []
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = {
        "model": model,
        "messages": _llm_messages(question, answer, grade, limit),
        "temperature": 0.2,
    }
    try:
        with httpx.Client(timeout=timeout, transport=transport, headers=headers) as client:
            response = client.post(base_url.rstrip("/") + "/chat/completions", json=body)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        return _parse_llm(str(content), question, limit)
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError):
        return None


def _parse_llm(content: str, question: Question, limit: int) -> list[FollowUp] | None:
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        return None
    data = json.loads(content[start : end + 1])
    points = {k.text for k in question.key_points}
    out: list[FollowUp] = []
    for item in data.get("follow_ups", []):
        text = str(item.get("question", "")).strip() if isinstance(item, dict) else ""
        if not text:
            continue
        probes = item.get("probes")
        out.append(FollowUp(text[:500], "llm", probes if probes in points else None))
    return out[:limit] or None


def llm_options(settings: Settings) -> dict[str, Any] | None:
    if not settings.llm_base_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return {
        "base_url": settings.llm_base_url,
        "model": settings.llm_model,
        "api_key": key,
        "timeout": settings.llm_timeout,
    }


def choose_followups(
    question: Question,
    answer: str,
    grade: dict[str, Any],
    *,
    limit: int,
    design_round: bool,
    llm: dict[str, Any] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[FollowUp]:
    """LLM follow-ups when ``llm`` (base_url, model, api_key, timeout) is given and answers;
    otherwise, or if it fails, the rubric's."""
    if llm and llm.get("base_url"):
        got = llm_followups(
            str(llm["base_url"]), str(llm.get("model", "")), question, answer, grade,
            limit=limit, api_key=llm.get("api_key"), timeout=float(llm.get("timeout", 20.0)),
            transport=transport,
        )  # fmt: skip
        if got:
            return got
    return rubric_followups(question, answer, grade, limit=limit, design_round=design_round)
