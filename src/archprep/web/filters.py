"""Template filters and globals: labels for categories and kinds, numbers, dates, Markdown."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from archprep.bank.model import KINDS, LEVELS, TOPICS, category_title
from archprep.calculators import CALCULATORS
from archprep.calculators.base import fmt
from archprep.scheduling import aware, humanize_interval
from archprep.web import charts, render

KIND_TITLES = {
    "concept": "Concept",
    "design": "Design",
    "troubleshooting": "Troubleshooting",
    "behavioral": "Behavioral",
    "strategy": "Strategy",
    "rapid-fire": "Rapid fire",
    "ask-them": "Ask them",
}


def category_blurb(slug: str, n: int = 4) -> str:
    """A one-line description from the category's topic list in ``topics.yaml``."""
    ground = TOPICS.get(slug)
    if not ground:
        return "Imported questions."
    parts = [d.split(" (")[0] for d in list(ground.values())[:n]]
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + ("…" if len(ground) > n else ".")


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind.replace("-", " ").capitalize())


def pct(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{digits}f}%"


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def score_band(value: float | None) -> str:
    """A CSS class for a 0-100 score or a 0-1 readiness (scaled by the caller)."""
    if value is None:
        return "band-none"
    if value >= 75:
        return "band-good"
    if value >= 50:
        return "band-ok"
    return "band-low"


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A date as people say it: 'today', 'yesterday', '3 days ago', or the date."""
    if moment is None:
        return "never"
    moment = aware(moment)
    if now is None:
        return moment.strftime("%d %b %Y")
    days = (aware(now).date() - moment.date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if 1 < days < 14:
        return f"{days} days ago"
    if days < 0:
        return f"in {humanize_interval(now, moment)}"
    return moment.strftime("%d %b %Y")


def urlquote(value: str) -> str:
    return quote(value, safe="/")


def query(base: str, **params: Any) -> str:
    """``base`` with the non-empty ``params`` as a query string."""
    kept = {k: v for k, v in params.items() if v not in (None, "", [])}
    return f"{base}?{urlencode(kept, doseq=True)}" if kept else base


UNIT_WORDS = {
    "gb": "GB", "mb": "MB", "kb": "KB", "tb": "TB", "usd": "USD", "ms": "ms", "s": "s",
    "min": "min", "h": "h", "pct": "%", "tflops": "TFLOPS", "rps": "req/s", "gpu": "GPU",
    "gpus": "GPUs", "kv": "KV", "psi": "PSI", "kl": "KL", "js": "JS", "mtbf": "MTBF",
    "mttr": "MTTR", "api": "API", "mfu": "MFU", "p99": "p99", "p50": "p50",
}  # fmt: skip


def output_label(key: str) -> str:
    """``kv_cache_gb`` -> ``KV cache GB``: calculator output keys as labels."""
    words = [UNIT_WORDS.get(w, w) for w in key.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def number(value: Any) -> str:
    """Calculator outputs as people write them (``10.7374``, ``1.07e10``, ``58,979.2``)."""
    if value is None:
        return "—"  # e.g. the nines of 100% availability: no finite number
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, list | tuple):
            return ", ".join(number(v) for v in value)
        return str(value)
    return fmt(value)


def calc_title(name: str) -> str:
    calc = CALCULATORS.get(name)
    return calc.title if calc else name.replace("-", " ").capitalize()


# Errors are written once, for the command line, and say what to do there; on a page the same
# advice names the page's own controls.
_WEB_WORDING = [
    (re.compile(r"check --deck and --category with `archprep list`"),
     "check the deck and category you chose (Browse lists them)"),
    (re.compile(r"see `archprep mock --history`"), "see the mock history page"),
    (re.compile(r"against `archprep stats`"), "against the categories on the Browse page"),
    (re.compile(r"or pass --format"), "or choose its format"),
    (re.compile(r"or force another with --format"), "or choose another format"),
    (re.compile(r"`archprep unsuspend --list`"), "the question's page"),
    (re.compile(r"(?<![\w-])--([a-z][a-z-]*)"), r"“\1”"),
]  # fmt: skip


def web_message(message: str) -> str:
    """A user error as a page should say it: CLI flags and commands become form words."""
    for pattern, words in _WEB_WORDING:
        message = pattern.sub(words, message)
    return message


FILTERS: dict[str, Any] = {
    "web_message": web_message,
    "markdown": render.markdown,
    "inline": render.inline,
    "plain": render.plain,
    "category_title": category_title,
    "category_blurb": category_blurb,
    "kind_title": kind_title,
    "pct": pct,
    "score": score,
    "score_band": score_band,
    "when": when,
    "urlquote": urlquote,
    "calc_title": calc_title,
    "output_label": output_label,
    "number": number,
}
GLOBALS: dict[str, Any] = {
    "highlight": render.highlight,
    "query": query,
    "KINDS": KINDS,
    "LEVELS": LEVELS,
    "CALCULATORS": CALCULATORS,
    "charts": charts,
    "humanize_interval": humanize_interval,
}
