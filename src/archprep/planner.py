"""Interview-date planning: recall forecast on the day, intervals pulled in, a capped daily plan.

Everything here is a pure function of the user's cards, the target and ``now``. The plan is a
day-by-day simulation with FSRS: each day takes the due reviews (most at-risk and most important
first, an overdue backlog spread evenly over the days left), a written-practice or mock slot, and
new cards at the pace that shows every unseen card before the interview (never more than the
user's new-cards-per-day allowance, which the flashcards page keeps to), all within the daily
time budget. Simulated answers are rated Good, the expected outcome at ~90% retention.
"""

from __future__ import annotations

import difflib
import math
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fsrs import Scheduler

from archprep.errors import UsageError, UserError
from archprep.scheduling import CardMemory, Grade, aware, make_scheduler, retrievability, review

INTERVIEW_HOUR = 9  # recall is predicted for 09:00 UTC on the interview date
DEFAULT_WEIGHT = 1.0  # categories a role profile does not name
DEFAULT_NEW_S = 20.0
DEFAULT_REVIEW_S = 10.0
MIN_TIMED_REVIEWS = 5  # fewer logged durations than this: use the defaults
PRACTICE_MINUTES = 10  # one written answer, graded
MOCK_MINUTES = 30  # a short mock interview
MOCK_DAYS_BEFORE = 2  # the last mock is two days before the interview, then one a week earlier
MAX_PRACTICE_PER_DAY = 3
MAX_DAYS = 365
LEVEL_ORDER = {"basic": 0, "intermediate": 1, "advanced": 2}


@dataclass(frozen=True)
class RoleProfile:
    """A role's focus as category weights (1 = normal, 0 = not studied for this interview)."""

    slug: str
    title: str
    weights: Mapping[str, float]


ROLE_PROFILES: dict[str, RoleProfile] = {
    p.slug: p
    for p in (
        RoleProfile("general", "General AI/ML architect", {}),
        RoleProfile(
            "llm-platform-architect",
            "LLM platform architect",
            {
                "llm-platform": 3, "serving-infra": 3, "rag": 2, "agents": 2,
                "transformers-llms": 2, "system-design": 2, "vector-search": 1.5, "mlops": 1.5,
                "troubleshooting": 1.5, "responsible-ai": 1, "fine-tuning": 1,
                "strategy-leadership": 1, "behavioral": 1, "rapid-fire": 1, "ask-them": 0.5,
                "ml-fundamentals": 0.5, "deep-learning": 0.5,
            },
        ),
        RoleProfile(
            "ml-platform-architect",
            "ML platform / MLOps architect",
            {
                "mlops": 3, "serving-infra": 3, "system-design": 2.5, "troubleshooting": 2,
                "ml-fundamentals": 1.5, "llm-platform": 1.5, "vector-search": 1,
                "responsible-ai": 1, "strategy-leadership": 1, "behavioral": 1, "rapid-fire": 1,
                "deep-learning": 1, "transformers-llms": 1, "rag": 1, "fine-tuning": 0.5,
                "agents": 0.5, "ask-them": 0.5,
            },
        ),
        RoleProfile(
            "genai-solutions-architect",
            "GenAI solutions architect",
            {
                "rag": 3, "agents": 3, "llm-platform": 2.5, "vector-search": 2,
                "transformers-llms": 2, "fine-tuning": 1.5, "responsible-ai": 1.5,
                "system-design": 1.5, "strategy-leadership": 1.5, "behavioral": 1,
                "serving-infra": 1, "troubleshooting": 1, "rapid-fire": 1, "ask-them": 1,
                "mlops": 0.5, "ml-fundamentals": 0.5, "deep-learning": 0.5,
            },
        ),
        RoleProfile(
            "senior-ml-engineer",
            "Senior ML / applied scientist",
            {
                "ml-fundamentals": 3, "deep-learning": 3, "transformers-llms": 2.5,
                "fine-tuning": 2, "system-design": 2, "troubleshooting": 1.5, "mlops": 1.5,
                "rag": 1, "vector-search": 1, "serving-infra": 1, "behavioral": 1,
                "rapid-fire": 1, "responsible-ai": 1, "agents": 0.5, "llm-platform": 0.5,
                "strategy-leadership": 0.5, "ask-them": 0.5,
            },
        ),
        RoleProfile(
            "head-of-ai",
            "Head of AI / AI engineering leader",
            {
                "strategy-leadership": 3, "behavioral": 3, "system-design": 2,
                "responsible-ai": 2, "llm-platform": 1.5, "ask-them": 1.5, "mlops": 1,
                "rag": 1, "agents": 1, "serving-infra": 1, "rapid-fire": 1,
                "troubleshooting": 0.5, "transformers-llms": 0.5, "fine-tuning": 0.5,
                "vector-search": 0.5, "ml-fundamentals": 0.5, "deep-learning": 0.5,
            },
        ),
    )
}  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def resolve_role(text: str | None) -> RoleProfile:
    """A role profile by slug or title, case and punctuation ignored (``"LLM platform architect"``)."""
    if not text:
        return ROLE_PROFILES["general"]
    wanted = _slug(text)
    for profile in ROLE_PROFILES.values():
        if wanted in (profile.slug, _slug(profile.title)):
            return profile
    raise UsageError(f"--role must be one of {', '.join(ROLE_PROFILES)} (got {text!r})")


def parse_weights(items: Iterable[str], label: str = "--weight") -> dict[str, float]:
    """``["rag=3", "behavioral=0"]`` -> ``{"rag": 3.0, "behavioral": 0.0}`` (weights 0-10).

    ``label`` names the input in the error: the CLI option, or the web form's field.
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or not name.strip() or not 0 <= value <= 10:
            raise UsageError(f"{label} {item!r} must look like category=weight, weight 0-10")
        out[name.strip()] = value
    return out


def check_weights(weights: Mapping[str, float], categories: Iterable[str]) -> None:
    """Refuse a weight for a category that does not exist: a typo would be saved and then
    silently weigh nothing."""
    known = sorted(set(categories))
    for name in sorted(weights):
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(
            f"there is no category {name!r} to weight; {hint}the categories are {', '.join(known)}"
        )


@dataclass(frozen=True)
class Target:
    """An interview to prepare for: its date, category weights, recall goal and daily budget."""

    interview_date: date
    weights: Mapping[str, float] = field(default_factory=dict)
    target_recall: float = 0.9
    daily_minutes: int = 45
    name: str = "Interview"
    role: str = "general"

    @property
    def interview_at(self) -> datetime:
        return datetime.combine(self.interview_date, time(INTERVIEW_HOUR), tzinfo=UTC)

    def weight(self, category: str) -> float:
        return float(self.weights.get(category, DEFAULT_WEIGHT))


@dataclass(frozen=True)
class Timing:
    """Seconds one card takes: a new card's first showing, and any later review."""

    new_s: float = DEFAULT_NEW_S
    review_s: float = DEFAULT_REVIEW_S


def timing_from_history(new_ms: Sequence[float], review_ms: Sequence[float]) -> Timing:
    """Median logged durations (5+ of a kind, else the defaults), clamped to 2 s - 10 min."""

    def median_s(values: Sequence[float], default: float) -> float:
        kept = [v for v in values if v and v > 0]
        if len(kept) < MIN_TIMED_REVIEWS:
            return default
        return min(600.0, max(2.0, statistics.median(kept) / 1000))

    return Timing(median_s(new_ms, DEFAULT_NEW_S), median_s(review_ms, DEFAULT_REVIEW_S))


@dataclass(frozen=True)
class PlanCard:
    """One card as the planner sees it: which category it counts for, and its FSRS memory."""

    question_id: str
    category: str
    memory: CardMemory
    level: str = "intermediate"


def _day_start(moment: datetime) -> datetime:
    return aware(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def pull_in_due(
    card: CardMemory, interview_at: datetime, target_recall: float, scheduler: Scheduler
) -> datetime | None:
    """An earlier due date when FSRS's would fall after the interview with recall below target.

    The new due date is the last whole day after the card's last review on which its recall is
    still at or above the target, and never later than the day before the interview. ``None``
    keeps the FSRS date: the card comes due before the interview anyway, its recall on the day
    is high enough, or its last review was already the day before the interview.
    """
    if card.is_new or card.due is None or card.last_review is None or card.stability is None:
        return None
    interview_at = aware(interview_at)
    if aware(card.due) <= interview_at:
        return None
    if retrievability(card, interview_at, scheduler) >= target_recall:
        return None
    last = aware(card.last_review)
    day_before = _day_start(interview_at) - timedelta(days=1)
    if day_before <= last:
        return None
    low, high = 1, max(1, (interview_at - last).days)
    while low < high:  # the largest whole day count whose recall is still >= target
        mid = (low + high + 1) // 2
        if retrievability(card, last + timedelta(days=mid), scheduler) >= target_recall:
            low = mid
        else:
            high = mid - 1
    return min(last + timedelta(days=low), day_before)


@dataclass
class CategoryForecast:
    """Predicted share of a category's questions recalled at the interview (unseen = 0)."""

    category: str
    weight: float
    cards: int
    seen: int
    recall_now: float  # if the user stopped studying today
    recall_with_plan: float  # if the user follows the plan
    target: float

    @property
    def meets_target(self) -> bool:
        return self.recall_with_plan >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "weight": self.weight,
            "cards": self.cards,
            "seen": self.seen,
            "recall_now": round(self.recall_now, 4),
            "recall_with_plan": round(self.recall_with_plan, 4),
            "meets_target": self.meets_target,
        }


@dataclass
class DayPlan:
    """One day's work: reviews (overdue ones counted apart), new cards and answer sessions."""

    day: date
    reviews: list[str] = field(default_factory=list)
    overdue: int = 0  # of the reviews, how many were already overdue that morning
    new: list[str] = field(default_factory=list)
    practice: int = 0
    mock: bool = False
    minutes: float = 0.0
    carried_over: int = 0  # due reviews that did not fit and move to the next day

    def as_dict(self, ids: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.day.isoformat(),
            "reviews": len(self.reviews),
            "overdue": self.overdue,
            "new": len(self.new),
            "practice": self.practice,
            "mock": self.mock,
            "minutes": round(self.minutes, 1),
            "carried_over": self.carried_over,
        }
        if ids:
            out["review_ids"] = list(self.reviews)
            out["new_ids"] = list(self.new)
        return out


@dataclass
class Plan:
    target: Target
    now: datetime
    timing: Timing
    categories: list[CategoryForecast]
    days: list[DayPlan]
    recall_now: float  # weighted over categories
    recall_with_plan: float
    unseen_left: int  # weighted cards the plan could not introduce before the interview
    final: dict[str, CardMemory] = field(default_factory=dict)  # memories after the last day
    new_per_day: int | None = None  # the allowance the plan kept to (None: no allowance given)
    new_pace_needed: int = 0  # new cards a day that would show every unseen card in time

    @property
    def held_back_by_allowance(self) -> bool:
        """True when the new-card allowance, not the time budget, is what leaves cards unseen."""
        return (
            self.new_per_day is not None
            and self.unseen_left > 0
            and self.new_pace_needed > self.new_per_day
        )

    @property
    def days_left(self) -> int:
        return len(self.days)

    @property
    def today(self) -> DayPlan | None:
        return self.days[0] if self.days else None

    def as_dict(self) -> dict[str, Any]:
        t = self.target
        return {
            "name": t.name,
            "interview_date": t.interview_date.isoformat(),
            "role": t.role,
            "target_recall": t.target_recall,
            "daily_minutes": t.daily_minutes,
            "days_left": self.days_left,
            "timing": {"new_s": self.timing.new_s, "review_s": self.timing.review_s},
            "recall_now": round(self.recall_now, 4),
            "recall_with_plan": round(self.recall_with_plan, 4),
            "unseen_left": self.unseen_left,
            "new_per_day": self.new_per_day,
            "new_pace_needed": self.new_pace_needed,
            "categories": [c.as_dict() for c in self.categories],
            "today": self.today.as_dict(ids=True) if self.today else None,
            "days": [d.as_dict() for d in self.days],
        }


def predicted_recall(
    cards: Iterable[PlanCard], at: datetime, scheduler: Scheduler | None = None
) -> dict[str, float]:
    """Mean FSRS retrievability at ``at`` per category; unseen cards count as 0."""
    sched = scheduler or make_scheduler()
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for c in cards:
        sums[c.category] = sums.get(c.category, 0.0) + retrievability(c.memory, at, sched)
        counts[c.category] = counts.get(c.category, 0) + 1
    return {cat: sums[cat] / counts[cat] for cat in counts}


def weighted_mean(values: Mapping[str, float], target: Target) -> float:
    """The categories' recall averaged with the role's weights (weight-0 categories left out)."""
    total = sum(target.weight(c) for c in values if target.weight(c) > 0)
    if not total:
        return 0.0
    return sum(v * target.weight(c) for c, v in values.items() if target.weight(c) > 0) / total


def is_mock_day(days_to_interview: int) -> bool:
    """Mocks two days before the interview, and every seven days before that."""
    return days_to_interview >= MOCK_DAYS_BEFORE and (days_to_interview - MOCK_DAYS_BEFORE) % 7 == 0


class _Simulation:
    """The user's cards as the plan unfolds: FSRS memories after each simulated Good."""

    def __init__(
        self, cards: Sequence[PlanCard], target: Target, timing: Timing, sched: Scheduler
    ) -> None:
        self.target = target
        self.timing = timing
        self.sched = sched
        self.category = {c.question_id: c.category for c in cards}
        self.memory: dict[str, CardMemory] = {}
        for c in cards:
            self.memory[c.question_id] = self._deadline(c.question_id, c.memory)

    def _deadline(self, qid: str, memory: CardMemory) -> CardMemory:
        if self.target.weight(self.category[qid]) <= 0:
            return memory
        t = self.target
        pulled = pull_in_due(memory, t.interview_at, t.target_recall, self.sched)
        return memory if pulled is None else replace(memory, due=pulled)

    def priority(self, qid: str, at: datetime) -> tuple[float, datetime, str]:
        """Most important (weight) and most at-risk (lowest recall now) first."""
        m = self.memory[qid]
        risk = 1 - retrievability(m, at, self.sched)
        assert m.due is not None
        return (-self.target.weight(self.category[qid]) * risk, aware(m.due), qid)

    def study(self, qid: str, at: datetime, day_end: datetime) -> tuple[CardMemory, float]:
        """The card after a Good at ``at`` and any same-day learning steps, and the seconds taken."""
        m = self.memory[qid]
        cost = self.timing.new_s if m.is_new else self.timing.review_s
        m = review(m, Grade.GOOD, at, self.sched)
        for _ in range(5):  # learning steps bring a card back minutes later
            assert m.due is not None
            if aware(m.due) >= day_end:
                break
            m = review(m, Grade.GOOD, max(at, aware(m.due)), self.sched)
            cost += self.timing.review_s
        return self._deadline(qid, m), cost


def build_plan(
    cards: Sequence[PlanCard],
    target: Target,
    now: datetime,
    *,
    timing: Timing | None = None,
    scheduler: Scheduler | None = None,
    new_per_day: int | None = None,
    new_today: int = 0,
) -> Plan:
    """The forecast per category and a day-by-day plan from today to the day before the interview.

    ``new_per_day`` is the user's daily allowance of new cards and ``new_today`` how many of it
    today's studying has used: the plan never asks for more new cards than the flashcards page
    will show. ``None`` leaves the pace uncapped.
    """
    now = aware(now)
    timing = timing or Timing()
    sched = scheduler or make_scheduler()
    days_left = (target.interview_date - now.date()).days
    if days_left < 0:
        raise UserError(f"the interview date {target.interview_date} is in the past")
    if days_left > MAX_DAYS:
        raise UserError(
            f"the interview date {target.interview_date} is more than {MAX_DAYS} days away"
        )
    sim = _Simulation(cards, target, timing, sched)
    unseen = sorted(
        (c for c in cards if c.memory.is_new and target.weight(c.category) > 0),
        key=lambda c: (-target.weight(c.category), LEVEL_ORDER.get(c.level, 1), c.category,
                       c.question_id),
    )  # fmt: skip
    queue = [c.question_id for c in unseen]
    budget = target.daily_minutes * 60.0

    def allowance(day: int) -> int | None:
        if new_per_day is None:
            return None
        return max(0, new_per_day - (new_today if day == 0 else 0))

    days = [
        _plan_day(sim, now + timedelta(days=d), days_left - d, queue, budget, allowance(d))
        for d in range(days_left)
    ]
    plan = _finish(cards, target, now, timing, sched, sim, days, len(queue))
    plan.new_per_day = new_per_day
    plan.new_pace_needed = math.ceil(len(unseen) / days_left) if days_left else 0
    return plan


def _plan_day(
    sim: _Simulation,
    at: datetime,
    remaining: int,
    queue: list[str],
    budget: float,
    new_allowed: int | None = None,
) -> DayPlan:
    """One simulated day at ``at``; takes today's new cards off the front of ``queue``
    (at most ``new_allowed`` of them when the user has a daily allowance)."""
    day_start = _day_start(at)
    day_end = day_start + timedelta(days=1)
    plan = DayPlan(day_start.date())
    due = [q for q, m in sim.memory.items() if not m.is_new and aware(m.due or at) < day_end]
    due.sort(key=lambda q: sim.priority(q, at))
    overdue = [q for q in due if aware(sim.memory[q].due or at) < day_start]
    fresh = [q for q in due if aware(sim.memory[q].due or at) >= day_start]
    share = math.ceil(len(overdue) / remaining)  # a backlog is spread over the days left
    spent = 0.0

    def take(qid: str, reserve: float) -> bool:
        nonlocal spent
        after, cost = sim.study(qid, at, day_end)
        if spent + cost + reserve > budget:
            return False
        sim.memory[qid] = after
        spent += cost
        return True

    plan.reviews = [q for q in fresh + overdue[:share] if take(q, 0.0)]
    plan.mock = is_mock_day(remaining) and budget - spent >= MOCK_MINUTES * 60
    reserve = MOCK_MINUTES * 60.0 if plan.mock else 0.0
    if not plan.mock and budget >= 3 * PRACTICE_MINUTES * 60 and budget - spent >= 600:
        reserve = PRACTICE_MINUTES * 60.0
    pace = math.ceil(len(queue) / remaining)
    if new_allowed is not None:
        pace = min(pace, new_allowed)
    for qid in list(queue[:pace]):
        if not take(qid, reserve):
            break
        plan.new.append(qid)
        queue.remove(qid)
    plan.reviews += [q for q in overdue[share:] if take(q, reserve)]
    done = set(plan.reviews)
    plan.overdue = sum(1 for q in overdue if q in done)
    plan.carried_over = len(due) - len(plan.reviews)
    left = budget - spent - (MOCK_MINUTES * 60 if plan.mock else 0)
    plan.practice = min(MAX_PRACTICE_PER_DAY, int(left // (PRACTICE_MINUTES * 60)))
    plan.minutes = spent / 60 + plan.practice * PRACTICE_MINUTES + plan.mock * MOCK_MINUTES
    return plan


def _finish(
    cards: Sequence[PlanCard],
    target: Target,
    now: datetime,
    timing: Timing,
    sched: Scheduler,
    sim: _Simulation,
    days: list[DayPlan],
    unseen_left: int,
) -> Plan:
    at = target.interview_at
    before = predicted_recall(cards, at, sched)
    after = predicted_recall(
        [replace(c, memory=sim.memory[c.question_id]) for c in cards], at, sched
    )
    total: dict[str, int] = {}
    seen: dict[str, int] = {}
    for c in cards:
        total[c.category] = total.get(c.category, 0) + 1
        seen[c.category] = seen.get(c.category, 0) + (not c.memory.is_new)
    categories = [
        CategoryForecast(cat, target.weight(cat), total[cat], seen[cat], before[cat], after[cat],
                         target.target_recall)
        for cat in sorted(total, key=lambda c: (-target.weight(c), c))
    ]  # fmt: skip
    return Plan(
        target=target,
        now=now,
        timing=timing,
        categories=categories,
        days=days,
        recall_now=weighted_mean(before, target),
        recall_with_plan=weighted_mean(after, target),
        unseen_left=unseen_left,
        final=dict(sim.memory),
    )


def cram_queue(
    cards: Sequence[PlanCard],
    at: datetime,
    *,
    weight: Callable[[str], float] = lambda _category: DEFAULT_WEIGHT,
    limit: int = 20,
    scheduler: Scheduler | None = None,
) -> list[str]:
    """Seen cards to drill outside the schedule: lowest recall at ``at`` times weight first."""
    sched = scheduler or make_scheduler()
    scored = [
        (-weight(c.category) * (1 - retrievability(c.memory, at, sched)), c.question_id)
        for c in cards
        if not c.memory.is_new and weight(c.category) > 0
    ]
    return [qid for _, qid in sorted(scored)[:limit]]


__all__ = [
    "ROLE_PROFILES",
    "CategoryForecast",
    "DayPlan",
    "Plan",
    "PlanCard",
    "RoleProfile",
    "Target",
    "Timing",
    "build_plan",
    "check_weights",
    "cram_queue",
    "is_mock_day",
    "parse_weights",
    "predicted_recall",
    "pull_in_due",
    "resolve_role",
    "timing_from_history",
    "weighted_mean",
]
