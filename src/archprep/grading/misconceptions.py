"""Finds statements that contradict the rubric: swapped terms, flipped negation, inverted relations."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from archprep.grading.numbers import numbers_disagree
from archprep.grading.pairs import CURATED, Pair, rubric_pairs
from archprep.grading.result import Misconception, MisconceptionKind
from archprep.grading.text import (
    NEGATION_CUES,
    NEGATION_PHRASES,
    STOPWORDS,
    is_negation_cue,
    normalise,
    sentence_shape,
    split_clauses,
    stem,
    tokens,
)

_ASIDE = re.compile(r"(?<=\w)\s+\([^()]{1,40}\)")  # "data (covariate) drift" -> "data drift"
# "Require two misses before caching (optional)" marks a step as optional; it dismisses
# nothing the way "caching is pointless" does.
_OPTIONAL_ASIDE = re.compile(r"\s*\(optional(?: step)?\)")
# "pass eval gates (task metrics, safety, regression against base)": a bracketed list names
# items; it claims nothing about them.
_LISTED_ASIDE = re.compile(r"\s*\([^()]*,[^()]*\)")
_NEUTRAL = re.compile(
    r"encoder-decoder|bias-variance|precision-recall|precision and recall|before and after"
)
# "not only X" and "rather than just X" add to a statement; they do not negate it.
_NOT_NEGATION = re.compile(
    r"\b(?:not only|not just|not merely|not simply|rather than only|rather than just|"
    r"rather than merely)\b"
)
# "not the licence price alone" also adds: the licence price counts, with more besides.
_NOT_ALONE = re.compile(r"\bnot((?:\s+[\w-]+){1,3}\s+)(?:alone|by itself|on its own)\b")
# A negation covers the next few content words of its clause.
_BREAK = r";|:\s|\.\s|\s+(?:but|whereas|while|although|because|so that|so|which)\s+"
_SCOPE_BREAK = re.compile(rf",|{_BREAK}", re.IGNORECASE)
SCOPE_WORDS = 3
_CONTRAST_OPENING = re.compile(r"\W*(?:instead of|rather than|as opposed to)\b")
# "prefer X over Y" sets Y aside like "X rather than Y".
_PREFER_OVER = re.compile(r"\b(prefer\w*\b[^.;:]*?)\s+over\s+")
# "otherwise X" states what happens when a condition fails, so it asserts X no more than "if".
# So is ", or X" after an instruction ("standardise first, or large features dominate").
_CONDITIONAL = re.compile(r"\b(?:whether|if|unless|otherwise|else)\b|^\s*or\b")
# Words that negate without a "not": a clause holding one is left out of flip checks.
_IMPLICIT_NEGATIVE = re.compile(
    r"\b(?:insensitive|independent\w*|exclud\w*|differ\w*|avoid\w*|skip\w*|lack\w*|fail\w*|"
    r"ignor\w*|prevent\w*|stop\w*|\w+-free|hardly|rarely|seldom|unlike|instead|rather|except|"
    r"absent|missing|unaffected|unchanged|irrespective|regardless|neither|nor|remov\w*|"
    r"forbid\w*|prohibit\w*|disallow\w*|refus\w*|reject\w*|poor|flaw\w*|mistake\w*|"
    r"anti-pattern\w*|infeasible)\b"
)

# An absolute claim is a statement of its own: "gets the success rate to zero" against "never
# reaches zero" flips one word, but the word that matters.
_ABSOLUTE = frozenset(
    stem(w)
    for w in "zero eliminate eliminates eliminated elimination always guarantee guarantees "
    "guaranteed completely entirely fully perfect perfectly".split()
)

_UP = (
    r"increas\w*|higher|more|larger|bigger|rais\w*|grow\w*|improv\w*|boost\w*|longer|"
    r"greater|ris(?:e|es|ing)|above|maximi[sz]\w*|widen\w*"
)
_DOWN = (
    r"decreas\w*|lower\w*|less|fewer|smaller|reduc\w*|cuts?|cutting|shrink\w*|hurts?|degrad\w*|"
    r"shorter|drops?|dropping|falls?|below|minimi[sz]\w*|narrow\w*"
)
# Separate scales: "slower TPOT" means a *higher* TPOT, so speed words are not compared with
# quantity words.
_SCALES = {
    "quantity": (_UP, _DOWN),
    "speed": (r"faster|quicker|speeds? up", r"slower|slows? down"),
    "cost": (r"cheaper|less expensive", r"costlier|more expensive|pricier"),
}
_DIRECTION = re.compile(
    "|".join(
        rf"(?<![\w-])(?:(?P<{name}_up>{up})|(?P<{name}_down>{down}))(?![\w-])"
        for name, (up, down) in _SCALES.items()
    )
)
_PHRASE_END = re.compile(r"\b(?:and|or|with|to|than|while|but)\b|,")

# Verbs whose subject and object cannot be swapped without changing the meaning.
ASYMMETRIC = frozenset(
    stem(v)
    for v in """causes leads triggers drives feeds depends precedes replaces outperforms exceeds
    beats produces generates contains requires wraps consumes inherits extends compresses distils
    distills teaches overwrites invalidates""".split()
)

_DISMISSIVE = re.compile(
    r"\b(?:bad idea|pointless|a waste|wasteful|waste of|over-?engineering|overkill|useless|"
    r"unnecessary|no need|not needed|needn't|optional|no effect|irrelevant|doesn't matter|"
    r"does not matter|only adds? noise|strictly worse|not worth|counterproductive|myth|"
    r"impossible|never works?|doesn't help|does not help|won't help|no point|"
    r"waste (?:time|effort|money) on|wasting (?:time|effort|money) on)\b"
)


@dataclass(frozen=True)
class Target:
    """A statement to check against: a key point (with its index) or a model-answer sentence."""

    text: str
    key_point: int | None = None


def _stems(toks: Sequence[str]) -> list[str]:
    return [stem(t) for t in toks if t not in STOPWORDS and t not in NEGATION_CUES]


@lru_cache(maxsize=20_000)
def _wordlike(stem_: str) -> bool:
    """A word rather than a figure ("34", "0.5")."""
    return not stem_[:1].isdigit()


def _content(text: str) -> frozenset[str]:
    return frozenset(_stems(tokens(text)))


def _lead(text: str, n: int = 3) -> set[str]:
    return set(_stems(tokens(text))[:n])


# ---- swapped terms -------------------------------------------------------------------------

CONTEXT_WORDS = 5  # content words either side of a term that say what is claimed about it
_TERM_SCOPE = re.compile(r";|:\s|\.\s|,?\s+(?:but|whereas|while|although|unlike)\s+")


@lru_cache(maxsize=50_000)
def _occurrences(
    text: str, pattern: re.Pattern[str], other: re.Pattern[str], claimed: bool = False
) -> tuple[frozenset[str], ...]:
    """For each match of ``pattern``: the content stems around it, within its clause, stopping
    at the other member of the pair. ``claimed`` (the answer's side) keeps only the
    matches it claims something of: not "not the same" style ones, nor items of a list."""
    out = []
    lowered = _ASIDE.sub("", _NEUTRAL.sub(" ", normalise(text)))
    if not pattern.search(lowered):
        return ()
    for clause in _TERM_SCOPE.split(lowered):
        for m in pattern.finditer(clause):
            preceding = tokens(clause[: m.start()])[-3:]
            if claimed and (
                any(is_negation_cue(t) for t in preceding) or _listed(clause, m.start(), m.end())
            ):
                continue
            own = _content(m.group(0))
            head = clause[: m.start()]
            # After "A does X, and B ...", the words before B describe A, not B.
            head = "" if other.search(head) else head
            before = [w for w in _stems(tokens(head)) if w not in own]
            after = [w for w in _stems(tokens(other.split(clause[m.end() :])[0])) if w not in own]
            out.append(frozenset(before[-CONTEXT_WORDS:]) | frozenset(after[:CONTEXT_WORDS]))
    return tuple(out)


_ITEM = r"[\w'-]+(?:\s+[\w'-]+){0,4}"
_LIST_BEFORE_LAST = re.compile(rf"{_ITEM},\s+{_ITEM},?\s+(?:and|or)\s+$")
_LIST_BEFORE_MIDDLE = re.compile(rf"{_ITEM},\s+$")
_LIST_AFTER_MIDDLE = re.compile(rf",?\s+(?:and|or)\s+{_ITEM}|,\s+{_ITEM}")
_LIST_WINDOW = 300  # characters either side of the term
_LIST_AFTER_FIRST = re.compile(rf",\s+{_ITEM},?\s+(?:and|or)\s+{_ITEM}")


def _listed(text: str, start: int, end: int) -> bool:
    """Whether the term at ``text[start:end]`` is one item of a list of three or more ("track
    error rate, time to first token and throughput"): items are named side by side, so none
    of them takes another term's place."""
    # Two items of at most five words either side are all the patterns read, so a window
    # keeps each check short on a long answer.
    before, after = text[max(0, start - _LIST_WINDOW) : start], text[end : end + _LIST_WINDOW]
    return bool(
        _LIST_BEFORE_LAST.search(before)
        or (_LIST_BEFORE_MIDDLE.search(before) and _LIST_AFTER_MIDDLE.match(after))
        or _LIST_AFTER_FIRST.match(after)
    )


def _subject(sentence: str, pair: Pair) -> frozenset[str]:
    """The first content words of a sentence, leaving out the pair's own terms; empty when the
    sentence opens with one of the terms, which is then what the sentence is about."""
    lowered = _ASIDE.sub("", normalise(sentence))
    opening = " ".join(tokens(lowered)[:4])
    if any(pattern.search(opening) for pattern in pair[:2]):
        return frozenset()
    for pattern in pair[:2]:
        lowered = pattern.sub(" ", lowered)
    return frozenset(_stems(tokens(lowered))[:2])


def swapped_terms(
    sentence: str, targets: Sequence[Target], pairs: Sequence[Pair] = CURATED
) -> tuple[Target, str] | None:
    """A paired term used where the rubric uses its partner (data drift for concept drift):
    what the sentence says around term A matches what the rubric says around term B, in a
    rubric statement about the same subject. A bare list of terms states nothing to swap."""
    if sentence_shape(sentence).list_like:
        return None
    for pair in pairs:
        a, b, label, needed = pair
        subject: frozenset[str] | None = None
        for mine, theirs in ((a, b), (b, a)):
            for ctx in _occurrences(sentence, mine, theirs, claimed=True):
                if len(ctx) < 2:
                    continue
                if subject is None:
                    subject = _subject(sentence, pair)
                same, cross, cross_target = 0, 0, None
                for t in targets:
                    if subject and not subject & _content(t.text):
                        continue  # about something else (often a pronoun's antecedent)
                    for c in _occurrences(t.text, mine, theirs):
                        same = max(same, len(ctx & c))
                    for c in _occurrences(t.text, theirs, mine):
                        if len(ctx & c) > cross:
                            cross, cross_target = len(ctx & c), t
                if (
                    cross_target
                    and cross >= needed
                    and cross >= same + 1
                    and cross >= 0.34 * len(ctx)
                ):
                    return cross_target, label
    return None


# ---- inverted comparisons ------------------------------------------------------------------


@dataclass(frozen=True)
class _Direction:
    scale: str
    up: bool
    subject: frozenset[str]
    obj: frozenset[str]
    than: bool  # "A is faster than B": swapping A and B inverts it


# "The longer the string, the fewer the swings": a correlative states how two things move
# together. Comparatives that have no place on the scales above get one here (distance,
# weight, heat, ...), so "the closer ..., the more effort" can be read as well.
_CO_UP = (
    rf"{_UP}|faster|quicker|costlier|more expensive|farther|further|heavier|hotter|warmer|"
    r"deeper|stronger|louder|older|wider|taller|brighter"
)
_CO_DOWN = (
    rf"{_DOWN}|slower|cheaper|less expensive|closer|nearer|lighter|colder|cooler|shallower|"
    r"weaker|quieter|softer|younger|thinner|dimmer"
)
_CORRELATIVE = re.compile(
    r"\bthe\s+"
    rf"(?:(?P<up>{_CO_UP})|(?P<down>{_CO_DOWN}))(?![\w-])"
)


@dataclass(frozen=True)
class _Covariation:
    first: frozenset[str]  # what the first comparative is about ...
    second: frozenset[str]  # ... and the second
    same: bool  # both rise together (or fall together)


def _correlative_marks(text: str) -> list[re.Match[str]]:
    marks = list(_CORRELATIVE.finditer(text))
    return marks[: len(marks) // 2 * 2]


@lru_cache(maxsize=20_000)
def _covariations(text: str) -> tuple[_Covariation, ...]:
    lowered = normalise(text)
    marks = _correlative_marks(lowered)
    out = []
    for k in range(0, len(marks), 2):
        one, two = marks[k], marks[k + 1]
        stop = marks[k + 2].start() if k + 2 < len(marks) else len(lowered)
        second = re.split(r"[.;:]", lowered[two.end() : stop], maxsplit=1)[0]
        out.append(
            _Covariation(
                frozenset(_stems(tokens(lowered[one.end() : two.start()]))[:3]),
                frozenset(_stems(tokens(second))[:3]),
                (one.lastgroup == "up") == (two.lastgroup == "up"),
            )
        )
    return tuple(out)


def _without_correlatives(text: str) -> str:
    """The text with its correlatives' comparatives taken out, so that the one-way direction
    check does not read "the closer ..., the more effort" as "more effort"."""
    marks = _correlative_marks(text)
    for m in reversed(marks):
        text = text[: m.start()] + " " + text[m.end() :]
    return text


def _inverted_covariation(sentence: str, targets: Sequence[Target]) -> Target | None:
    for c in _covariations(sentence):
        agree, where = False, None
        for t in targets:
            for e in _covariations(t.text):
                straight = c.first & e.first and c.second & e.second
                crossed = c.first & e.second and c.second & e.first
                if not (straight or crossed):
                    continue
                if e.same == c.same:
                    agree = True
                else:
                    where = where or t
        if where is not None and not agree:
            return where
    return None


# "Drops", "cuts", "rises" and "falls" are nouns after these ("the number of drops").
_NOUN_BEFORE = frozenset("of the a an few fewer more less many these those some".split())
_NOUN_OR_VERB = frozenset("drop drops cut cuts fall falls rise rises".split())


def _is_noun(clause: str, m: re.Match[str]) -> bool:
    if m.group(0) not in _NOUN_OR_VERB:
        return False
    before = tokens(clause[: m.start()])
    return bool(before) and (before[-1] in _NOUN_BEFORE or before[-1][0].isdigit())


@lru_cache(maxsize=20_000)
def _directions(text: str) -> tuple[_Direction, ...]:
    out = []
    for clause in split_clauses(_without_correlatives(normalise(text))):
        if _CONDITIONAL.search(clause):
            continue  # "whether more data will help" asserts nothing
        negated = sum(1 for t in tokens(clause) if is_negation_cue(t)) % 2
        matches = [m for m in _DIRECTION.finditer(clause) if not _is_noun(clause, m)]
        for k, m in enumerate(matches):
            start = matches[k - 1].end() if k else 0
            stop = matches[k + 1].start() if k + 1 < len(matches) else len(clause)
            subject = _stems(tokens(_PHRASE_END.split(clause[start : m.start()])[-1]))[-3:]
            rest = clause[m.end() : stop]
            than = re.split(r"\bthan\b", rest, maxsplit=1)
            obj = _stems(tokens(_PHRASE_END.split(rest)[0]))[:3]
            if len(than) == 2:
                obj = _stems(tokens(_PHRASE_END.split(than[1].strip())[0]))[:3]
            group = m.lastgroup or "quantity_up"
            scale, _sep, way = group.rpartition("_")
            up = (way == "up") != bool(negated)
            out.append(_Direction(scale, up, frozenset(subject), frozenset(obj), len(than) == 2))
    return tuple(out)


def inverted_comparison(sentence: str, targets: Sequence[Target]) -> Target | None:
    """A trade-off stated the wrong way round (raises X where the rubric says lowers X)."""
    covaried = _inverted_covariation(sentence, targets)
    if covaried is not None:
        return covaried
    mine = _directions(sentence)
    if not mine:
        return None
    words = _content(sentence)
    for d in mine:
        agree, disagree, where = 0, 0, None
        for t in targets:
            overall = len(words & _content(t.text))
            for e in _directions(t.text):
                if e.scale != d.scale:
                    continue
                s_ov, o_ov = len(d.subject & e.subject), len(d.obj & e.obj)
                crossed = len(d.subject & e.obj) + len(d.obj & e.subject)
                if d.than and e.than and e.up == d.up and crossed >= 2 and crossed > s_ov + o_ov:
                    if crossed > disagree:  # "B is faster than A" for "A is faster than B"
                        disagree, where = crossed, t
                    continue
                if o_ov < 1 or (s_ov + o_ov < 2 and overall < 3):
                    continue
                if e.up == d.up:
                    agree = max(agree, s_ov + o_ov)
                elif s_ov + o_ov > disagree:
                    disagree, where = s_ov + o_ov, t
        if where is not None and disagree > agree:
            return where
    return None


# ---- negation ------------------------------------------------------------------------------


_DETERMINER_NEGATION = frozenset({"no", "without"})
# "not in the same path as bulb B", "not as fast as X": the object of a comparison is not
# what the negation denies.
_COMPARISON_OBJECT = frozenset({"as", "than", "like"})


@dataclass(frozen=True)
class Negation:
    """One negated clause: who it is about, and what it denies of them."""

    subject: frozenset[str]  # content stems before the cue (none when it is a pronoun)
    words: tuple[str, ...]  # stems after the cue, in order, up to the end of its clause
    # "decay is not divided by √v as L2 inside Adam is": what the denial is compared against,
    # of which it holds
    compared: frozenset[str] = frozenset()
    adjacent: bool = False  # the words follow the cue one after another, with nothing between

    @property
    def scope(self) -> frozenset[str]:
        return frozenset(self.words)

    @property
    def head(self) -> tuple[str, ...]:
        """What is denied: the first two words of the scope."""
        return self.words[:2]


@dataclass(frozen=True)
class Polarity:
    clean: frozenset[str]  # stems of clauses with no negation or dismissal at all
    negated: frozenset[str]  # stems after a negation cue, up to the end of its clause
    dismissed: frozenset[str]  # stems of clauses that call something pointless, a waste, ...
    # the plain clauses: the words of their statement before them, and their own
    clean_clauses: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    negations: tuple[Negation, ...]


def _negation_scope(toks: Sequence[str], cue: int) -> tuple[list[str], frozenset[str]]:
    """What the cue at ``cue`` denies (its first content words, in order), and the object of
    a comparison it is made against."""
    scope = list(toks[cue + 1 :])
    if toks[cue] in _DETERMINER_NEGATION:
        # "no errors and normal latency": "no" covers its own noun phrase only.
        scope = list(itertools.takewhile(lambda t: t not in ("and", "or"), scope))
    # "not as fast as X" keeps its first "as"; the comparison's object is cut off.
    cut = next((k for k, t in enumerate(scope) if k and t in _COMPARISON_OBJECT), len(scope))
    return _stems(scope[:cut])[:SCOPE_WORDS], frozenset(_stems(scope[cut + 1 :]))


# Where a statement ends: a negation's scope may stop at a comma, but a plain clause after a
# comma ("... use AdamW with beta2 0.95, weight decay 0.1") still belongs to its statement.
_STATEMENT_BREAK = re.compile(_BREAK, re.IGNORECASE)
# Words that stand for a subject named elsewhere.
_PRONOUNS = frozenset("it its they them this these those he she which".split())
_PERSONAL = frozenset("i we you".split())
# Pronouns that stand for the subject of the statement before them in the same sentence.
_ANAPHORS = frozenset({"it", "they"})


def _pronoun(token: str, pronouns: frozenset[str] = _PRONOUNS) -> bool:
    """One of ``pronouns``, contracted ("it's", "we'd") or not."""
    return token.split("'")[0] in pronouns


# "Scope entries so answers cannot leak": a "so" with no comma before it and a modal after
# its subject opens a purpose, what the step is for. ", so" opens a consequence, and so does
# "so" with a plain verb ("can be merged so inference has no extra latency"): both are claims.
_PURPOSE = re.compile(
    r"(?<!,)\s+so(?:\s+that)?\s+(?:[\w'-]+\s+){0,4}?"
    r"(?:can|cannot|can't|could|couldn't|will|won't|would|wouldn't|may|might)\b"
)


def _statements(text: str) -> list[str | None]:
    """The statements of ``text``; a purpose clause states no fact, so it reads as None."""
    out: list[str | None] = []
    start, purpose = 0, False
    for m in _STATEMENT_BREAK.finditer(text):
        out.append(None if purpose else text[start : m.start()])
        purpose = _PURPOSE.match(text, m.start()) is not None
        start = m.end()
    out.append(None if purpose else text[start:])
    return out


@lru_cache(maxsize=20_000)
def polarity(text: str) -> Polarity:
    lowered = _OPTIONAL_ASIDE.sub("", normalise(text))
    lowered = _LISTED_ASIDE.sub(
        lambda m: m.group(0) if any(map(is_negation_cue, tokens(m.group(0)))) else "", lowered
    )
    lowered = _NOT_ALONE.sub(r"also\1", _NOT_NEGATION.sub("also", lowered))
    lowered = _PREFER_OVER.sub(r"\1 rather than ", lowered)
    reader = _PolarityReader()
    about: frozenset[str] = frozenset()
    opened: list[str] = []  # the words the last statement that named its subject opens with
    for statement in _statements(lowered):
        if statement is None:
            continue
        # What the statement is about: the content words it opens with, up to a pronoun,
        # which stands for something named elsewhere ("GRU merges this ..." is still about
        # the GRU). A statement that opens with a pronoun goes on about the one before it in
        # the sentence ("BF16 has FP32's exponent bits, so it needs no loss scaling"; "RRF
        # multiplies the scores, so you must normalise them"); the first one names nothing.
        opening = tokens(statement)[:3]
        lead = list(
            itertools.takewhile(lambda t: not (_pronoun(t) or _pronoun(t, _PERSONAL)), opening)
        )
        # The words before each clause: for a statement that goes on about the one before,
        # they start with the words that one opened with.
        context: list[str]
        if lead or not opening:
            context, opened = [], lead
            about = frozenset(w for w in _stems(lead) if _wordlike(w))
        else:
            context = list(opened)
        carried = not lead and bool(opening) and opening[0] in _ANAPHORS  # "it" means ``about``
        for clause in _SCOPE_BREAK.split(statement):
            # "Instead of X, it does Y": what is denied of X belongs to the next clause's
            # subject, which this reading cannot resolve.
            subjectless = _CONTRAST_OPENING.match(clause) is not None
            for phrase in NEGATION_PHRASES:
                clause = clause.replace(phrase, "not")
            toks = tokens(clause)
            reader.read(
                clause, toks, tuple(context), subjectless=subjectless, about=about, carried=carried
            )
            context.extend(toks)
    return Polarity(
        frozenset(reader.clean),
        frozenset(reader.negated),
        frozenset(reader.dismissed),
        tuple(reader.clean_clauses),
        tuple(reader.negations),
    )


@dataclass
class _PolarityReader:
    clean: set[str] = field(default_factory=set)
    negated: set[str] = field(default_factory=set)
    dismissed: set[str] = field(default_factory=set)
    clean_clauses: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    negations: list[Negation] = field(default_factory=list)

    def plain(self, context: tuple[str, ...], toks: Sequence[str]) -> None:
        self.clean.update(_stems(toks))
        self.clean_clauses.append((context, tuple(toks)))

    def read(
        self,
        clause: str,
        toks: list[str],
        context: tuple[str, ...],
        *,
        subjectless: bool,
        about: frozenset[str] = frozenset(),
        carried: bool = False,
    ) -> None:
        dismissive = _DISMISSIVE.search(clause)
        if dismissive and dismissive.group(0) == "optional":
            # "plus optional feature tags in request metadata": before a noun, "optional"
            # marks that noun phrase only; the rest of the clause is read as usual.
            after = tokens(clause[dismissive.end() :])
            phrase = list(itertools.takewhile(lambda t: t not in STOPWORDS, after))
            if phrase:
                self.dismissed.update(_stems(phrase))
                clause = clause[: dismissive.start()] + clause[dismissive.end() :]
                toks = tokens(clause)
                dismissive = _DISMISSIVE.search(clause)
        if dismissive:
            # "... is impossible if each candidate re-fetches the user features" rules out a
            # way of doing it, under a condition: a supposition, like any "if" clause.
            if not re.search(r"\b(?:if|unless)\b", clause[dismissive.end() :]):
                self.dismissed.update(_stems(toks))
            return
        cues = [k for k, t in enumerate(toks) if is_negation_cue(t)]
        if not cues:
            # "if the cookies were pure sugar ..." supposes; it asserts nothing.
            if not _IMPLICIT_NEGATIVE.search(clause) and not _CONDITIONAL.search(clause):
                self.plain(context, toks)
            return
        if any(toks[k - 1] in ("or", "either") for k in cues[1:]):
            # "no outbound channel or no sensitive data": either denial may be the one that
            # holds, so neither is denied alone, and nothing is asserted either.
            return
        cue = cues[0]
        before = list(toks[:cue])
        # "black absorbs heat and white does not": a statement of its own before the "and"
        # (two content words or more, then a subject of the negated part) stays plain.
        joins = [k for k, t in enumerate(before) if t in ("and", "or")]
        if joins:
            head, tail = before[: joins[-1]], before[joins[-1] + 1 :]
            own = len(_stems(head)) >= 2 and _stems(tail)
            if own and not _IMPLICIT_NEGATIVE.search(" ".join(head)):
                self.plain(context, head)
                before = tail
        scope, compared = _negation_scope(toks, cue)
        self.negated.update(scope)
        if subjectless:
            return
        # "it needs no normalisation": a pronoun stands for a subject this clause does not name.
        named = not any(_pronoun(t) or _pronoun(t, _PERSONAL) for t in before)
        subject = frozenset(_stems(before)) if named else frozenset()
        if not named and carried and about and any(t in _ANAPHORS for t in before):
            subject = about  # "BF16 has FP32's range, so it needs no loss scaling"
        if named and (not subject or len(before) == 1) and context and about:
            # "GRUs merge them into two gates, with no cell state", "..., needs no loss
            # scaling": a later clause that names no subject, at most a verb, goes on about
            # what its statement is about.
            subject = about
        adjacent = _stems(toks[cue + 1 : cue + 1 + len(scope)]) == scope
        # What sets the compared object apart: "as a contiguous cache is", after "with a paged
        # KV cache, memory is not ...", is told apart by "contiguous" alone.
        compared -= frozenset(_stems([*context, *toks[:cue]]))
        self.negations.append(Negation(subject, tuple(scope), compared, adjacent))


def _said_of(
    negation: Negation, clause: tuple[tuple[str, ...], tuple[str, ...]], words: frozenset[str]
) -> frozenset[str]:
    """The ``words`` a plain clause states of what the negated clause denies.

    The plain clause must be about the same thing: the negation names no subject, or its
    subject or a pronoun comes before the words in the plain statement ("they were pure
    sugar"). Words that open a statement as its own subject ("pure sugar is 200 ml" against
    "the cookies are not pure sugar"), or a subject named only after them, do not count,
    and neither do words said of what the denial is compared against ("inside Adam the
    decay is divided by √v" against "decay is not divided by √v as L2 inside Adam is").
    """
    context, toks = clause
    stems = [stem(t) if t not in STOPWORDS and t not in NEGATION_CUES else "" for t in toks]
    hit = words & frozenset(stems)
    if not hit:
        return hit
    first = min(k for k, st in enumerate(stems) if st in hit)
    before = (*context, *toks[:first])
    if negation.compared & frozenset(_stems(before)):
        return frozenset()
    if not negation.subject:
        return hit
    if negation.subject & frozenset(_stems(before)) or any(_pronoun(t) for t in before):
        return hit
    return frozenset()


def _another_object(negation: Negation, said: set[str]) -> bool:
    """The plain text states the denied verb and noun but not the word the denial puts
    between them: "cannot answer nearest-neighbour queries" against "answer equality and
    range queries" denies it of another kind of query."""
    words = negation.words
    return (
        negation.adjacent
        and len(words) == 3
        and words[0] in said
        and words[2] in said
        and words[1] not in said
    )


def _flipped(a: Polarity, b: Polarity) -> frozenset[str]:
    """Words one text negates and the other states plainly, of the same subject.

    A word a text also states plainly elsewhere ("no hard separation between instructions and
    data; ... instructions arrive") is not negated as a whole, and a word both texts negate
    somewhere ("not pure sugar" in each) is agreed on, so neither counts.
    """
    out: set[str] = set()
    for x, y in ((a, b), (b, a)):
        for n in x.negations:
            # Figures are no words to flip ("instead of roughly 34·s·b·h" against "34 MB"):
            # they have their own check.
            words = frozenset(w for w in (n.scope - x.clean) - y.negated if _wordlike(w))
            said = set().union(*(_said_of(n, clause, words) for clause in y.clean_clauses))
            if _another_object(n, said):
                continue
            if said & set(n.head):  # what is denied ("does not *reduce* latency") is stated
                out.update(said)
    return frozenset(out)


def negation_flip(sentence: str, targets: Sequence[Target]) -> Target | None:
    """Nearly the same statement with its negation flipped ("does not reduce" vs "reduces")."""
    lowered = normalise(sentence)
    if re.match(r"\W*(?:if|when|whether|unless)\b", lowered):
        return None
    mine = polarity(sentence)
    words = _content(sentence)
    for t in targets:
        theirs = polarity(t.text)
        their_words = _content(t.text)
        shared = words & their_words
        if len(shared) < 4 or len(shared) < 0.6 * len(their_words):
            continue
        flips = _flipped(mine, theirs) & shared
        if len(flips) >= 2 or flips & _ABSOLUTE:
            return t
    return None


def swapped_in_evidence(key_point: str, evidence: str) -> tuple[str, str] | None:
    """(term the key point uses, term the evidence uses instead) for a commonly confused pair,
    when the evidence has only the other term, in a statement about the same things: "decoding
    is compute-bound" offered for "decoding is memory-bandwidth bound". A short aside in
    brackets is no part of the statement ("a Gaussian prior (L1: a Laplace one)")."""
    kp, ev = _ASIDE.sub("", normalise(key_point)), _ASIDE.sub("", normalise(evidence))
    if len(_content(key_point) & _content(evidence)) < 2:
        return None
    for a, b, _label, needed in CURATED:
        if needed != 2:  # everyday antonyms need more context than this check has
            continue
        for x, y in ((a, b), (b, a)):
            mx, my = x.search(kp), y.search(ev)
            if my and _listed(ev, my.start(), my.end()):
                continue
            if mx and my and not y.search(kp) and not x.search(ev):
                return mx.group(0), my.group(0)
    return None


# What a sentence recommends: "prefer X", "X is the better choice", "go with X", "X over Y"
# (the last only with the partner term: "precision over the top 10" recommends nothing).
_PREFERENCE = (
    r"\bprefer(?:s|red|ring)?\s+(?:to use\s+|using\s+)?(?:the\s+|an?\s+)?(?:{x})",
    r"(?:{x})(?:\s+(?:is|are|would be|will be)|'s)\s+(?:usually\s+|generally\s+|often\s+|"
    r"much\s+|far\s+|clearly\s+)?(?:the\s+|a\s+)?(?:better|preferred|right|best|more useful|"
    r"more informative|safer)\b",
    r"\b(?:choose|pick|go with|reach for|recommend)\s+(?:the\s+)?(?:{x})",
    r"(?:{x})\s+(?:over|rather than|instead of)\s+(?:the\s+|an?\s+)?(?:{y})",
)


@lru_cache(maxsize=256)
def _preference(term: str, partner: str) -> re.Pattern[str]:
    return re.compile("|".join(p.format(x=term, y=partner) for p in _PREFERENCE))


def _prefers(text: str, term: re.Pattern[str], partner: re.Pattern[str]) -> bool:
    return _preference(term.pattern, partner.pattern).search(text) is not None


def preference_swap(key_point: str, evidence: str) -> tuple[str, str] | None:
    """(term the key point recommends, term the evidence recommends instead) for a commonly
    confused pair: "under imbalance ROC-AUC is the better choice" offered for "under
    imbalance prefer PR-AUC". Both terms may appear in both sentences; what differs is which
    one is recommended."""
    kp, ev = normalise(key_point), normalise(evidence)
    for a, b, _label, needed in CURATED:
        if needed != 2:
            continue
        for x, y in ((a, b), (b, a)):
            mx, my = x.search(kp), y.search(ev)
            if not (mx and my):
                continue
            if (
                _prefers(kp, x, y)
                and not _prefers(kp, y, x)
                and _prefers(ev, y, x)
                and not _prefers(ev, x, y)
            ):
                return mx.group(0), my.group(0)
    return None


def evidence_contradiction(
    key_point: str, evidence: str, *, factor: float = 2.0
) -> tuple[MisconceptionKind, str] | None:
    """Whether the sentence aligned with a key point states it wrongly: a figure more than
    ``factor`` away from the model answer's, or the point negated or dismissed."""
    if numbers_disagree(key_point, evidence, factor=factor):
        return "wrong-number", "Gives a figure far from the model answer's."
    swapped = swapped_in_evidence(key_point, evidence)
    if swapped is not None:
        return "swapped-terms", f"Uses {swapped[1]} where the model answer says {swapped[0]}."
    preferred = preference_swap(key_point, evidence)
    if preferred is not None:
        return (
            "swapped-terms",
            f"Recommends {preferred[1]} where the model answer recommends {preferred[0]}.",
        )
    kp, ev = polarity(key_point), polarity(evidence)
    if ev.dismissed & kp.clean & _content(key_point):
        return "negation", "Dismisses what the model answer recommends."
    lowered = normalise(evidence)
    if re.match(r"\W*(?:if|when|whether|unless)\b", lowered):
        return None
    shared = _content(key_point) & _content(evidence)
    flips = _flipped(ev, kp) & shared
    if len(flips) >= 2:
        return "negation", "Says the opposite of the model answer (the negation is flipped)."
    if flips & _ABSOLUTE and len(shared) >= 3:
        return "negation", "Claims the absolute the model answer rules out."
    return None


# ---- reversed relations --------------------------------------------------------------------


# "Rescore on triggering events", "the generated tokens": after these words an -ing or -ed
# form names or describes a thing; it is not the clause's verb.
_BEFORE_MODIFIER = frozenset(
    "on by for of with from in at to the a an each every any its their our".split()
)


def _modifier(toks: Sequence[str], k: int) -> bool:
    return k > 0 and toks[k].endswith(("ing", "ed")) and toks[k - 1] in _BEFORE_MODIFIER


@lru_cache(maxsize=20_000)
def _relations(text: str) -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
    out = []
    for clause in split_clauses(normalise(text)):
        toks = tokens(clause)
        for k, tok in enumerate(toks):
            verb = stem(tok)
            if verb not in ASYMMETRIC or _modifier(toks, k):
                continue
            after_toks = toks[k + 1 :]
            passive = bool(after_toks) and after_toks[0] == "by" and k > 0
            before = frozenset(_stems(toks[:k])[-3:])
            after = frozenset(_stems(after_toks)[:3])
            out.append((verb, after, before) if passive else (verb, before, after))
    return tuple(out)


def reversed_relation(sentence: str, targets: Sequence[Target]) -> Target | None:
    """Subject and object swapped around a one-way verb ("B causes A" for "A causes B")."""
    for verb, subj, obj in _relations(sentence):
        if not subj or not obj:
            continue
        for t in targets:
            if (verb, subj, obj) in _relations(t.text):
                continue  # the target states this very relation too
            for verb_t, subj_t, obj_t in _relations(t.text):
                if verb_t != verb:
                    continue
                straight = len(subj & subj_t) + len(obj & obj_t)
                crossed = len(subj & obj_t) + len(obj & subj_t)
                if crossed >= 2 and crossed > straight and subj & obj_t and obj & subj_t:
                    return t
    return None


# ---- all together --------------------------------------------------------------------------

_EXPLANATIONS: dict[str, str] = {
    "inverted-comparison": "States the trade-off in the opposite direction to the model answer.",
    "negation": "Says the opposite of the model answer (the negation is flipped).",
    "reversed-relation": "Reverses which thing acts on which compared with the model answer.",
}


def find_misconceptions(
    sentences: Sequence[str], targets: Sequence[Target], *, question: str = ""
) -> list[tuple[int, Misconception]]:
    """(answer sentence index, misconception), at most one per sentence."""
    found: list[tuple[int, Misconception]] = []
    kp_texts = [t.text for t in targets if t.key_point is not None]
    pairs = [*CURATED, *rubric_pairs(question, kp_texts)]
    for i, sentence in enumerate(sentences):
        swapped = swapped_terms(sentence, targets, pairs)
        if swapped is not None:
            target, label = swapped
            why = f"Mixes up {label}: the model answer says this about the other one."
            found.append(
                (i, Misconception("swapped-terms", sentence, target.text, why, target.key_point))
            )
            continue
        checks: tuple[tuple[MisconceptionKind, Target | None], ...] = (
            ("inverted-comparison", inverted_comparison(sentence, targets)),
            ("negation", negation_flip(sentence, targets)),
            ("reversed-relation", reversed_relation(sentence, targets)),
        )
        for kind, hit in checks:
            if hit is not None:
                m = Misconception(kind, sentence, hit.text, _EXPLANATIONS[kind], hit.key_point)
                found.append((i, m))
                break
    return found
