"""The grade of one answer: core dataclasses, and the pydantic schema used at JSON boundaries."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["covered", "partial", "missed"]
MisconceptionKind = Literal[
    "swapped-terms", "negation", "inverted-comparison", "reversed-relation", "wrong-number", "llm"
]
STATUSES: tuple[Status, ...] = ("covered", "partial", "missed")
STATUS_CREDIT: dict[str, float] = {"covered": 1.0, "partial": 0.5, "missed": 0.0}


@dataclass
class KeyPointGrade:
    """How well the answer states one key point, with the sentence that shows it."""

    text: str
    status: Status
    evidence: str | None
    similarity: float  # calibrated P(covered) of the evidence span, 0-1
    weight: float = 1.0
    credit: float = 0.0  # share of this point's weight earned, 0-1
    note: str | None = None  # why the credit was limited (a term list, a contradiction)


@dataclass
class Misconception:
    """A statement in the answer that contradicts a key point or the model answer."""

    kind: MisconceptionKind
    statement: str
    contradicts: str
    explanation: str
    key_point: int | None = None  # index into key_points, when the contradicted text is one


@dataclass
class Check:
    """One structure check: a STAR part, a whiteboard step, a hiring signal, numbers."""

    group: str
    name: str
    passed: bool
    detail: str
    evidence: str | None = None


@dataclass
class Structure:
    kind: str
    checks: list[Check] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    word_count: int = 0
    filler_count: int = 0
    filler: dict[str, int] = field(default_factory=dict)
    hedge_count: int = 0
    hedges: dict[str, int] = field(default_factory=dict)
    list_like_sentences: int = 0
    penalty: float = 0.0
    story: float | None = None  # behavioral only: 0-1, see structure.story_quality

    def failed(self, group: str | None = None) -> list[Check]:
        return [c for c in self.checks if not c.passed and (group is None or c.group == group)]


@dataclass
class StudyItem:
    """A point to revisit, with the part of the model answer that covers it."""

    key_point: str
    status: Status
    reference: list[str] = field(default_factory=list)


@dataclass
class GradeResult:
    score: float
    key_points: list[KeyPointGrade]
    misconceptions: list[Misconception]
    structure: Structure
    study_next: list[StudyItem]
    feedback: str
    grader: str = "offline"
    question: str = ""
    question_id: str | None = None
    rubric_source: Literal["authored", "derived", "given"] = "authored"
    notices: list[str] = field(default_factory=list)

    @property
    def covered(self) -> list[KeyPointGrade]:
        return [k for k in self.key_points if k.status == "covered"]

    def to_json(self) -> dict[str, Any]:
        """The JSON contract (validated by ``GradeResultModel``)."""
        data = asdict(self)
        return GradeResultModel.model_validate(data).model_dump(mode="json")


# ---- JSON boundary -------------------------------------------------------------------------


class _Strictish(BaseModel):
    model_config = ConfigDict(extra="ignore")


class KeyPointModel(_Strictish):
    text: str
    status: Status
    evidence: str | None = None
    similarity: float = Field(default=0.0, ge=0, le=1)
    weight: float = Field(default=1.0, gt=0)
    credit: float = Field(default=0.0, ge=0, le=1)
    note: str | None = None


class MisconceptionModel(_Strictish):
    kind: MisconceptionKind = "llm"
    statement: str
    contradicts: str = ""
    explanation: str = ""
    key_point: int | None = None


class CheckModel(_Strictish):
    group: str
    name: str
    passed: bool
    detail: str = ""
    evidence: str | None = None


class StructureModel(_Strictish):
    kind: str
    checks: list[CheckModel] = []
    numbers: list[str] = []
    word_count: int = 0
    filler_count: int = 0
    filler: dict[str, int] = {}
    hedge_count: int = 0
    hedges: dict[str, int] = {}
    list_like_sentences: int = 0
    penalty: float = 0.0
    story: float | None = None


class StudyItemModel(_Strictish):
    key_point: str
    status: Status
    reference: list[str] = []


class GradeResultModel(_Strictish):
    """What ``archprep grade --json`` prints and ``/api`` returns for one graded answer."""

    score: float = Field(ge=0, le=100)
    key_points: list[KeyPointModel]
    misconceptions: list[MisconceptionModel] = []
    structure: StructureModel
    study_next: list[StudyItemModel] = []
    feedback: str
    grader: str = "offline"
    question: str = ""
    question_id: str | None = None
    rubric_source: Literal["authored", "derived", "given"] = "authored"
    notices: list[str] = []


class LLMKeyPointVerdict(_Strictish):
    text: str
    status: Status
    evidence: str | None = None


class LLMMisconception(_Strictish):
    statement: str
    explanation: str = ""
    contradicts: str = ""


class LLMVerdict(_Strictish):
    """The part of a GradeResult an LLM judge returns: verdicts per key point and feedback."""

    score: float | None = Field(default=None, ge=0, le=100)
    key_points: list[LLMKeyPointVerdict]
    misconceptions: list[LLMMisconception] = []
    feedback: str = Field(min_length=1)


def from_json(data: dict[str, Any]) -> GradeResult:
    """Rebuild a GradeResult from its JSON (e.g. an attempt stored in the database)."""
    m = GradeResultModel.model_validate(data)
    return GradeResult(
        score=m.score,
        key_points=[KeyPointGrade(**k.model_dump()) for k in m.key_points],
        misconceptions=[Misconception(**x.model_dump()) for x in m.misconceptions],
        structure=Structure(
            **{
                **m.structure.model_dump(),
                "checks": [Check(**c.model_dump()) for c in m.structure.checks],
            }
        ),
        study_next=[StudyItem(**s.model_dump()) for s in m.study_next],
        feedback=m.feedback,
        grader=m.grader,
        question=m.question,
        question_id=m.question_id,
        rubric_source=m.rubric_source,
        notices=list(m.notices),
    )
