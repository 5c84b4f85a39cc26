"""Derives 3-7 key points from a model answer, for questions that come without authored ones."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from archprep.bank.model import KeyPoint
from archprep.grading.encoder import TextEncoder
from archprep.grading.text import content_stems, sectioned_sentences, sentence_shape

MIN_POINTS = 3
MAX_POINTS = 7
LONG_SENTENCE = 32  # words: longer sentences are split into clauses
SHORT_REFERENCE = 30  # words: a reference this short is one key point as a whole
DUPLICATE_COSINE = 0.82
DUPLICATE_JACCARD = 0.6
_EXAMPLE = re.compile(r"^(?:example|for example|for instance|e\.g\.|say|imagine)\b", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


@dataclass(frozen=True)
class Candidate:
    text: str
    index: int
    stems: frozenset[str]
    bold: bool
    section: int = 0
    salience: float = 0.0


def compound_parts(key_point: str) -> list[str]:
    """The statements a key point joins with ";" ("enforce permissions at retrieval time; never
    rely on the LLM to withhold content"), each with three content words or more; empty when it
    states one thing."""
    parts = [p.strip(" .") for p in key_point.split(";")]
    parts = [p for p in parts if len(content_stems(p)) >= 3]
    return parts if len(parts) > 1 else []


def reference_sentences(reference: str) -> list[str]:
    """The model answer's statements: headings and label-only fragments dropped."""
    return [s for _section, s in _statements(reference)]


# A fence opens or closes a code block; its lines are code, not statements to grade against.
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
# A line of code that lost its fence (imported notes): a statement never starts like this.
_CODE_START = re.compile(
    r"^(?:import [\w.]+(?: as \w+)?(?:, [\w.]+)*$|from [\w.]+ import (?:\(|\*$|\w+(?: as \w+)?(?:, ?\w+(?: as \w+)?)*$)|def \w+\("
    r"|class \w+(?:\(.*\))?:$|for \w+(?:, ?\w+)* in .+:$|with .+ as \w+:$|print\(|pip install "
    r"|>>> )"
)


def _prose(reference: str) -> str:
    """The reference with code blanked out: fenced blocks (whose "# comments" are no headings)
    and lines that can only be code."""
    lines, fenced = [], False
    for line in reference.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced or _CODE_START.match(line.strip()) else line)
    return "\n".join(lines)


def _statements(reference: str) -> list[tuple[int, str]]:
    out = []
    for section, s in sectioned_sentences(_prose(reference)):
        if _CODE_START.match(s):
            continue
        shape = sentence_shape(s)
        if shape.words >= 5 or (shape.explanatory and shape.words >= 3):
            out.append((section, s))
    return out


_SPLIT = re.compile(
    r"\s*;\s*|:\s+|,\s*(?=(?:but|so|while|whereas|although|because|and so|which means)\b)",
    re.IGNORECASE,
)


_LEADING_CONJUNCTION = re.compile(
    r"^(?:so|but|and|while|whereas|although|because|which means)\s+", re.IGNORECASE
)


def _chunks(sentence: str) -> list[str]:
    """A long sentence as clause groups of a readable length; short ones stay whole."""
    if len(sentence.split()) <= LONG_SENTENCE:
        return [sentence]
    merged: list[str] = []
    for raw in _SPLIT.split(sentence):
        part = _LEADING_CONJUNCTION.sub("", raw.strip(" ,"))
        if not part:
            continue
        if merged and (len(part.split()) < 6 or len(merged[-1].split()) < 6):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged


def _bold_spans(reference: str) -> list[frozenset[str]]:
    spans = []
    for m in _BOLD.finditer(reference):
        stems = frozenset(content_stems(m.group(1) or m.group(2) or ""))
        if len(stems) >= 3:
            spans.append(stems)
    return spans


_SETUP = re.compile(
    r"^(?:i(?:'d| would)? (?:ask|clarify|confirm|start by asking)|assume|assuming|requirements?|"
    r"clarify|questions? to ask|first,? i(?:'d| would)? ask)\b",
    re.IGNORECASE,
)
_ARITHMETIC = re.compile(r"[÷×=≈]|\d\s*[*/x]\s*\d")


def _factor(c: Candidate) -> float:
    """Position, emphasis and shape: what makes a sentence more or less likely a key point."""
    words = len(c.text.split())
    f = 1.0 / (1.0 + 0.04 * c.index)  # the opening usually states the core idea
    f *= 1.5 if c.bold else 1.0
    f *= 0.6 if _EXAMPLE.match(c.text) else 1.0
    # Clarifying questions, assumptions and worked arithmetic set a design up; they are not
    # what a grader looks for in someone else's answer.
    f *= 0.5 if _SETUP.match(c.text) else 1.0
    f *= 0.6 if len(_ARITHMETIC.findall(c.text)) >= 2 else 1.0
    f *= 0.7 if words < 7 or words > 45 else 1.0
    f *= 0.5 if not sentence_shape(c.text).explanatory else 1.0
    return f


def _candidates(
    reference: str, question: str, encoder: TextEncoder | None = None
) -> tuple[list[Candidate], list[npt.NDArray[np.float32] | None] | None]:
    """Statements of the reference, scored by salience, with their sentence vectors if any.

    Salience is centrality (how much of the rest of the answer a sentence sums up, by
    embedding cosine) plus closeness to the question, or content-word weight without a model.
    """
    bold = _bold_spans(reference)
    out: list[Candidate] = []
    for section, sentence in _statements(reference):
        for chunk in _chunks(sentence):
            stems = frozenset(content_stems(chunk))
            if len(stems) < 2:
                continue
            is_bold = any(len(b & stems) >= 0.7 * len(b) for b in bold)
            out.append(Candidate(chunk, len(out), stems, is_bold, section))
    if not out:
        return out, None
    tf = Counter(s for c in out for s in c.stems)
    asked = set(content_stems(question))
    lexical = []
    for c in out:
        weights = [math.log1p(tf[s]) * (0.4 if s in asked else 1.0) for s in c.stems]
        lexical.append(sum(weights) / math.sqrt(max(len(weights), 1)))
    top = max(lexical) or 1.0
    base = [w / top for w in lexical]
    vectors: list[npt.NDArray[np.float32] | None] | None = None
    if encoder is not None and encoder.dense:
        encoded = encoder.encode([question, *(c.text for c in out)])
        vectors = [e.vector for e in encoded[1:]]
        rows = [v for v in vectors if v is not None]
        if len(rows) == len(out) and len(out) > 2 and encoded[0].vector is not None:
            m = np.vstack(rows)
            sims = m @ m.T
            centrality = (sims.sum(axis=1) - 1.0) / (len(out) - 1)
            asked_cos = m @ encoded[0].vector
            base = [
                0.3 * b + float(cen) + 0.5 * float(qc)
                for b, cen, qc in zip(base, centrality, asked_cos, strict=True)
            ]
    scored = [
        Candidate(c.text, c.index, c.stems, c.bold, c.section, b * _factor(c))
        for c, b in zip(out, base, strict=True)
    ]
    return scored, vectors


def _target_count(candidates: list[Candidate], words: int) -> int:
    if words <= SHORT_REFERENCE:
        return len(candidates)
    return max(MIN_POINTS, min(MAX_POINTS, round(len(candidates) * 0.5)))


def derive_key_points(
    reference: str, *, question: str = "", encoder: TextEncoder | None = None
) -> list[KeyPoint]:
    """3-7 key points that summarise ``reference`` (fewer when it is only a sentence or two).

    Sentences and clauses are ranked by content-word salience, position and emphasis; near
    duplicates (by embedding cosine or stem overlap) are dropped; the result keeps the
    reference's order.
    """
    words = len(reference.split())
    if words <= SHORT_REFERENCE:
        sentences = reference_sentences(reference) or [reference.strip()]
        if len(sentences) <= 2 or words <= 18:
            text = " ".join(sentences).strip()
            return [KeyPoint(text)] if text else []
    candidates, vectors = _candidates(reference, question, encoder)
    if not candidates:
        text = " ".join(reference.split())
        return [KeyPoint(text)] if text else []
    want = min(len(candidates), _target_count(candidates, words))
    chosen: list[Candidate] = []

    def near_duplicate(c: Candidate) -> bool:
        for other in chosen:
            jaccard = len(c.stems & other.stems) / max(1, len(c.stems | other.stems))
            if jaccard >= DUPLICATE_JACCARD:
                return True
            if vectors is not None:
                va, vb = vectors[c.index], vectors[other.index]
                if va is not None and vb is not None and float(np.dot(va, vb)) >= DUPLICATE_COSINE:
                    return True
        return False

    ranked = sorted(candidates, key=lambda c: -c.salience)
    # First the best statement of each section (spread over the answer), then the rest.
    firsts: list[Candidate] = []
    for c in ranked:
        if all(f.section != c.section for f in firsts):
            firsts.append(c)
    for c in [*firsts, *ranked]:
        if len(chosen) >= want:
            break
        if c not in chosen and not near_duplicate(c):
            chosen.append(c)
    chosen.sort(key=lambda c: c.index)
    return [KeyPoint(c.text) for c in chosen]
