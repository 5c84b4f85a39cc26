"""Structure checks by question kind: STAR, whiteboard steps, hiring signals, numbers, filler, hedging."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archprep.bank.model import DESIGN_SIGNALS, DESIGN_STEPS, STAR_PARTS
from archprep.grading.encoder import Encoded
from archprep.grading.numbers import extract_numbers, has_arithmetic
from archprep.grading.result import Check, Structure
from archprep.grading.text import sentence_shape

# What a question says when it wants figures: "how much memory", "estimate the cost", "size a
# deployment", "walk me through the memory budget", "compute a PSI".
_ESTIMATE = re.compile(
    r"\b(?:estimat\w*|how (?:much|many|big|large|long|fast|often)|calculate|compute|"
    r"size (?:a|an|the)|chunk size|sizing|budget|capacity planning|work (?:it|this|that) "
    r"through|back-of-(?:the-)?envelope|what speed-?up|parameter count)\b",
    re.IGNORECASE,
)


def asks_for_figures(question: str) -> bool:
    """Whether the question asks for an estimate, so the answer should carry numbers."""
    return _ESTIMATE.search(question) is not None


SEMANTIC_MATCH = 0.5  # cosine between an answer sentence and a rubric line that counts as a hit


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


STAR_CUES = {
    "situation": _rx(
        r"situation|at my (?:previous|last|current|old) (?:job|company|role|team|employer)|"
        r"we were|our team|the team was|the project|when i was|years? ago|last (?:year|quarter|"
        r"month|spring|summer|autumn|fall|winter)|in 20\d\d|at the time|context|background|"
        r"we had (?:a|an)|i was (?:the|a|an|leading|running|working|on)|when (?:our|we|my|the)|"
        r"one (?:morning|day|night|week|evening)|on a (?:monday|tuesday|wednesday|thursday|"
        r"friday|saturday|sunday)"
    ),
    "task": _rx(
        r"task|my (?:role|job|task|responsibility|goal|remit) was|i was (?:responsible|asked|"
        r"tasked|accountable|the owner|the one)|i needed to|i had to|the goal was|we needed to|"
        r"the challenge was|it was my call|i owned|my call|my (?:first |main |top )?(?:call|"
        r"priority|concern|worry|aim|objective) was|my first (?:call|priority|step|move)|"
        r"(?:leading|lead|owned|owning|ran|running) the (?:response|incident|decision|project|"
        r"migration|rollout)|incident commander|(?:a|the) (?:call|decision) i (?:got|made)|"
        r"i (?:had|was in) a disagreement|deciding to|the first thing (?:i|we) did"
    ),
    "action": _rx(
        r"action|i (?:decided|built|proposed|led|wrote|set up|created|ran|met|talked|asked|"
        r"started|designed|changed|introduced|organi[sz]ed|scheduled|pushed|worked|convinced|"
        r"presented|negotiated|prototyped|measured|analy[sz]ed|moved|switched|told|admitted|"
        r"reverted|rolled back|paired|hired|coached|escalated|agreed|called|brought|showed|"
        r"split|cut|suggested|reframed|listened|invited|went|declared|took|made|did|sat|set|"
        r"pulled|gave|sent|kept|put|chose|drove|found|traced|fixed|wrote up)|so i|then i|"
        r"first,? i|next,? i|we (?:rolled|pointed|switched|moved|built|ran|load-tested|tested|"
        r"pinned|added|traced|reverted|sat|agreed|shipped|fixed|migrated|replaced)"
    ),
    "result": _rx(
        r"result|as a result|in the end|the outcome|ended up|we (?:reduced|increased|cut|"
        r"improved|shipped|launched|saved|delivered|hit|reached|met|avoided)|since then|"
        r"i (?:learned|learnt)|what i (?:changed|learned|learnt|do differently)|lessons?|"
        r"now i|today i|afterwards|the impact|which led to|this meant|what changed|"
        r"returned to normal|(?:service|things|it|traffic|metrics?) recovered|in total|"
        r"(?:weeks?|months?|quarters?|years?) later|(?:rose|fell|dropped|jumped|grew|went) "
        r"(?:from|to|by)|lifted|(?:caught|blocked|prevented|stopped) (?:a|an|the|it|another)"
    ),
}
STEP_CUES = {
    "clarify": _rx(
        r"clarify|requirements?|assum(?:e|ing|ption|ptions)|constraints?|scope|how many|"
        r"what is the|sla|slo|non-functional|budget|i would (?:ask|confirm|check)|"
        r"first,? i(?:'d| would) (?:ask|confirm|clarify)|success metric|qps|rps|peak"
    ),
    "high_level": _rx(
        r"architecture|components?|high[- ]level|services?|pipeline|gateway|queue|kafka|flink|"
        r"stream(?:ing)?|database|cache|model server|api|batch job|feature store|vector (?:db|"
        r"store|database)|index|orchestrat\w+|microservices?|load balancer"
    ),
    "deep_dive": _rx(
        r"deep dive|in detail|specifically|zoom(?:ing)? in|trade-?offs?|algorithm|schema|"
        r"partition\w*|shard\w*|thresholds?|consistency|batching|quantis\w+|quantiz\w+|"
        r"calibrat\w+|hybrid|re-?rank\w*|window(?:s|ed)?|point-in-time"
    ),
    "failure_modes": _rx(
        r"fail\w*|fallback|falls? back|outage|time-?outs?|retr(?:y|ies)|degrad\w+|"
        r"circuit breaker|drift|monitor\w*|alert\w*|roll(?:back| back)|hot (?:key|spot)s?|"
        r"backpressure|dead[- ]letter|redundan\w+|replica\w*|disaster|incident"
    ),
}
SIGNAL_CUES = {
    "problem_understanding": _rx(
        r"clarify|requirements?|goal|success metric|business|cost of|constraints?|users?|"
        r"trade-?offs?|objective|kpi"
    ),
    "data_features": _rx(
        r"data(?:set)?|features?|labels?|training data|feature store|point-in-time|logging|"
        r"annotat\w+|ground truth|schema|freshness"
    ),
    "modelling": _rx(
        r"models?|gbdt|xgboost|transformer|llm|embeddings?|classifier|baseline|loss|"
        r"fine-?tun\w*|retrain\w*|rank(?:er|ing)|evaluat\w+|metrics?"
    ),
    "deployment_operations": _rx(
        r"deploy\w*|serving|canary|shadow|rollout|monitor\w*|latency|autoscal\w*|kubernetes|"
        r"gpus?|on-call|slos?|observability|ci/cd|registry"
    ),
}
_COMMUNICATION = _rx(
    r"first|second|then|finally|next|to summari[sz]e|in summary|overall|trade-?offs?|"
    r"i would|i'd|let me|step \d"
)
FILLER = _rx(
    r"um+|uh+|erm|you know|basically|actually|literally|sort of|kind of|i mean|stuff|"
    r"things like that|so yeah|at the end of the day|to be honest|honestly|obviously|"
    r"needless to say|as i said|like i said|and so on|etc\.?|whatever"
)
HEDGES = _rx(
    r"i think|i guess|maybe|perhaps|probably|possibly|i'?m not sure|not sure|i believe|"
    r"might|could be|it depends|hopefully|i suppose|i'?m not certain|not certain"
)


# What interviewers write down as red flags in a behavioral story, whatever its structure:
# each costs the story RED_FLAG_COST of its 0-1 quality.
RED_FLAGS: dict[str, tuple[str, re.Pattern[str]]] = {
    "blame": (
        "blames others instead of owning the outcome",
        _rx(
            r"(?:his|her|their|the team's|someone else's|(?:a|the|our) junior(?: \w+)?'s|"
            r"the other team's) (?:fault|mistake|error)|made (?:it )?clear who was "
            r"(?:responsible|to blame|at fault)|who was to blame|blamed (?:the|him|her|them|a|our)|"
            r"(?:was|is) (?:just |simply |entirely |purely )?(?:a )?human error|"
            r"the team didn't (?:execute|deliver)|(?:requirements|they|the team|others) "
            r"(?:let me down|dropped the ball)|(?:not|isn't|wasn't) (?:really )?(?:about|down to) "
            r"my (?:judg(?:e)?ment|decision|call)|wasn't my (?:fault|call|decision|problem)|"
            r"juniors? (?:can't|cannot|aren't allowed to) touch"
        ),
    ),
    "dismissive": (
        "dismisses or overrules a colleague instead of testing the idea",
        _rx(
            r"just academic|(?:her|his|their) (?:idea|proposal|approach) was (?:just |simply )?"
            r"(?:wrong|academic|naive|silly|pointless|nonsense)|(?:have|had|need|needed) to "
            r"overrul\w*|got (?:her|his|their) (?:proposal|idea|design|plan) (?:rejected|killed|"
            r"shut down|blocked)|went over (?:her|his|their) heads?|pulled rank|"
            r"(?:she|he|they) (?:just )?(?:had|needed) to accept"
        ),
    ),
    "no_evidence": (
        "decides without data and never checks the result",
        _rx(
            r"didn't (?:measure|track|check|test|evaluate|verify) (?:anything|it|the \w+|"
            r"afterwards)|did not (?:measure|track|check|test) (?:anything|it)|"
            r"didn't see the point (?:of|in) (?:testing|measuring|checking|trying)|"
            r"no need to (?:measure|test|check|validate)|(?:was|is) obviously (?:right|correct)|"
            r"didn't need (?:data|evidence|numbers|to test|to measure)"
        ),
    ),
    "no_failure": (
        "cannot name a real mistake or what changed after it",
        _rx(
            r"can(?:'t|not) (?:really )?think of (?:a|any)|(?:i've|i have) never (?:really )?"
            r"(?:been wrong|made a (?:big |real |serious )?mistake|failed)|haven't needed to change|"
            r"wouldn't (?:do|change) anything differently|wouldn't change anything|"
            r"nothing (?:i would|i'd|to) (?:learn|change)|didn't (?:really )?learn anything"
        ),
    ),
    "withheld": (
        "keeps stakeholders in the dark during the problem",
        _rx(
            r"didn't want to (?:distract|bother|worry|alarm) (?:people|anyone|them|the team|"
            r"stakeholders|my manager|leadership)|(?:no|without|skipped(?: the)?) status updates|"
            r"kept (?:it|this|the problem) (?:to myself|quiet|under wraps)|didn't (?:tell|inform) "
            r"(?:anyone|stakeholders|my manager|leadership|the customer)"
        ),
    ),
}
RED_FLAG_COST = 0.25


def red_flags(sentences: Sequence[str]) -> list[Check]:
    """One failed check per kind of red flag heard, with the sentence that showed it."""
    checks = []
    for name, (detail, pattern) in RED_FLAGS.items():
        hit = next((s for s in sentences if pattern.search(s)), None)
        if hit is not None:
            checks.append(Check("red_flags", name, False, detail, hit))
    return checks


_OWNED_ACTION = re.compile(
    r"\bi\s+(?:\w+ly\s+)?(?:\w+ed|built|led|wrote|set|ran|met|told|made|took|gave|sent|"
    r"brought|chose|drove|found|got|kept|let|put|saw|spent|thought|went|won|cut|split|shipped)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a couple of|a few|"
    r"half an?)\s*(?:weeks?|days?|months?|hours?|minutes?|years?|quarters?)|last (?:year|quarter|"
    r"month)|20\d\d|q[1-4])\b",
    re.IGNORECASE,
)


def story_quality(answer: str, star_found: int) -> float:
    """0-1 for a behavioral story: STAR parts, concrete figures, owned actions, a measured result.

    Interviewers listen for a specific, first-person story with an outcome; a statement of
    values ("I always learn from mistakes") scores low here whatever its wording.
    """
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", answer) if s.strip()]
    figures = len(extract_numbers(answer)) + len(_TIME.findall(answer))
    actions = len(_OWNED_ACTION.findall(answer))
    result_lines = [s for s in sentences if STAR_CUES["result"].search(s)]
    measured = any(extract_numbers(s) for s in result_lines)
    outcome = 1.0 if measured else (0.5 if result_lines else 0.0)
    parts = (star_found / 4, min(1.0, figures / 3), min(1.0, actions / 4), outcome)
    return round(sum(parts) / len(parts), 3)


@dataclass(frozen=True)
class Hit:
    passed: bool
    evidence: str | None


def _semantic(
    sentences: Sequence[Encoded], lines: Sequence[Encoded], threshold: float = SEMANTIC_MATCH
) -> Hit:
    vecs = [s.vector for s in sentences if s.vector is not None]
    refs = [r.vector for r in lines if r.vector is not None]
    if not vecs or not refs:
        return Hit(False, None)
    sims = np.vstack(vecs) @ np.vstack(refs).T
    i = int(np.argmax(sims.max(axis=1)))
    if float(sims.max()) >= threshold:
        return Hit(True, sentences[i].text)
    return Hit(False, None)


def _cue(sentences: Sequence[Encoded], pattern: re.Pattern[str], needed: int = 1) -> Hit:
    hits = [s.text for s in sentences if pattern.search(s.text)]
    return Hit(len(hits) >= needed, hits[0] if hits else None)


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return []


def _counts(text: str, pattern: re.Pattern[str]) -> Counter[str]:
    return Counter(m.group(0).lower() for m in pattern.finditer(text))


def check_structure(
    kind: str,
    answer: str,
    sentences: Sequence[Encoded],
    *,
    extra: dict[str, Any] | None = None,
    question: str = "",
    encode: Any = None,
) -> Structure:
    """Every check that applies to ``kind``, plus numbers, filler and hedging counts.

    Figures are expected in a design answer and wherever ``question`` asks for an estimate.

    ``encode`` (texts -> list[Encoded]) lets rubric lines such as ``method.clarify`` be matched
    by meaning as well as by cue words.
    """
    extra = extra or {}
    words = len(answer.split())
    filler, hedges = _counts(answer, FILLER), _counts(answer, HEDGES)
    numbers = extract_numbers(answer)
    result = Structure(
        kind=kind,
        numbers=numbers,
        word_count=words,
        filler_count=sum(filler.values()),
        filler=dict(filler),
        hedge_count=sum(hedges.values()),
        hedges=dict(hedges),
        list_like_sentences=sum(1 for s in sentences if sentence_shape(s.text).list_like),
    )

    def semantic(lines: list[str]) -> Hit:
        if not lines or encode is None:
            return Hit(False, None)
        return _semantic(sentences, encode(lines))

    penalty = 0.0
    if kind == "behavioral":
        star = extra.get("star") or {}
        for part in STAR_PARTS:
            hit = _cue(sentences, STAR_CUES[part])
            if not hit.passed:
                hit = semantic(_lines(star.get(part)))
            detail = "present" if hit.passed else f"no clear {part} in the story"
            result.checks.append(Check("star", part, hit.passed, detail, hit.evidence))
        found = sum(1 for c in result.checks if c.group == "star" and c.passed)
        flags = red_flags([s.text for s in sentences])
        result.checks += flags or [
            Check("red_flags", "none", True, "no blame, dismissal or unchecked decisions heard")
        ]
        result.story = round(max(0.0, story_quality(answer, found) - RED_FLAG_COST * len(flags)), 3)
    if kind == "design":
        method = extra.get("method") or {}
        for step in DESIGN_STEPS:
            if step == "numbers":
                continue
            hit = _cue(sentences, STEP_CUES[step], needed=2 if step == "high_level" else 1)
            if not hit.passed:
                hit = semantic(_lines(method.get(step)))
            detail = "covered" if hit.passed else f"no {step.replace('_', ' ')} step"
            result.checks.append(Check("whiteboard", step, hit.passed, detail, hit.evidence))
            penalty += 0 if hit.passed else 2.5
        signals = extra.get("signals") if isinstance(extra.get("signals"), dict) else {}
        assert isinstance(signals, dict)
        for signal in DESIGN_SIGNALS:
            if signal == "communication":
                markers = _cue(sentences, _COMMUNICATION, needed=2)
                organised = markers.passed or answer.count("\n\n") >= 2
                result.checks.append(
                    Check(
                        "signals",
                        signal,
                        organised,
                        "structured answer" if organised else "no visible structure or signposts",
                        markers.evidence,
                    )
                )
                continue
            hit = _cue(sentences, SIGNAL_CUES[signal], needed=2)
            if not hit.passed:
                hit = semantic(_lines(signals.get(signal)))
            detail = "shown" if hit.passed else f"little on {signal.replace('_', ' ')}"
            result.checks.append(Check("signals", signal, hit.passed, detail, hit.evidence))
    if kind == "design" or (kind != "ask-them" and asks_for_figures(question)):
        arithmetic = has_arithmetic(answer)
        enough = len(numbers) >= 3 or (len(numbers) >= 2 and arithmetic)
        detail = (
            f"{len(numbers)} figure(s)" + (", with the arithmetic shown" if arithmetic else "")
            if enough
            else "no concrete figures; estimate the sizes that matter and show the arithmetic"
        )
        evidence = next((s.text for s in sentences if extract_numbers(s.text)), None)
        result.checks.append(Check("numbers", "numbers", enough, detail, evidence))
        penalty += 0 if enough else (4.0 if kind == "design" else 2.0)
    ratio = result.filler_count / max(words, 1)
    if ratio > 0.04:
        penalty += min(5.0, (ratio - 0.04) * 100)
    result.penalty = round(min(penalty, 15.0), 2)
    return result
