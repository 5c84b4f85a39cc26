"""Calculators: forms built from the registry's field specs, results with worked steps."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from archprep.calculators import CALCULATORS, CalcResult, Calculator
from archprep.calculators.base import option
from archprep.errors import UserError
from archprep.store.questions import list_questions
from archprep.web.deps import DB, CurrentViewer, page
from archprep.web.filters import web_message

router = APIRouter(include_in_schema=False)

# One worked example per calculator, offered as a link that fills the form.
EXAMPLES: dict[str, dict[str, str]] = {
    "gpu-memory": {"model": "llama-3-70b", "precision": "fp16", "seq_len": "8192", "batch": "8",
                   "gpu": "h100-80gb"},
    "training-memory": {"model": "llama-3-8b", "optimizer": "adam-mixed", "zero_stage": "2",
                        "gpus": "8", "checkpointing": "selective", "gpu": "a100-80gb"},
    "flops": {"params": "7e9", "tokens": "2e12", "gpu": "h100-80gb", "gpus": "256"},
    "throughput": {"rps": "300", "latency_ms": "800", "concurrency_per_pod": "16",
                   "stages": "retrieve=80, rerank=40, generate=600", "budget_ms": "1000"},
    "availability": {"series": "99.9, 99.95, 99.99", "parallel": "99, 99"},
    "cost": {"gpus": "4", "gpu_hourly": "2.5", "tokens_per_month": "3e9",
             "api_price_per_m": "2", "tokens_per_s_per_gpu": "1500"},
    "drift": {"expected_counts": "120, 300, 380, 150, 50", "actual_counts": "80, 260, 390, 200, 70"},
}  # fmt: skip


# CLI spellings that are not a field's own option, and the field they stand for.
OPTION_ALIASES = {"--stage": "stages"}


def friendly(calc: Calculator, message: str) -> str:
    """Calculator text names CLI options (``--kv-heads``); a form names its labels instead."""
    options = {f.option: f.label for f in calc.fields}
    for alias, name in OPTION_ALIASES.items():
        if option(name) in options:
            options[alias] = options[option(name)]
    for flag in sorted(options, key=len, reverse=True):
        flag_alone = rf"(?<![\w-]){re.escape(flag)}(?![\w-])"  # not --expected in --expected-csv
        message = re.sub(flag_alone, f"“{options[flag]}”", message)
    return web_message(message)  # any flag left (a CSV option, say) becomes plain words


def shown(calc: Calculator, result: CalcResult) -> dict[str, Any]:
    """What the result card shows: figures as tiles, sentences apart, steps in form words."""
    rows = calc.shown_outputs(result)
    return {
        "tiles": [(label, value, unit) for label, value, unit in rows if " " not in value],
        "sentences": [(label, value) for label, value, _ in rows if " " in value],
        "steps": [friendly(calc, step) for step in result.steps],
        "notes": [friendly(calc, note) for note in result.notes],
        "warnings": [friendly(calc, warning) for warning in result.warnings],
    }


def related(session: DB, viewer_id: int, name: str) -> list[Any]:
    return [q for q in list_questions(session, viewer_id) if name in q.calculators][:8]


@router.get("/calculators", response_class=HTMLResponse)
def index(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    return page(request, "calculators.html", viewer, title="Calculators",
                calculators=list(CALCULATORS.values()))  # fmt: skip


@router.get("/calculators/{name}", response_class=HTMLResponse)
def calculator(request: Request, session: DB, viewer: CurrentViewer, name: str) -> HTMLResponse:
    calc = CALCULATORS.get(name)
    if calc is None:
        raise HTTPException(404, f"no calculator {name!r}")
    known = {f.name for f in calc.fields}
    values = {k: v for k, v in request.query_params.items() if k in known}
    result, error, view = None, None, None
    if "run" in request.query_params:
        try:
            result = calc.run({k: v for k, v in values.items() if v.strip()})
            view = shown(calc, result)
        except UserError as exc:
            error = friendly(calc, str(exc))
    return page(
        request,
        "calculator.html",
        viewer,
        title=calc.title,
        calc=calc,
        values=values,
        result=result,
        view=view,
        error=error,
        example=EXAMPLES.get(name),
        questions=related(session, viewer.id, name),
        others=[c for c in CALCULATORS.values() if c.name != name],
    )
