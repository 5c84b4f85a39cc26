"""Mock-interview plans: rounds of questions picked by category, kind and level, with time budgets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from archprep.bank.model import KINDS, LEVELS
from archprep.errors import UserError

PLAN_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_ROUNDS = 8
MAX_PER_PICK = 20


@dataclass(frozen=True)
class Pick:
    """``count`` questions matching every filter given (an empty filter matches anything)."""

    count: int
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    seconds: int | None = None  # overrides the round's seconds per question

    def describe(self) -> str:
        parts = [
            "/".join(self.categories) or "any category",
            "/".join(self.kinds) or "any kind",
        ]
        if self.levels:
            parts.append("/".join(self.levels))
        return f"{self.count} × " + ", ".join(parts)

    def as_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"count": self.count}
        for name in ("categories", "kinds", "levels"):
            if getattr(self, name):
                spec[name] = list(getattr(self, name))
        if self.seconds is not None:
            spec["seconds"] = self.seconds
        return spec


@dataclass(frozen=True)
class Round:
    """One interview in a loop: who asks, for how long, and what."""

    name: str
    minutes: int
    seconds_per_question: int
    picks: tuple[Pick, ...]
    interviewer: str = "interviewer"
    follow_ups: int = 2  # at most this many follow-ups after each main answer

    @property
    def question_count(self) -> int:
        return sum(p.count for p in self.picks)

    def as_spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "minutes": self.minutes,
            "seconds_per_question": self.seconds_per_question,
            "interviewer": self.interviewer,
            "follow_ups": self.follow_ups,
            "questions": [p.as_spec() for p in self.picks],
        }


@dataclass(frozen=True)
class Plan:
    """A mock interview loop; built-in plans live here, users' own plans in ``mock_plans``."""

    name: str
    title: str
    rounds: tuple[Round, ...]
    description: str = ""
    builtin: bool = field(default=True, compare=False)

    @property
    def minutes(self) -> int:
        return sum(r.minutes for r in self.rounds)

    @property
    def question_count(self) -> int:
        return sum(r.question_count for r in self.rounds)

    def as_spec(self) -> dict[str, Any]:
        """The JSON shape users write (``--from-json``) and sessions snapshot."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "rounds": [r.as_spec() for r in self.rounds],
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "builtin": self.builtin,
            "rounds": [r.name for r in self.rounds],
            "minutes": self.minutes,
            "questions": self.question_count,
        }


def _pick(count: int, *, seconds: int | None = None, **filters: tuple[str, ...]) -> Pick:
    return Pick(count, seconds=seconds, **filters)


CORE_ML = ("ml-fundamentals", "deep-learning", "transformers-llms")
GENAI = ("rag", "vector-search", "fine-tuning", "agents", "llm-platform")
DESIGN_CATEGORIES = ("system-design", "llm-platform", "serving-infra", "mlops", "rag", "agents")
PROD = ("mlops", "serving-infra", "llm-platform")

ML_CONCEPTS = Round(
    "ML concepts", 45, 420,
    (
        _pick(2, categories=CORE_ML, kinds=("concept",)),
        _pick(2, categories=GENAI, kinds=("concept",)),
        _pick(1, categories=("responsible-ai",), kinds=("concept",)),
        _pick(1, kinds=("troubleshooting",)),
    ),
    interviewer="senior ML engineer",
)  # fmt: skip
AI_SYSTEM_DESIGN = Round(
    "AI system design", 45, 2400,
    (_pick(1, categories=DESIGN_CATEGORIES, kinds=("design",)),),
    interviewer="principal architect",
)  # fmt: skip
MLOPS_PRODUCTION = Round(
    "MLOps and production", 45, 360,
    (
        _pick(2, categories=PROD, kinds=("concept",)),
        _pick(1, categories=PROD + ("troubleshooting",), kinds=("troubleshooting",), seconds=420),
        _pick(1, categories=PROD, kinds=("design",), seconds=1200),
    ),
    interviewer="staff MLOps engineer",
)  # fmt: skip
DEPTH = Round(
    "Coding-adjacent depth", 45, 480,
    (
        _pick(2, categories=CORE_ML + ("fine-tuning",), kinds=("concept",), levels=("advanced",)),
        _pick(2, kinds=("troubleshooting",)),
        _pick(3, categories=("rapid-fire",), seconds=120),
    ),
    interviewer="senior engineer",
)  # fmt: skip
BEHAVIORAL_HM = Round(
    "Behavioral with the hiring manager", 45, 480,
    (
        _pick(3, kinds=("behavioral",)),
        _pick(1, kinds=("strategy",)),
        _pick(1, kinds=("ask-them",), seconds=180),
    ),
    interviewer="hiring manager",
    follow_ups=1,
)  # fmt: skip

BUILTIN_PLANS: dict[str, Plan] = {
    p.name: p
    for p in (
        Plan(
            "phone-screen",
            "Phone screen",
            (
                Round(
                    "Technical screen",
                    20,
                    300,
                    (
                        _pick(2, categories=CORE_ML + GENAI, kinds=("concept",)),
                        _pick(2, categories=("rapid-fire",), seconds=120),
                    ),
                    interviewer="recruiter-engineer",
                    follow_ups=1,
                ),  # fmt: skip
                Round(
                    "Experience",
                    10,
                    480,
                    (_pick(1, kinds=("behavioral",)),),
                    interviewer="hiring manager",
                    follow_ups=1,
                ),  # fmt: skip
            ),
            "A 30-minute screen: core concepts, quick-fire numbers and one story.",
        ),
        Plan("ml-concepts", "ML concepts", (ML_CONCEPTS,), "Fundamentals to LLMs, with depth."),
        Plan(
            "ai-system-design",
            "AI system design",
            (AI_SYSTEM_DESIGN,),
            "One AI system design, guided through the whiteboard steps with checkpoints.",
        ),
        Plan(
            "mlops-production",
            "MLOps and production",
            (MLOPS_PRODUCTION,),
            "Serving, monitoring, incidents and platform trade-offs.",
        ),
        Plan(
            "behavioral-hm",
            "Behavioral (hiring manager)",
            (BEHAVIORAL_HM,),
            "STAR stories, strategy and your questions for them.",
        ),
        Plan(
            "full-onsite",
            "Full onsite loop",
            (ML_CONCEPTS, AI_SYSTEM_DESIGN, MLOPS_PRODUCTION, DEPTH, BEHAVIORAL_HM),
            "Five rounds as a senior AI/ML architect loop runs them.",
        ),
    )
}


class _Spec:
    """Reads a plan spec, collecting every problem with the field it is in."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def int_in(self, data: dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.problems.append(f"{where}.{key}: must be a whole number from {lo} to {hi}")
            return lo
        return value

    def words(
        self, data: dict[str, Any], key: str, where: str, allowed: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problems.append(f"{where}.{key}: must be a list of names")
            return ()
        bad = [v for v in value if allowed and v not in allowed]
        if bad:
            self.problems.append(f"{where}.{key}: {bad[0]!r} is not one of {', '.join(allowed)}")
        return tuple(value)


def plan_from_spec(name: str, spec: dict[str, Any], *, builtin: bool = False) -> Plan:
    """Validate a user's plan (JSON shape of ``Plan.as_spec``); errors name the field."""
    if not PLAN_NAME.match(name):
        raise UserError(
            f"plan name {name!r} must be lower-case letters, digits and dashes (up to 60)"
        )
    if not isinstance(spec, dict):
        raise UserError("a plan must be a JSON object with a 'rounds' list")
    chk = _Spec()
    rounds_in = spec.get("rounds")
    if not isinstance(rounds_in, list) or not 1 <= len(rounds_in) <= MAX_ROUNDS:
        raise UserError(f"rounds: must be a list of 1 to {MAX_ROUNDS} rounds")
    rounds: list[Round] = []
    for i, r in enumerate(rounds_in):
        where = f"rounds[{i}]"
        if not isinstance(r, dict):
            chk.problems.append(f"{where}: must be an object")
            continue
        rname = r.get("name")
        if not isinstance(rname, str) or not rname.strip() or len(rname) > 80:
            chk.problems.append(f"{where}.name: must be text of up to 80 characters")
            rname = f"Round {i + 1}"
        minutes = chk.int_in(r, "minutes", where, 1, 240)
        per_q = chk.int_in(r, "seconds_per_question", where, 30, 7200)
        follow = chk.int_in({"follow_ups": r.get("follow_ups", 2)}, "follow_ups", where, 0, 2)
        picks_in = r.get("questions")
        if not isinstance(picks_in, list) or not picks_in:
            chk.problems.append(f"{where}.questions: must be a non-empty list")
            picks_in = []
        picks: list[Pick] = []
        for j, p in enumerate(picks_in):
            pw = f"{where}.questions[{j}]"
            if not isinstance(p, dict):
                chk.problems.append(f"{pw}: must be an object")
                continue
            seconds = None
            if p.get("seconds") is not None:
                seconds = chk.int_in(p, "seconds", pw, 30, 7200)
            picks.append(
                Pick(
                    chk.int_in(p, "count", pw, 1, MAX_PER_PICK),
                    chk.words(p, "categories", pw),
                    chk.words(p, "kinds", pw, KINDS),
                    chk.words(p, "levels", pw, LEVELS),
                    seconds,
                )
            )
        interviewer = r.get("interviewer", "interviewer")
        rounds.append(
            Round(
                rname.strip(), minutes, per_q, tuple(picks),
                str(interviewer)[:80] if interviewer else "interviewer", follow,
            )
        )  # fmt: skip
    if chk.problems:
        more = f" (and {len(chk.problems) - 1} more)" if len(chk.problems) > 1 else ""
        raise UserError(f"plan {name!r}: {chk.problems[0]}{more}")
    title = spec.get("title")
    description = spec.get("description")
    return Plan(
        name,
        title if isinstance(title, str) and title.strip() else name,
        tuple(rounds),
        description if isinstance(description, str) else "",
        builtin=builtin,
    )


def builtin_plan(name: str) -> Plan | None:
    return BUILTIN_PLANS.get(name)


def question_budget(round_: Round, pick: Pick | None) -> int:
    """Seconds allowed for one question of ``pick`` in ``round_``."""
    if pick is not None and pick.seconds is not None:
        return pick.seconds
    return round_.seconds_per_question
