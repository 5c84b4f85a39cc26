"""``archprep calc``: every calculator via the CLI, JSON shape, Rich output, errors, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from archprep.calculators import CALCULATORS
from archprep.cli import app

runner = CliRunner()


def calc_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["calc", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    for key in ("inputs", "formula", "steps", "outputs", "rule_of_thumb", "notes"):
        assert key in data, key
    assert isinstance(data["steps"], list) and data["steps"]
    return data


def test_gpu_memory_7b_fp16_json() -> None:
    data = calc_json("gpu-memory", "--params", "7e9", "--precision", "fp16")
    assert data["weights_gb"] == 14.0
    assert data["kv_cache_gb"] == 0.0
    assert data["total_gb"] == pytest.approx(15.4)
    assert "gpus_needed" not in data


def test_gpu_memory_preset_and_gpu_count() -> None:
    data = calc_json(
        "gpu-memory", "--model", "llama-3-8b", "--batch", "8", "--seq-len", "4096",
        "--gpu", "l4", "--kv-precision", "fp16",
    )  # fmt: skip
    assert data["kv_cache_gb"] == pytest.approx(2 * 32 * 8 * 128 * 2 * 4096 * 8 / 1e9)
    assert data["gpus_needed"] == 2  # 22.39 GB over 24 × 0.9 = 21.6 GB


def test_training_memory_zero3() -> None:
    data = calc_json("training-memory", "--params", "7e9", "--zero-stage", "3", "--gpus", "8")
    assert data["model_states_gb"] == pytest.approx(112)
    assert data["total_per_gpu_gb"] == pytest.approx(14)


def test_flops() -> None:
    data = calc_json("flops", "--params", "7e9", "--tokens", "2e12", "--gpu", "a100-80gb")
    assert data["total_flops"] == pytest.approx(8.4e22)
    assert data["gpu_hours"] == pytest.approx(8.4e22 / (312e12 * 0.4) / 3600, rel=1e-5)


def test_throughput() -> None:
    data = calc_json(
        "throughput", "--rps", "200", "--latency-ms", "250", "--concurrency-per-pod", "8",
        "--fanout", "100", "--stage", "retrieve=80", "--stage", "generate=900",
        "--budget-ms", "1500",
    )  # fmt: skip
    assert data["concurrency_requests"] == pytest.approx(50)
    assert data["replicas_needed"] == 9
    assert data["fanout_slow_pct"] == pytest.approx(63.4, abs=0.05)
    assert data["slack_ms"] == pytest.approx(520)


def test_availability() -> None:
    data = calc_json("availability", "--series", "0.999", "--series", "0.999")
    assert data["series_availability"] == pytest.approx(0.998001)
    data = calc_json("availability", "--parallel", "99,99", "--target", "99.9")
    assert data["parallel_availability"] == pytest.approx(0.9999)
    assert data["downtime_min_per_year"] == pytest.approx(525.6)


def test_cost() -> None:
    data = calc_json("cost", "--gpus", "1", "--gpu-hourly", "2", "--api-price-per-m", "10")
    assert data["monthly_total_usd"] == pytest.approx(1460)
    assert data["break_even_tokens_per_month"] == pytest.approx(146e6)


def test_drift_counts_samples_and_csv(tmp_path: Path) -> None:
    data = calc_json("drift", "--expected-counts", "10,20,30,40", "--actual-counts", "40,30,20,10")
    assert data["psi"] == pytest.approx(0.91287, abs=1e-5)
    assert data["psi_level"] == "significant"
    data = calc_json(
        "drift", "--expected", "1,2,3,4,5,6,7,8,9,10", "--actual", "1,2,3,4,5,6,7,8,9,10"
    )
    assert data["psi"] == 0
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_text("x,score\n" + "".join(f"{i},{i}\n" for i in range(100)), encoding="utf-8")
    cur.write_text("y\n" + "".join(f"{i + 50}\n" for i in range(100)), encoding="utf-8")
    data = calc_json(
        "drift", "--expected-csv", str(ref), "--column", "score",
        "--actual-csv", str(cur), "--actual-column", "y",
    )  # fmt: skip
    assert isinstance(data["psi"], float) and data["psi"] > 0.25


def test_human_output_shows_steps_and_rule_of_thumb() -> None:
    result = runner.invoke(app, ["calc", "gpu-memory", "--params", "7e9"])
    assert result.exit_code == 0, result.output
    for text in ("Inputs", "Formula", "Worked steps", "1. Weights", "Result", "Rule of thumb"):
        assert text in result.stdout
    assert "14" in result.stdout and "GB" in result.stdout


def test_calc_without_a_name_lists_the_calculators() -> None:
    result = runner.invoke(app, ["calc"])
    assert result.exit_code == 0, result.output
    for name in CALCULATORS:
        assert name in result.stdout
    listed = json.loads(runner.invoke(app, ["calc", "--json"]).stdout)
    assert [c["name"] for c in listed] == list(CALCULATORS)
    assert all(f["label"] and f["help"] for c in listed for f in c["fields"])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["gpu-memory", "--params", "0"], "--params"),
        (["gpu-memory", "--params", "-5"], "--params"),
        (["gpu-memory", "--params", "1e16"], "--params"),
        (["gpu-memory", "--params", "7e9", "--batch", "0"], "--batch"),
        (["gpu-memory", "--params", "7e9", "--seq-len", "1000000000"], "--seq-len"),
        (["gpu-memory", "--params", "7e9", "--seq-len", "1e9"], "--seq-len"),
        (["gpu-memory", "--params", "7e9", "--batch", "1.5"], "--batch"),
        (["gpu-memory", "--params", "nan"], "--params"),
        (["gpu-memory", "--params", "7e9", "--precision", "fp12"], "--precision"),
        (["gpu-memory", "--model", "gpt-9"], "--model"),
        (["training-memory", "--params", "7e9", "--zero-stage", "5"], "--zero-stage"),
        (["flops", "--params", "7e9"], "--tokens"),
        (["throughput"], "nothing to compute"),
        (["availability", "--series", "99.9,101"], "--series"),
        (["cost", "--gpus", "-1"], "--gpus"),
        (["drift", "--expected", "", "--actual", "1"], "--expected"),
        (["drift", "--expected-csv", "missing.csv", "--actual", "1"], "--column"),
        (["gpu-memory", "--params", "seven"], "--params"),
        (["gpu-memory", "--params", "7X"], "--params"),
        (["gpu-memory", "--params", "7e9", "--seq-len", "lots"], "--seq-len"),
        (["cost", "--gpus", "1", "--gpu-hourly", "two dollars"], "--gpu-hourly"),
        (["drift", "--expected-counts", "1 2 x", "--actual-counts", "1 2 3"], "--expected-counts"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], field: str) -> None:
    """A bad option value is a usage error: exit 2, as when Typer itself refuses one."""
    result = runner.invoke(app, ["calc", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]
    assert "Traceback" not in result.output


def test_calc_never_opens_the_database(tmp_path: Path) -> None:
    db = tmp_path / "absent" / "archprep.db"
    result = runner.invoke(
        app, ["--db", str(db), "calc", "flops", "--params", "1e9", "--tokens", "1e9"]
    )
    assert result.exit_code == 0, result.output
    assert not db.exists() and not db.parent.exists()


def test_every_field_is_a_cli_option_with_help() -> None:
    calc_group = get_command(app).commands["calc"]  # type: ignore[attr-defined]
    for name, calc in CALCULATORS.items():
        command = calc_group.commands[name]
        assert command.help
        options = {opt for p in command.params for opt in p.opts}
        for f in calc.fields:
            assert f.option in options, f"archprep calc {name} lacks {f.option}"
        assert "--json" in options


def test_numbers_as_people_type_them() -> None:
    """7B, 8k, 99.9%, $2 and 1,000,000 work on the command line (Click refused them)."""
    data = calc_json("gpu-memory", "--params", "7B", "--seq-len", "8k", "--overhead", "10%")
    assert data["weights_gb"] == 14.0
    assert data["inputs"]["seq_len"] == 8000  # type: ignore[index]
    data = calc_json("availability", "--target", "99.9%")
    assert data["downtime_min_per_month"] == 43.8
    data = calc_json(
        "cost", "--gpus", "1", "--gpu-hourly", "$2", "--requests-per-month", "1,000,000"
    )
    assert data["monthly_total_usd"] == 1460
    data = calc_json("drift", "--expected-counts", "10 20 30 40", "--actual-counts", "40 30 20 10")
    assert data["psi"] == pytest.approx(0.91287, abs=1e-5)


def test_cost_cli_states_the_deployment_behind_each_figure() -> None:
    data = calc_json(
        "cost", "--gpus", "1", "--gpu-hourly", "2", "--api-price-per-m", "10",
        "--tokens-per-s-per-gpu", "1000", "--tokens-per-month", "5e9",
    )  # fmt: skip
    assert data["cost_per_million_tokens_usd"] == pytest.approx(1.168)
    assert data["gpus_for_volume"] == 4 and data["warnings"]
    result = runner.invoke(
        app, ["calc", "cost", "--gpus", "1", "--gpu-hourly", "2", "--api-price-per-m", "10",
              "--tokens-per-s-per-gpu", "1000", "--tokens-per-month", "5e9"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # Rich wraps lines
    assert "Warnings" in out and "that volume needs 4 GPUs" in out
    assert "Cost per 1M tokens 1.17 USD" in out
    assert "Break-even volume 146,000,000 tokens/month" in out
    assert "Self-hosting can beat the API yes" in out
    assert "1.46e8" not in out and "GPU(s)" not in out
