"""Optional LLM judge over an OpenAI-compatible endpoint: rubric-guided, validated, bounded, retried."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
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
TEXT_MATCH = 0.8  # a verdict's text this alike to a key point's (after _plain) is its verdict
QUOTE_MATCH = 0.8  # evidence is a quotation when this share of it appears in the answer as is
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


def _plain(text: str) -> str:
    """Key-point text for comparison: case, numbering, punctuation and spacing ignored."""
    text = re.sub(r"^\s*\d+[.)]\s*", "", text.casefold())
    return " ".join(re.findall(r"\w+", text))


def _in_order(verdict: LLMVerdict, rubric: Rubric) -> LLMVerdict:
    """The verdicts in the rubric's order, each matched to its key point by text.

    A judge may reorder the points or trim their wording; a verdict that matches no key point
    (or two verdicts that match one) means the reply cannot be trusted point by point.
    """
    wanted = [_plain(kp.text) for kp in rubric.key_points]
    given = [_plain(v.text) for v in verdict.key_points]
    order: list[int] = []
    for text in wanted:
        scores = [
            1.0 if g == text else SequenceMatcher(None, g, text, autojunk=False).ratio()
            for g in given
        ]
        best = max(range(len(given)), key=lambda i: scores[i], default=-1)
        if best < 0 or scores[best] < TEXT_MATCH or best in order:
            raise ValueError(
                f"the reply's key points do not match the rubric (none for {text[:60]!r})"
            )
        order.append(best)
    return verdict.model_copy(update={"key_points": [verdict.key_points[i] for i in order]})


def _quoted(quote: str, answer: str) -> bool:
    """Whether ``quote`` comes from ``answer`` (spacing, case and punctuation aside)."""
    q, a = _plain(quote), _plain(answer)
    if not q:
        return False
    if q in a:
        return True
    match = SequenceMatcher(None, q, a, autojunk=False).find_longest_match(0, len(q), 0, len(a))
    return match.size >= QUOTE_MATCH * len(q)


def parse_verdict(content: str, rubric: Rubric, answer: str | None = None) -> LLMVerdict:
    """Validate the reply against the schema and the rubric; raises ValueError.

    Verdicts are put in the rubric's order by their text. With ``answer``, evidence that is not
    a quotation of it is dropped, and so are misconceptions it does not state: the page shows
    both as the candidate's own words.
    """
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
    verdict = _in_order(verdict, rubric)
    if answer is None:
        return verdict
    points = [
        v
        if v.evidence is None or _quoted(v.evidence, answer)
        else v.model_copy(update={"evidence": None})
        for v in verdict.key_points
    ]
    wrong = [m for m in verdict.misconceptions if _quoted(m.statement, answer)]
    return verdict.model_copy(update={"key_points": points, "misconceptions": wrong})


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
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    # After this many failed answers in a row the judge rests for ``rest`` seconds: a batch, a
    # mock or a server then grades offline at once instead of waiting out every timeout.
    failures_before_rest: int = 2
    rest: float = 120.0
    _failed: int = field(default=0, init=False, repr=False)
    _resting_until: float = field(default=0.0, init=False, repr=False)

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
        """One validated verdict, after up to ``retries`` retries with exponential backoff,
        all within ``timeout`` seconds: the offline grade is never kept waiting longer."""
        body = {
            "model": self.model,
            "messages": build_messages(rubric, answer),
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        if self.clock() < self._resting_until:
            left = self._resting_until - self.clock()
            raise LLMError(
                f"it failed on the last {self._failed} answers in a row, so it is not asked "
                f"again for {left:.0f} s"
            )
        try:
            verdict = self._judge(body, headers, rubric, answer)
        except LLMError:
            self._failed += 1
            if self._failed >= self.failures_before_rest:
                self._resting_until = self.clock() + self.rest
            raise
        self._failed = 0
        return verdict

    def _judge(
        self, body: dict[str, Any], headers: dict[str, str], rubric: Rubric, answer: str
    ) -> LLMVerdict:
        reason = "no attempt made"
        deadline = self.clock() + self.timeout
        tries = 0
        with httpx.Client(
            timeout=httpx.Timeout(self.timeout), transport=self.transport, headers=headers
        ) as client:
            for attempt in range(self.retries + 1):
                if attempt:
                    pause = self.backoff * 2 ** (attempt - 1)
                    if self.clock() + pause >= deadline:
                        break
                    self.sleep(pause)
                if self.clock() >= deadline:
                    break
                tries += 1
                try:
                    return self._once(client, body, rubric, answer, deadline)
                except _Retryable as exc:
                    reason = str(exc)
        raise LLMError(f"{reason} after {tries} attempt{'s' if tries != 1 else ''}")

    def _once(
        self,
        client: httpx.Client,
        body: dict[str, Any],
        rubric: Rubric,
        answer: str,
        deadline: float,
    ) -> LLMVerdict:
        url = self.base_url.rstrip("/") + "/chat/completions"
        late = _Retryable(f"no reply within {self.timeout:g} s")
        try:
            # Streamed, so a reply that trickles in is cut off at the deadline too (httpx's
            # read timeout applies to each chunk, not to the whole reply).
            with client.stream(
                "POST", url, json=body, timeout=httpx.Timeout(max(0.01, deadline - self.clock()))
            ) as response:
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if self.clock() > deadline:
                        raise late
                raw = b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise late from exc
        except httpx.HTTPError as exc:
            raise _Retryable(
                f"cannot reach {_safe_url(self.base_url)} ({type(exc).__name__})"
            ) from exc
        where = _safe_url(self.base_url)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code} from {where}")
        if response.status_code >= 400:
            raise LLMError(f"HTTP {response.status_code} from {where} (not retried)")
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise TypeError("content is not text")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _Retryable("the endpoint's reply is not a chat completion") from exc
        try:
            return parse_verdict(content, rubric, answer)
        except ValueError as exc:
            raise _Retryable(str(exc)) from exc


def _safe_url(url: str) -> str:
    """``url`` without any user name or password in it (never echo a key in a notice)."""
    parts = httpx.URL(url)
    return str(parts.copy_with(username=None, password=None)) if parts.userinfo else url
