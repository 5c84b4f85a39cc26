"""Choosing a mock's questions: weak and unseen areas first, no repeats, deterministic per seed."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from archprep.bank.model import Question
from archprep.errors import UserError
from archprep.interview.plans import Pick, Plan, question_budget

# An unseen question weighs as much as one known at 35%: a mock should surface gaps, and what
# was never practised is a gap, but a question answered badly is the surer one.
UNSEEN_WEIGHT = 1.5
MIN_WEIGHT = 0.2
UNSEEN_AREA = 1.5


@dataclass(frozen=True)
class QuestionStats:
    """What is known about one user's command of one question."""

    attempts: int = 0
    mean_score: float | None = None  # 0-100 over the user's attempts
    retrievability: float | None = None  # FSRS recall probability now, for reviewed cards

    @property
    def seen(self) -> bool:
        return self.attempts > 0 or self.retrievability is not None

    @property
    def strength(self) -> float | None:
        """0 (weak) to 1 (strong), blending answer scores and memory; None when unseen."""
        parts: list[float] = []
        if self.mean_score is not None:
            parts.append(self.mean_score / 100)
        if self.retrievability is not None:
            parts.append(self.retrievability)
        return sum(parts) / len(parts) if parts else None


@dataclass(frozen=True)
class Chosen:
    """One question placed in a session: its id and its time budget."""

    id: str
    budget_s: int
    category: str
    kind: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "budget_s": self.budget_s,
            "category": self.category,
            "kind": self.kind,
        }


@dataclass
class Selection:
    rounds: list[list[Chosen]] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [c.id for r in self.rounds for c in r]


def question_weight(stats: QuestionStats | None) -> float:
    strength = None if stats is None else stats.strength
    if strength is None:
        return UNSEEN_WEIGHT
    return MIN_WEIGHT + 2.0 * (1.0 - max(0.0, min(1.0, strength)))


def area_weights(
    questions: Iterable[Question], stats: Mapping[str, QuestionStats]
) -> dict[str, float]:
    """Per category: 0.5 + weakness of what was practised there; unpractised areas rank high."""
    strengths: dict[str, list[float]] = defaultdict(list)
    categories: set[str] = set()
    for q in questions:
        categories.add(q.category)
        s = stats.get(q.id)
        if s is not None and s.strength is not None:
            strengths[q.category].append(s.strength)
    out: dict[str, float] = {}
    for cat in categories:
        values = strengths.get(cat)
        out[cat] = UNSEEN_AREA if not values else 0.5 + (1.0 - sum(values) / len(values))
    return out


def matches(q: Question, pick: Pick) -> bool:
    return (
        (not pick.categories or q.category in pick.categories)
        and (not pick.kinds or q.kind in pick.kinds)
        and (not pick.levels or q.level in pick.levels)
    )


def _weighted_sample(
    pool: Sequence[Question], weights: Mapping[str, float], count: int, rng: random.Random
) -> list[Question]:
    """Sampling without replacement (Efraimidis-Spirakis keys): heavier questions come first."""
    keyed = sorted(
        ((rng.random() ** (1.0 / max(weights[q.id], 1e-6)), q.id, q) for q in pool),
        key=lambda t: (-t[0], t[1]),
    )
    return [q for _key, _id, q in keyed[:count]]


def select_questions(
    plan: Plan,
    candidates: Sequence[Question],
    stats: Mapping[str, QuestionStats],
    seed: int,
    *,
    exclude: Iterable[str] = (),
) -> Selection:
    """Fill every pick of every round; a question is used at most once in the session.

    Candidates are considered in id order, so the result depends only on the inputs and
    ``seed``. When a pick cannot be filled its level filter is dropped first; what is still
    missing is reported in ``shortfalls``.
    """
    ordered = sorted(candidates, key=lambda q: q.id)
    areas = area_weights(ordered, stats)
    weights = {q.id: question_weight(stats.get(q.id)) * areas[q.category] for q in ordered}
    used: set[str] = set(exclude)
    rng = random.Random(seed)
    selection = Selection()
    for r_index, round_ in enumerate(plan.rounds):
        chosen: list[Chosen] = []
        for pick in round_.picks:
            pool = [q for q in ordered if q.id not in used and matches(q, pick)]
            if len(pool) < pick.count and pick.levels:
                relaxed = Pick(pick.count, pick.categories, pick.kinds, (), pick.seconds)
                pool = [q for q in ordered if q.id not in used and matches(q, relaxed)]
            got = _weighted_sample(pool, weights, pick.count, rng)
            if len(got) < pick.count:
                selection.shortfalls.append(
                    f"round {r_index + 1} ({round_.name}): found {len(got)} of {pick.describe()}"
                )
            for q in got:
                used.add(q.id)
                chosen.append(Chosen(q.id, question_budget(round_, pick), q.category, q.kind))
        selection.rounds.append(chosen)
    if not selection.ids:
        raise UserError(
            f"plan {plan.name!r} matched no questions; check its categories and kinds "
            "against `archprep stats`"
        )
    return selection
