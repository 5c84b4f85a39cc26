"""Which TOPICS.md ground the bank covers, and its make-up by category, level and kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archprep.bank.model import KINDS, LEVELS, TOPICS, Question

# The least each category must hold (issue 3); technical categories need 15 each.
MINIMUM = {
    "system-design": 30,
    "troubleshooting": 15,
    "strategy-leadership": 15,
    "behavioral": 20,
    "rapid-fire": 40,
    "ask-them": 20,
}
TECHNICAL_MINIMUM = 15


@dataclass
class Coverage:
    counts: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    uncovered: dict[str, list[str]] = field(default_factory=dict)
    short: dict[str, tuple[int, int]] = field(default_factory=dict)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.uncovered and not self.short

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "categories": {
                cat: {
                    "total": sum(c["level"].values()),
                    "levels": {lv: c["level"][lv] for lv in LEVELS},
                    "kinds": {k: c["kind"][k] for k in KINDS if c["kind"][k]},
                    "minimum": minimum_for(cat),
                }
                for cat, c in self.counts.items()
            },
            "uncovered": self.uncovered,
            "below_minimum": {cat: {"have": h, "need": n} for cat, (h, n) in self.short.items()},
            "ok": self.ok,
        }


def minimum_for(category: str) -> int:
    return MINIMUM.get(category, TECHNICAL_MINIMUM)


def coverage(questions: list[Question]) -> Coverage:
    result = Coverage(total=len(questions))
    covered: dict[str, set[str]] = {cat: set() for cat in TOPICS}
    for cat in TOPICS:
        result.counts[cat] = {"level": Counter(), "kind": Counter()}
    for q in questions:
        if q.category not in result.counts:
            continue
        result.counts[q.category]["level"][q.level] += 1
        result.counts[q.category]["kind"][q.kind] += 1
        covered[q.category].update(q.topics)
    for cat, ground in TOPICS.items():
        missing = [slug for slug in ground if slug not in covered[cat]]
        if missing:
            result.uncovered[cat] = missing
        have = sum(result.counts[cat]["level"].values())
        if have < minimum_for(cat):
            result.short[cat] = (have, minimum_for(cat))
    return result
