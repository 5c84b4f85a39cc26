"""``MockInterview``: a running mock over the store, the one place the CLI and web UI drive.

Every action opens its own transaction and commits before returning, so an answer is stored the
moment it is given and any process can pick the session up where the last one stopped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from archprep.bank.model import KeyPoint, Question
from archprep.errors import UserError
from archprep.grading import Grader
from archprep.interview import session as machine
from archprep.interview import store as mock_store
from archprep.interview.followups import choose_followups, llm_options
from archprep.interview.plans import Plan, plan_from_spec
from archprep.interview.report import GivenAnswer, build_report
from archprep.interview.selection import select_questions
from archprep.interview.session import AnswerRecord, Prompt, TimeCheck
from archprep.settings import Settings
from archprep.store import Store
from archprep.store.attempts import save_attempt
from archprep.store.questions import get_question, list_questions
from archprep.store.schema import MockSessionRow

# (question, answer, key points to grade against or None for the question's own) -> grade JSON
GradeFn = Callable[[Question, str, list[KeyPoint] | None], dict[str, Any]]
# (session, user, question, answer, grade JSON, duration_s, now) -> attempt id
AttemptFn = Callable[[Any, int, Question, str, dict[str, Any], float, datetime], int]
_STEP_LINE = re.compile(r"^[-*•]\s*|^\d+[.)]\s*")


@dataclass(frozen=True)
class MockView:
    """Everything a screen needs to show the session now."""

    id: int
    plan: Plan
    status: str
    prompt: Prompt | None
    question: Question | None
    round_name: str
    interviewer: str
    time: TimeCheck | None
    position: dict[str, Any]
    answers: list[GivenAnswer]
    questions: list[list[dict[str, Any]]]
    hints_shown: list[str] = field(default_factory=list)
    plan_shortfalls: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.prompt is None

    @property
    def number(self) -> int:
        """1-based number of the current question across the whole session."""
        r, q = int(self.position["round"]), int(self.position["question"])
        return sum(len(x) for x in self.questions[:r]) + q + 1

    @property
    def total(self) -> int:
        return sum(len(x) for x in self.questions)


@dataclass(frozen=True)
class Outcome:
    """What one answer produced: its stored record, score and grade, and what comes next."""

    record: AnswerRecord | None
    score: float | None = None
    grade: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    elapsed_s: float | None = None  # after a whiteboard step: the question's clock so far


@dataclass
class MockInterview:
    store: Store
    user_id: int
    session_id: int
    grade: GradeFn
    save_attempt: AttemptFn
    llm: dict[str, Any] | None = None

    # ---- starting and resuming --------------------------------------------------------------

    @classmethod
    def start(
        cls,
        store: Store,
        user_id: int,
        plan: Plan,
        now: datetime,
        *,
        grade: GradeFn,
        save_attempt: AttemptFn,
        seed: int | None = None,
        llm: dict[str, Any] | None = None,
        desired_retention: float = 0.9,
    ) -> MockInterview:
        seed = int(now.timestamp()) if seed is None else seed
        with store.session.begin() as session:
            candidates = list_questions(session, user_id)
            stats = mock_store.question_stats(session, user_id, now, desired_retention)
            selection = select_questions(plan, candidates, stats, seed)
            row = mock_store.create_session(session, user_id, plan, selection, seed, now)
            session_id = row.id
        return cls(store, user_id, session_id, grade, save_attempt, llm)

    @classmethod
    def open(
        cls,
        store: Store,
        user_id: int,
        session_id: int | None,
        *,
        grade: GradeFn,
        save_attempt: AttemptFn,
        llm: dict[str, Any] | None = None,
    ) -> MockInterview:
        """An existing session; ``None`` means the latest unfinished one."""
        with store.session() as session:
            if session_id is None:
                row = mock_store.latest_unfinished(session, user_id)
                if row is None:
                    raise UserError("no unfinished mock interview to resume; start one")
            else:
                row = mock_store.get_session(session, user_id, session_id)
            return cls(store, user_id, row.id, grade, save_attempt, llm)

    def resume(self) -> None:
        """Stop the clock left running by an interrupted process; it restarts when shown."""
        with self.store.session.begin() as session:
            row = self._row(session)
            if row.status == mock_store.ACTIVE:
                row.position = machine.pause(row.position)

    # ---- reading ----------------------------------------------------------------------------

    def _row(self, session: Any, *, lock: bool = True) -> MockSessionRow:
        """The session row, locked for the transaction (PostgreSQL) so two tabs submitting at
        once take turns instead of answering the same prompt twice."""
        return mock_store.get_session(session, self.user_id, self.session_id, lock=lock)

    def _question(self, session: Any, question_id: str) -> Question:
        q = get_question(session, question_id, self.user_id)
        if q is None:
            raise UserError(f"question {question_id!r} of this mock no longer exists")
        return q

    def view(self, now: datetime, *, start_clock: bool = True) -> MockView:
        """The current state; showing a prompt starts its clock (committed)."""
        with self.store.session.begin() as session:
            row = self._row(session)
            plan = plan_from_spec(row.plan_name, row.plan, builtin=False)
            position = row.position
            prompt = question = None
            round_name = interviewer = ""
            if row.status == mock_store.ACTIVE and not machine.is_done(position):
                if position["stage"] == "graded":  # a crash between grade and commit
                    position = row.position = machine.advance(row.questions, position)
            if row.status == mock_store.ACTIVE and not machine.is_done(position):
                question = self._question(session, machine.chosen_at(row.questions, position)["id"])
                prompt = machine.current_prompt(plan, row.questions, position, question)
                if start_clock:
                    position = row.position = machine.mark_asked(position, now)
                spec = plan.rounds[position["round"]]
                round_name, interviewer = spec.name, spec.interviewer
            answers = [mock_store.given(a) for a in mock_store.answer_rows(session, row.id)]
            time = None if prompt is None else machine.time_check(prompt, position, now)
            return MockView(
                row.id, plan, row.status, prompt, question, round_name, interviewer, time,
                dict(position), answers, row.questions, list(position.get("hint_texts", [])),
                list(row.plan.get("shortfalls", [])),
            )  # fmt: skip

    # ---- acting -----------------------------------------------------------------------------

    def answer(
        self, text: str, now: datetime, *, skipped: bool = False, final: bool = False
    ) -> Outcome:
        """Store the answer to the current prompt (graded, with follow-ups decided) and move on;
        after the last one the session is closed with its report, in the same transaction."""
        with self.store.session.begin() as session:
            row = self._row(session)
            outcome = self._answer(session, row, text, now, skipped, final)
            if machine.is_done(row.position):
                self._close(session, row, now)
            return outcome

    def _answer(
        self,
        session: Any,
        row: MockSessionRow,
        text: str,
        now: datetime,
        skipped: bool,
        final: bool = False,
    ) -> Outcome:
        if row.status != mock_store.ACTIVE or machine.is_done(row.position):
            raise UserError(f"mock interview #{row.id} is already finished")
        plan = plan_from_spec(row.plan_name, row.plan)
        question = self._question(session, machine.chosen_at(row.questions, row.position)["id"])
        step = machine.submit(
            plan, row.questions, row.position, question, text, now, skipped=skipped, final=final
        )
        record = step.record
        if record is None:  # a whiteboard step kept in the position
            row.position = step.position
            return Outcome(None, elapsed_s=float(step.position["elapsed_s"]))
        if record.role == "followup":
            score, grade = self._grade_followup(question, record)
            mock_store.add_answer(
                session, row.id, record, score=score, grade=grade, attempt_id=None, now=now
            )
            row.position = step.position
            return Outcome(record, score, grade)
        if skipped:
            mock_store.add_answer(
                session, row.id, record, score=0.0, grade=None, attempt_id=None, now=now
            )
            row.position = step.position
            return Outcome(record, 0.0)
        # Grade and decide the follow-ups (maybe over the network) before the first write, so
        # the database is not held while they run.
        grade = self.grade(question, record.answer, None)
        round_ = plan.rounds[record.round_index]
        followups = [
            f.as_dict()
            for f in choose_followups(
                question,
                record.answer,
                grade,
                limit=round_.follow_ups,
                design_round=question.kind == "design",
                llm=self.llm,
            )  # fmt: skip
        ]
        attempt = self.save_attempt(
            session, self.user_id, question, record.answer, grade, record.duration_s, now
        )
        mock_store.add_answer(
            session, row.id, record, score=float(grade["score"]), grade=grade,
            attempt_id=attempt, now=now,
        )  # fmt: skip
        row.position = machine.after_main(row.questions, step.position, followups)
        return Outcome(record, float(grade["score"]), grade, followups)

    def skip(self, now: datetime) -> Outcome:
        return self.answer("", now, skipped=True)

    def hint(self, now: datetime, draft: str | None = None) -> str | None:
        """The next hint for the current prompt (each costs ``HINT_PENALTY`` on the question);
        ``draft``, the answer typed so far, is kept."""
        with self.store.session.begin() as session:
            row = self._row(session)
            if row.status != mock_store.ACTIVE or machine.is_done(row.position):
                return None
            question = self._question(session, machine.chosen_at(row.questions, row.position)["id"])
            text, position = machine.hint(row.position, question)
            row.position = machine.save_draft(position, draft) if draft is not None else position
            return text

    def save_draft(self, text: str) -> bool:
        with self.store.session.begin() as session:
            row = self._row(session)
            if row.status != mock_store.ACTIVE or machine.is_done(row.position):
                return False
            row.position = machine.save_draft(row.position, text)
            return True

    def _grade_followup(
        self, question: Question, record: AnswerRecord
    ) -> tuple[float | None, dict[str, Any] | None]:
        """A follow-up is graded against the point it probes: a missed key point, or for a
        numbers probe the question's reference numbers. Open follow-ups carry no score."""
        if record.skipped:
            return (0.0, None) if record.key_point or record.source == "numbers" else (None, None)
        points: list[KeyPoint] = []
        if record.key_point:
            points = [k for k in question.key_points if k.text == record.key_point]
            points = points or [KeyPoint(record.key_point)]
        elif record.source == "numbers":
            numbers = (question.extra.get("method") or {}).get("numbers") or []
            items = [numbers] if isinstance(numbers, str) else list(numbers)
            points = [KeyPoint(_STEP_LINE.sub("", str(n))) for n in items if str(n).strip()]
        if not points:
            return None, None
        grade = self.grade(question, record.answer, points)
        return float(grade["score"]), grade

    def _build(self, session: Any, row: MockSessionRow) -> dict[str, Any]:
        answers = [mock_store.given(a) for a in mock_store.answer_rows(session, row.id)]
        ids = {a.question_id for a in answers}
        bank = {qid: q for qid in ids if (q := get_question(session, qid, self.user_id))}
        return build_report(row.plan, row.questions, answers, bank)

    def provisional_report(self) -> dict[str, Any]:
        """The report of an unfinished session so far (nothing is stored or scheduled)."""
        with self.store.session() as session:
            row = self._row(session, lock=False)
            return {**self._build(session, row), "provisional": True}

    def finish(self, now: datetime) -> dict[str, Any]:
        """Close the session (the last answer does this too): store the report, put its study
        plan due now. A finished session keeps the report it was closed with."""
        with self.store.session.begin() as session:
            row = self._row(session)
            position = row.position
            if (
                row.status == mock_store.ACTIVE
                and position["stage"] == "main"
                and position["steps"]
            ):
                self._answer(session, row, "", now, False, final=True)  # a design in progress
            return self._close(session, row, now)

    def _close(self, session: Any, row: MockSessionRow, now: datetime) -> dict[str, Any]:
        if row.status == mock_store.FINISHED and row.report is not None:
            return row.report
        report = self._build(session, row)
        revisit = [q["id"] for q in report["study_plan"]["questions"]]
        report["study_plan"]["scheduled"] = mock_store.schedule_due_now(
            session, self.user_id, revisit, now
        )
        row.report = report
        row.status = mock_store.FINISHED
        row.finished_at = now
        row.position = {**machine.pause(row.position), "stage": "done"}
        return report

    def report(self) -> dict[str, Any] | None:
        with self.store.session() as session:
            return self._row(session, lock=False).report


# ---- grading ------------------------------------------------------------------------------

MODE = "mock"
_grader_lock = threading.Lock()
_cache: dict[tuple[str, str, str], Grader] = {}


@dataclass
class InterviewGrading:
    """The grade and attempt functions a ``MockInterview`` takes, and the LLM settings for
    follow-ups (None unless ``llm_base_url`` is configured)."""

    grader: Grader
    llm: dict[str, Any] | None = None

    def grade(
        self, question: Question, answer: str, key_points: list[KeyPoint] | None
    ) -> dict[str, Any]:
        result = self.grader.grade(question, answer, key_points=key_points or None)
        return result.to_json()

    @staticmethod
    def save_attempt(
        session: Session,
        user_id: int,
        question: Question,
        answer: str,
        grade: dict[str, Any],
        duration_s: float,
        now: datetime,
    ) -> int:
        """Every main answer of a mock is also an attempt, so it counts in progress."""
        return save_attempt(
            session, user_id, question.id, answer, grade, now, mode=MODE, duration_s=duration_s
        )


def interview_grading(settings: Settings, grader: Grader | None = None) -> InterviewGrading:
    """Grading for mocks; the grader (and its embedding model) is built once per process."""
    if grader is None:
        key = (settings.embedding_model, str(settings.model_dir), str(settings.llm_base_url))
        with _grader_lock:
            if key not in _cache:
                _cache[key] = Grader.from_settings(settings)
            grader = _cache[key]
    return InterviewGrading(grader, llm_options(settings))
