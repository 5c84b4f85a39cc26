"""Numbers as people type them (``1.2k``, ``3.5 million``, ``40 GB``): drill estimates and
calculator inputs share this one reader."""

from __future__ import annotations

import re

from archprep.errors import UserError

_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
                "bn": 1e9, "billion": 1e9, "t": 1e12, "trillion": 1e12}  # fmt: skip
# Units an estimate may carry, per family, as multiples of the family's base (GB, minutes).
_SIZES = {"kb": 1e-6, "mb": 1e-3, "gb": 1.0, "tb": 1e3, "pb": 1e6, "kib": 1024 / 1e9,
          "mib": 1024**2 / 1e9, "gib": 1024**3 / 1e9, "tib": 1024**4 / 1e9}  # fmt: skip
_TIMES = {"s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
          "m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0, "h": 60.0,
          "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0, "d": 1440.0, "day": 1440.0,
          "days": 1440.0}  # fmt: skip
_FAMILIES = {"GB": _SIZES, "minutes": _TIMES}  # by the drill unit's first part ("minutes/month")
_NUMBER = re.compile(r"^[~≈$\s]*([-+]?(?:\d[\d,_]*)?(?:\.\d+|\.)?(?:e[-+]?\d+)?)(.*)$", re.I)
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:e[-+]?\d+)?", re.I)


def parse_estimate(text: str, unit: str = "") -> float:
    """A number as people type it: ``1200``, ``1,200``, ``1.2e3``, ``1.2k``, ``3.5 million``.

    A k/M/B/T (or thousand/million/billion/trillion) after the number multiplies. Given the
    drill's ``unit``, a unit of the same kind converts to it (``1.5 TB`` is 1500 for GB,
    ``2 h`` is 120 for minutes, where a bare ``m`` means minutes); a unit of another kind, or a
    comma that is not a thousands separator (``4,38``), is refused rather than guessed.
    """
    shown = text.strip()
    match = _NUMBER.match(shown.replace("_", ""))
    digits = match.group(1) if match else ""
    if not match or not any(c.isdigit() for c in digits):
        raise UserError(f"{shown!r} is not a number; type an estimate such as 40, 1.2e3 or 3.5M")
    if "," in digits and not _GROUPED.fullmatch(digits):
        example = digits.replace(",", ".") if digits.count(",") == 1 else "4.38"
        raise UserError(
            f"{shown!r}: commas only group thousands (1,200); write decimals with a point, "
            f"e.g. {example}"
        )
    value = float(digits.replace(",", ""))
    words = re.findall(r"[a-z]+", match.group(2).lower())
    kind = unit.split("/")[0].strip()
    units = _FAMILIES.get(kind, {})
    if words and words[0] in _MULTIPLIERS and words[0] not in units:
        value *= _MULTIPLIERS[words.pop(0)]
    if not words:
        return value
    if words[0] in units:
        return value * units[words[0]]
    if units and any(words[0] in table for table in _FAMILIES.values()):
        raise UserError(
            f"{shown!r}: {words[0]} is not a unit of {kind}; give the estimate in {unit}"
        )
    return value  # other words ("tokens", "pods", "USD") name what is counted


def unit_family(word: str) -> str | None:
    """Which family a unit word belongs to: "GB" for a size, "minutes" for a time, else None.

    A bare multiplier letter is neither: "m" reads as a million except in a minutes estimate.
    """
    if word in _SIZES:
        return "GB"
    if word in _TIMES and word not in _MULTIPLIERS:
        return "minutes"
    return None
