"""Optional LLM judge over an OpenAI-compatible endpoint: rubric-guided, validated, bounded, retried."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from archprep.grading.result import LLMVerdict
from archprep.settings import Settings

if TYPE_CHECKING:
    from archprep.grading.engine import Rubric

MAX_REFERENCE_CHARS = 6000
MAX_ANSWER_CHARS = 12000
SYSTEM_PROMPT = (
    "You grade a candidate's answer to an interview question for AI/ML architect roles. "
    "Judge only against the rubric: a key point is covered when the answer states it correctly "
    "and explains it, partial when it is touched on or only named, missed otherwise. A statement "
    "that contradicts the rubric or the model answer is a misconception. Reply with one JSON "
    "object and nothing else."
)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


class LLMError(Exception):
    """The judge gave no usable verdict (timeout, HTTP error, malformed or off-rubric JSON)."""


class _Retryable(Exception):
    pass


def build_messages(rubric: Rubric, answer: str) -> list[dict[str, str]]:
    """The prompt: question, weighted key points, model answer, answer, and the JSON shape."""
    points = "\n".join(
        f"{i + 1}. {kp.text}" + (f" (weight {kp.weight:g})" if kp.weight != 1 else "")
        for i, kp in enumerate(rubric.key_points)
    )
    shape = {
        "key_points": [
            {"text": "<key point, copied exactly>", "status": "covered|partial|missed",
             "evidence": "<the answer's sentence that covers it, quoted, or null>"}
        ],
        "misconceptions": [
            {"statement": "<quoted from the answer>", "contradicts": "<rubric text>",
             "explanation": "<why it is wrong>"}
        ],
        "score": "<0-100>",
        "feedback": "<two or three sentences for the candidate>",
    }  # fmt: skip
    reference = rubric.reference[:MAX_REFERENCE_CHARS]
    user = (
        f"Question ({rubric.kind}):\n{rubric.question}\n\n"
        f"Rubric key points, one verdict each, in this order:\n{points}\n\n"
        + (f"Model answer:\n{reference}\n\n" if reference.strip() else "")
        + f"Candidate answer:\n{answer[:MAX_ANSWER_CHARS]}\n\n"
        f"Return JSON shaped like:\n{json.dumps(shape, indent=1)}"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def parse_verdict(content: str, rubric: Rubric) -> LLMVerdict:
    """Validate the reply against the schema and the rubric; raises ValueError."""
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the reply holds no JSON object")
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON ({exc.msg})") from exc
    try:
        verdict = LLMVerdict.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"the reply does not match the schema at {where}: {first['msg']}") from exc
    if len(verdict.key_points) != len(rubric.key_points):
        raise ValueError(
            f"the reply has {len(verdict.key_points)} key-point verdicts for "
            f"{len(rubric.key_points)} key points"
        )
    return verdict


@dataclass
class LLMJudge:
    """Grades through ``POST {base_url}/chat/completions``; only question, rubric and answer are sent."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 20.0
    retries: int = 2
    backoff: float = 0.5
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, transport: Any = None) -> LLMJudge:
        if not settings.llm_base_url:
            raise ValueError("llm_base_url is not set; the LLM judge is off")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            key,
            settings.llm_timeout,
            transport=transport,
        )

    def judge(self, rubric: Rubric, answer: str) -> LLMVerdict:
        """One validated verdict, after up to ``retries`` retries with exponential backoff."""
        body = {
            "model": self.model,
            "messages": build_messages(rubric, answer),
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        reason = "no attempt made"
        with httpx.Client(
            timeout=httpx.Timeout(self.timeout), transport=self.transport, headers=headers
        ) as client:
            for attempt in range(self.retries + 1):
                if attempt:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                try:
                    return self._once(client, body, rubric)
                except _Retryable as exc:
                    reason = str(exc)
        raise LLMError(f"{reason} after {self.retries + 1} attempts")

    def _once(self, client: httpx.Client, body: dict[str, Any], rubric: Rubric) -> LLMVerdict:
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            response = client.post(url, json=body)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"no reply within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise _Retryable(f"cannot reach {self.base_url} ({type(exc).__name__})") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code} from {self.base_url}")
        if response.status_code >= 400:
            raise LLMError(f"HTTP {response.status_code} from {self.base_url} (not retried)")
        try:
            content = response.json()["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise TypeError("content is not text")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _Retryable("the endpoint's reply is not a chat completion") from exc
        try:
            return parse_verdict(content, rubric)
        except ValueError as exc:
            raise _Retryable(str(exc)) from exc
