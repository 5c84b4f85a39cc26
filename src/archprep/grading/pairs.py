"""Term pairs that are easy to confuse: a curated list for ML interviews, plus pairs a rubric contrasts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from archprep.grading.text import NEGATION_CUES, STOPWORDS, normalise, split_clauses, stem, tokens

# Each side is a regex on lower-cased text.
CONFUSED_PAIRS: tuple[tuple[str, str], ...] = (
    (r"data drift|covariate shift|feature drift|input drift", r"concept drift"),
    (r"p\(x\)", r"p\(y\|x\)"),
    (r"precision", r"recall"),
    (r"l1", r"l2"),
    (r"bias", r"variance"),
    (r"encoders?", r"decoders?"),
    (r"latency", r"throughput"),
    (r"horizontal(?:ly)?", r"vertical(?:ly)?"),
    (r"scal(?:e|ing) out", r"scal(?:e|ing) up"),
    (r"pre-?filter(?:ing|ed|s)?", r"post-?filter(?:ing|ed|s)?"),
    (r"false positives?", r"false negatives?"),
    (r"type i errors?", r"type ii errors?"),
    (r"overfit(?:ting|s)?", r"underfit(?:ting|s)?"),
    (r"ttft|time to first token", r"tpot|time per output token|inter-token latency"),
    (r"compute[- ]bound", r"memory[- ]bound|(?:memory[- ])?bandwidth[- ]bound"),
    (r"bagging", r"boosting"),
    (r"random forests?", r"gradient[- ]boost(?:ed|ing)(?: trees)?|gbdts?"),
    (r"synchronous(?:ly)?", r"asynchronous(?:ly)?"),
    (r"stateless", r"stateful"),
    (r"slos?", r"slas?"),
    (r"bi-encoders?", r"cross-encoders?"),
    (r"data parallel(?:ism)?", r"model parallel(?:ism)?|tensor parallel(?:ism)?"),
    (r"vanishing", r"exploding"),
    (r"online (?:store|side)", r"offline (?:store|side)"),
    (r"supervised", r"unsupervised"),
    (r"ppo", r"dpo"),
    (r"shadow(?: mode| deployment)?", r"canary(?: release| deployment)?"),
    (r"sparse retrieval|bm25|keyword search", r"dense retrieval|vector search|semantic search"),
    (r"batch inference|batch scoring", r"online inference|real-time inference"),
    (r"recall@k", r"precision@k"),
    (r"roc[- ]auc|auroc|roc curves?", r"pr[- ]auc|auprc|pr curves?|precision-recall curves?"),
)
# Everyday antonyms that invert a statement when swapped: weaker evidence, so they need more
# shared context before they count.
ANTONYMS: tuple[tuple[str, str], ...] = (
    (r"prefill", r"decod(?:e|ing) phase|decode"),
    (r"same|identical(?:ly)?|unchanged", r"different(?:ly)?|differs?"),
    (r"deterministic(?:ally)?", r"random(?:ly)?|stochastic(?:ally)?"),
    (r"stable", r"unstable"),
    (r"sharpens?|peakier", r"flattens?|flatter"),
    (r"in parallel|parallel(?:ises|izes)?", r"sequential(?:ly)?|serial(?:ly)?|one at a time"),
    (r"frozen|freezes?|freezing", r"trainable|updated|updates|updating|trains all"),
    (r"zeros?|zero-initiali[sz]ed", r"random(?:ly)?|randomly initiali[sz]ed"),
    (r"static", r"dynamic"),
    (r"cheap(?:er)?", r"expensive|costly|costlier"),
)

Pair = tuple[re.Pattern[str], re.Pattern[str], str, int]  # (A, B, label, context needed)
_GENERIC = frozenset(
    "new old same other each every first last next one two three many multiple different whole "
    "own all such this that these those more most less".split()
)
# "A versus B"; after "instead of" or "rather than", B may carry one modifier ("a fixed
# workflow instead of an autonomous agent"), while "A or B" often joins two modifiers of one
# noun ("federated or on-device learning"). The word after B is looked at, not consumed.
_VERSUS = re.compile(
    r"([a-z][\w-]+)\s+(versus|vs\.?|or|over|instead of|rather than)\s+(?:an?\s+|the\s+)?"
    r"([a-z][\w-]+)(?=\s+([a-z][\w-]+))?"
)


def _readable(pattern: str) -> str:
    text = re.sub(r"\(\?:[^()]*\)\?", "", pattern)  # optional groups go
    text = re.sub(r"\(\?:([^()|]*)[^()]*\)", r"\1", text)  # required groups: first choice
    text = text.replace("[- ]", "-").replace("\\w*", "")
    text = re.sub(r"(\w)\?", "", text)
    return text.split("|")[0].replace("\\", "").strip()


def make_pair(a: str, b: str, label: str | None = None, needed: int = 2) -> Pair:
    return (
        re.compile(rf"(?<![\w-])(?:{a})(?![\w-])"),
        re.compile(rf"(?<![\w-])(?:{b})(?![\w-])"),
        label or f"{_readable(a)} / {_readable(b)}",
        needed,
    )


CURATED: tuple[Pair, ...] = tuple(make_pair(a, b) for a, b in CONFUSED_PAIRS) + tuple(
    make_pair(a, b, needed=3) for a, b in ANTONYMS
)


def _modifier_ok(mod: str, head: str) -> bool:
    return not (
        mod in STOPWORDS
        or head in STOPWORDS
        or mod in _GENERIC
        or mod in NEGATION_CUES
        or not mod.isalpha()
        or not head.replace("-", "").isalpha()
        or len(mod) < 2
    )


_ENTITY = re.compile(r"(?<![\w-])([A-Z][a-z]{2,}[A-Za-z]*)(?![\w-])")
_CONTRAST_SPLIT = re.compile(r";|,?\s+(?:while|whereas|but|unlike|versus|vs\.?)\s+")


def _entities(text: str) -> list[str]:
    """Two names a key point sets against each other ("Feast ..., while Tecton ...")."""
    sides = _CONTRAST_SPLIT.split(text)
    if len(sides) < 2:
        return []
    found = []
    for side in sides[:2]:
        names = [m.group(1).lower() for m in _ENTITY.finditer(side) if m.start() > 0 or side]
        names = [n for n in names if n not in STOPWORDS and n not in found]
        if not names:
            return []
        found.append(names[0])
    return found


def rubric_pairs(question: str, key_points: Sequence[str]) -> list[Pair]:
    """Sibling terms the rubric itself contrasts: same head, different modifier (dynamic /
    continuous batching, batch / layer norm, top-k / top-p), or "A versus B" in the question.

    A pair counts when both terms are in the question, or both open a clause of a key point
    (where a rubric defines the thing it names).
    """
    groups: dict[tuple[str, str], dict[str, str]] = {}
    where: dict[str, set[str]] = {}
    names: dict[str, str] = {}

    def note(key: tuple[str, str], member: str, pattern: str, name: str, source: str) -> None:
        groups.setdefault(key, {})[member] = pattern
        where.setdefault(pattern, set()).add(source)
        names[pattern] = name

    clauses = [("q", c) for c in split_clauses(normalise(question))]
    clauses += [("k", c) for k in key_points for c in split_clauses(normalise(k))]
    for source, clause in clauses:
        toks = tokens(clause)
        for i, tok in enumerate(toks):
            if source == "k" and i > 2:
                break
            if tok.count("-") == 1:
                left, right = tok.split("-")
                if left.isalpha() and right and left not in _GENERIC:
                    note(("suffix", right), left, re.escape(tok), tok, source)
                    note(("prefix", left), right, re.escape(tok), tok, source)
            if i + 1 < len(toks) and _modifier_ok(tok, toks[i + 1]):
                head = toks[i + 1]
                pattern = rf"{re.escape(tok)} {re.escape(stem(head))}\w*"
                note(("head", stem(head)), stem(tok), pattern, f"{tok} {head}", source)
    pairs: list[Pair] = []
    seen: set[frozenset[str]] = set()
    for k in key_points:
        names_in = _entities(k)
        for x in range(len(names_in)):
            for y in range(x + 1, len(names_in)):
                key = frozenset((names_in[x], names_in[y]))
                if len(key) == 2 and key not in seen:
                    seen.add(key)
                    a, b = (re.escape(n) for n in (names_in[x], names_in[y]))
                    pairs.append(make_pair(a, b, f"{names_in[x]} / {names_in[y]}"))
    kp_words = {t for k in key_points for t in tokens(k)}
    for m in _VERSUS.finditer(normalise(question)):
        a, b = m.group(1), m.group(3)
        modified = m.group(2) in ("instead of", "rather than") and not b.endswith("ing")
        if b not in kp_words and modified and m.group(4):
            b = m.group(4)
        if a != b and {a, b} <= kp_words and not ({a, b} & (STOPWORDS | _GENERIC)):
            pairs.append(make_pair(rf"{re.escape(a)}s?", rf"{re.escape(b)}s?", f"{a} / {b}"))
    for members in groups.values():
        terms = list(members.values())
        for x in range(len(terms)):
            for y in range(x + 1, len(terms)):
                a, b = terms[x], terms[y]
                if where.get(a, set()) & where.get(b, set()):
                    pairs.append(make_pair(a, b, f"{names[a]} / {names[b]}"))
    # A pair the curated list already holds is read with the curated patterns, which also
    # know its synonyms ("offline side" for "offline store").
    return [p for p in pairs if not _curated(*p[2].split(" / ", 1))]


def _curated(one: str, two: str) -> bool:
    return any(
        (a.fullmatch(one) and b.fullmatch(two)) or (a.fullmatch(two) and b.fullmatch(one))
        for a, b, _label, _needed in CURATED
    )
