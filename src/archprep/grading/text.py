"""Text primitives for grading: sentences, clauses, tokens, light stemming, negation, numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can could did do does doing done down during each
    either else etc even ever every few for from further get gets getting got had has have having
    he her here hers herself him himself his how however i if in into is it its itself just let
    lets me mine more most much must my myself nor now of off on once one only onto or other ought
    our ours ourselves out over own per quite rather really same shall she should since so some
    such than that the their theirs them themselves then there these they this those though
    through thus to too toward towards under until up upon us use used uses using very via was
    we well were what whatever when where whether which while who whom whose why will with
    within without would yet you your yours yourself yourselves e.g i.e eg ie
    """.split()
)

# Words that carry the grammar of a sentence: a real explanation has plenty of them, a bare list
# of terms has almost none.
FUNCTION_WORDS = STOPWORDS | frozenset(
    "not no never because therefore since so that which who whose whereas unless although "
    "means lets makes causes allows gives needs keeps i'd i'm i've i'll we're we'd we've we'll "
    "you're you'd you'll it's that's there's they're they'd what's here's let's".split()
)

# Verbs and auxiliaries common in explanations; a sentence with none of them and no word that
# looks inflected as a verb is treated as a fragment.
RELATION_WORDS = frozenset(
    """
    is are was were be been being am has have had do does did can could will would should shall
    may might must need needs means mean makes make made causes cause gives give lets let keeps
    keep allows allow takes take puts put goes go sets set runs run uses use adds add cuts cut
    holds hold grows grow drops drop falls fall rises rise depends depend stays stay becomes
    become helps help fits fit splits split sends send reads read writes write stores store
    returns return matters matter leads lead works work scales scale costs cost pays pay
    measures measure tracks track shows show tells tell says say changes change moves move
    """.split()
)

NEGATION_CUES = frozenset(
    "not no never none nothing neither nor cannot can't won't don't doesn't isn't aren't wasn't "
    "weren't shouldn't wouldn't couldn't didn't hasn't haven't hadn't mustn't without lacks "
    "lack".split()
)


def is_negation_cue(token: str) -> bool:
    """A word that negates what follows: "not", "no", "without", any "…n't"."""
    return token in NEGATION_CUES or token.endswith("n't")


NEGATION_PHRASES = ("rather than", "instead of", "as opposed to", "fails to", "fail to")

CLAUSE_BREAK = re.compile(
    r"\s*(?:[;:]|,\s*(?:but|while|whereas|although|though|so|because|which|and then)\b|"
    r"\s(?:but|whereas|although|because|while)\s|,)\s*",
    re.IGNORECASE,
)

_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_MARK = re.compile(r"(\*\*|__|\*|`|~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]*[A-Z0-9*_])")
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|approx|cf|fig|no)\.\s+", re.IGNORECASE)
_TOKEN = re.compile(
    r"p\([a-z0-9|, ]{1,12}\)"  # P(X), P(Y|X)
    r"|[a-z0-9]+(?:[-'][a-z0-9]+)*(?:\.[0-9]+)?%?",
    re.IGNORECASE,
)


def strip_markdown(text: str) -> list[str]:
    """Lines of plain text: headings, bullets, emphasis, links and table rules removed."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if _TABLE_RULE.match(raw) or raw.lstrip().startswith("|"):
            lines.append("")  # tables hold cells, not sentences
            continue
        line = _HEADING.sub("", raw)
        line = _BULLET.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_MARK.sub("", line).strip()
        lines.append(line)
    return lines


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer or reference; headings, bullets and blank lines also separate."""
    return [sentence for _section, sentence in sectioned_sentences(text)]


def sectioned_sentences(text: str) -> list[tuple[int, str]]:
    """(section, sentence) pairs: a section starts at each heading, or each paragraph if none."""
    out: list[tuple[int, str]] = []
    block: list[str] = []
    raw_lines = text.replace("\r\n", "\n").split("\n")
    has_headings = any(_HEADING.match(r) for r in raw_lines)
    section = 0

    def flush() -> None:
        if block:
            joined = " ".join(block)
            protected = _ABBREV.sub(lambda m: m.group(0).replace(". ", ".\u00a0"), joined)
            for part in _SENT_END.split(protected):
                part = part.replace("\u00a0", " ").strip()
                if re.search(r"[A-Za-z0-9]", part):
                    out.append((section, part))
            block.clear()

    previous_blank = True
    for raw, line in zip(raw_lines, strip_markdown(text), strict=True):
        heading = bool(_HEADING.match(raw))
        starts_item = heading or bool(_BULLET.match(raw))
        if not line or starts_item:
            flush()
        if heading or (not has_headings and line and previous_blank and out):
            section += 1
        if line:
            block.append(line)
            if heading:
                flush()
        previous_blank = not line
    flush()
    return out


def split_clauses(sentence: str) -> list[str]:
    """Clauses of one sentence, split at semicolons, commas and contrastive conjunctions."""
    return list(_clauses(sentence))


@lru_cache(maxsize=50_000)
def _clauses(sentence: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in CLAUSE_BREAK.split(sentence) if c and c.strip())


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to about ``limit`` characters with " …"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def head(text: str, limit: int) -> str:
    """The start of ``text``, at most ``limit`` characters, cut after a word where one ends in
    the second half of them."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return cut[:space].rstrip() if space > limit // 2 else cut


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    text = text.replace("\u2014", " - ").replace("\u00d7", " x ")
    return text.lower()


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; ``P(Y|X)`` and ``0.1%`` stay whole; a trailing 's goes."""
    return list(_tokens(text))


@lru_cache(maxsize=50_000)
def _tokens(text: str) -> tuple[str, ...]:
    out = [t.replace(" ", "") for t in _TOKEN.findall(normalise(text))]
    return tuple(t[:-2] if t.endswith("'s") and len(t) > 3 else t for t in out)


_IRREGULAR = {
    "data": "data",
    "indices": "index",
    "matrices": "matrix",
    "vertices": "vertex",
    "analyses": "analysi",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
    "lower": "low",
    "lowest": "low",
    "higher": "high",
    "highest": "high",
    "larger": "large",
    "largest": "large",
    "smaller": "small",
    "smallest": "small",
    "faster": "fast",
    "fastest": "fast",
    "slower": "slow",
    "slowest": "slow",
    "children": "child",
    "men": "man",
    "was": "be",
    "were": "be",
    "is": "be",
    "are": "be",
}


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match plurals, tenses and -ation/-ly forms."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if "-" in w:
        head, _, last = w.rpartition("-")
        return f"{head}-{stem(last)}" if last.isalpha() and len(last) > 3 else w
    if len(w) <= 3 or not w.isalpha():
        return w
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            w = w[: -len(suffix)] + repl
            break
    else:
        if w.endswith("s") and not w.endswith(("ss", "us", "is", "ys", "as")) and len(w) > 3:
            w = w[:-1]
    for suffix, repl in (
        ("ational", "at"),
        ("ization", "iz"),
        ("isation", "iz"),
        ("ation", "at"),
        ("ition", "it"),
        ("uction", "uc"),
        ("ction", "ct"),
        ("ution", "ut"),
        ("ssion", "ss"),
        ("sion", "s"),
        ("tion", "t"),
        ("ness", ""),
        ("ment", ""),
        ("ingly", ""),
        ("edly", ""),
        ("ally", "al"),
        ("ly", ""),
        ("ing", ""),
        ("ed", ""),
        ("ise", "iz"),
        ("ize", "iz"),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            if suffix in ("ing", "ed") and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if w.endswith("y") and len(w) > 4:
        w = w[:-1] + "i"
    return w


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (no stopwords, no bare punctuation)."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS and t not in NEGATION_CUES]


def is_number_token(token: str) -> bool:
    return bool(re.fullmatch(r"[0-9][0-9.,]*(?:[kmbg%x]|ms|gb|tb|mb)?", token))


@dataclass(frozen=True)
class Shape:
    """How a sentence is built: enough to tell an explanation from a list of terms."""

    words: int
    function_ratio: float
    has_relation: bool
    list_like: bool

    @property
    def explanatory(self) -> bool:
        """A statement, not a list of terms: it has a verb or enough grammar words."""
        if self.list_like or self.words == 0:
            return False
        return self.has_relation or self.function_ratio >= 0.2


def _verbish(token: str) -> bool:
    return token in RELATION_WORDS or (
        len(token) > 4 and token.endswith(("ed", "es", "izes", "ises")) and token.isalpha()
    )


@lru_cache(maxsize=20_000)
def sentence_shape(sentence: str) -> Shape:
    """Function-word ratio, whether there is a verb, and whether it reads as a term list."""
    toks = tokens(sentence)
    n = len(toks)
    if n == 0:
        return Shape(0, 0.0, False, True)
    function = sum(1 for t in toks if t in FUNCTION_WORDS or t in NEGATION_CUES)
    ratio = function / n
    # An equation ("failover = detection + propagation ≈ 90 s") states a relation too.
    relation = (
        any(_verbish(t) or t.endswith("n't") or t in NEGATION_CUES for t in toks)
        or re.search(r"[=≈]", sentence) is not None
    )
    items = [i.strip() for i in re.split(r"[,;/|]|\band\b|\bor\b", sentence) if i.strip()]
    lengths = sorted(len(tokens(i)) for i in items)
    median = lengths[len(lengths) // 2] if lengths else 0
    # Many short comma-separated items with little grammar, or almost no grammar and no verb
    # at all: a terse note that has one ("small batches and padding make the statistics
    # noisy") is a statement.
    list_like = (len(items) >= 5 and median <= 4 and ratio < 0.2) or (
        n >= 8 and ratio < 0.15 and not relation
    )
    list_like = list_like or (len(items) >= 3 and median <= 2 and ratio < 0.2)
    return Shape(n, ratio, relation, list_like)
