"""The running mock as a pure state machine: prompts, steps, follow-ups, hints, skips, timing.

The position is plain JSON (stored in ``mock_sessions.position``) and every function takes the
moment it acts at, so a session can be stopped at any point and resumed in another process.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archprep.bank.model import DESIGN_STEPS, Question
from archprep.grading.text import clip, content_stems, split_sentences
from archprep.interview.plans import Plan
from archprep.scheduling import aware

HINT_PENALTY = 10  # points off that question's score for each hint
MAX_DRAFT = 20_000
STEP_SHARES = {
    "clarify": 0.15,
    "high_level": 0.30,
    "deep_dive": 0.30,
    "failure_modes": 0.15,
    "numbers": 0.10,
}
STEP_TITLES = {
    "clarify": "Clarify requirements",
    "high_level": "High-level design",
    "deep_dive": "Deep dive",
    "failure_modes": "Failure modes",
    "numbers": "Numbers",
}
STEP_ASKS = {
    "clarify": "What do you need to know first? Scope, users, constraints, success metrics.",
    "high_level": "Sketch the main components and the data flow between them.",
    "deep_dive": "Go deep on the hardest part: models, data, retrieval, serving.",
    "failure_modes": "What breaks, how do you notice, and what happens then?",
    "numbers": "Put numbers on it: traffic, latency, memory, cost, capacity.",
}


def start_position() -> dict[str, Any]:
    return {
        "round": 0,
        "question": 0,
        "stage": "main",
        "steps": [],
        "hints": 0,
        "hint_texts": [],
        "followups": [],
        "followup": 0,
        "elapsed_s": 0.0,
        "asked_at": None,
        "draft": "",
    }


def guided_steps(question: Question) -> list[str]:
    """The whiteboard steps a design question is walked through (empty for other kinds)."""
    method = question.extra.get("method")
    if question.kind != "design" or not isinstance(method, dict):
        return []
    return [s for s in DESIGN_STEPS if method.get(s)]


def followup_budget(question_budget: float) -> float:
    return float(max(60, min(300, round(question_budget * 0.25))))


@dataclass(frozen=True)
class Prompt:
    """What the interviewer says now, with the time it should take."""

    role: str  # "main", "step" or "followup"
    round_index: int
    question_index: int
    question_id: str
    text: str
    budget_s: float  # for this prompt
    question_budget_s: float
    elapsed_s: float  # already spent on this question before this prompt
    hints_used: int
    step: str | None = None
    step_number: int = 0
    step_total: int = 0
    checkpoint_s: float | None = None  # the question's clock should read this when done
    followup_number: int = 0
    followup_total: int = 0

    @property
    def title(self) -> str:
        if self.role == "step" and self.step:
            return f"Step {self.step_number}/{self.step_total} · {STEP_TITLES[self.step]}"
        if self.role == "followup":
            return f"Follow-up {self.followup_number}/{self.followup_total}"
        return "Question"


@dataclass(frozen=True)
class AnswerRecord:
    """One answer to write to ``mock_answers`` (and, for a main answer, to ``attempts``)."""

    role: str  # "main" or "followup"
    round_index: int
    question_index: int
    question_id: str
    prompt: str
    answer: str
    hints_used: int
    skipped: bool
    duration_s: float
    budget_s: float
    key_point: str | None = None  # the missed point a follow-up probes
    source: str | None = None  # where a follow-up came from


@dataclass(frozen=True)
class TimeCheck:
    elapsed_s: float
    budget_s: float
    checkpoint_s: float | None

    @property
    def remaining_s(self) -> float:
        return self.budget_s - self.elapsed_s

    @property
    def over(self) -> bool:
        return self.elapsed_s > self.budget_s

    @property
    def behind(self) -> bool:
        """Past the current step's checkpoint (design questions)."""
        return self.checkpoint_s is not None and self.elapsed_s > self.checkpoint_s


def chosen_at(questions: list[list[dict[str, Any]]], position: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = questions[position["round"]][position["question"]]
    return item


def is_done(position: dict[str, Any]) -> bool:
    return bool(position["stage"] == "done")


def current_prompt(
    plan: Plan, questions: list[list[dict[str, Any]]], position: dict[str, Any], question: Question
) -> Prompt | None:
    if is_done(position):
        return None
    item = chosen_at(questions, position)
    budget = float(item["budget_s"])
    common: dict[str, Any] = {
        "round_index": position["round"],
        "question_index": position["question"],
        "question_id": question.id,
        "question_budget_s": budget,
        "elapsed_s": float(position["elapsed_s"]),
        "hints_used": int(position["hints"]),
    }
    if position["stage"] == "followup":
        fu = position["followups"][position["followup"]]
        return Prompt(
            "followup", text=fu["prompt"], budget_s=followup_budget(budget),
            followup_number=position["followup"] + 1,
            followup_total=len(position["followups"]), **common,
        )  # fmt: skip
    steps = guided_steps(question)
    if not steps:
        return Prompt("main", text=question.question, budget_s=budget, **common)
    index = len(position["steps"])
    step = steps[index]
    share = STEP_SHARES[step] / sum(STEP_SHARES[s] for s in steps)
    through = sum(STEP_SHARES[s] for s in steps[: index + 1]) / sum(STEP_SHARES[s] for s in steps)
    text = STEP_ASKS[step] if index else f"{question.question}\n\n{STEP_ASKS[step]}"
    return Prompt(
        "step", text=text, budget_s=round(budget * share), step=step, step_number=index + 1,
        step_total=len(steps), checkpoint_s=round(budget * through), **common,
    )  # fmt: skip


def mark_asked(position: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Start the clock for the current prompt unless it is already running."""
    if position.get("asked_at"):
        return position
    out = copy.deepcopy(position)
    out["asked_at"] = aware(now).isoformat()
    return out


def save_draft(position: dict[str, Any], text: str) -> dict[str, Any]:
    """Keep what is typed but not yet submitted (a closed window loses nothing)."""
    out = copy.deepcopy(position)
    out["draft"] = text[:MAX_DRAFT]
    return out


def pause(position: dict[str, Any]) -> dict[str, Any]:
    """Stop the clock (on resume the gap while the session was closed does not count)."""
    out = copy.deepcopy(position)
    out["asked_at"] = None
    return out


def prompt_seconds(position: dict[str, Any], now: datetime) -> float:
    """Seconds since the current prompt was shown."""
    asked = position.get("asked_at")
    if not asked:
        return 0.0
    return max(0.0, (aware(now) - datetime.fromisoformat(asked)).total_seconds())


def time_check(prompt: Prompt, position: dict[str, Any], now: datetime) -> TimeCheck:
    if prompt.role == "followup":
        return TimeCheck(prompt_seconds(position, now), prompt.budget_s, None)
    return TimeCheck(
        prompt.elapsed_s + prompt_seconds(position, now), prompt.question_budget_s,
        prompt.checkpoint_s,
    )  # fmt: skip


def combined_answer(steps: list[dict[str, Any]]) -> str:
    """A guided design answer as one text, one section per whiteboard step."""
    parts = []
    for s in steps:
        body = s["answer"].strip()
        if body:
            parts.append(f"## {STEP_TITLES.get(s['step'], s['step'])}\n\n{body}")
    return "\n\n".join(parts)


def _fresh_question(position: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(position)
    out.update(stage="main", steps=[], hints=0, hint_texts=[], followups=[], followup=0)
    out.update(elapsed_s=0.0, asked_at=None, draft="")
    return out


def advance(questions: list[list[dict[str, Any]]], position: dict[str, Any]) -> dict[str, Any]:
    """Move to the next question, the next round, or the end."""
    out = _fresh_question(position)
    r, q = position["round"], position["question"] + 1
    while r < len(questions) and q >= len(questions[r]):
        r, q = r + 1, 0
    if r >= len(questions):
        out.update(stage="done", round=len(questions) - 1, question=0)
    else:
        out.update(round=r, question=q)
    return out


@dataclass(frozen=True)
class Step:
    """The result of one action: the new position and the answer to store, if any."""

    position: dict[str, Any]
    record: AnswerRecord | None = None


def submit(
    plan: Plan,
    questions: list[list[dict[str, Any]]],
    position: dict[str, Any],
    question: Question,
    text: str,
    now: datetime,
    *,
    skipped: bool = False,
    final: bool = False,
) -> Step:
    """Take an answer (or a skip) to the current prompt.

    A design step is kept in the position until the last step (or a ``final`` one, when the
    mock ends early); then, as for any main answer, the record comes back and the caller
    grades it and calls ``after_main``. A follow-up answer moves on at once.
    """
    prompt = current_prompt(plan, questions, position, question)
    if prompt is None:
        raise ValueError("the mock is finished")
    spent = prompt_seconds(position, now)
    out = copy.deepcopy(position)
    out["asked_at"] = None
    out["draft"] = ""
    if prompt.role == "followup":
        fu = position["followups"][position["followup"]]
        record = AnswerRecord(
            "followup", prompt.round_index, prompt.question_index, question.id, prompt.text,
            "" if skipped else text, int(fu.get("hints", 0)), skipped, round(spent, 1),
            prompt.budget_s, fu.get("key_point"), fu.get("source"),
        )  # fmt: skip
        out["followup"] += 1
        out["hint_texts"] = []
        if out["followup"] >= len(out["followups"]):
            out = advance(questions, out)
        return Step(out, record)
    last_step = final or prompt.step_number >= prompt.step_total
    if prompt.role == "step" and not skipped and not last_step:
        out["steps"].append({"step": prompt.step, "answer": text, "duration_s": round(spent, 1)})
        out["elapsed_s"] = round(prompt.elapsed_s + spent, 1)
        return Step(out)
    if prompt.role == "step":
        if text.strip():
            out["steps"].append(
                {"step": prompt.step, "answer": text, "duration_s": round(spent, 1)}
            )
        answer = combined_answer(out["steps"])
    else:
        answer = "" if skipped else text
    record = AnswerRecord(
        "main", prompt.round_index, prompt.question_index, question.id, question.question,
        answer, prompt.hints_used, skipped, round(prompt.elapsed_s + spent, 1),
        prompt.question_budget_s,
    )  # fmt: skip
    out["elapsed_s"] = record.duration_s
    if skipped:
        return Step(advance(questions, out), record)
    out["stage"] = "graded"  # the caller grades, then ``after_main`` adds follow-ups
    return Step(out, record)


def after_main(
    questions: list[list[dict[str, Any]]], position: dict[str, Any], followups: list[dict[str, Any]]
) -> dict[str, Any]:
    """Ask these follow-ups next (each ``{"prompt", "source", "key_point"}``), or move on."""
    if not followups:
        return advance(questions, position)
    out = copy.deepcopy(position)
    out.update(stage="followup", followups=followups, followup=0, hints=0, hint_texts=[])
    out["asked_at"] = None
    return out


def hint(position: dict[str, Any], question: Question) -> tuple[str | None, dict[str, Any]]:
    """The next hint for the current prompt (None when there are no more); each costs points."""
    shown = list(position.get("hint_texts", []))
    pool = _hint_pool(position, question)
    fresh = [h for h in pool if h not in shown]
    if not fresh or position["stage"] not in ("main", "followup"):
        return None, position
    out = copy.deepcopy(position)
    out["hint_texts"] = [*shown, fresh[0]]
    if position["stage"] == "followup":
        fu = out["followups"][out["followup"]]
        fu["hints"] = int(fu.get("hints", 0)) + 1
    else:
        out["hints"] = int(out["hints"]) + 1
    return fresh[0], out


def _hint_pool(position: dict[str, Any], question: Question) -> list[str]:
    if position["stage"] == "followup":
        fu = position["followups"][position["followup"]]
        point = fu.get("key_point")
        if point and point not in str(fu.get("prompt", "")):
            return [f"Think about: {point}"]
        if point:
            # The follow-up already quotes its point: a hint that repeated it would cost points
            # and add nothing, so it offers the model answer's sentence on that point instead.
            return _model_answer_lines(question, point)
        return [f"Think about: {kp.text}" for kp in _by_weight(question)[:1]]
    steps = guided_steps(question)
    if steps:
        step = steps[len(position["steps"])]
        items = question.extra["method"][step]
        bullets = [items] if isinstance(items, str) else [str(i) for i in items]
        return [f"{STEP_TITLES[step]}: {b}" for b in bullets]
    return [f"Cover: {kp.text}" for kp in _by_weight(question)]


def _model_answer_lines(question: Question, point: str) -> list[str]:
    """The model answer's sentence sharing most content words with ``point`` (none: no hint)."""
    wanted = set(content_stems(point))
    scored = [
        (len(wanted & set(content_stems(sentence))), sentence)
        for sentence in split_sentences(question.answer)
    ]
    best = max(scored, default=(0, ""), key=lambda t: t[0])
    return [f"From the model answer: {clip(best[1], 300)}"] if best[0] >= 2 else []


def _by_weight(question: Question) -> list[Any]:
    return sorted(question.key_points, key=lambda k: -k.weight)


def question_score(
    main_score: float | None, followup_scores: list[float], hints: int, skipped: bool
) -> float:
    """A question's score in the report: the main answer, a fifth from graded follow-ups,
    minus ``HINT_PENALTY`` per hint, kept within 0-100; a skipped question scores 0."""
    if skipped or main_score is None:
        return 0.0
    base = main_score
    if followup_scores:
        base = 0.8 * main_score + 0.2 * (sum(followup_scores) / len(followup_scores))
    return round(max(0.0, min(100.0, base - HINT_PENALTY * hints)), 1)
