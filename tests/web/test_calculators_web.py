"""Calculator pages: typed numbers, results in form words with written labels, warnings."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from archprep.calculators import CALCULATORS
from archprep.web.routes.calculators import EXAMPLES

FLAG = re.compile(r"(?<![\w-])--[a-z]")  # a CLI option such as --model or --stage


def result_of(client: TestClient, name: str, **values: str) -> str:
    """The result column of a calculator page run with ``values``."""
    response = client.get(f"/calculators/{name}", params={"run": "1", **values})
    assert response.status_code == 200
    page = response.text
    start = page.index('<section class="calc-result"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("name", list(CALCULATORS))
def test_examples_speak_form_words_not_cli_flags(client: TestClient, name: str) -> None:
    section = result_of(client, name, **EXAMPLES[name])
    assert "Worked steps" in section
    assert not FLAG.search(section), FLAG.findall(section)
    assert not re.search(r"<dt>[^<]*_", section)  # labels are written, not made from keys


@pytest.mark.parametrize(
    ("name", "values", "expect"),
    [
        ("gpu-memory", {"params": "7e9"}, "KV cache = 0 GB: the architecture is not given"),
        ("gpu-memory", {"model": "llama-3-70b"}, "The llama-3-70b preset filled"),
        ("gpu-memory", {}, "give “Parameters” (e.g. 7e9 or 7B) or pick a “Model preset”"),
        ("throughput", {"stages": "retrieve"}, "“Pipeline stages” &#39;retrieve&#39;: write"),
        ("throughput", {"budget_ms": "100"}, "“Latency budget” needs the pipeline stages"),
        ("flops", {"params": "7e9", "tokens": "1e9", "peak_tflops": "100"}, "(peak given)"),
        ("drift", {"actual": "1"}, "“Expected (reference) sample” is empty"),
    ],
)
def test_steps_notes_and_errors_use_form_words(
    client: TestClient, name: str, values: dict[str, str], expect: str
) -> None:
    section = result_of(client, name, **values)
    assert expect in section
    assert not FLAG.search(section), FLAG.findall(section)
    assert "”-" not in section  # not “Expected (reference) sample”-csv


def test_form_accepts_numbers_as_people_type_them(client: TestClient) -> None:
    section = result_of(client, "gpu-memory", params="7,000,000,000", seq_len="8k", overhead="10%")
    assert "Check the inputs" not in section
    assert "Weights = 7e9 params × 2 B (fp16)" in section
    section = result_of(client, "cost", gpus="1", gpu_hourly="$2.50", storage_gb="1.5 TB")
    assert "Storage: 1,500 GB × $0.023/GB-month = $34.5" in section
    section = result_of(client, "drift", expected_counts="30 20 10", actual_counts="10 20 30")
    assert "<dt>PSI</dt>" in section


def test_results_are_rounded_labelled_and_sentences_kept_out_of_tiles(client: TestClient) -> None:
    section = result_of(
        client, "cost", gpus="1", gpu_hourly="2", api_price_per_m="10",
        tokens_per_s_per_gpu="1000", tokens_per_month="5e9",
    )  # fmt: skip
    assert '<ul class="warnings"' in section and "that volume needs 4 GPUs" in section
    assert (
        '<dt>Break-even volume</dt><dd>146,000,000 <span class="unit">tokens/month</span></dd>'
    ) in section
    assert '<dt>Cost per 1M tokens</dt><dd>1.17 <span class="unit">USD</span></dd>' in section
    assert "1.46e8" not in section and "1.11111" not in section
    drift = result_of(client, "drift", **EXAMPLES["drift"])
    assert '<p class="callout"><strong>What it means:</strong> PSI' in drift
    assert "<dt>What it means</dt>" not in drift
