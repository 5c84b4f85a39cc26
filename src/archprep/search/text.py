"""Tokenising for lexical search: lowercase words, English stopwords, Snowball stems, highlights."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

WORD = re.compile(r"[a-z0-9]+(?:[.\-+][a-z0-9]+)*")
# British and American spellings meet before stemming (quantisation / quantization).
ISE = re.compile(r"(?<=\w{3})is(ation|ations|e|es|ed|ing|er|ers)\b")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves""".split()
)

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(ISE.sub(r"iz\1", word)))


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def tokens(text: str) -> list[str]:
    """Stemmed content tokens: what BM25 indexes and queries with."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def snippet(text: str, query_stems: set[str], width: int = 220) -> tuple[str, list[str]]:
    """The passage of ``text`` richest in query terms, and the words in it that matched."""
    plain = re.sub(r"[#*`>|_]+", " ", text)
    parts = [p.strip() for p in SENTENCE.split(plain) if p.strip()]
    if not parts:
        return "", []
    best = max(parts, key=lambda p: (len(query_stems & set(tokens(p))), -parts.index(p)))
    if len(best) > width:
        cut = best.rfind(" ", 0, width)
        best = best[: cut if cut > 0 else width] + "…"
    matched = sorted(
        {w for w in re.findall(r"[A-Za-z0-9][\w.\-+]*", best) if stem(w.lower()) in query_stems}
    )
    return best, matched
