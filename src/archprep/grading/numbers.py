"""Figures in answers: quantities with units, shown arithmetic, and whether two figures agree."""

from __future__ import annotations

import re

from archprep.grading.text import STOPWORDS, normalise, stem, tokens

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.])(?:~|≈)?\d[\d,]*(?:\.\d+)?\s*(?:%|x\b|×|k\b|m\b|b\b|bn\b|"
    r"(?:ms|s|sec|seconds|minutes|min|hours|h|days|gb|gib|tb|mb|kb|tokens?|rps|qps|tps|"
    r"gpus?|users?|requests?|bytes|params|parameters|dims?|dimensions|million|billion|"
    r"thousand|percent|\$)\b)?"
    r"|\$\s?\d[\d,]*(?:\.\d+)?\s*(?:k|m|bn|million|billion)?",
    re.IGNORECASE,
)
_ARITHMETIC = re.compile(r"\d[^\n;]{0,25}?(?:[×*=÷→≈]| x | / |->)[^\n;]{0,25}?\d")


def extract_numbers(text: str) -> list[str]:
    """Quantities mentioned in the text (``50 ms``, ``100k``, ``0.1%``, ``$2,000``)."""
    found = [m.group(0).strip().rstrip(",") for m in _NUMBER.finditer(text)]
    return [f for f in found if re.search(r"\d", f)]


def has_arithmetic(text: str) -> bool:
    """Whether the text shows a calculation such as ``100k × 3 = 300k``."""
    return bool(_ARITHMETIC.search(text))


_MULTIPLIER = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}
UNITS = frozenset(
    """% ms millisecond milliseconds sec second seconds minute minutes hour hours day days
    week weeks month months gb gib mb mib tb kb byte bytes bit bits param params parameter
    parameters weight weights layer layers gpu gpus user users request requests rps qps tps
    token tokens dim dims dimension dimensions candidate candidates document documents doc docs
    chunk chunks step steps epoch epochs head heads expert experts replica replicas shard shards
    core cores node nodes rank k temperature top-k top-p alpha r""".split()
)
_APPROX = frozenset("around about roughly approximately approx nearly set use like".split())
_NAMED_BEFORE = frozenset("rank k temperature top-k top-p alpha r".split())
# What follows a unit to make it a rate: "20 chunks each", "500 tokens per chunk", "3 GPUs/node".
_RATE = re.compile(r"\s*(?:each|apiece|per|every)\b|\s*/\s*[a-z]")
_APPROX_WORDS = r"(?:about|around|roughly|approximately|approx|nearly)"
_RANGE_TO = re.compile(rf"\s*to\s+(?:{_APPROX_WORDS}\s+)?(?=\d|$)")
_COORDINATED = re.compile(r"\s*(?:(?:input|output|prompt|completion)\s+)?(?:and|or)\s+")
# between a number with its unit and a bare one: "bits per parameter to about"
_UNIT_THEN_TO = re.compile(
    rf"\s*[a-z-]+(?:\s+(?:per|each)(?:\s+[a-z-]+)?)?\s+to\s+(?:{_APPROX_WORDS}\s+)?"
)
_QUANTITY = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)(?:\s*(k|m|b|bn|t|thousand|million|billion|trillion))?"
    r"(?:(\s*%)|([x×]))?(?!\w|[.,]\d)",  # a full stop after it ends the sentence
    re.IGNORECASE,
)


def quantities(text: str, *, terms: bool = False) -> list[tuple[float, str]]:
    """(value, unit) pairs: ``41.9M parameters`` -> (41.9e6, "parameter"), ``k ≈ 60`` ->
    (60, "k"), ``10-20%`` -> (10, "%"), (20, "%"); a share names what it is a share of when a
    word follows (``90% recall`` -> (90, "%recal")). Numbers with no recognisable unit are left out."""
    # "1,120 Gb" is gigabits, not the gigabytes of "140 GB": only the case tells them apart.
    lowered = normalise(re.sub(r"(\d\s*[KMGT])b\b", r"\1bit", text))
    lowered = lowered.replace("≈", " ").replace("~", " ")
    lowered = re.sub(r"(\d)\s*(?:percent|per cent)\b", r"\1%", lowered)
    lowered = re.sub(r"(\d)\s*[-–]\s*(\d)", r"\1 to \2", lowered)
    found: list[tuple[float, str, int, int]] = []
    for m in _QUANTITY.finditer(lowered):
        if not terms and (
            re.match(r"\s*(?:[x×*/+=^]|->)(?!\w{2})", lowered[m.end() :])
            or re.search(r"(?:[x×*/+^]|->)\s*$", lowered[: m.start()])
        ):
            # a term of a formula (2 × 32 × 8, 1/(k + rank)), not a stated quantity; what
            # follows "=" is the result, which is one
            continue
        try:
            value = float(m.group(1).replace(",", ""))
        except ValueError:
            continue
        value *= _MULTIPLIER.get((m.group(2) or "").lower(), 1.0)
        unit = "%" if m.group(3) else ("x" if m.group(4) else "")
        if unit == "%":  # what the share is of: "90% recall" and "1% positives" differ
            after = [t for t in tokens(lowered[m.end() : m.end() + 30])[:2] if t not in STOPWORDS]
            unit = f"%{stem(after[0])}" if after and after[0][0].isalpha() else "%"
        if not unit:  # the next word, or the one after a single adjective ("4B trainable params")
            after = [t for t in tokens(lowered[m.end() : m.end() + 40])[:2] if not t[0].isdigit()]
            unit = next((t for t in after if t in UNITS), "")
            if unit and _RATE.match(
                re.split(rf"\b{re.escape(unit)}\b", lowered[m.end() :], maxsplit=1)[-1]
            ):
                unit += "/each"  # "20 chunks each" is a rate, not a total of 20 chunks
        if not unit and _RANGE_TO.match(lowered[m.end() :]):
            pass  # the first number of a range: it takes the second's unit below
        elif not unit:
            before = [t for t in tokens(lowered[max(0, m.start() - 30) : m.start()])]
            before = [t for t in before if t not in STOPWORDS and t not in _APPROX][-1:]
            unit = before[0] if before and before[0] in _NAMED_BEFORE else ""
        found.append((value, unit, m.start(), m.end()))
    # a range "256 to 512 tokens", or "150 input and 5 output tokens": the first number
    # takes the unit of the second
    for i in range(len(found) - 1, 0, -1):
        value, unit, start, _end = found[i - 1]
        gap = lowered[_end : found[i][2]]
        if not unit and (_RANGE_TO.fullmatch(gap) or _COORDINATED.fullmatch(gap)):
            found[i - 1] = (value, found[i][1], start, _end)
    # "from 0.5 bits per parameter to about 0.127": the second takes the unit of the first
    for i in range(1, len(found)):
        value, unit, start, _end = found[i]
        _value, first_unit, _start, first_end = found[i - 1]
        if not unit and first_unit and _UNIT_THEN_TO.fullmatch(lowered[first_end:start]):
            found[i] = (value, first_unit, start, _end)
    return [(v, _stem_unit(u)) for v, u, _s, _e in found if u]


def _stem_unit(unit: str) -> str:
    if unit.startswith("%") or unit == "x":
        return unit
    word, _, rate = unit.partition("/")
    return f"{stem(word)}/{rate}" if rate else stem(word)


def numbers_disagree(expected: str, given: str, factor: float = 1.5) -> bool:
    """True when ``given`` states a quantity in a unit ``expected`` also uses, and none of its
    values is within ``factor`` of the expected ones (e.g. 4 billion vs 41.9M parameters).

    A rate in ``given`` ("20 chunks each") is never held against a total ("100M chunks") on
    its own; a plain figure is compared with rates too, as an answer often leaves the "per
    parameter" of "2 bits" unsaid, and then the unit's rates in ``given`` count as well
    ("625 hours/day" answers "625 hours a day" next to "8-hour shifts")."""
    mine = quantities(given)
    # In a unit the expected text states a figure in, the terms of its sums count too: an
    # answer that works from the key point's "2,000 prompt tokens" is not wrong because the
    # point goes on to "= 2M tokens/s". (Terms in other units are compared with nothing.)
    theirs = quantities(expected)
    stated = {u.removesuffix("/each") for _v, u in theirs}
    theirs += [q for q in quantities(expected, terms=True) if q[1].removesuffix("/each") in stated]
    for base in {u.removesuffix("/each") for _v, u in mine}:
        plain = [v for v, u in mine if u == base]
        got = plain + [v for v, u in mine if u == f"{base}/each"]
        if plain:
            exp = [v for v, u in theirs if u.removesuffix("/each") == base]
        else:
            exp = [v for v, u in theirs if u == f"{base}/each"]
        if not exp:
            continue
        lo, hi = min(exp) / factor, max(exp) * factor
        # A budget given in parts ("10 ms gateway, 15 ms retrieval, ... 15 ms slack") agrees
        # when its parts add up to the figure.
        if not any(lo <= v <= hi for v in got) and not (len(plain) > 1 and lo <= sum(plain) <= hi):
            return True
    return False


def numbers_agree(expected: str, given: str, factor: float = 1.5) -> bool:
    """True when ``given`` states a figure in a unit ``expected`` uses, and each such unit has
    a figure within ``factor`` of one of ``expected``'s (140 GB for "about 141 GB")."""
    theirs = [(v, u.removesuffix("/each")) for v, u in quantities(expected)]
    mine = [(v, u.removesuffix("/each")) for v, u in quantities(given)]
    shared = False
    for unit in {u for _v, u in mine}:
        exp = [v for v, u in theirs if u == unit]
        if not exp:
            continue
        shared = True
        got = [v for v, u in mine if u == unit]
        if not any(e / factor <= v <= e * factor for v in got for e in exp):
            return False
    return shared
