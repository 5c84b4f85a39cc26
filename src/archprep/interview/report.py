"""A finished mock's report: scores per round and category, time, misses, a study plan, Markdown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archprep.bank.model import Question
from archprep.grading.text import content_stems, stem
from archprep.interview.session import HINT_PENALTY, question_score

STUDY_BELOW = 70.0  # questions scoring under this go into the study plan
MIN_THEME_QUESTIONS = 2


@dataclass(frozen=True)
class GivenAnswer:
    """One stored answer of a session (a ``mock_answers`` row as plain data)."""

    role: str
    round_index: int
    question_index: int
    question_id: str
    prompt: str
    answer: str
    hints_used: int
    skipped: bool
    duration_s: float
    budget_s: float
    score: float | None
    grade: dict[str, Any] | None = None
    attempt_id: int | None = None


@dataclass
class _Item:
    main: GivenAnswer
    followups: list[GivenAnswer] = field(default_factory=list)

    @property
    def hints(self) -> int:
        return self.main.hints_used + sum(f.hints_used for f in self.followups)

    @property
    def followup_scores(self) -> list[float]:
        return [0.0 if f.skipped else f.score for f in self.followups if f.score is not None]

    @property
    def score(self) -> float:
        return question_score(self.main.score, self.followup_scores, self.hints, self.main.skipped)

    @property
    def time_s(self) -> float:
        return self.main.duration_s + sum(f.duration_s for f in self.followups)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _items(answers: Sequence[GivenAnswer]) -> list[_Item]:
    items: dict[tuple[int, int], _Item] = {}
    for a in sorted(answers, key=lambda a: (a.round_index, a.question_index, a.role != "main")):
        key = (a.round_index, a.question_index)
        if a.role == "main":
            items[key] = _Item(a)
        elif key in items:
            items[key].followups.append(a)
    return list(items.values())


def _feedback(grade: dict[str, Any] | None) -> str:
    if not grade:
        return ""
    fb = grade.get("feedback", "")
    return "\n".join(str(x) for x in fb) if isinstance(fb, list) else str(fb)


# What architect interviewers probe again and again; a missed key point counts for a theme when
# it uses one of its words. Stems are matched, so "evaluating" finds "evaluation".
THEMES: dict[str, tuple[str, ...]] = {
    "evaluation and metrics": (
        "eval", "evaluate", "evaluation", "metric", "benchmark", "golden", "judge", "baseline",
        "precision", "recall", "accuracy", "test",
    ),
    "cost": ("cost", "budget", "price", "spend", "cheap", "expensive", "token"),
    "latency and throughput": ("latency", "throughput", "p99", "p95", "qps", "batch", "fast"),
    "monitoring and drift": ("monitor", "alert", "drift", "observability", "dashboard", "log"),
    "reliability and failure handling": (
        "failure", "fallback", "retry", "timeout", "circuit", "outage", "rollback", "redundancy",
    ),
    "security and safety": (
        "security", "injection", "guardrail", "pii", "privacy", "permission", "safety", "abuse",
    ),
    "data quality and labels": ("label", "dataset", "annotation", "quality", "leakage", "sample"),
    "trade-offs": ("trade-off", "tradeoff", "versus", "instead", "alternative"),
    "outcomes and impact": ("result", "impact", "outcome", "learned", "measure"),
}  # fmt: skip
_THEME_STEMS = {name: {stem(w) for w in words} for name, words in THEMES.items()}


def _themes_of(text: str) -> list[str]:
    stems = set(content_stems(text))
    return [name for name, words in _THEME_STEMS.items() if stems & words]


def _recurring(items: Sequence[_Item]) -> list[dict[str, Any]]:
    """Themes of key points missed in two or more questions, and structure checks (STAR parts,
    whiteboard steps, numbers) failed in two or more answers; most widespread first."""
    themes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for it in items:
        grade = it.main.grade or {}
        for kp in grade.get("key_points", []):
            if kp.get("status") != "missed":
                continue
            text = str(kp.get("text", ""))
            for name in _themes_of(text):
                themes[name][it.main.question_id].append(text)
        for check in (grade.get("structure") or {}).get("checks", []):
            if not check.get("passed", True) and check.get("group") != "signals":
                name = f"{check.get('group', 'structure')}: {check.get('name', '')}"
                themes[name][it.main.question_id].append("")
    out = [
        {
            "theme": name,
            "questions": sorted(per_q),
            "points": sorted({p for pts in per_q.values() for p in pts if p}),
        }
        for name, per_q in themes.items()
        if len(per_q) >= MIN_THEME_QUESTIONS
    ]
    out.sort(key=lambda t: (-len(t["questions"]), t["theme"]))
    return out[:8]


def build_report(
    plan_spec: Mapping[str, Any],
    chosen: Sequence[Sequence[Mapping[str, Any]]],
    answers: Sequence[GivenAnswer],
    bank: Mapping[str, Question],
) -> dict[str, Any]:
    """Aggregate a session's stored answers; every number is recomputable from them.

    A question's score is ``question_score`` (main answer, a fifth from graded follow-ups,
    minus 10 per hint); a round's and the session's score are the mean over questions asked.
    """
    items = _items(answers)
    rows: list[dict[str, Any]] = []
    for it in items:
        q = bank.get(it.main.question_id)
        grade = it.main.grade or {}
        rows.append(
            {
                "round": it.main.round_index,
                "index": it.main.question_index,
                "question_id": it.main.question_id,
                "question": q.question if q else it.main.prompt,
                "category": q.category if q else "",
                "kind": q.kind if q else "",
                "score": it.score,
                "main_score": it.main.score,
                "hints": it.hints,
                "hint_penalty": HINT_PENALTY * it.hints,
                "skipped": it.main.skipped,
                "duration_s": round(it.time_s, 1),
                "budget_s": it.main.budget_s,
                "over_budget": it.main.duration_s > it.main.budget_s,
                "answer": it.main.answer,
                "feedback": _feedback(grade),
                "grader": grade.get("grader"),
                "key_points": grade.get("key_points", []),
                "attempt_id": it.main.attempt_id,
                "followups": [
                    {
                        "prompt": f.prompt,
                        "answer": f.answer,
                        "score": f.score,
                        "skipped": f.skipped,
                        "hints": f.hints_used,
                        "duration_s": f.duration_s,
                        "budget_s": f.budget_s,
                        "feedback": _feedback(f.grade),
                    }
                    for f in it.followups
                ],
            }
        )
    rounds_spec = list(plan_spec.get("rounds", []))
    rounds: list[dict[str, Any]] = []
    for r_index, spec in enumerate(rounds_spec):
        mine = [r for r in rows if r["round"] == r_index]
        planned = len(chosen[r_index]) if r_index < len(chosen) else 0
        rounds.append(
            {
                "index": r_index,
                "name": spec.get("name", f"Round {r_index + 1}"),
                "interviewer": spec.get("interviewer", ""),
                "score": _mean([r["score"] for r in mine]),
                "planned": planned,
                "asked": len(mine),
                "skipped": sum(1 for r in mine if r["skipped"]),
                "hints": sum(r["hints"] for r in mine),
                "time_used_s": round(sum(r["duration_s"] for r in mine), 1),
                "budget_s": int(spec.get("minutes", 0)) * 60,
            }
        )
    by_cat: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_cat[r["category"]].append(r["score"])
    means = {c: _mean(v) or 0.0 for c, v in by_cat.items()}
    categories = [
        {"category": c, "score": means[c], "questions": len(by_cat[c])}
        for c in sorted(means, key=lambda c: (-means[c], c))
    ]
    edge = min(2, len(categories) // 2)  # strongest and weakest never overlap
    return {
        "plan": plan_spec.get("name", ""),
        "title": plan_spec.get("title", ""),
        "overall": {
            "score": _mean([r["score"] for r in rows]),
            "planned": sum(len(c) for c in chosen),
            "asked": len(rows),
            "answered": sum(1 for r in rows if not r["skipped"]),
            "skipped": sum(1 for r in rows if r["skipped"]),
            "hints": sum(r["hints"] for r in rows),
            "followups": sum(len(r["followups"]) for r in rows),
            "time_used_s": round(sum(r["duration_s"] for r in rows), 1),
            "budget_s": sum(int(s.get("minutes", 0)) * 60 for s in rounds_spec),
        },
        "rounds": rounds,
        "categories": categories,
        "strongest": [c["category"] for c in categories[:edge]],
        "weakest": [c["category"] for c in reversed(categories[len(categories) - edge :])],
        "answers": rows,
        "recurring_misses": _recurring(items),
        "study_plan": study_plan(rows, items, bank),
        "notices": _notices(items),
    }


def _notices(items: Sequence[Any]) -> list[str]:
    """What the grades said about themselves (the LLM judge failing, an answer cut short),
    each once, so a fallback to the offline grader is never silent in the report."""
    seen: dict[str, None] = {}
    for it in items:
        for answer in (it.main, *it.followups):
            for note in (answer.grade or {}).get("notices", []):
                seen.setdefault(str(note), None)
    return list(seen)


def study_plan(
    rows: Sequence[dict[str, Any]], items: Sequence[_Item], bank: Mapping[str, Question]
) -> dict[str, Any]:
    """Questions to revisit (weakest first), the calculators they use, the grader's pointers."""
    revisit = sorted(
        (r for r in rows if r["score"] < STUDY_BELOW), key=lambda r: (r["score"], r["question_id"])
    )
    calcs: dict[str, list[str]] = defaultdict(list)
    for r in revisit:
        q = bank.get(r["question_id"])
        for name in q.calculators if q else []:
            calcs[name].append(r["question_id"])
    pointers: list[str] = []
    for it in items:
        if it.score >= STUDY_BELOW:
            continue
        for entry in (it.main.grade or {}).get("study_next", []):
            text = str(entry.get("key_point", "")) if isinstance(entry, dict) else str(entry)
            if text and text not in pointers:
                pointers.append(text)
    return {
        "questions": [
            {
                "id": r["question_id"],
                "question": r["question"],
                "score": r["score"],
                "reason": "skipped" if r["skipped"] else f"scored {r['score']:.0f}",
            }
            for r in revisit
        ],
        "calculators": [
            {"name": n, "command": f"archprep calc {n}", "questions": sorted(set(q))}
            for n, q in sorted(calcs.items())
        ],
        "pointers": pointers[:6],
    }


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


NOTHING_TO_STUDY = "Nothing scored under 70: keep the schedule."
NOTHING_ANSWERED = "Nothing was answered, so there is nothing to plan from: run the mock again."


def study_plan_note(report: Mapping[str, Any]) -> str:
    """What the study plan says when it lists nothing: all went well, or nothing was answered."""
    answered = any(not a["skipped"] for a in report["answers"])
    return NOTHING_TO_STUDY if answered else NOTHING_ANSWERED


def report_markdown(report: Mapping[str, Any], session_id: int | None = None) -> str:
    """The report as a Markdown document (``archprep mock --report ID --markdown FILE``)."""
    o = report["overall"]
    score = "—" if o["score"] is None else f"{o['score']:.0f}/100"
    head = f"Mock interview #{session_id}" if session_id else "Mock interview"
    lines = [
        f"# {head}: {report.get('title') or report['plan']}",
        "",
        f"**Overall score:** {score} · **time:** {_mmss(o['time_used_s'])} of "
        f"{_mmss(o['budget_s'])} · **asked:** {o['asked']}/{o['planned']} · "
        f"**skipped:** {o['skipped']} · **hints:** {o['hints']}",
        "",
        "## Rounds",
        "",
        "| Round | Score | Asked | Time used | Budget |",
        "|---|---|---|---|---|",
    ]
    for r in report["rounds"]:
        rs = "—" if r["score"] is None else f"{r['score']:.0f}"
        lines.append(
            f"| {r['name']} | {rs} | {r['asked']}/{r['planned']} | "
            f"{_mmss(r['time_used_s'])} | {_mmss(r['budget_s'])} |"
        )
    if report["categories"]:
        lines += ["", "## Categories", ""]
        lines += [
            f"- {c['category']}: {c['score']:.0f} ({c['questions']})" for c in report["categories"]
        ]
        lines.append("")
        if report["strongest"]:
            lines.append(f"Strongest: {', '.join(report['strongest'])}.")
        if report["weakest"]:
            lines.append(f"Weakest: {', '.join(report['weakest'])}.")
    lines += ["", "## Answers"]
    for a in report["answers"]:
        state = "skipped" if a["skipped"] else f"{a['score']:.0f}/100"
        lines += [
            "",
            f"### {a['question_id']} — {state}",
            "",
            f"> {a['question']}",
            "",
            f"Time {_mmss(a['duration_s'])} of {_mmss(a['budget_s'])}"
            + (" (over budget)" if a["over_budget"] else "")
            + (f" · hints {a['hints']} (−{a['hint_penalty']})" if a["hints"] else ""),
        ]
        if a["feedback"]:
            lines += ["", a["feedback"]]
        missed = [kp["text"] for kp in a["key_points"] if kp.get("status") == "missed"]
        if missed:
            lines += ["", "Missed:"] + [f"- {m}" for m in missed]
        for f in a["followups"]:
            fs = "skipped" if f["skipped"] else ("—" if f["score"] is None else f"{f['score']:.0f}")
            lines += ["", f"- Follow-up ({fs}): {f['prompt']}"]
    if report["recurring_misses"]:
        lines += ["", "## Recurring misses", ""]
        for t in report["recurring_misses"]:
            lines.append(f"- **{t['theme']}** in {', '.join(t['questions'])}")
    if report.get("notices"):
        lines += ["", "## Notes on the grading", ""] + [f"- {n}" for n in report["notices"]]
    plan = report["study_plan"]
    lines += ["", "## Study plan", ""]
    if not plan["questions"] and not plan["calculators"]:
        lines.append(study_plan_note(report))
    for q in plan["questions"]:
        lines.append(f"- [ ] `{q['id']}` ({q['reason']}) — due now in flashcards")
    for c in plan["calculators"]:
        lines.append(f"- [ ] `{c['command']}` (used by {', '.join(c['questions'])})")
    for p in plan["pointers"]:
        lines.append(f"- {p}")
    return "\n".join(lines) + "\n"


def history_trend(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Scores of finished mocks oldest first, each with its change from the previous one, and
    the trend: the mean of the last (up to) three against as many before (``up``/``down``/``flat``)."""
    scores = [float(e["score"]) for e in entries if e.get("score") is not None]
    deltas: list[float | None] = []
    previous: float | None = None
    for e in entries:
        s = e.get("score")
        deltas.append(None if s is None or previous is None else round(float(s) - previous, 1))
        previous = float(s) if s is not None else previous
    direction = "flat"
    if len(scores) >= 2:
        n = min(3, len(scores) // 2)
        recent, before = scores[-n:], scores[-2 * n : -n]
        change = sum(recent) / len(recent) - sum(before) / len(before)
        direction = "up" if change > 2 else "down" if change < -2 else "flat"
    return {"deltas": deltas, "direction": direction, "best": max(scores, default=None)}
