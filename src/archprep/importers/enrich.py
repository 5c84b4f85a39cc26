"""What an import adds to a found Q&A: its category, its kind, and its stable id."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from archprep.bank.model import CATEGORIES, TOPICS
from archprep.embeddings import Embedder, Matrix

# Cosine between a page's section title and a category's closest topic line above which the
# title is taken to mean that built-in category ("RAG & Embeddings" → rag). Below it the page's
# own category is kept, slugified ("Production AI Systems" → production-ai-systems).
CLOSE_CATEGORY = 0.6
KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("behavioral", re.compile(
        r"^(?:tell me about|describe|give (?:me )?an example of|share)\b.*\b(?:a|one) "
        r"(?:time|situation|moment|project|occasion)\b|^how (?:did|have) you (?:handled?|dealt)",
        re.IGNORECASE)),
    ("troubleshooting", re.compile(
        r"\b(?:troubleshoot|debug|diagnose|root cause)\w*|\bisolate and (?:fix|resolve)\b"
        r"|\bwhat would you (?:check|look at) first\b|\bwent wrong\b"
        r"|\bkeeps? (?:crashing|failing|timing out)\b|\bsuddenly\b",
        re.IGNORECASE)),
    ("design", re.compile(r"^(?:design|architect)\b|\bhow (?:would|do) you (?:design|architect)\b"
                          r"|\bdesign (?:a|an|the)\b", re.IGNORECASE)),
)  # fmt: skip
STOP = frozenset(
    """a an and are as at be by for from how in is it of on or that the this to what when why
    with you your do does which""".split()
)
# Categories that name a kind of question rather than a subject: a page section or a question
# lands in them by name only ("Behavioral Questions"), never by resemblance.
BY_NAME_ONLY = frozenset({"rapid-fire", "ask-them"})
NOT_A_SECTION_TOPIC = BY_NAME_ONLY | {"system-design", "troubleshooting", "behavioral"}


def slugify(text: str, max_len: int = 60) -> str:
    """Lower-case words joined by hyphens: ``Café Prep`` → ``cafe-prep``.

    Accented Latin letters lose their accents; letters of other scripts are kept as they are
    (``Вопросы 日本`` → ``вопросы-日本``), so such names never all become one empty slug.
    """
    t = "".join(_ascii_or_self(c) for c in unicodedata.normalize("NFC", text)).casefold()
    t = re.sub(r"[\W_]+", "-", t).strip("-")
    return t[:max_len].rstrip("-")


def _ascii_or_self(char: str) -> str:
    if char.isascii():
        return char
    folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    return folded if folded.strip() else char


def normalise_question(text: str) -> str:
    """What makes two questions the same: case, punctuation, spacing and numbering ignored."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = re.sub(r"^\s*(?:q(?:uestion)?\s*)?\d{0,3}\s*[.):\-–—]?\s*", "", t)
    t = re.sub(r"[^\w]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def question_id(deck_slug: str, question: str, salt: str = "") -> str:
    digest = hashlib.sha256((salt + normalise_question(question)).encode("utf-8")).hexdigest()
    return f"import/{deck_slug}/{digest[:12]}"


def infer_kind(question: str, answer: str) -> str:
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return "rapid-fire" if len(answer.split()) <= 40 else "concept"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1}


# Topic-line vectors per embedding model: the same for every import in a process.
_LABEL_CACHE: dict[str, Matrix] = {}
# The category picked for a text, per embedding model: the web previews a file and then imports
# it, and embedding is most of an import's time. Cleared when full rather than kept in order.
_NEAREST_CACHE: dict[tuple[str, str], str] = {}
NEAREST_CACHE_SIZE = 50_000


class CategoryMapper:
    """Maps page sections and uncategorised questions onto the built-in categories.

    Each category is represented by its name and each of its topic lines from ``topics.yaml``;
    a text's score for a category is its best cosine against any of them. Without an embedding
    model the same is done with word overlap.
    """

    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder = embedder
        self.labels: list[tuple[str, str]] = []
        for cat, grounds in TOPICS.items():
            self.labels.append((cat, cat.replace("-", " ")))
            self.labels.extend((cat, desc) for desc in grounds.values())
        self._matrix: Matrix | None = None

    def _scores(
        self, texts: Sequence[str], skip: frozenset[str] = BY_NAME_ONLY
    ) -> list[dict[str, float]]:
        out: list[dict[str, float]] = []
        if self.embedder is not None:
            if self._matrix is None:
                key = self.embedder.model_id
                if key not in _LABEL_CACHE:
                    _LABEL_CACHE[key] = self.embedder.embed([d for _, d in self.labels])
                self._matrix = _LABEL_CACHE[key]
            sims = self.embedder.embed(list(texts)) @ self._matrix.T
            for row in np.asarray(sims):
                best: dict[str, float] = {}
                for (cat, _), s in zip(self.labels, row, strict=True):
                    if cat not in skip:
                        best[cat] = max(best.get(cat, -1.0), float(s))
                out.append(best)
            return out
        for text in texts:
            words = _words(text)
            best = {}
            for cat, desc in self.labels:
                if cat in skip:
                    continue
                label = _words(desc)
                overlap = len(words & label) / math.sqrt(max(len(label), 1) * max(len(words), 1))
                best[cat] = max(best.get(cat, 0.0), overlap)
            out.append(best)
        return out

    def section(self, title: str) -> str:
        """A page's section title as a category slug: built-in when close, else its own slug."""
        slug = slugify(title) or "imported"
        if slug in CATEGORIES:
            return slug
        parts = set(slug.split("-"))
        for cat in CATEGORIES:
            if set(cat.split("-")) <= parts:
                return cat
        scores = self._scores([title], NOT_A_SECTION_TOPIC)[0]
        cat, score = max(scores.items(), key=lambda kv: kv[1])
        threshold = CLOSE_CATEGORY if self.embedder is not None else 0.5
        return cat if score >= threshold else slug

    def nearest(self, texts: Sequence[str]) -> list[str]:
        """The closest built-in category for each text (an uncategorised question).

        All texts not seen before are embedded in one call, each distinct text once.
        """
        if not texts:
            return []
        model = self.embedder.model_id if self.embedder is not None else "words"
        found = {t: _NEAREST_CACHE.get((model, t)) for t in texts}
        todo = [t for t, cat in found.items() if cat is None]
        if todo:
            for text, scores in zip(todo, self._scores(todo), strict=True):
                best = max(scores.items(), key=lambda kv: kv[1])
                found[text] = best[0] if best[1] > 0 else "uncategorised"
            if len(_NEAREST_CACHE) + len(todo) > NEAREST_CACHE_SIZE:
                _NEAREST_CACHE.clear()
            _NEAREST_CACHE.update({(model, t): str(found[t]) for t in todo})
        return [str(found[t]) for t in texts]
