"""The personal prep guide: Markdown built from the bank and the user's attempts, PDF on request."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archprep.bank.model import DESIGN_STEPS, STAR_PARTS, Question, category_title
from archprep.errors import UserError
from archprep.exporters.cheatsheet import CHEAT_SHEET, WHITEBOARD
from archprep.store import Store
from archprep.store.questions import list_questions
from archprep.store.schema import AttemptRow, CardState, User

SECTIONS = (
    "Elevator pitch", "Core concepts", "System design practice", "Tools deep-dive",
    "Strategy and leadership", "STAR story bank", "Weak areas", "Questions to ask the interviewer",
    "Cheat sheet",
)  # fmt: skip
CORE_KINDS = frozenset({"concept", "rapid-fire", "troubleshooting"})
TOOLS = re.compile(
    r"\b(?:vLLM|Triton|TensorRT|ONNX|OpenVINO|Kubernetes|K8s|MLflow|Feast|LangGraph|LangChain|"
    r"pgvector|Qdrant|Milvus|Pinecone|Weaviate|Chroma|FAISS|Ray|Kafka|Airflow|DVC|Delta|PyTorch|"
    r"DeepSpeed|FSDP|MCP|Kubeflow|SageMaker|Spark|Flink|Redis|TGI|llama\.cpp|Ollama|BentoML|"
    r"KServe|Seldon|Weights & Biases|W&B|Evidently|Arize|Great Expectations)\b"
)
PER_CATEGORY = 5
MAX_DESIGN = 6
MAX_TOOLS = 10
MAX_WEAK = 10


@dataclass
class Latest:
    """The user's newest attempt at one question."""

    score: float
    answer: str
    created_at: datetime
    grade: dict[str, Any]


@dataclass
class Progress:
    latest: dict[str, Latest]
    missed: Counter[tuple[str, str]]  # (question id, key point) -> times missed
    lapses: dict[str, int]
    attempts: int


def load_progress(session: Session, user_id: int) -> Progress:
    latest: dict[str, Latest] = {}
    missed: Counter[tuple[str, str]] = Counter()
    rows = session.scalars(
        select(AttemptRow)
        .where(AttemptRow.user_id == user_id)
        .order_by(AttemptRow.created_at, AttemptRow.id)
    ).all()
    for row in rows:
        latest[row.question_id] = Latest(
            row.score, row.answer, row.created_at, dict(row.grade or {})
        )
        for kp in (row.grade or {}).get("key_points", []) or []:
            if isinstance(kp, dict) and kp.get("status") == "missed" and kp.get("text"):
                missed[(row.question_id, str(kp["text"]))] += 1
    lapses = {
        qid: int(n)
        for qid, n in session.execute(
            select(CardState.question_id, CardState.lapses).where(CardState.user_id == user_id)
        )
    }
    return Progress(latest, missed, lapses, len(rows))


def _same_text(question: str) -> str:
    """A question's words, case and punctuation ignored: how duplicates across decks match."""
    return " ".join(re.sub(r"[^\w\s]", " ", question.casefold()).split())


def distinct_questions(questions: list[Question], p: Progress) -> list[Question]:
    """One question per text when the same question sits in several decks (the built-in bank
    and an import, or two imports): the copy with the newest attempt, else the built-in one,
    else the first. Order is kept."""

    def preference(q: Question) -> tuple[int, datetime, int]:
        seen = p.latest.get(q.id)
        newest = seen.created_at if seen else datetime.min
        return (seen is not None, newest, q.deck == "builtin")

    best: dict[str, Question] = {}
    for q in questions:
        key = _same_text(q.question)
        if key not in best or preference(q) > preference(best[key]):
            best[key] = q
    kept = {id(q) for q in best.values()}
    return [q for q in questions if id(q) in kept]


def _weakness(q: Question, p: Progress) -> tuple[float, int, str]:
    seen = p.latest.get(q.id)
    return (seen.score if seen else 101.0, -p.lapses.get(q.id, 0), q.id)


def _points(q: Question, indent: str = "  ") -> list[str]:
    return [f"{indent}- {k.text}" for k in q.key_points]


def _score_note(q: Question, p: Progress) -> str:
    seen = p.latest.get(q.id)
    return f" _(your last score: {seen.score:.0f})_" if seen else ""


def _pitch() -> list[str]:
    return [
        "> Write this yourself and say it aloud until it takes 60–90 seconds.",
        "",
        "- **Who I am:** role, years, the kind of AI/ML systems I own.",
        "- **Proof:** two systems I architected: scale, the decision I made, the result in numbers.",
        "- **How I work:** how I take an idea to production and keep it healthy.",
        "- **Why this role:** what I want to build next and why here.",
    ]


def _core(questions: list[Question], p: Progress, per_category: int) -> list[str]:
    by_cat: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        if q.kind in CORE_KINDS:
            by_cat[q.category].append(q)

    def cat_key(cat: str) -> tuple[int, float, str]:
        scores = [p.latest[q.id].score for q in by_cat[cat] if q.id in p.latest]
        return (0, sum(scores) / len(scores), cat) if scores else (1, 0.0, cat)

    out = ["Categories run weakest first (average of your latest scores); unpractised ones follow."]
    for cat in sorted(by_cat, key=cat_key):
        scores = [p.latest[q.id].score for q in by_cat[cat] if q.id in p.latest]
        avg = (
            f" — average {sum(scores) / len(scores):.0f}/100 over {len(scores)} attempted"
            if scores
            else ""
        )
        out += ["", f"### {category_title(cat)}{avg}", ""]
        for q in sorted(by_cat[cat], key=lambda q: _weakness(q, p))[:per_category]:
            out += [f"- **{q.question}**{_score_note(q, p)}", *_points(q)]
    return out


def _design(questions: list[Question], p: Progress) -> list[str]:
    out = [WHITEBOARD]
    designs = sorted((q for q in questions if q.kind == "design"), key=lambda q: _weakness(q, p))
    for q in designs[:MAX_DESIGN]:
        out += ["", f"### {q.question}{_score_note(q, p)}", ""]
        method = q.extra.get("method") or {}
        for step in DESIGN_STEPS:
            items = method.get(step) or []
            if items:
                out.append(
                    f"- **{step.replace('_', ' ').capitalize()}:** " + "; ".join(map(str, items))
                )
        if not method:
            out += [f"- {k.text}" for k in q.key_points]
    return out


def _tools(questions: list[Question], p: Progress) -> list[str]:
    picked = [q for q in questions if TOOLS.search(q.question) or TOOLS.search(" ".join(q.tags))]
    out = [
        "Questions that name specific tools: know what each does, its limits, and its alternatives."
    ]
    for q in sorted(picked, key=lambda q: _weakness(q, p))[:MAX_TOOLS]:
        out += ["", f"- **{q.question}**{_score_note(q, p)}", *_points(q)]
    return out


def _strategy(questions: list[Question], p: Progress) -> list[str]:
    picked = [q for q in questions if q.kind == "strategy" or q.category == "strategy-leadership"]
    out = ["Answer as the architect: trade-offs, money, risk, people, and what you would measure."]
    for q in sorted(picked, key=lambda q: _weakness(q, p))[: PER_CATEGORY * 2]:
        out += ["", f"- **{q.question}**{_score_note(q, p)}", *_points(q)]
    return out


def _stories(questions: list[Question], p: Progress) -> list[str]:
    out = ["Your own stories, newest attempt per question. Situation and task briefly; most of the "
           "time on your actions; a result with numbers."]  # fmt: skip
    for q in (q for q in questions if q.kind == "behavioral"):
        out += ["", f"### {q.question}", ""]
        star = q.extra.get("star") or {}
        for part in STAR_PARTS:
            if star.get(part):
                out.append(f"- **{part.capitalize()}:** {star[part]}")
        seen = p.latest.get(q.id)
        if seen:
            when = seen.created_at.date().isoformat()
            out += ["", f"Your story ({when}, score {seen.score:.0f}):", ""]
            out += [f"> {ln}" if ln.strip() else ">" for ln in seen.answer.strip().splitlines()]
        else:
            out += ["", "_No story yet: practise this one and your answer will appear here._"]
    return out


def _weak(questions: list[Question], p: Progress) -> list[str]:
    if not p.latest:
        return [
            "No graded attempts yet. Practise a few questions and this section fills itself in."
        ]
    by_id = {q.id: q for q in questions}
    lowest = sorted(p.latest.items(), key=lambda kv: (kv[1].score, kv[0]))[:MAX_WEAK]
    out = ["### Lowest scores", "", "| question | score | when |", "| --- | ---: | --- |"]
    for qid, seen in lowest:
        text = by_id[qid].question if qid in by_id else qid
        out.append(
            f"| {text.replace('|', '/')} | {seen.score:.0f} | {seen.created_at.date().isoformat()} |"
        )
    out += ["", "### Key points you miss most", ""]
    if not p.missed:
        out.append("None missed yet.")
    for (qid, point), n in sorted(p.missed.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_WEAK]:
        where = by_id[qid].question if qid in by_id else qid
        out.append(f"- {point} — missed {n}× _({where})_")
    return out


def _ask(questions: list[Question]) -> list[str]:
    out = ["Ask two or three; listen for what the answer reveals."]
    for q in (q for q in questions if q.kind == "ask-them"):
        out += ["", f"- **{q.question}**"]
        if q.extra.get("reveals"):
            out.append(f"  - _Reveals:_ {q.extra['reveals']}")
        if q.extra.get("good_follow_up"):
            out.append(f"  - _Follow up:_ {q.extra['good_follow_up']}")
    return out


def build_guide(
    store: Store, user_id: int, now: datetime, *, per_category: int = PER_CATEGORY
) -> str:
    """The prep guide as Markdown, in a fixed section order (see ``SECTIONS``)."""
    with store.session() as session:
        questions = list_questions(session, user_id)
        progress = load_progress(session, user_id)
        user = session.get(User, user_id)
    name = user.username if user else "you"
    unique = distinct_questions(questions, progress)
    bodies = [
        _pitch(), _core(unique, progress, per_category), _design(unique, progress),
        _tools(unique, progress), _strategy(unique, progress), _stories(unique, progress),
        _weak(questions, progress), _ask(unique), [CHEAT_SHEET],
    ]  # fmt: skip
    when = now.astimezone(UTC).date().isoformat()
    out = [
        "# Interview prep guide",
        "",
        f"_For {name}, made by archprep on {when}: {len(questions)} questions, "
        f"{progress.attempts} graded attempts._",
        "",
        "## Contents",
        "",
        *[f"{n}. {title}" for n, title in enumerate(SECTIONS, start=1)],
    ]
    for n, (title, body) in enumerate(zip(SECTIONS, bodies, strict=True), start=1):
        out += ["", f"## {n}. {title}", "", *body]
    return "\n".join(out).rstrip() + "\n"


def write_guide(
    store: Store, user_id: int, out: Path, now: datetime, *, pdf: bool = False
) -> list[Path]:
    """Write the guide to ``out`` (Markdown, or PDF when it ends in .pdf); ``pdf`` adds a PDF copy."""
    from archprep.exporters.pdf import markdown_to_pdf

    text = build_guide(store, user_id, now)
    written: list[Path] = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".pdf":
            markdown_to_pdf(text, out)
            return [out]
        out.write_text(text, encoding="utf-8")
        written.append(out)
        if pdf:
            markdown_to_pdf(text, out.with_suffix(".pdf"))
            written.append(out.with_suffix(".pdf"))
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    return written
