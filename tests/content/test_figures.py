"""Figures the bank states, checked against the calculators that compute them."""

from __future__ import annotations

import re

from archprep.bank.loader import load_questions
from archprep.calculators import run_calculator

BANK = {q.id: q for q in load_questions()}


def test_kv_cache_per_token_for_llama_3_8b_matches_the_calculator() -> None:
    result = run_calculator(
        "gpu-memory", {"model": "llama-3-8b", "precision": "fp16", "seq_len": "1", "batch": "1"}
    )
    per_token_bytes = result.outputs["kv_cache_gb"] * 1e9
    assert round(per_token_bytes) == 131_072  # 2 × 32 layers × 8 KV heads × 128 × 2 bytes
    assert "128 KiB" in BANK["transformers-llms/kv-cache-memory"].answer


def test_weights_rule_of_thumb_matches() -> None:
    assert (
        run_calculator("gpu-memory", {"params": "7e9", "precision": "fp16"}).outputs["weights_gb"]
        == 14.0
    )
    llama = run_calculator("gpu-memory", {"model": "llama-3-8b", "precision": "fp16"})
    assert round(llama.outputs["weights_gb"], 1) == 16.1
    assert (
        "8.03B × 2 bytes (FP16/BF16) ≈ 16.1 GB"
        in BANK["serving-infra/gpu-memory-estimation"].answer
    )


def test_psi_thresholds_are_stated_consistently() -> None:
    """Every PSI alert threshold in the bank is one of the usual bands, 0.1 and 0.25."""
    found = 0
    for q in BANK.values():
        for value in re.findall(
            r"PSI[^.;]{0,40}?(?:<|>|≥|≤|above|below|under|over)\s*(0\.\d+)", q.answer
        ):
            found += 1
            assert value in ("0.1", "0.10", "0.25"), f"{q.id}: PSI threshold {value}"
    assert found >= 5


def test_nines_downtime_matches_the_availability_calculator() -> None:
    result = run_calculator("availability", {"target": "99.9"})
    assert abs(result.outputs["downtime_min_per_month"] - 43.8) < 0.05
    for q in BANK.values():
        for minutes in re.findall(
            r"99\.9\s*%[^.]{0,60}?(\d+(?:\.\d+)?)\s*min(?:utes)?\s*(?:a|per)\s*month", q.answer
        ):
            assert abs(float(minutes) - 43.8) <= 1.2, q.id  # 43.2 for a 30-day month is fine
